"""ALEX collateral rebalancing pool state and weight: erf, creation terms, LTV, the weight rule.

Restated from protocol-math.md section 2.6 (`alexgo-io/alex-v1:clarity/contracts/pool/
collateral-rebalancing-pool-v1.clar`). Token x is the collateral (riskless), token y the
risky token being borrowed. Trades while the pool is live (mint, swaps) are in
`projections.contracts.crp_trades`, redemptions after expiry in
`projections.contracts.crp_redemption`;
both call the swap router through `TokenRouter`, so the math stays pure and the engine decides
which pools the route runs through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fixed_point import ONE_8, div_down, mul_down, pow_down
from projections.contracts.weighted_pool import SIMPLE_LIMITS_DEFAULT, RatioLimits

BLOCKS_PER_YEAR = 52560
SQRT_2 = 141421356
WEIGHT_CAP = 95 * 10**6
WEIGHT_CONVERTED = 5 * 10**6
"""Collateral weight once LTV reaches the conversion LTV ("flight to quality")."""
STRIKE_MULTIPLIER_DEFAULT = 25 * 10**6
ERF_COEFFICIENTS = (27839300, 23038900, 97200, 7810800)
"""Abramowitz-Stegun 7.1.27 coefficients a1..a4 (x 1e8)."""


class TokenRouter(Protocol):
    """The swap router the pool calls (`swap-helper-v1-03`); the engine backs it with pools.

    A method that cannot route the amount raises `MathRejected`, as the router reverts.
    """

    def quote_collateral_to_token(self, collateral_in: int) -> int:
        """`get-helper` x -> y: the y that `collateral_in` of x would buy (no state change)."""
        ...

    def quote_token_to_collateral(self, token_in: int) -> int:
        """`get-helper` y -> x: the x that `token_in` of y would buy (no state change)."""
        ...

    def swap_collateral_to_token(self, collateral_in: int) -> int:
        """`swap-helper` x -> y: sell `collateral_in` of x and return the y received."""
        ...


@dataclass(frozen=True, slots=True)
class CollateralPool:
    """CRP state keyed by (token x, token y, expiry)."""

    balance_x: int
    balance_y: int
    weight_x: int
    weight_y: int
    yield_supply: int
    key_supply: int
    strike: int
    bs_vol: int
    ltv_0: int
    conversion_ltv: int
    moving_average: int
    token_to_maturity: int
    expiry: int
    fee_rate_x: int = 0
    fee_rate_y: int = 0
    fee_rebate: int = 0
    limits: RatioLimits = field(default_factory=lambda: SIMPLE_LIMITS_DEFAULT)


@dataclass(frozen=True, slots=True)
class PoolCreation:
    """Strike and initial collateral weight of a new pool."""

    strike: int
    weight_x: int
    weight_y: int


def erf(value: int) -> int:
    """The contract's erf: 1 - 1/D^4 with D the A-S 7.1.27 polynomial, all rounded down.

    Args:
        value: x >= 0 (x 1e8).

    Returns:
        erf(x) (x 1e8), below 1e8.
    """
    a1, a2, a3, a4 = ERF_COEFFICIENTS
    square = mul_down(value, value)
    cube = mul_down(value, square)
    fourth = mul_down(value, cube)
    polynomial = ONE_8 + mul_down(a1, value) + mul_down(a2, square)
    polynomial += mul_down(a3, cube) + mul_down(a4, fourth)
    power_four = mul_down(polynomial, mul_down(polynomial, mul_down(polynomial, polynomial)))
    return div_down(power_four - ONE_8, power_four)


def years_to_expiry(expiry: int, block_height: int) -> int:
    """Time to expiry in years (x 1e8) at 52560 blocks a year, rounded down."""
    return (expiry - block_height) * ONE_8 // BLOCKS_PER_YEAR


def _d1(years: int, vol: int, moneyness: int) -> int:
    drift = mul_down(years, mul_down(vol, vol) // 2)
    return div_down(drift + moneyness, mul_down(vol, pow_down(years, ONE_8 // 2)))


def creation_terms(
    spot: int,
    expiry: int,
    block_height: int,
    ltv_0: int,
    bs_vol: int,
    strike_multiplier: int = STRIKE_MULTIPLIER_DEFAULT,
) -> PoolCreation:
    """Strike and first collateral weight of a new pool (`create-and-configure-pool`).

    Args:
        spot: Oracle price, y per x.
        expiry: Expiry block.
        block_height: Current block.
        ltv_0: Initial LTV.
        bs_vol: Volatility sigma.
        strike_multiplier: Weight of ltv_0 in the strike fraction.

    Returns:
        strike = spot * (m*ltv_0 + (1-m)); w_x = min((1 + erf(d1/sqrt 2))/2, 0.95).
    """
    strike_fraction = mul_down(strike_multiplier, ltv_0) + mul_down(
        ONE_8 - strike_multiplier, ONE_8
    )
    years = years_to_expiry(expiry, block_height)
    d1 = _d1(years, bs_vol, ONE_8 - strike_fraction)
    weight_x = min((ONE_8 + erf(div_down(d1, SQRT_2))) // 2, WEIGHT_CAP)
    return PoolCreation(mul_down(spot, strike_fraction), weight_x, ONE_8 - weight_x)


def validate_creation(
    expiry: int,
    block_height: int,
    ltv_0: int,
    conversion_ltv: int,
    moving_average: int,
    token_to_maturity: int,
) -> None:
    """Reject the parameter sets `create-and-configure-pool` refuses (INVALID_PARAMETER).

    Args:
        expiry: Expiry block.
        block_height: Current block.
        ltv_0: Initial LTV; below the conversion LTV.
        conversion_ltv: LTV at which the pool converts to collateral; below 1e8.
        moving_average: Weight of the previous weight in the EMA; below 1e8.
        token_to_maturity: Blend scale (blocks x 1e8); below (expiry - h) x 1e8.
    """
    if not ltv_0 < conversion_ltv < ONE_8 or moving_average >= ONE_8:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "need ltv_0 < conversion < 1, MA < 1")
    if token_to_maturity >= (expiry - block_height) * ONE_8:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "token_to_maturity beyond expiry")


def pool_value_in_token(pool: CollateralPool, spot: int) -> int:
    """Pool value in token y: mul_down(B_x, spot) + B_y."""
    return mul_down(pool.balance_x, spot) + pool.balance_y


def ltv(pool: CollateralPool, spot: int) -> int:
    """Loan to value (`get-ltv-with-spot`): ltv_0 before any mint, else yield / value."""
    if pool.yield_supply == 0:
        return pool.ltv_0
    return div_down(pool.yield_supply, pool_value_in_token(pool, spot))


def weight_x_next(pool: CollateralPool, spot: int, block_height: int) -> int:
    """The collateral weight recomputed from the oracle (`get-weight-x-with-spot`).

    Args:
        pool: The pool, with its stored (previous) weight.
        spot: Oracle price, y per x.
        block_height: Current block, at most the expiry.

    Returns:
        0.05e8 once LTV reaches the conversion LTV; else the EMA of the stored weight and
        the target weight (blended toward 1 - ltv near expiry), capped at 0.95e8.
    """
    current_ltv = ltv(pool, spot)
    if current_ltv >= pool.conversion_ltv:
        return WEIGHT_CONVERTED
    blocks_scaled = (pool.expiry - block_height) * ONE_8
    years = years_to_expiry(pool.expiry, block_height)
    maturity_fraction = div_down(blocks_scaled, pool.token_to_maturity)
    moneyness_ratio = div_down(spot, pool.strike)
    # The contract uses |spot/strike - 1| in place of ln(spot/strike) (section 2.6 flag).
    d1 = _d1(years, pool.bs_vol, abs(moneyness_ratio - ONE_8))
    erf_term = erf(div_down(d1, SQRT_2))
    if moneyness_ratio > ONE_8:
        weight_target = (ONE_8 + erf_term) // 2
    else:
        weight_target = max(ONE_8 - erf_term, 0) // 2
    if maturity_fraction <= ONE_8:
        weight_target = mul_down(maturity_fraction, weight_target) + mul_down(
            ONE_8 - maturity_fraction, ONE_8 - current_ltv
        )
    averaged = mul_down(pool.moving_average, pool.weight_x)
    averaged += mul_down(ONE_8 - pool.moving_average, weight_target)
    return min(averaged, WEIGHT_CAP)


__all__ = [
    "BLOCKS_PER_YEAR",
    "ERF_COEFFICIENTS",
    "SQRT_2",
    "STRIKE_MULTIPLIER_DEFAULT",
    "WEIGHT_CAP",
    "WEIGHT_CONVERTED",
    "CollateralPool",
    "PoolCreation",
    "TokenRouter",
    "creation_terms",
    "erf",
    "ltv",
    "pool_value_in_token",
    "validate_creation",
    "weight_x_next",
    "years_to_expiry",
]
