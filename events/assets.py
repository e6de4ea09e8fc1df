"""Asset registration: every asset is registered once, with its decimals, before it moves.

Amounts everywhere are ints in the asset's base units; `decimals` is the asset scale that turns
base units into display units (USDC 6, ETH 18, ALEX 8 on Stacks).
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from events.base import Event, Name, register

DECIMALS_MAX = 36
"""The most decimals an asset may have (base units per display unit, as a power of ten)."""
Decimals = Annotated[int, msgspec.Meta(ge=0, le=DECIMALS_MAX)]


@register
class AssetRegistered(Event, frozen=True, kw_only=True):
    """An asset joins the ledger; amounts of it are ints in base units."""

    asset: Name
    """The asset's id, used by every event that moves it (e.g. `USDC`, `ALEX`)."""
    symbol: Name
    """The display symbol."""
    decimals: Decimals
    """Base units per display unit, as a power of ten."""

    def default_stream(self) -> str:
        return f"asset:{self.asset}"


def issuer_account(asset: str) -> str:
    """The protocol account that is debited by mints and credited by burns of `asset`."""
    return f"issuer:{asset}"
