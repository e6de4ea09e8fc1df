"""Rebuild the f(x) model's previews from recorded events (the apply side's only input).

The events use the previews' field names, so each conversion is a by-name copy; nothing is
recomputed here.
"""

from __future__ import annotations

from dataclasses import fields
from functools import cache
from operator import attrgetter
from typing import Any

from events.fx import (
    FxFundingAccrued,
    FxHarvested,
    FxRedeemed,
    FxStabilityDeposited,
    FxStabilityRedeemed,
    FxTickMove,
    FxWalked,
)
from projections.contracts.fx_results import (
    FundingPreview,
    HarvestPreview,
    RedeemPreview,
    Settlement,
    TickMovement,
    WalkPreview,
)
from projections.contracts.fx_stability import (
    BaseToken,
    DepositPreview,
    StabilityRedeemPreview,
    StabilityTotals,
)


@cache
def _field_names(cls: Any) -> tuple[str, ...]:
    """A dataclass's field names, read once per class (`fields()` is slow in a fold's loop)."""
    return tuple(item.name for item in fields(cls))


@cache
def _getter(cls: Any) -> Any:
    """Reads a dataclass's fields off a source, in field order, as one tuple."""
    names = _field_names(cls)
    if len(names) == 1:
        return lambda source: (getattr(source, names[0]),)
    return attrgetter(*names)


def _copied(cls: Any, source: Any, **overrides: Any) -> Any:
    if not overrides:
        return cls(*_getter(cls)(source))
    values = {
        name: overrides[name] if name in overrides else getattr(source, name)
        for name in _field_names(cls)
    }
    return cls(**values)


def movements_of(moves: list[FxTickMove]) -> tuple[TickMovement, ...]:
    return tuple(_copied(TickMovement, move) for move in moves)


def redeem_preview(event: FxRedeemed) -> RedeemPreview:
    preview: RedeemPreview = _copied(RedeemPreview, event, movements=movements_of(event.movements))
    return preview


def walk_preview(event: FxWalked) -> WalkPreview:
    settlement = _copied(Settlement, event)
    preview: WalkPreview = _copied(
        WalkPreview, event, movements=movements_of(event.movements), settlement=settlement
    )
    return preview


def funding_preview(event: FxFundingAccrued) -> FundingPreview:
    preview: FundingPreview = _copied(FundingPreview, event)
    return preview


def harvest_preview(event: FxHarvested) -> HarvestPreview:
    preview: HarvestPreview = _copied(HarvestPreview, event)
    return preview


def _totals(event: FxStabilityDeposited | FxStabilityRedeemed) -> StabilityTotals:
    return StabilityTotals(
        event.total_fxusd_after, event.total_usdc_after, event.share_supply_after
    )


def deposit_preview(event: FxStabilityDeposited) -> DepositPreview:
    token = BaseToken.FXUSD if event.token == "fxUSD" else BaseToken.USDC
    return DepositPreview(
        event.account, token, event.amount, event.amount_usd, event.shares, _totals(event)
    )


def stability_redeem_preview(event: FxStabilityRedeemed) -> StabilityRedeemPreview:
    return StabilityRedeemPreview(
        event.account,
        event.shares,
        event.instant,
        event.fxusd_out,
        event.usdc_out,
        event.fxusd_fee,
        event.usdc_fee,
        _totals(event),
    )
