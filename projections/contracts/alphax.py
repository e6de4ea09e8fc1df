"""AlphaX strike-token prices, indicators and liquidation triggers (the scales live here too).

Restated from protocol-math.md section 3. AlphaX published no contracts, so this is a
specification written from its documentation; every choice the docs leave open is made here,
in the protocol's favour, and named. The USDC that changes hands (pair mint and redeem, pair
arbitrage, graveyard settlement) is in `projections.contracts.alphax_settlement`.

Scales (ints only):

* Prices (asset price P, strikes K_L and K_S, token prices) are USD at `PRICE_SCALE` = 1e6,
  the USDC scale: a token price is directly the USDC base units one whole token is worth, so
  collateral needs no conversion. An 8-decimal oracle price divides by 100 at the edge.
* Strike-token amounts are base units with `token_decimals` (default 18, ERC-20).
* Ratios (capital efficiency, risk level, premium) are at `RATIO_SCALE` = 1e8.
* Fractions of a price (the 1.2 trigger, the 30% discount) are basis points.

Rounding: a user pays rounded up and receives rounded down; a liquidation trigger is tested
by exact cross-multiplication, and the reported liquidation price is the integer price at
which the trigger first fires.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from events.rejections import RejectCode
from projections.contracts import MathRejected

PRICE_SCALE = 10**6
RATIO_SCALE = 10**8
BPS_SCALE = 10_000
PRICE_BUFFER_BPS_DEFAULT = 12_000
LEVERAGE_MAX_DEFAULT = 5


class TriggerKind(Enum):
    """Which liquidation trigger to apply (section 3 item 5, flagged NARRATIVE≠DOCS)."""

    PRICE_BUFFER = "price_buffer"
    """Docs: long dies at P <= 1.2*K_L, short at P >= K_S/1.2 (the default)."""
    LEVERAGE = "leverage"
    """Narrative: a token dies when its capital efficiency P/A reaches 5x."""
    RISK_LEVEL = "risk_level"
    """White paper: a token dies when its risk level (preset liquidation token price / anchor
    price) reaches 100%, the preset being fixed when the market is created."""


class RiskLevelBasis(Enum):
    """The denominator of the risk level; the two sources disagree (section 3 item 4)."""

    ASSET_PRICE = "asset_price"
    """Indicator page: liquidation price / current asset price (the default)."""
    ANCHOR_PRICE = "anchor_price"
    """TokenInsight summary: liquidation price / the token's anchor price."""


@dataclass(frozen=True, slots=True)
class LiquidationRule:
    kind: TriggerKind = TriggerKind.PRICE_BUFFER
    price_buffer_bps: int = PRICE_BUFFER_BPS_DEFAULT
    """1.2 as 12000 bps: the long trigger multiplies K_L by it, the short divides K_S."""
    leverage_max: int = LEVERAGE_MAX_DEFAULT
    """Capital efficiency at which the LEVERAGE rule liquidates (> 1)."""
    long_liquidation_price: int = 0
    """RISK_LEVEL: the LONG token's preset liquidation price (PRICE_SCALE)."""
    short_liquidation_price: int = 0
    """RISK_LEVEL: the SHORT token's preset liquidation price (PRICE_SCALE)."""


LIQUIDATION_RULE_DOCS = LiquidationRule()
LIQUIDATION_RULE_NARRATIVE = LiquidationRule(kind=TriggerKind.LEVERAGE)


@dataclass(frozen=True, slots=True)
class AnchorPrices:
    long_price: int
    short_price: int


@dataclass(frozen=True, slots=True)
class LiquidationPoint:
    asset_price: int
    """The integer asset price at which the trigger first fires (PRICE_SCALE)."""
    token_price: int
    """The token's anchor value V at that asset price (PRICE_SCALE)."""
    capital_efficiency: int
    """P / V at that point (RATIO_SCALE)."""


def require_strikes(long_strike: int, short_strike: int) -> None:
    """Refuse a strike pair unless 0 <= K_L < K_S (INVALID_PARAMETER)."""
    if not 0 <= long_strike < short_strike:
        raise MathRejected(
            RejectCode.INVALID_PARAMETER,
            f"strikes must satisfy 0 <= K_L < K_S (got {long_strike}, {short_strike})",
        )


def long_anchor_price(asset_price: int, long_strike: int) -> int:
    """Anchor (oracle) price of a LONG "ASSET-K_L" token: P - K_L, never below zero.

    Args:
        asset_price: Oracle asset price P (PRICE_SCALE).
        long_strike: The long strike K_L (PRICE_SCALE).

    Returns:
        max(P - K_L, 0) at PRICE_SCALE.
    """
    return max(asset_price - long_strike, 0)


