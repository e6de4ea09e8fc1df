"""Admission rules for ALEX lending facts: the yield-token or collateral pool a fact names
exists, and the fact names the pool's own tokens (a CRP mint mints only its yield and key
tokens, a swap trades only the pool's pair)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events.alex_lending import (
    CollateralMinted,
    CollateralPoolCreated,
    CollateralRedeemed,
    CollateralSwapped,
    YieldLiquidityChanged,
    YieldPoolCreated,
    YieldTokenSwapped,
)
from events.base import Event
from events.rejections import RejectCode
from ledger.admission_rules import names_match, refuse
from ledger.batch import Rejected
from ledger.command import Context
from projections.alex_lending import AlexLending


def yield_pool_created(event: YieldPoolCreated, books: Context) -> Rejected | None:
    if books.get(AlexLending).yield_pool(event.pool_id) is not None:
        return refuse(RejectCode.POOL_EXISTS, f"yield-token pool {event.pool_id!r} exists")
    return None


def yield_pool_used(
    event: YieldLiquidityChanged | YieldTokenSwapped, books: Context
) -> Rejected | None:
    book = books.get(AlexLending).yield_pool(event.pool_id)
    if book is None:
        return refuse(RejectCode.UNKNOWN_POOL, f"no yield-token pool {event.pool_id!r}")
    pair = {book.token, book.yield_token}
    if isinstance(event, YieldTokenSwapped):
        if {event.asset_in, event.asset_out} != pair:
            return refuse(
                RejectCode.WRONG_ASSET, f"yield pool {event.pool_id!r} trades {sorted(pair)}"
            )
        return None
    return names_match(
        f"yield-token pool {event.pool_id!r}",
        {"token": book.token, "yield_token": book.yield_token, "lp_token": book.lp_token},
        {"token": event.token, "yield_token": event.yield_token, "lp_token": event.lp_token},
    )


def collateral_pool_created(event: CollateralPoolCreated, books: Context) -> Rejected | None:
    if books.get(AlexLending).collateral_pool(event.pool_id) is not None:
        return refuse(RejectCode.POOL_EXISTS, f"collateral pool {event.pool_id!r} exists")
    return None


def collateral_pool_used(event: Any, books: Context) -> Rejected | None:
    book = books.get(AlexLending).collateral_pool(event.pool_id)
    if book is None:
        return refuse(RejectCode.UNKNOWN_POOL, f"no collateral pool {event.pool_id!r}")
    if isinstance(event, CollateralSwapped):
        pair = {book.collateral, book.token}
        if {event.asset_in, event.asset_out} != pair:
            return refuse(
                RejectCode.WRONG_ASSET, f"collateral pool {event.pool_id!r} trades {sorted(pair)}"
            )
        return None
    named = {
        field: getattr(event, field)
        for field in ("collateral", "token", "yield_token", "key_token", "router")
        if hasattr(event, field)
    }
    recorded = {field: getattr(book, field) for field in named}
    refused = names_match(f"collateral pool {event.pool_id!r}", recorded, named)
    redeemed = getattr(event, "redeemed_token", None)
    if (
        refused is None
        and redeemed is not None
        and redeemed not in (book.yield_token, book.key_token)
    ):
        return refuse(
            RejectCode.WRONG_ASSET,
            f"collateral pool {event.pool_id!r} redeems {book.yield_token} or {book.key_token}",
        )
    return refused


LENDING_RULES: dict[type[Event], Callable[[Any, Context], Rejected | None]] = {
    YieldPoolCreated: yield_pool_created,
    YieldLiquidityChanged: yield_pool_used,
    YieldTokenSwapped: yield_pool_used,
    CollateralPoolCreated: collateral_pool_created,
    CollateralMinted: collateral_pool_used,
    CollateralSwapped: collateral_pool_used,
    CollateralRedeemed: collateral_pool_used,
}
