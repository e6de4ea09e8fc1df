"""Swaps per second through the whole engine path on SQLite: command -> events -> append -> apply.

    .venv/bin/python bench/engine_swaps.py [--swaps N] [--profile {PAIR,WEIGHTED}]
    .venv/bin/python bench/engine_swaps.py --no-before     # this checkout alone

Runs exact-in swaps (alternating direction, many traders) on a Uniswap V2 pair and on an ALEX
weighted pool (oracle on; its swaps also credit the reserve pool: two events each), in batches
of 1 and of 1,000 commands, on a fresh SQLite log in a temporary directory. Prints swaps/s per
case by the wall clock and by this process's CPU time (the second is steadier on a shared
machine); the target is >= 20,000 swaps/s batched. The `quote only` rows time the handlers'
math alone (`pools_quotes.swap_exact_in` on the live pool), which shows how much of a swap is
the protocol math and how much the engine (append and fold). `--profile` prints where the
batched case of that pool spends its time.

Before/after in one run: the same script at the base commit (`bench/baseline.py`, a copy of its
files beside this checkout) runs after each of this checkout's runs, `--rounds` times (default
3), and the table at the end sets each case's best rate at the base commit beside this
checkout's, with after/before by the wall clock and by CPU time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from baseline import BASE_DEFAULT, run_before

from ledger.commands.amm import AddLiquidity, CreatePool
from ledger.commands.amm_swaps import SwapExactIn
from ledger.commands.core import Mint, RegisterAsset
from ledger.engine import Command, Engine, Executed
from ledger.sqlite_store import SqliteStore
from projections.pools import Pools
from projections.pools_quotes import swap_exact_in

TRADERS = [f"SP{index:05d}.trader" for index in range(1_000)]
ONE = 10**8


def seeded(path: Path) -> Engine:
    engine = Engine(SqliteStore(path, create=True))
    setup: list[Command] = [RegisterAsset(asset=t, symbol=t, decimals=8) for t in ("STX", "USDA")]
    setup += [
        Mint(asset=token, to_account=trader, amount=10**18)
        for trader in [*TRADERS, "lp"]
        for token in ("STX", "USDA")
    ]
    setup += [
        CreatePool(pool="PAIR", kind="uniswap_v2", token_x="STX", token_y="USDA", owner="gov"),
        CreatePool(
            pool="WEIGHTED",
            kind="weighted",
            token_x="STX",
            token_y="USDA",
            owner="gov",
            weight_x=50_000_000,
            weight_y=50_000_000,
            fee_rate_x=300_000,
            fee_rate_y=300_000,
            fee_rebate=50_000_000,
            oracle_enabled=True,
            oracle_average=99_000_000,
        ),
    ]
    setup += [
        AddLiquidity(pool=pool, provider="lp", amount_x_desired=10**15, amount_y_desired=10**15)
        for pool in ("PAIR", "WEIGHTED")
    ]
    result = engine.execute(setup, block=1)
    assert isinstance(result, Executed), result
    return engine


def swaps(pool: str, count: int, offset: int) -> list[Command]:
    return [
        SwapExactIn(
            pool=pool,
            trader=TRADERS[(offset + index) % len(TRADERS)],
            asset_in="STX" if (offset + index) % 2 else "USDA",
            amount_in=ONE + index,
        )
        for index in range(count)
    ]


def run(engine: Engine, pool: str, total: int, batch_size: int, block: int) -> tuple[float, float]:
    """Swaps per second (wall clock, CPU time) executing `total` swaps in `batch_size` batches."""
    batches = [swaps(pool, batch_size, start) for start in range(0, total, batch_size)]
    started, cpu_started = time.perf_counter(), time.process_time()
    for commands in batches:
        result = engine.execute(commands, block=block)
        assert isinstance(result, Executed), result
    cpu = time.process_time() - cpu_started
    return total / (time.perf_counter() - started), total / cpu if cpu else float("inf")


def quotes_only(engine: Engine, pool: str, total: int) -> tuple[float, float]:
    """Quotes per second of the math alone, on the pool as it stands (nothing appended)."""
    book = engine.projection(Pools).books[pool]
    commands = [command for command in swaps(pool, total, 0) if isinstance(command, SwapExactIn)]
    started, cpu_started = time.perf_counter(), time.process_time()
    for command in commands:
        swap_exact_in(book, command.asset_in, command.amount_in, 2)
    cpu = time.process_time() - cpu_started
    return total / (time.perf_counter() - started), total / cpu if cpu else float("inf")


Rates = dict[str, tuple[int, float, float]]
"""case -> (swaps, swaps/s by the wall clock, swaps per CPU second)."""


def measure(swaps_per_case: int, profile: str | None = None) -> Rates:
    """Every case on a fresh log, then printed as a table; `profile`: that pool's batched case
    once more under cProfile, printed after the table."""
    rates: Rates = {}
    with tempfile.TemporaryDirectory() as directory:
        engine = seeded(Path(directory) / "bench.db")
        print(f"{'case':<34} {'swaps':>8} {'swaps/s':>10} {'per CPU s':>10}")
        for pool in ("PAIR", "WEIGHTED"):
            for batch_size, total in ((1, max(swaps_per_case // 10, 1)), (1_000, swaps_per_case)):
                rate, cpu_rate = run(engine, pool, total, batch_size, block=2)
                rates[pool.lower() + f" batch={batch_size}"] = (total, rate, cpu_rate)
            rate, cpu_rate = quotes_only(engine, pool, swaps_per_case)
            rates[pool.lower() + " quote only (math)"] = (swaps_per_case, rate, cpu_rate)
        for case, (total, rate, cpu_rate) in rates.items():
            print(f"{case:<34} {total:>8} {rate:>10,.0f} {cpu_rate:>10,.0f}")
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            run(engine, profile, swaps_per_case, 1_000, block=3)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        engine.store.close()
    return rates


def printed_rates(text: str) -> Rates:
    """The table `measure` prints (this checkout's or the base commit's), read back."""
    rates: Rates = {}
    for line in text.splitlines():
        parts = line.rsplit(None, 3)
        if len(parts) == 4 and parts[1].isdigit():
            case, total, rate, cpu_rate = parts
            rates[case] = (
                int(total),
                float(rate.replace(",", "")),
                float(cpu_rate.replace(",", "")),
            )
    return rates


def best(runs: list[Rates]) -> Rates:
    """Each case's fastest run: other work on the machine only ever slows one down."""
    return {
        case: (runs[0][case][0], max(r[case][1] for r in runs), max(r[case][2] for r in runs))
        for case in runs[0]
        if all(case in r for r in runs)
    }


