"""Swaps per second through the whole engine path on SQLite: command -> events -> append -> apply.

    .venv/bin/python bench/engine_swaps.py [--swaps N] [--profile {PAIR,WEIGHTED}]

Runs exact-in swaps (alternating direction, many traders) on a Uniswap V2 pair and on an ALEX
weighted pool (oracle on; its swaps also credit the reserve pool: two events each), in batches
of 1 and of 1,000 commands, on a fresh SQLite log in a temporary directory. Prints swaps/s per
case by the wall clock and by this process's CPU time (the second is steadier on a shared
machine); the target is >= 20,000 swaps/s batched. The `quote only` rows time the handlers'
math alone (`pools_quotes.swap_exact_in` on the live pool), which shows how much of a swap is
the protocol math and how much the engine (append and fold). `--profile` prints where the
batched case of that pool spends its time.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swaps", type=int, default=20_000, help="swaps per batched case")
    parser.add_argument(
        "--profile", choices=("PAIR", "WEIGHTED"), help="profile the batched case of this pool"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        engine = seeded(Path(directory) / "bench.db")
        print(f"{'case':<34} {'swaps':>8} {'swaps/s':>10} {'per CPU s':>10}")
        for pool in ("PAIR", "WEIGHTED"):
            for batch_size, total in ((1, max(options.swaps // 10, 1)), (1_000, options.swaps)):
                rate, cpu_rate = run(engine, pool, total, batch_size, block=2)
                case = pool.lower() + f" batch={batch_size}"
                print(f"{case:<34} {total:>8} {rate:>10,.0f} {cpu_rate:>10,.0f}")
            rate, cpu_rate = quotes_only(engine, pool, options.swaps)
            case = pool.lower() + " quote only (math)"
            print(f"{case:<34} {options.swaps:>8} {rate:>10,.0f} {cpu_rate:>10,.0f}")
        if options.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            run(engine, options.profile, options.swaps, 1_000, block=3)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        engine.store.close()


if __name__ == "__main__":
    main()
