"""What a posting is, and the rules of the three core facts (mint, burn, transfer).

A posting `(from_account, to_account, asset, amount)` moves `amount` of `asset`; mints post
from the asset's issuer account and burns to it, so the books always balance.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from events.assets import issuer_account
from events.core import Burned, Minted, Transferred

#: (from_account, to_account, asset, amount)
Posting = tuple[str, str, str, int]
PostingRule = Callable[[Any], Iterable[Posting]]


def minted(event: Minted) -> Iterable[Posting]:
    return ((issuer_account(event.asset), event.to_account, event.asset, event.amount),)


def burned(event: Burned) -> Iterable[Posting]:
    return ((event.from_account, issuer_account(event.asset), event.asset, event.amount),)


def transferred(event: Transferred) -> Iterable[Posting]:
    return ((event.from_account, event.to_account, event.asset, event.amount),)
