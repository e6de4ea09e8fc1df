"""How facts imported from chain logs change pools (their postings: `projections.postings.chain`,
and for ALEX pools seen on chain `projections.postings.amm`).

These are the `pools` projection's appliers for chain facts, kept here so `projections.pools`
stays about the engine's own facts. Like every applier they trust the recorded amounts;
`ledger.audit_classes` recomputes them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from events.alex_pools import PoolFeesObserved, WeightedPoolObserved
from events.amm import PoolCreated
from events.chain import (
    ChainPoolCreated,
    PairBurned,
    PairMinted,
    PairSwapped,
    PoolObserved,
    PoolSynced,
)
from events.record import Record
from projections.base import Violation


def pool_spec(event: ChainPoolCreated | PoolObserved) -> PoolCreated:
    """The pool's parameters as the engine's own pools keep them."""
    owner = event.factory if isinstance(event, ChainPoolCreated) else ""
    return PoolCreated(
        pool=event.pool,
        kind="uniswap_v2",
        token_x=event.token_x,
        token_y=event.token_y,
        lp_asset=event.lp_asset,
        owner=owner or "unknown",
        fee_bps=event.fee_bps,
    )


PoolApplier = Callable[[Any, Record], None]


def chain_appliers(pools: Any) -> dict[type[Any], PoolApplier]:
    """The `pools` projection's appliers for chain facts (`pools` is the `Pools` instance)."""
    from projections.pools import PoolBook

    def created(event: ChainPoolCreated, record: Record) -> None:
        pools.books[event.pool] = PoolBook(spec=pool_spec(event))

    def observed(event: PoolObserved, record: Record) -> None:
        pools.books[event.pool] = PoolBook(
            spec=pool_spec(event),
            reserve_x=event.reserve_x,
            reserve_y=event.reserve_y,
            lp_supply=event.lp_supply or 0,
        )

    def moved(event: PairSwapped | PoolSynced, record: Record) -> None:
        book = pools._book(event.pool, record)
        if book is None:
            return
        k_before = book.reserve_x * book.reserve_y
        book.reserve_x += event.amount_x_in - event.amount_x_out
        book.reserve_y += event.amount_y_in - event.amount_y_out
        if isinstance(event, PairSwapped) and book.reserve_x * book.reserve_y < k_before:
            detail = f"{event.pool}: k fell from {k_before} to {book.reserve_x * book.reserve_y}"
            pools._violations.append(Violation("K_DECREASED", record.seq, detail))

    def minted(event: PairMinted, record: Record) -> None:
        book = pools._book(event.pool, record)
        if book is not None:
            book.reserve_x += event.amount_x
            book.reserve_y += event.amount_y
            book.lp_supply += (event.lp_minted or 0) + event.lp_locked + event.protocol_fee_lp

    def burned(event: PairBurned, record: Record) -> None:
        book = pools._book(event.pool, record)
        if book is not None:
            book.reserve_x -= event.amount_x
            book.reserve_y -= event.amount_y
            book.lp_supply += event.protocol_fee_lp - (event.lp_burned or 0)

    return {
        ChainPoolCreated: created,
        PoolObserved: observed,
        PairSwapped: moved,
        PoolSynced: moved,
        PairMinted: minted,
        PairBurned: burned,
    }


def weighted_spec(event: WeightedPoolObserved) -> PoolCreated:
    """An ALEX pool seen mid-life, with its parameters as the books keep a created pool's."""
    return PoolCreated(
        pool=event.pool,
        kind="weighted",
        token_x=event.token_x,
        token_y=event.token_y,
        lp_asset=event.lp_asset,
        owner="unknown",
        weight_x=event.weight_x,
        weight_y=event.weight_y,
        fee_rate_x=event.fee_rate_x,
        fee_rate_y=event.fee_rate_y,
        fee_rebate=event.fee_rebate,
        max_in_ratio=event.max_in_ratio,
        max_out_ratio=event.max_out_ratio,
        oracle_enabled=event.oracle_enabled,
        oracle_average=event.oracle_average,
    )


def alex_appliers(pools: Any) -> dict[type[Any], PoolApplier]:
    """The `pools` projection's appliers for ALEX pools seen on chain (`events.alex_pools`)."""
    from projections.pools import PoolBook

    def observed(event: WeightedPoolObserved, record: Record) -> None:
        pools.books[event.pool] = PoolBook(
            spec=weighted_spec(event),
            reserve_x=event.balance_x,
            reserve_y=event.balance_y,
            lp_supply=event.lp_supply or 0,
            oracle_resilient=event.oracle_resilient,
        )
        pools._lp_pools[event.lp_asset] = event.pool

    def fees(event: PoolFeesObserved, record: Record) -> None:
        book = pools._book(event.pool, record)
        if book is not None:
            book.spec = msgspec.structs.replace(
                book.spec,
                fee_rate_x=event.fee_rate_x,
                fee_rate_y=event.fee_rate_y,
                fee_rebate=event.fee_rebate,
                oracle_enabled=event.oracle_enabled,
                oracle_average=event.oracle_average,
            )

    return {WeightedPoolObserved: observed, PoolFeesObserved: fees}