def short_anchor_price(asset_price: int, short_strike: int) -> int:
    """Anchor (oracle) price of a SHORT "K_S-ASSET" token: K_S - P, never below zero.

    Args:
        asset_price: Oracle asset price P (PRICE_SCALE).
        short_strike: The short strike K_S (PRICE_SCALE).

    Returns:
        max(K_S - P, 0) at PRICE_SCALE.
    """
    return max(short_strike - asset_price, 0)


def anchor_prices(asset_price: int, long_strike: int, short_strike: int) -> AnchorPrices:
    """Anchor prices of a minted pair, clamped to the collateral so they always sum to K_S - K_L.

    A pair is fully collateralised by K_S - K_L, so neither side can be worth more than that;
    clamping P into [K_L, K_S] keeps the pair invariant for every P.

    Args:
        asset_price: Oracle asset price P (PRICE_SCALE).
        long_strike: The long strike K_L (PRICE_SCALE).
        short_strike: The short strike K_S (PRICE_SCALE), > K_L.

    Returns:
        The long and short anchor prices (PRICE_SCALE).
    """
    require_strikes(long_strike, short_strike)
    price_clamped = min(max(asset_price, long_strike), short_strike)
    return AnchorPrices(
        long_price=price_clamped - long_strike, short_price=short_strike - price_clamped
    )


def capital_efficiency(asset_price: int, token_price: int) -> int:
    """Capital efficiency P / A: a token moves about this many times the asset's % move.

    Args:
        asset_price: Oracle asset price P (PRICE_SCALE).
        token_price: The token's price A (PRICE_SCALE), > 0.

    Returns:
        floor(P / A) at RATIO_SCALE.
    """
    if token_price <= 0:
        raise MathRejected(RejectCode.OUT_OF_DOMAIN, "a worthless token has no capital efficiency")
    return asset_price * RATIO_SCALE // token_price


def risk_level(
    liquidation_asset_price: int,
    asset_price: int,
    token_price: int,
    basis: RiskLevelBasis = RiskLevelBasis.ASSET_PRICE,
) -> int:
    """Risk level for display: the liquidation price over the chosen basis price.

    Args:
        liquidation_asset_price: Asset price at which the token is liquidated (PRICE_SCALE).
        asset_price: Current asset price P (PRICE_SCALE).
        token_price: The token's anchor price A (PRICE_SCALE); used by ANCHOR_PRICE only.
        basis: Which denominator to use (the sources disagree; see `RiskLevelBasis`).

    Returns:
        floor(liquidation price / basis price) at RATIO_SCALE.
    """
    denominator = asset_price if basis is RiskLevelBasis.ASSET_PRICE else token_price
    if denominator <= 0:
        raise MathRejected(RejectCode.OUT_OF_DOMAIN, "risk level needs a positive basis price")
    return liquidation_asset_price * RATIO_SCALE // denominator


def anchor_risk_level(liquidation_token_price: int, anchor_price: int) -> int:
    """The white paper's risk level: the token's preset liquidation price / its anchor price.

    100% (RATIO_SCALE) is the paper's one liquidation rule; above it the token is dead.

    Args:
        liquidation_token_price: The token's preset liquidation price (PRICE_SCALE).
        anchor_price: The token's anchor price O now (PRICE_SCALE); 0 (worthless) is refused.

    Returns:
        floor(liquidation price / anchor price) at RATIO_SCALE.
    """
    if anchor_price <= 0:
        raise MathRejected(RejectCode.OUT_OF_DOMAIN, "a worthless token has no risk level")
    return liquidation_token_price * RATIO_SCALE // anchor_price


def premium(market_price: int, oracle_price: int) -> int:
    """Premium (positive) or discount (negative) of the market price over the oracle price.

    Args:
        market_price: Market price M (PRICE_SCALE).
        oracle_price: Oracle (anchor) price O (PRICE_SCALE), > 0.

    Returns:
        floor((M - O) / O) at RATIO_SCALE.
    """
    if oracle_price <= 0:
        raise MathRejected(RejectCode.OUT_OF_DOMAIN, "premium needs a positive oracle price")
    return (market_price - oracle_price) * RATIO_SCALE // oracle_price


def _trigger_factors(rule: LiquidationRule, is_long: bool) -> tuple[int, int]:
    """(price factor, strike factor) of the trigger: long P*a <= K_L*b, short P*a >= K_S*b."""
    if rule.kind is TriggerKind.PRICE_BUFFER:
        if rule.price_buffer_bps <= BPS_SCALE:
            raise MathRejected(RejectCode.INVALID_PARAMETER, "price buffer must exceed 10000 bps")
        if is_long:
            return BPS_SCALE, rule.price_buffer_bps
        return rule.price_buffer_bps, BPS_SCALE
    leverage = rule.leverage_max
    if leverage <= 1:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "leverage_max must exceed 1")
    # Long: P/(P-K_L) >= m  <=>  P*(m-1) <= K_L*m.  Short: P/(K_S-P) >= m  <=>  P*(m+1) >= K_S*m.
    if is_long:
        return leverage - 1, leverage
    return leverage + 1, leverage


