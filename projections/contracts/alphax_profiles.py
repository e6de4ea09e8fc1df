"""AlphaX parameter profiles: the documented contract defaults and the white paper's rules.

The documentation (protocol-math.md section 3) and the white paper disagree on how a strike
token dies and what its holders get. Both are kept as named profiles, fixed when a market is
created and recorded in its `AlphaxMarketCreated`:

* `contract` (the default): a long dies at P <= 1.2 K_L, a short at P >= K_S / 1.2; the dead
  token is valued at the oracle when it is liquidated; holders claim after a liquidator bought.
* `whitepaper`: one rule, risk level (preset liquidation token price / anchor price) = 100%,
  the preset being the token's anchor price where capital efficiency reaches 5x; the dead
  token is valued at that preset; holders claim their 70% at once.

Fees (mint, redeem, graveyard claim) are basis points of the USDC moved, zero in both profiles;
a user pays a fee rounded up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.alphax import (
    BPS_SCALE,
    LiquidationRule,
    TriggerKind,
    long_liquidation_point,
    short_liquidation_point,
)

SETTLEMENTS = ("oracle", "preset")
"""How a dead token's value V is fixed: the oracle anchor at liquidation, or the preset."""
HOLDER_CLAIMS = ("after_buy", "direct")
"""When holders may claim: once a liquidator bought their tokens, or as soon as the side dies."""


@dataclass(frozen=True, slots=True)
class AlphaxProfile:
    """A named set of market parameters (see the module docstring)."""

    name: str
    trigger_kind: TriggerKind
    price_buffer_bps: int = 12_000
    leverage_max: int = 5
    liquidator_discount_bps: int = 3_000
    settlement: str = "oracle"
    holder_claim: str = "after_buy"
    mint_fee_bps: int = 0
    redeem_fee_bps: int = 0
    graveyard_fee_bps: int = 0


CONTRACT_PROFILE = AlphaxProfile(name="contract", trigger_kind=TriggerKind.PRICE_BUFFER)
WHITEPAPER_PROFILE = AlphaxProfile(
    name="whitepaper",
    trigger_kind=TriggerKind.RISK_LEVEL,
    settlement="preset",
    holder_claim="direct",
)
PROFILES = {profile.name: profile for profile in (CONTRACT_PROFILE, WHITEPAPER_PROFILE)}


def profile_named(name: str) -> AlphaxProfile:
    """The profile called `name`, or INVALID_PARAMETER naming the known ones."""
    profile = PROFILES.get(name)
    if profile is None:
        known = ", ".join(sorted(PROFILES))
        raise MathRejected(
            RejectCode.INVALID_PARAMETER, f"unknown profile {name!r}; known: {known}"
        )
    return profile


def with_overrides(profile: AlphaxProfile, **overrides: object) -> AlphaxProfile:
    """The profile with every override that is not None applied (validated)."""
    chosen = {key: value for key, value in overrides.items() if value is not None}
    result = replace(profile, **chosen)  # type: ignore[arg-type]
    if result.settlement not in SETTLEMENTS or result.holder_claim not in HOLDER_CLAIMS:
        raise MathRejected(
            RejectCode.INVALID_PARAMETER,
            f"settlement is one of {SETTLEMENTS}, holder_claim one of {HOLDER_CLAIMS}",
        )
    for fee in (result.mint_fee_bps, result.redeem_fee_bps, result.graveyard_fee_bps):
        if not 0 <= fee < BPS_SCALE:
            raise MathRejected(RejectCode.INVALID_PARAMETER, "a fee is within 0..9999 bps")
    return result


def preset_liquidation_prices(
    long_strike: int, short_strike: int, profile: AlphaxProfile
) -> tuple[int, int]:
    """Each token's liquidation price (PRICE_SCALE) fixed at creation by the profile's rule.

    The white paper's RISK_LEVEL rule presets the anchor price at which capital efficiency
    reaches `leverage_max` (5x: 0.25 K_L for a long, K_S / 6 for a short); the other rules
    preset the anchor price at their own trigger.

    Args:
        long_strike: K_L (PRICE_SCALE).
        short_strike: K_S (PRICE_SCALE).
        profile: The market's profile.

    Returns:
        (LONG token liquidation price, SHORT token liquidation price).
    """
    kind = profile.trigger_kind
    if kind is TriggerKind.RISK_LEVEL:
        kind = TriggerKind.LEVERAGE
    rule = LiquidationRule(kind, profile.price_buffer_bps, profile.leverage_max)
    return (
        long_liquidation_point(long_strike, rule).token_price,
        short_liquidation_point(short_strike, rule).token_price,
    )


def fee_usdc(amount_usdc: int, fee_bps: int) -> int:
    """A fee of `fee_bps` on `amount_usdc`, rounded up (the user pays)."""
    return -(-amount_usdc * fee_bps // BPS_SCALE)


__all__ = [
    "CONTRACT_PROFILE",
    "HOLDER_CLAIMS",
    "PROFILES",
    "SETTLEMENTS",
    "WHITEPAPER_PROFILE",
    "AlphaxProfile",
    "fee_usdc",
    "preset_liquidation_prices",
    "profile_named",
    "with_overrides",
]
