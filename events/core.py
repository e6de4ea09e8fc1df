"""The first facts: value minted, burned and transferred, and oracle prices.

Each records every amount in base units, so a projection never has to guess.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from events.base import SQLITE_INT_MAX, Amount, Event, Name, register
from events.upcasting import Payload, upcaster

#: A price's fixed-point scale: positive, and within what the prices view stores as INTEGER.
Scale = Annotated[int, msgspec.Meta(gt=0, le=SQLITE_INT_MAX)]


@register
class Minted(Event, frozen=True, kw_only=True):
    """New units of an asset are created in an account (supply grows)."""

    asset: Name
    """The asset minted."""
    to_account: Name
    """The account credited."""
    amount: Amount
    """Base units minted."""
    memo: str = ""
    """Why: a protocol reason (`staking-reward`, `emergency-issuance`, ...)."""

    def default_stream(self) -> str:
        return f"asset:{self.asset}"


@register
class Burned(Event, frozen=True, kw_only=True):
    """Units of an asset are destroyed from an account (supply shrinks)."""

    asset: Name
    """The asset burned."""
    from_account: Name
    """The account debited."""
    amount: Amount
    """Base units burned."""
    memo: str = ""
    """Why the units were burned."""

    def default_stream(self) -> str:
        return f"asset:{self.asset}"


@register
class Transferred(Event, frozen=True, kw_only=True):
    """Units of an asset move between two accounts (supply unchanged)."""

    asset: Name
    """The asset moved."""
    from_account: Name
    """The account debited."""
    to_account: Name
    """The account credited."""
    amount: Amount
    """Base units moved."""
    memo: str = ""
    """Why the units moved."""

    def default_stream(self) -> str:
        return f"account:{self.from_account}"


@register
class PriceUpdated(Event, frozen=True, kw_only=True):
    """An oracle reports the price of an asset in a quote asset, as an int at a stated scale.

    Schema v2: v1 carried `price_e8` (always at scale 1e8, as ALEX's oracles report); v2 states
    the scale so f(x) prices at 1e18 fit too. Stored v1 records are upcast on read.
    """

    schema_version = 2

    asset: Name
    """The asset priced."""
    quote: Name
    """The unit of the price (e.g. `USD`)."""
    price: Amount
    """Price of one display unit of `asset` in `quote`, times `scale`."""
    scale: Scale
    """The fixed-point scale of `price` (1e8 for ALEX, 1e18 for f(x))."""
    source: str = ""
    """Which oracle or series reported it."""

    def default_stream(self) -> str:
        return f"price:{self.asset}"


@upcaster("PriceUpdated", 1)
def _price_updated_v1_to_v2(payload: Payload) -> Payload:
    """v1 prices were always 8-decimal fixed point under the name `price_e8`."""
    lifted = {key: value for key, value in payload.items() if key != "price_e8"}
    lifted["price"] = payload["price_e8"]
    lifted["scale"] = 10**8
    return lifted
