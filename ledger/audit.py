"""The AMM audit: recompute every swap and liquidity event from the pool state just before it.

    for found in audit(store, from_block=100, to_block=200):
        print(found.seq, found.pool, found.field, found.recorded, found.expected)

The `pools` projection trusts recorded amounts; this is the check that they are the math's. It
folds the log into a fresh `Pools`, and before applying each `Swapped`, `LiquidityAdded` or
`LiquidityRemoved` in the block range it recomputes the event's amounts with
`projections.pools_quotes` (the functions the engine's handlers use) from the event's inputs:

- a Uniswap swap: the output of an exact-in swap, the input of an exact-out one, the K check of
  a pair-level one; the fee and the accumulators at the recorded block timestamp;
- an ALEX swap: the contract's swap of the gross input (fee, rebate, reserve share, output)
  and the resilient oracle after it;
- a deposit: the LP minted, locked and minted as protocol fee (ALEX: also y from x, and the
  resilient price a first deposit seeds);
- a withdrawal: the tokens paid and the protocol fee LP.

An event whose math the contract would refuse is listed with field `math`. The hash chain is a
separate check (`verify`): a log can be well chained and still wrong, and this finds that.
"""

from __future__ import annotations

from typing import Any

import msgspec

from events.amm import LiquidityAdded, LiquidityRemoved, Swapped
from events.record import Record
from ledger.store import EventStore, ReadFilter
from projections.books import Books
from projections.contracts import MathRejected
from projections.pools import PoolBook, Pools
from projections.pools_quotes import burn, mint, pair_swap, swap_exact_in, swap_exact_out

Checked = Swapped | LiquidityAdded | LiquidityRemoved


class Discrepancy(msgspec.Struct, frozen=True, kw_only=True):
    """One recorded amount that differs from what the math gives."""

    seq: int
    block: int
    pool: str
    type: str
    field: str
    recorded: int | str
    expected: int | str


_SWAP_FIELDS = ("amount_in", "amount_out", "fee", "rebate", "reserve_share", "oracle_resilient")
_ADD_FIELDS = (
    "amount_x",
    "amount_y",
    "lp_minted",
    "lp_locked",
    "protocol_fee_lp",
    "oracle_resilient_seed",
)
_REMOVE_FIELDS = ("amount_x", "amount_y", "protocol_fee_lp")
_ORACLE_FIELDS = ("price0_cumulative", "price1_cumulative", "block_timestamp")


def _expected(book: PoolBook, event: Checked) -> Any:
    timestamp = event.oracle.block_timestamp
    if isinstance(event, LiquidityAdded):
        return mint(book, event.amount_x, event.amount_y, timestamp)
    if isinstance(event, LiquidityRemoved):
        return burn(book, event.lp_burned, timestamp)
    if not book.is_uniswap or event.mode == "exact_in":
        return swap_exact_in(book, event.asset_in, event.amount_in, timestamp, as_contract=True)
    if event.mode == "exact_out":
        return swap_exact_out(book, event.asset_out, event.amount_out, timestamp)
    return pair_swap(book, event.asset_in, event.amount_in, event.amount_out, timestamp)


def _fields(event: Checked) -> tuple[str, ...]:
    if isinstance(event, LiquidityAdded):
        return _ADD_FIELDS
    if isinstance(event, LiquidityRemoved):
        return _REMOVE_FIELDS
    return _SWAP_FIELDS


def check_event(book: PoolBook | None, record: Record) -> list[Discrepancy]:
    """The recorded amounts of one AMM event that differ from the math on `book`."""
    event: Checked = record.event  # type: ignore[assignment]  # callers pass only Checked

    def differs(field: str, recorded: int | str, expected: int | str) -> Discrepancy:
        return Discrepancy(
            seq=record.seq,
            block=record.block,
            pool=event.pool,
            type=record.type,
            field=field,
            recorded=recorded,
            expected=expected,
        )

    if book is None:
        return [differs("pool", event.pool, "a created pool")]
    try:
        quote = _expected(book, event)
    except MathRejected as error:
        return [differs("math", "accepted", f"rejected: {error.code} ({error.detail})")]
    found = [
        differs(field, getattr(event, field), getattr(quote, field))
        for field in _fields(event)
        if getattr(event, field) != getattr(quote, field)
    ]
    found.extend(
        differs(f"oracle.{field}", getattr(event.oracle, field), getattr(quote.oracle, field))
        for field in _ORACLE_FIELDS
        if getattr(event.oracle, field) != getattr(quote.oracle, field)
    )
    return found


def audit(
    store: EventStore, from_block: int | None = None, to_block: int | None = None
) -> list[Discrepancy]:
    """Every swap and liquidity event in [from_block, to_block] whose amounts differ.

    Args:
        store: The log to check (any backend).
        from_block: First block checked (inclusive); earlier events are folded, not checked.
        to_block: Last block checked (inclusive); None checks to the head.

    Returns:
        The discrepancies in log order, several per event when several fields differ.
    """
    pools = Pools()
    books = Books([pools])  # the one fold step; the pools book alone is what the check reads
    found: list[Discrepancy] = []
    low = from_block if from_block is not None else -1
    for record in store.read(ReadFilter(to_block=to_block)):
        event = record.event
        if record.block >= low and isinstance(event, Checked):
            found.extend(check_event(pools.books.get(event.pool), record))
        books.apply(record)
    return found
