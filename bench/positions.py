"""Benchmark: f(x) positions and AlphaX strike markets under a year of hourly ETH prices.

    .venv/bin/python bench/positions.py                      # 10,000 positions, 100 markets
    .venv/bin/python bench/positions.py --positions 500 --markets 10 --hours 720

Prices are the closes of ../shared/data/prices/eth-usdt-1h.csv (the last `--hours` rows; the
file is read in place, never copied). Each hour: the price, the positions and markets due
that hour, and a keeper pass that rebalances and liquidates whatever is allowed. Prints events
per second for the whole run (commands in, events appended to an SQLite log), then the median
time of "the 100 riskiest at a random block" (`state_at` from the nearest snapshot + the
positions read model's `at_risk(100)`), then the rebuild of every view and of the positions
view on the same log at the base commit and here (`baseline.rebuild_before_after`). The whole
run is made at the base commit too, from a temporary copy of its files, and both are printed
with their ratios (`--no-before` skips it).
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from baseline import compare, positions_before_after, rebuild_before_after  # noqa: E402

from ledger.commands.alphax import CreateStrikeMarket, MintStrikePair  # noqa: E402
from ledger.commands.core import Mint, RegisterAsset, UpdatePrice  # noqa: E402
from ledger.commands.fx import CreateFxPool, OperateFxPosition  # noqa: E402
from ledger.commands.fx_keeper import keeper_pass  # noqa: E402
from ledger.engine import Command, Engine  # noqa: E402
from ledger.projector import Projector  # noqa: E402
from ledger.sqlite_store import SqliteStore  # noqa: E402

PRICES_CSV = ROOT.parent / "shared" / "data" / "prices" / "eth-usdt-1h.csv"
ETH, USD, USDC = 10**18, 10**18, 10**6


def hourly_closes_cents(hours: int) -> list[int]:
    """The last `hours` closes in USD cents."""
    with PRICES_CSV.open() as handle:
        rows = list(csv.DictReader(handle))
    return [round(float(row["close"]) * 100) for row in rows[-hours:]]


def setup(engine: Engine, owners: int) -> None:
    commands: list[Command] = [
        RegisterAsset(asset="ETH", symbol="ETH", decimals=18),
        RegisterAsset(asset="USDC", symbol="USDC", decimals=6),
        UpdatePrice(asset="USDC", quote="USD", price=10**8, scale=10**8),
        Mint(asset="USDC", to_account="keeper", amount=10**12 * USDC),
        Mint(asset="USDC", to_account="minter", amount=10**12 * USDC),
    ]
    commands += [
        Mint(asset="ETH", to_account=f"owner{i}", amount=10**6 * ETH) for i in range(owners)
    ]
    engine.execute(commands, block=0)


def price_command(cents: int) -> UpdatePrice:
    return UpdatePrice(asset="ETH", quote="USD", price=cents * 10**6, scale=10**8)


def opening(rand: random.Random, index: int, owners: int, cents: int) -> OperateFxPosition:
    collateral = rand.randint(1, 20) * ETH
    ratio_pct = rand.randint(55, 84)
    debt = collateral * cents * ratio_pct // 10_000 * 997 // 1000 // ETH * USD
    return OperateFxPosition(
        pool_id="ETH-long",
        owner=f"owner{index % owners}",
        collateral_delta_token=collateral,
        debt_delta=debt,
    )


def market(rand: random.Random, index: int, cents: int) -> list[Command]:
    low = cents * rand.randint(50, 80) // 100 * USDC // 100
    high = cents * rand.randint(125, 170) // 100 * USDC // 100
    market_id = f"M{index}"
    return [
        CreateStrikeMarket(market_id=market_id, asset="ETH", long_strike=low, short_strike=high),
        MintStrikePair(market_id=market_id, account="minter", pair_amount=10 * ETH),
    ]


def due(count: int, hours: int, hour: int) -> range:
    """Which of `count` items open in `hour`, spread evenly over the run."""
    return range(count * hour // hours, count * (hour + 1) // hours)


def run(args: argparse.Namespace, path: Path) -> None:
    rand = random.Random(args.seed)
    closes = hourly_closes_cents(args.hours)
    store = SqliteStore(path, create=True)
    engine = Engine(store)
    owners = min(args.positions, 1_000)
    setup(engine, owners)
    engine.execute(
        [price_command(closes[0]), CreateFxPool(pool_id="ETH-long", price_asset="ETH")], block=1
    )
    started = time.perf_counter()
    seq_start = engine.head.seq
    for hour, cents in enumerate(closes, start=2):
        commands: list[Command] = [price_command(cents)]
        for index in due(args.positions, len(closes), hour - 2):
            commands.append(opening(rand, index, owners, cents))
        for index in due(args.markets, len(closes), hour - 2):
            commands += market(rand, index, cents)
        for command in commands:
            engine.execute([command], block=hour)  # a refused open (LTV at a bad tick) is skipped
        keeper_pass(engine, hour, "keeper")
    elapsed = time.perf_counter() - started
    events = engine.head.seq - seq_start
    print(
        f"run: {events:,} events in {elapsed:.1f}s = {events / elapsed:,.0f} events/s "
        f"({args.positions:,} positions, {args.markets} markets, {len(closes):,} hours)"
    )
    kinds = Counter(record.type for record in store.read())
    print("events by type:", ", ".join(f"{k} {v:,}" for k, v in sorted(kinds.items())))
    query(args, store, len(closes) + 1, rand)
    store.close()


def query(
    args: argparse.Namespace, store: SqliteStore, last_block: int, rand: random.Random
) -> None:
    projector = Projector(store, ["positions"], snapshot_every=args.snapshot_every)
    started = time.perf_counter()
    projector.catch_up()
    print(
        f"positions view + snapshots every {args.snapshot_every:,}: "
        f"{time.perf_counter() - started:.1f}s"
    )
    timings = []
    for _ in range(args.queries):
        block = rand.randint(2, last_block)
        started = time.perf_counter()
        (positions,) = projector.state_at(block)  # a read model over the books at the block
        table = positions.at_risk(100)  # type: ignore[union-attr]
        timings.append(time.perf_counter() - started)
        assert len(table.rows) <= 100
    print(
        f"100 riskiest at a random block: median {statistics.median(timings) * 1000:.0f} ms "
        f"over {args.queries} queries"
    )
    # Where the books were kept twice (positions folded its own f(x), AlphaX, lending and
    # prices copies) a rebuild folded them twice: the same log, the base commit and this one.
    events = store.head().seq
    rebuild_before_after(store.path, events, "", repeat=args.rebuild_repeat)
    rebuild_before_after(store.path, events, "positions", repeat=args.rebuild_repeat)
    blocks = [rand.randint(2, last_block) for _ in range(args.queries)]
    positions_before_after(store.path, args.snapshot_every, blocks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--positions", type=int, default=10_000)
    parser.add_argument("--markets", type=int, default=100)
    parser.add_argument("--hours", type=int, default=365 * 24)
    parser.add_argument("--queries", type=int, default=20)
    parser.add_argument("--snapshot-every", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=20_240_601)
    parser.add_argument("--rebuild-repeat", type=int, default=3, help="best of N rebuilds")
    parser.add_argument(
        "--no-before",
        action="store_true",
        help="skip the whole run at the base commit (the rebuild and query comparisons still run)",
    )
    args = parser.parse_args()

    def after() -> None:
        with tempfile.TemporaryDirectory() as directory:
            run(args, Path(directory) / "positions.db")

    if args.no_before:
        after()
    else:
        compare("positions.py", base_arguments(sys.argv[1:]), after)


def base_arguments(arguments: list[str]) -> list[str]:
    """The arguments the base commit's script knows (it has no --no-before/--rebuild-repeat)."""
    kept: list[str] = []
    skip = False
    for argument in arguments:
        if skip:
            skip = False
        elif argument == "--rebuild-repeat":
            skip = True
        elif argument != "--no-before" and not argument.startswith("--rebuild-repeat="):
            kept.append(argument)
    return kept


if __name__ == "__main__":
    main()
