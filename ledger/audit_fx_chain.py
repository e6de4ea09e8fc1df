"""The audit's checks of imported f(x) facts (`events.fx_chain`), in the audit's classes.

Each check recomputes from the `fx_chain` book just before the fact:

- an operate: the position's debt after (its snapshot's debt shares through the debt index)
  is its debt before plus `delta_debts`; with no collateral moved, its collateral is unchanged;
  its snapshot's tick is its shares' tick. Each within the raw value of one share, which the
  contract's rounding of shares may gain or lose;
- a rebalance or redeem: the fxUSD paid is the raw debt its tick movements took (per tick
  within one share); a liquidation may pay less (bad debt is spread over every position by the
  debt index, not paid), never more.

A check that needs what the logs did not give is unverifiable, reported and never failed: a
pool seen mid-life (the ticks' totals, positions opened before), an index no log has given, a
position whose debt before is unknown, an operate without its `PositionSnapshot`, a walk paid
partly in the stable token (its price is in no log). The collateral an operate moves is in
collateral tokens, whose rate to raw units (a rate provider's) is in no log: it is not checked.
"""

from __future__ import annotations

from typing import Any

from events.fx_chain import FxChainOperated, FxChainWalked
from events.record import Record
from ledger.audit_classes import Finding, _finding
from projections.contracts.fx_ticks import (
    E96,
    raw_coll_from_shares,
    raw_debt_from_shares,
    tick_of_shares,
)
from projections.contracts.fx_tree import TickBook
from projections.fx_chain import ChainFxPool, FxChainBook


def _unverifiable(record: Record, field: str, detail: str) -> list[Finding]:
    return [_finding(record, "unverifiable", field=field, detail=detail)]


def _one_share(index: int) -> int:
    """The most raw debt one share stands for (the rounding a share conversion may add)."""
    return -(-index // E96) + 1


def fx_chain_findings(book: FxChainBook, record: Record) -> list[Finding] | None:
    """The findings of one imported f(x) fact, or None when it is not an operate or walk."""
    event: Any = record.event
    if not isinstance(event, FxChainOperated | FxChainWalked):
        return None
    pool = book.pools.get(event.pool)
    if pool is None:
        return _unverifiable(record, "pool", "the pool was never seen")
    if pool.debt_index is None:
        return _unverifiable(record, "debt", "the pool's debt index is unknown (seen mid-life)")
    if isinstance(event, FxChainOperated):
        return _operate_findings(pool, pool.debt_index, event, record)
    return _walk_findings(pool, pool.debt_index, event, record)


def _operate_findings(
    pool: ChainFxPool, index: int, event: FxChainOperated, record: Record
) -> list[Finding]:
    if event.coll_shares_after is None or event.debt_shares_after is None:
        return _unverifiable(record, "debt", "no PositionSnapshot in the transaction")
    if event.opened:
        before: tuple[int | None, int | None] = (0, 0)
    else:
        before = pool.position_amounts(event.position_id)
    if before[1] is None:
        return _unverifiable(
            record,
            "debt",
            "the position's debt before is unknown (opened before the import, or in a tick "
            "moved while the pool's totals were unknown)",
        )
    found = []
    debt_after = raw_debt_from_shares(event.debt_shares_after, index, False)
    expected = before[1] + event.delta_debts
    if abs(debt_after - expected) > _one_share(index):
        found.append(
            _finding(record, "violation", field="debt", recorded=debt_after, expected=expected)
        )
    if event.delta_colls == 0 and before[0] is not None and pool.coll_index is not None:
        coll_after = raw_coll_from_shares(event.coll_shares_after, pool.coll_index, False)
        if abs(coll_after - before[0]) > _one_share(E96 * E96 // pool.coll_index):
            found.append(
                _finding(
                    record, "violation", field="collateral", recorded=coll_after, expected=before[0]
                )
            )
    if event.debt_shares_after > 0:
        tick = tick_of_shares(event.coll_shares_after, event.debt_shares_after)
        if tick != event.tick:
            found.append(
                _finding(record, "violation", field="tick", recorded=event.tick, expected=tick)
            )
    return found or [_finding(record, "exact")]


def _walk_findings(
    pool: ChainFxPool, index: int, event: FxChainWalked, record: Record
) -> list[Finding]:
    if not pool.from_start:
        return _unverifiable(record, "debt", "the ticks' totals are unknown (pool seen mid-life)")
    if event.stable_debts:
        return _unverifiable(record, "debt", "paid partly in the stable token: no log prices it")
    if not event.moves:
        return _unverifiable(record, "debt", "no TickMovement in the transaction")
    ticks, taken = TickBook(pool.tree), 0
    for move in event.moves:
        coll, debt = ticks.shares(move.tick)
        removed = debt - move.debt_shares_after
        if removed < 0 or coll < move.coll_shares_after:
            return [
                _finding(
                    record,
                    "violation",
                    field="moves",
                    recorded=move.debt_shares_after,
                    expected=debt,
                    detail=f"tick {move.tick} is left more shares than it held",
                )
            ]
        ticks.move(move.tick, coll - move.coll_shares_after, removed)
        taken += raw_debt_from_shares(removed, index, False)
    slack = _one_share(index) * len(event.moves)
    paid = event.fxusd_debts
    if paid > taken + slack or (event.kind != "liquidate" and paid < taken - slack):
        return [_finding(record, "violation", field="debt", recorded=paid, expected=taken)]
    return [_finding(record, "exact")]
