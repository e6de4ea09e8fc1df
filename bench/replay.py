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
It replays `--runs` times (3 by default), each into a fresh log, and prints each run's
events/s (events appended to the log per second of wall time) and the checkpoints' share of
the steps' time, then the fastest run's figures, with simulated blocks/s (chain blocks covered
per second): a shared host slows some runs, never speeds one up, so the fastest is the code's
figure and the spread is the host's. Last, the log's head hash: the same scenario writes the
same bytes, so every run ends on it (exit 3 if one does not), and two versions of the code
that replay alike print the same hash.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger.clock import FixedClock  # noqa: E402
from ledger.commands.fx import OperateFxPosition  # noqa: E402
from ledger.engine import Command, Engine  # noqa: E402
from ledger.sqlite_store import SqliteStore  # noqa: E402
from replay.agents.base import Step, param  # noqa: E402
from replay.agents.catalog import AGENT_KINDS  # noqa: E402
from replay.runner import Replayer, ReplayOutcome, steps_of  # noqa: E402
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


def at_least_one(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"at least 1, got {number}")
    return number


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=10_000)
    parser.add_argument("--start", default="2021-01-01T00:00:00", help="UTC, ISO")
    parser.add_argument("--end", default="2021-12-31T23:00:00", help="UTC, ISO")
    parser.add_argument("--hours", type=int, default=0, help="only the first N hours")
    parser.add_argument("--spread-hours", type=int, default=0, help="open within N hours")
    parser.add_argument("--checkpoint-every", type=int, default=24, help="steps")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--runs",
        type=at_least_one,
        default=3,
        help="replays into fresh logs; the fastest is reported",
    )
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


class Run(NamedTuple):
    """One replay of the scenario into a fresh log."""

    seconds: float
    """Wall time of the steps (setup excluded), checkpoints included."""
    checkpoint_seconds: float
    events: int
    blocks: int
    outcome: ReplayOutcome
    counts: dict[str, int]

    @property
    def rate(self) -> float:
        return self.events / self.seconds

    @property
    def checkpoint_share(self) -> float:
        return self.checkpoint_seconds / self.seconds


def run_once(scenario: Scenario, hours: int) -> tuple[Run, Replayer, float]:
    """Replay the scenario into a new log in a temporary folder; the run and the setup's time."""
    with tempfile.TemporaryDirectory() as folder:
        clock = FixedClock(0)
        store = SqliteStore(Path(folder) / "bench.db", clock=clock, create=True)
        replayer = Replayer(scenario, store, clock, BENCH_AGENT_KINDS)
        checkpoint_seconds = timed(replayer, "checkpoint")
        if hours:
            replayer.steps = replayer.steps[:hours]
        began = time.perf_counter()
        replayer.setup()
        set_up = time.perf_counter()
        head_before = store.head()
        outcome = replayer.run(after_block=head_before.block)
        ended = time.perf_counter()
        counts = store.counts_by_type()
        store.close()
    run = Run(
        seconds=ended - set_up,
        checkpoint_seconds=checkpoint_seconds[0],
        events=outcome.head_seq - head_before.seq,
        blocks=replayer.engine.head.block - head_before.block,
        outcome=outcome,
        counts=counts,
    )
    return run, replayer, set_up - began


def main() -> None:
    arguments = parse_arguments()
    if not PRICES_CSV.exists():
        print(
            f"{PRICES_CSV} is absent: the benchmark reads the real ETH series in place",
            file=sys.stderr,
        )
        sys.exit(4)
    scenario = bench_scenario(arguments)
    runs: list[Run] = []
    for number in range(1, arguments.runs + 1):
        run, replayer, setup_seconds = run_once(scenario, arguments.hours)
        if number == 1:
            print(
                f"scenario: {len(replayer.steps)} hourly steps, {arguments.positions:,} positions"
            )
            print(f"setup: {setup_seconds:.2f} s")
            walks = {tag: run.counts.get(tag, 0) for tag in ("FxPositionOperated", "FxWalked")}
            print(f"of which: {walks}; refusals: {dict(run.outcome.refusals)}")
        print(
            f"run {number}: steps: {run.outcome.steps:,} in {run.seconds:.2f} s; "
            f"{run.events:,} events ({run.rate:,.0f}/s); {run.blocks:,} blocks; "
            f"checkpoints: {run.outcome.checkpoints} in {run.checkpoint_seconds:.2f} s = "
            f"{100 * run.checkpoint_share:.1f}% of the steps' time"
        )
        runs.append(run)
    best = max(runs, key=lambda run: run.rate)
    heads = {(run.outcome.head_seq, run.outcome.head_hash) for run in runs}
    print(f"best of {len(runs)} (the fastest: a shared host slows runs down, never speeds one up):")
    print(f"events/s: {best.rate:,.0f} (all runs: {', '.join(f'{r.rate:,.0f}' for r in runs)})")
    print(f"simulated blocks/s: {best.blocks / best.seconds:,.0f}")
    shares = ", ".join(f"{100 * run.checkpoint_share:.1f}%" for run in runs)
    print(
        f"checkpoints: {best.outcome.checkpoints} in {best.checkpoint_seconds:.2f} s = "
        f"{100 * best.checkpoint_share:.1f}% of the steps' time (all runs: {shares})"
    )
    seq, head_hash = sorted(heads)[0]
    print(f"log head: seq {seq:,}, hash {head_hash}")
    if len(heads) > 1:
        print(
            f"the runs ended on {len(heads)} different log heads: {sorted(heads)}", file=sys.stderr
        )
        sys.exit(3)  # the same scenario must write the same log: an integrity finding


if __name__ == "__main__":
    main()
