"""Benchmark: replay a year of hourly ETH with 10,000 f(x) positions; events/s and blocks/s.

    .venv/bin/python bench/replay.py                          # 2021, 10,000 positions
    .venv/bin/python bench/replay.py --positions 1000 --hours 720
    .venv/bin/python bench/replay.py --start 2020-01-01 --end 2020-12-31T23:00:00

The scenario is built here as a `Scenario` object (nothing is written to a TOML file): ETH/USDT
hourly closes from ../shared/data/prices/eth-usdt-1h.csv (read in place, never copied), Ethereum
block timing (12 s), an f(x) long pool with a reserve, the f(x) keeper agent, and a seeded
opener agent that opens the positions spread over the run (collateral 1-10 ETH, debt ratio
0.55-0.85 at that hour's price), so positions opened near the top meet the crashes. It runs
through `replay.runner.Replayer` like any scenario, into an SQLite log in a temporary folder.
Prints the setup time, then events/s (events appended to the log per second of wall time) and
simulated blocks/s (chain blocks covered per second) for the steps, the checkpoints' share of
the steps' time, and the log's head hash (the same scenario writes the same bytes, so two
versions of the code that replay alike print the same hash).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger.clock import FixedClock  # noqa: E402
from ledger.commands.fx import OperateFxPosition  # noqa: E402
from ledger.engine import Command, Engine  # noqa: E402
from ledger.sqlite_store import SqliteStore  # noqa: E402
from replay.agents.base import Step, param  # noqa: E402
from replay.agents.catalog import AGENT_KINDS  # noqa: E402
from replay.runner import Replayer, steps_of  # noqa: E402
from replay.scenario import (  # noqa: E402
    Actor,
    AgentSpec,
    AssetSpec,
    Chain,
    PriceSource,
    Scenario,
    SetupCommand,
)

PRICES_CSV = ROOT.parent / "shared" / "data" / "prices" / "eth-usdt-1h.csv"
ETH, USDC = 10**18, 10**6
OWNERS = 100


class BenchOpener:
    """Opens `positions` f(x) positions, spread evenly over the first `steps` steps."""

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        self.positions: int = param(spec, "positions")
        self.steps: int = param(spec, "steps")
        self.opened = 0

    def act(self, step: Step, engine: Engine) -> list[Command]:
        due = min(self.positions, self.positions * step.index // self.steps)
        commands: list[Command] = []
        price = step.prices.get("ETH")
        while self.opened < due and price:
            collateral = step.rand.randint(1, 10) * ETH
            ratio_bps = step.rand.randint(5_500, 8_500)
            debt = collateral * price // 10**18 * ratio_bps // 10_000
            commands.append(
                OperateFxPosition(
                    pool_id="ETH-long",
                    owner=f"owner{self.opened % OWNERS}",
                    collateral_delta_token=collateral,
                    debt_delta=debt,
                )
            )
            self.opened += 1
        return commands


BENCH_AGENT_KINDS = {**AGENT_KINDS, "bench_fx_opener": BenchOpener}


def bench_scenario(arguments: argparse.Namespace) -> Scenario:
    start = datetime.fromisoformat(arguments.start + "+00:00")
    end = datetime.fromisoformat(arguments.end + "+00:00")
    hours = arguments.hours or int((end - start).total_seconds() // 3600) + 1
    actors = [Actor(name="keeper", holdings={"USDC": 10**13 * USDC})]
    actors.append(Actor(name="treasury", holdings={"ETH": 1_000 * ETH}))
    actors += [Actor(name=f"owner{i}", holdings={"ETH": 10**6 * ETH}) for i in range(OWNERS)]
    setup = [
        SetupCommand(command="CreateFxPool", args={"pool_id": "ETH-long", "price_asset": "ETH"}),
        SetupCommand(
            command="CreditReserve",
            args={"token": "ETH", "amount": 1_000 * ETH, "from_account": "treasury"},
        ),
    ]
    scenario = Scenario(
        name="bench-replay",
        seed=arguments.seed,
        checkpoint_every_steps=arguments.checkpoint_every,
        chain=Chain(block_seconds=12, start=start),
        prices=[PriceSource(asset="ETH", csv=str(PRICES_CSV), start=start, end=end)],
        assets=[AssetSpec(asset="USDC", decimals=6), AssetSpec(asset="ETH", decimals=18)],
        actors=actors,
        setup=setup,
        source_path=Path(__file__).resolve(),
    )
    steps = min(hours, len(steps_of(scenario))) - 1  # the series has gaps: count its rows
    spread = max(1, min(steps, arguments.spread_hours or steps))
    agents = [
        AgentSpec(
            kind="bench_fx_opener", params={"positions": arguments.positions, "steps": spread}
        ),
        AgentSpec(kind="fx_keeper", params={"keeper": "keeper"}),
    ]
    return scenario.model_copy(update={"agents": agents})


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=10_000)
    parser.add_argument("--start", default="2021-01-01T00:00:00", help="UTC, ISO")
    parser.add_argument("--end", default="2021-12-31T23:00:00", help="UTC, ISO")
    parser.add_argument("--hours", type=int, default=0, help="only the first N hours")
    parser.add_argument("--spread-hours", type=int, default=0, help="open within N hours")
    parser.add_argument("--checkpoint-every", type=int, default=24, help="steps")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args()


def timed(replayer: Replayer, method: str) -> list[float]:
    """Wrap one of the replayer's methods to add up its wall time (in the returned cell)."""
    spent = [0.0]
    original = getattr(replayer, method)

    def wrapper(*args: object) -> None:
        began = time.perf_counter()
        original(*args)
        spent[0] += time.perf_counter() - began

    setattr(replayer, method, wrapper)
    return spent


def main() -> None:
    arguments = parse_arguments()
    if not PRICES_CSV.exists():
        sys.exit(f"{PRICES_CSV} is absent: the benchmark reads the real ETH series in place")
    scenario = bench_scenario(arguments)
    with tempfile.TemporaryDirectory() as folder:
        clock = FixedClock(0)
        store = SqliteStore(Path(folder) / "bench.db", clock=clock, create=True)
        replayer = Replayer(scenario, store, clock, BENCH_AGENT_KINDS)
        checkpoint_seconds = timed(replayer, "checkpoint")
        if arguments.hours:
            replayer.steps = replayer.steps[: arguments.hours]
        began = time.perf_counter()
        replayer.setup()
        set_up = time.perf_counter()
        head_before = store.head()
        outcome = replayer.run(after_block=head_before.block)
        ended = time.perf_counter()
        counts = store.counts_by_type()
        store.close()
    seconds = ended - set_up
    events = outcome.head_seq - head_before.seq
    blocks = replayer.engine.head.block - head_before.block
    print(f"scenario: {len(replayer.steps)} hourly steps, {arguments.positions:,} positions")
    print(f"setup: {set_up - began:.2f} s")
    print(f"steps: {outcome.steps:,} in {seconds:.2f} s; {events:,} events; {blocks:,} blocks")
    print(f"events/s: {events / seconds:,.0f}")
    print(f"simulated blocks/s: {blocks / seconds:,.0f}")
    print(
        f"checkpoints: {outcome.checkpoints} in {checkpoint_seconds[0]:.2f} s = "
        f"{100 * checkpoint_seconds[0] / seconds:.1f}% of the steps' time"
    )
    walks = {tag: counts[tag] for tag in ("FxPositionOperated", "FxWalked") if tag in counts}
    print(f"of which: {walks}; refusals: {dict(outcome.refusals)}")
    print(f"log head: seq {outcome.head_seq:,}, hash {outcome.head_hash}")


if __name__ == "__main__":
    main()
