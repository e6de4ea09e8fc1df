"""Posting rules for reserve facts: each event type to the value moves it makes."""

from __future__ import annotations

from collections.abc import Iterable

from events.reserve import (
    EmergencyIssued,
    ReserveCredited,
    ReserveDebited,
    ShortfallCovered,
    reserve_account,
)
from projections.postings.base import Posting


def credited(event: ReserveCredited) -> Iterable[Posting]:
    return (
        (
            event.from_account,
            reserve_account(event.token, event.reserve),
            event.token,
            event.amount,
        ),
    )


def covered(event: ShortfallCovered) -> Iterable[Posting]:
    return (
        (reserve_account(event.token, event.reserve), event.beneficiary, event.token, event.amount),
    )


def debited(event: ReserveDebited) -> Iterable[Posting]:
    return (
        (reserve_account(event.token, event.reserve), event.to_account, event.token, event.amount),
    )


def issued(event: EmergencyIssued) -> Iterable[Posting]:
    minted = (f"issuer:{event.alex_asset}", event.buyer, event.alex_asset, event.alex_amount)
    if event.sold_through:
        return (minted,)
    return (
        minted,
        (event.buyer, reserve_account(event.token, event.reserve), event.token, event.proceeds),
    )
