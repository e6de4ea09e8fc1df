"""ETH, March 2020: the keeper rebalances and liquidates f(x) positions in the hours the price
crossed their lines, and this test finds those hours on its own, from the CSV.

For each position the test reads its opening collateral and debt (the `FxPositionOperated` of
its opening) and walks the CSV's hourly closes with the protocol's lines (rebalance at a debt
ratio of 0.88, liquidation at 0.92): the first close at or below debt / (collateral x 0.88) is
its rebalance hour (a liquidation hour if that close is also past 0.92). A rebalance brings the
position back to 0.88 at that close, so afterwards its liquidation line is the lowest close since
then x 0.88 / 0.92. Lines are computed at +/-1% too (ticks are 0.15% wide, and bad debt spread
over the pool lifts every position's debt a little): an observed hour must fall in that window.
The observed hours come from folding the log: the first FxWalked of each kind that lowered the
position's debt shares, its block turned into an hour by the scenario's block timing.
"""

from __future__ import annotations

import csv
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import pytest

from events.fx import FxPositionOperated, FxWalked
from ledger.sqlite_store import SqliteStore
from projections.fx_pools import FxPools
from replay.runner import replay_scenario
from replay.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SHARED_PRICES = ROOT.parent / "shared" / "data" / "prices"
MARCH_2020 = ROOT / "fixtures" / "scenarios" / "real" / "eth-march-2020.toml"
REBALANCE_RATIO = Fraction(88, 100)
LIQUIDATE_RATIO = Fraction(92, 100)
TOLERANCE = Fraction(1, 100)

pytestmark = pytest.mark.skipif(
    not (SHARED_PRICES / "eth-usdt-1h.csv").exists(),
    reason=f"the real price series are not here ({SHARED_PRICES} is absent)",
)


def hourly_closes(path: Path, start: str, end: str) -> list[tuple[int, Fraction]]:
    """(unix seconds, close) of every row from `start` to `end` inclusive, parsed here."""
    closes = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if start <= row["timestamp"] <= end:
                moment = datetime.fromisoformat(row["timestamp"].replace("Z", "+00:00"))
                closes.append((int(moment.timestamp()), Fraction(row["close"])))
    return closes


def crossing_hours(
    closes: list[tuple[int, Fraction]], line_rebalance: Fraction, line_liquidate: Fraction
) -> tuple[int | None, int | None]:
    """The first rebalance hour and the liquidation hour (unix seconds) of one position."""
    rebalanced_at: int | None = None
    lowest: Fraction | None = None
    for moment, close in closes[1:]:  # the first row is the opening hour: agents start after it
        if lowest is None:
            if close <= line_liquidate:
                return rebalanced_at, moment
            if close <= line_rebalance:
                rebalanced_at, lowest = moment, close
        elif close <= lowest * REBALANCE_RATIO / LIQUIDATE_RATIO:
            return rebalanced_at, moment
        else:
            lowest = min(lowest, close)
    return rebalanced_at, None


def observed_hours(db: Path, first_s: int, block_seconds: int) -> dict[int, dict[str, int]]:
    """Per position, the hour of the first walk of each kind that lowered its debt shares."""
    store = SqliteStore(db)
    pools = FxPools()
    seen: dict[int, dict[str, int]] = {}
    try:
        for record in store.read():
            event = record.event
            before = {}
            if isinstance(event, FxWalked):
                tree = pools.pools[event.pool_id].tree
                before = {pid: tree.position_live_shares(pid)[1] for pid in tree.positions}
            pools.apply(record)
            if isinstance(event, FxWalked):
                kind = "liquidate" if event.kind == "liquidate" else "rebalance"
                tree = pools.pools[event.pool_id].tree
                for pid, shares in before.items():
                    if tree.position_live_shares(pid)[1] < shares:
                        hour = first_s + (record.block - 1) * block_seconds
                        seen.setdefault(pid, {}).setdefault(kind, hour - hour % 3600)
    finally:
        store.close()
    return seen


def opened_positions(db: Path) -> dict[int, tuple[int, int]]:
    store = SqliteStore(db)
    try:
        return {
            record.event.position_id: (record.event.raw_coll_after, record.event.raw_debt_after)
            for record in store.read()
            if isinstance(record.event, FxPositionOperated) and record.event.opened
        }
    finally:
        store.close()


def test_march_2020_walks_happen_in_the_hours_the_price_crossed_the_lines(tmp_path: Path) -> None:
    scenario = load_scenario(MARCH_2020)
    db = tmp_path / "march-2020.db"
    replay_scenario(scenario, db)
    closes = hourly_closes(SHARED_PRICES / "eth-usdt-1h.csv", "2020-03-05", "2020-03-20T23")
    positions = opened_positions(db)
    seen = observed_hours(db, closes[0][0], scenario.chain.block_seconds)
    assert len(positions) == 6
    checked = {"rebalance": 0, "liquidate": 0}
    for pid, (collateral, debt) in sorted(positions.items()):
        windows = []
        for slack in (1 + TOLERANCE, 1 - TOLERANCE):  # higher lines are crossed earlier
            price = Fraction(debt, collateral) * slack
            windows.append(crossing_hours(closes, price / REBALANCE_RATIO, price / LIQUIDATE_RATIO))
        (rebalance_early, liquidate_early), (rebalance_late, liquidate_late) = windows
        for kind, early, late in (
            ("rebalance", rebalance_early, rebalance_late),
            ("liquidate", liquidate_early, liquidate_late),
        ):
            hour = seen.get(pid, {}).get(kind)
            if early is None:
                assert hour is None, f"position {pid}: {kind} at {hour} but no line was crossed"
                continue
            assert hour is not None, f"position {pid}: no {kind}; the close crossed at {early}"
            assert early <= hour <= (late if late is not None else closes[-1][0]), (
                f"position {pid}: {kind} at {hour}, the line was crossed at {early}..{late}"
            )
            checked[kind] += 1
    assert checked["rebalance"] >= 3 and checked["liquidate"] >= 1, checked