def is_long_liquidatable(
    asset_price: int, long_strike: int, rule: LiquidationRule = LIQUIDATION_RULE_DOCS
) -> bool:
    """Whether a LONG "ASSET-K_L" token has reached its liquidation trigger at price P.

    Args:
        asset_price: Oracle asset price P (PRICE_SCALE).
        long_strike: K_L (PRICE_SCALE).
        rule: Which trigger to apply.

    Returns:
        True if P <= 1.2*K_L (docs) or P/(P-K_L) >= leverage_max (narrative).
    """
    if rule.kind is TriggerKind.RISK_LEVEL:
        return long_anchor_price(asset_price, long_strike) <= rule.long_liquidation_price
    price_factor, strike_factor = _trigger_factors(rule, is_long=True)
    return asset_price * price_factor <= long_strike * strike_factor


def is_short_liquidatable(
    asset_price: int, short_strike: int, rule: LiquidationRule = LIQUIDATION_RULE_DOCS
) -> bool:
    """Whether a SHORT "K_S-ASSET" token has reached its liquidation trigger at price P.

    Args:
        asset_price: Oracle asset price P (PRICE_SCALE).
        short_strike: K_S (PRICE_SCALE).
        rule: Which trigger to apply.

    Returns:
        True if P >= K_S/1.2 (docs) or P/(K_S-P) >= leverage_max (narrative).
    """
    if rule.kind is TriggerKind.RISK_LEVEL:
        return short_anchor_price(asset_price, short_strike) <= rule.short_liquidation_price
    price_factor, strike_factor = _trigger_factors(rule, is_long=False)
    return asset_price * price_factor >= short_strike * strike_factor


def long_liquidation_point(
    long_strike: int, rule: LiquidationRule = LIQUIDATION_RULE_DOCS
) -> LiquidationPoint:
    """Where a LONG token dies: the highest integer price that triggers, and V there.

    Args:
        long_strike: K_L (PRICE_SCALE); refused if V rounds to 0 (a few micro-USD).
        rule: Which trigger to apply.

    Returns:
        Asset price floor(1.2*K_L), token value P - K_L (0.2*K_L) and P/V.
    """
    if rule.kind is TriggerKind.RISK_LEVEL:
        asset_price = long_strike + rule.long_liquidation_price
    else:
        price_factor, strike_factor = _trigger_factors(rule, is_long=True)
        asset_price = long_strike * strike_factor // price_factor
    token_price = long_anchor_price(asset_price, long_strike)
    return LiquidationPoint(
        asset_price=asset_price,
        token_price=token_price,
        capital_efficiency=capital_efficiency(asset_price, token_price),
    )


def short_liquidation_point(
    short_strike: int, rule: LiquidationRule = LIQUIDATION_RULE_DOCS
) -> LiquidationPoint:
    """Where a SHORT token dies: the lowest integer price that triggers, and V there.

    Args:
        short_strike: K_S (PRICE_SCALE); refused if V rounds to 0 (a few micro-USD).
        rule: Which trigger to apply.

    Returns:
        Asset price ceil(K_S/1.2), token value K_S - P (K_S/6) and P/V.
    """
    if rule.kind is TriggerKind.RISK_LEVEL:
        asset_price = short_strike - rule.short_liquidation_price
    else:
        price_factor, strike_factor = _trigger_factors(rule, is_long=False)
        asset_price = -(-short_strike * strike_factor // price_factor)
    token_price = short_anchor_price(asset_price, short_strike)
    return LiquidationPoint(
        asset_price=asset_price,
        token_price=token_price,
        capital_efficiency=capital_efficiency(asset_price, token_price),
    )


__all__ = [
    "BPS_SCALE",
    "LIQUIDATION_RULE_DOCS",
    "LIQUIDATION_RULE_NARRATIVE",
    "PRICE_SCALE",
    "RATIO_SCALE",
    "AnchorPrices",
    "LiquidationPoint",
    "LiquidationRule",
    "RiskLevelBasis",
    "TriggerKind",
    "anchor_prices",
    "anchor_risk_level",
    "capital_efficiency",
    "is_long_liquidatable",
    "is_short_liquidatable",
    "long_anchor_price",
    "long_liquidation_point",
    "premium",
    "require_strikes",
    "risk_level",
    "short_anchor_price",
    "short_liquidation_point",
]