def print_before_after(before: Rates, after: Rates, rounds: int) -> None:
    print(f"== before ({BASE_DEFAULT}) and after (this checkout), best of {rounds} runs each")
    print(f"{'case':<34} {'before/s':>10} {'after/s':>10} {'after/before':>12} {'CPU a/b':>8}")
    for case, (_, rate, cpu_rate) in after.items():
        if case in before:
            _, was, cpu_was = before[case]
            print(
                f"{case:<34} {was:>10,.0f} {rate:>10,.0f} {rate / was:>12.2f} "
                f"{cpu_rate / cpu_was:>8.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swaps", type=int, default=20_000, help="swaps per batched case")
    parser.add_argument(
        "--profile", choices=("PAIR", "WEIGHTED"), help="profile the batched case of this pool"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs of each version, alternating; the best counts"
    )
    parser.add_argument("--no-before", action="store_true", help="skip the base commit's runs")
    options = parser.parse_args()
    afters, befores = [], []
    for round_number in range(1 if options.no_before else options.rounds):
        print(f"== after (this checkout), run {round_number + 1}")
        afters.append(measure(options.swaps))
        if not options.no_before:
            before = run_before("engine_swaps.py", ["--swaps", str(options.swaps)])
            print(f"== before (commit {BASE_DEFAULT}), run {round_number + 1}")
            print(before.rstrip())
            befores.append(printed_rates(before))
    if befores and all(befores):
        print_before_after(best(befores), best(afters), len(afters))
    if options.profile:
        measure(options.swaps, options.profile)


if __name__ == "__main__":
    main()
