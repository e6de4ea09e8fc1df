"""ALEX collateral rebalancing pool math: erf, weight, creation, LTV, mint, redeem, swaps.

Restated from protocol-math.md section 2.6 (`alexgo-io/alex-v1:clarity/contracts/pool/
collateral-rebalancing-pool-v1.clar`). Token x is the collateral (riskless), token y the
risky token being borrowed. Where the contract calls the swap router (to convert collateral
or to cover a shortfall) these functions take a `TokenRouter`, so the math stays pure and the
engine decides which pools the route runs through.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Protocol

from events.rejections import RejectCode
from projections.math import MathRejected
from projections.math.fixed_point import ONE_8, div_down, mul_down, pow_down
from projections.math.weighted_pool import (
    SIMPLE_LIMITS_DEFAULT,
    RatioLimits,
    SwapResult,
    WeightedPool,
    fee_split,
    x_given_y,
    y_given_x,
)

BLOCKS_PER_YEAR = 52560
SQRT_2 = 141421356
WEIGHT_CAP = 95 * 10**6
WEIGHT_CONVERTED = 5 * 10**6
"""Collateral weight once LTV reaches the conversion LTV ("flight to quality")."""
SHORTFALL_COVERAGE_DEFAULT = 110 * 10**6
STRIKE_MULTIPLIER_DEFAULT = 25 * 10**6
CAPACITY_MULTIPLIER_DEFAULT = ONE_8
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


@dataclass(frozen=True, slots=True)
class MintSplit:
    """Yield and key tokens minted (equal numbers) and the collateral split by weight."""

    minted: int
    dx_kept: int
    dx_converted: int


@dataclass(frozen=True, slots=True)
class Mint:
    """A whole mint: the split, the token y the router bought, and the pool after."""

    split: MintSplit
    dy_bought: int
    pool_after: CollateralPool


@dataclass(frozen=True, slots=True)
class Shortfall:
    """How an expired pool short of token y buys the gap before any redemption pays out."""

    amount_y: int
    """mul_down(yield supply - B_y, coverage), or 0 when B_y covers the yield supply."""
    collateral_sold: int
    token_bought: int
    reserve_cover_x: int
    """Collateral the reserve pool (or emergency issuance) must pay in: max(sold - B_x, 0)."""


@dataclass(frozen=True, slots=True)
class Redemption:
    """A redemption after expiry: shares burnt, amounts paid, the shortfall step, the pool."""

    shares: int
    paid_x: int
    paid_y: int
    shortfall: Shortfall
    pool_after: CollateralPool


@dataclass(frozen=True, slots=True)
class CollateralSwap:
    """A CRP swap: the leg (with stored weights) and the pool with its new weight."""

    swap: SwapResult
    pool_after: CollateralPool


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


def capacity_amount(pool: CollateralPool, spot: int, dx: int, multiplier: int) -> int:
    """The collateral amount the router must be able to quote before a mint is accepted."""
    return div_down(dx + pool.balance_x + div_down(pool.balance_y, spot), multiplier)


def mint_split(current_ltv: int, spot: int, weight_x: int, dx: int) -> MintSplit:
    """Tokens minted for `dx` collateral and the part kept as collateral.

    Args:
        current_ltv: `ltv(pool, spot)` before the mint.
        spot: Oracle price, y per x.
        weight_x: The pool's *stored* collateral weight.
        dx: Collateral deposited.

    Returns:
        minted = mul_down(ltv, mul_down(spot, dx)); kept = mul_down(w_x, dx); the rest is
        what the router converts to token y.
    """
    minted = mul_down(current_ltv, mul_down(spot, dx))
    dx_kept = mul_down(weight_x, dx)
    return MintSplit(minted, dx_kept, dx - dx_kept)


def mint(
    pool: CollateralPool,
    spot: int,
    block_height: int,
    dx: int,
    router: TokenRouter,
    capacity_multiplier: int = CAPACITY_MULTIPLIER_DEFAULT,
) -> Mint:
    """Deposit `dx` collateral for equal yield and key tokens (`add-to-position-with-spot`).

    Args:
        pool: The pool before; its *stored* weight splits the collateral.
        spot: Oracle price, y per x.
        block_height: Current block, before the expiry.
        dx: Collateral deposited.
        router: Converts the unkept collateral to token y and quotes the capacity check.
        capacity_multiplier: Divides the capacity amount the router must be able to quote.

    Returns:
        The split, the y bought, and the pool with balances and supplies after.
    """
    if dx <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "dx must be positive (err 2003)")
    current_ltv = ltv(pool, spot)
    if current_ltv > pool.conversion_ltv:
        raise MathRejected(RejectCode.LTV_TOO_HIGH, "ltv above conversion ltv (err 2019)")
    try:
        router.quote_collateral_to_token(capacity_amount(pool, spot, dx, capacity_multiplier))
    except MathRejected as rejected:
        raise MathRejected(
            RejectCode.CAP_EXCEEDED, f"pool at capacity (2027): {rejected}"
        ) from None
    if block_height >= pool.expiry:
        raise MathRejected(RejectCode.EXPIRED, "minting closes at the expiry (err 2017)")
    split = mint_split(current_ltv, spot, pool.weight_x, dx)
    dy_bought = router.swap_collateral_to_token(split.dx_converted)
    pool_after = replace(
        pool,
        balance_x=pool.balance_x + split.dx_kept,
        balance_y=pool.balance_y + dy_bought,
        yield_supply=pool.yield_supply + split.minted,
        key_supply=pool.key_supply + split.minted,
    )
    return Mint(split, dy_bought, pool_after)


def _shares(held: int, percent: int) -> int:
    if not 0 < percent <= ONE_8:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "percent outside (0, 1e8] (err 5000)")
    return held if percent == ONE_8 else mul_down(held, percent)


def _cover_shortfall(
    pool: CollateralPool, block_height: int, router: TokenRouter, coverage: int
) -> Shortfall:
    if block_height <= pool.expiry:
        raise MathRejected(RejectCode.NOT_EXPIRED, "redemption opens after expiry (err 2017)")
    if pool.yield_supply <= pool.balance_y:
        return Shortfall(0, 0, 0, 0)
    amount_y = mul_down(pool.yield_supply - pool.balance_y, coverage)
    # The contract sizes the sale by quoting the shortfall's worth in collateral (y -> x).
    sold = router.quote_token_to_collateral(amount_y) if amount_y else 0
    bought = router.swap_collateral_to_token(sold) if sold else 0
    return Shortfall(amount_y, sold, bought, max(sold - pool.balance_x, 0))


def redeem_yield(
    pool: CollateralPool,
    block_height: int,
    shares_held: int,
    percent: int,
    router: TokenRouter,
    coverage: int = SHORTFALL_COVERAGE_DEFAULT,
) -> Redemption:
    """Redeem yield tokens 1:1 for token y after expiry (`reduce-position-yield`).

    If the pool holds fewer y than yield tokens outstanding, it first buys the gap (times
    the coverage) with collateral; collateral beyond its balance comes from the reserve pool.

    Args:
        pool: The pool before.
        block_height: Current block, after the expiry.
        shares_held: The holder's yield tokens.
        percent: Fraction to redeem (x 1e8).
        router: Quotes and performs the collateral-to-token purchase.
        coverage: Shortfall coverage multiplier (1.1e8).

    Returns:
        The redemption; `shortfall.reserve_cover_x` is what the reserve pool must pay in.
    """
    shares = _shares(shares_held, percent)
    shortfall = _cover_shortfall(pool, block_height, router, coverage)
    balance_y_covered = pool.balance_y + shortfall.token_bought
    pool_after = replace(
        pool,
        balance_x=pool.balance_x + shortfall.reserve_cover_x - shortfall.collateral_sold,
        balance_y=max(balance_y_covered - shares, 0),
        yield_supply=max(pool.yield_supply - shares, 0),
    )
    return Redemption(shares, 0, shares, shortfall, pool_after)


def redeem_key(
    pool: CollateralPool,
    block_height: int,
    shares_held: int,
    percent: int,
    router: TokenRouter,
    coverage: int = SHORTFALL_COVERAGE_DEFAULT,
) -> Redemption:
    """Redeem key tokens for what is left after yield holders (`reduce-position-key`).

    Args:
        pool: The pool before.
        block_height: Current block, after the expiry.
        shares_held: The holder's key tokens.
        percent: Fraction to redeem (x 1e8).
        router: Quotes and performs the shortfall purchase.
        coverage: Shortfall coverage multiplier (1.1e8).

    Returns:
        The redemption: y = share of max(B_y + bought - yield supply, 0), x = share of the
        collateral left after the shortfall purchase.
    """
    shares = _shares(shares_held, percent)
    shortfall = _cover_shortfall(pool, block_height, router, coverage)
    balance_x_covered = pool.balance_x + shortfall.reserve_cover_x - shortfall.collateral_sold
    balance_y_covered = pool.balance_y + shortfall.token_bought
    key_value_y = max(balance_y_covered - pool.yield_supply, 0)
    fraction = div_down(shares, pool.key_supply)
    paid_y = mul_down(key_value_y, fraction)
    paid_x = mul_down(balance_x_covered, fraction)
    pool_after = replace(
        pool,
        balance_x=balance_x_covered - paid_x,
        balance_y=balance_y_covered - paid_y,
        key_supply=max(pool.key_supply - shares, 0),
    )
    return Redemption(shares, paid_x, paid_y, shortfall, pool_after)


def _weighted_view(pool: CollateralPool) -> WeightedPool:
    return WeightedPool(
        balance_x=pool.balance_x,
        balance_y=pool.balance_y,
        weight_x=pool.weight_x,
        weight_y=pool.weight_y,
        fee_rate_x=pool.fee_rate_x,
        fee_rate_y=pool.fee_rate_y,
        fee_rebate=pool.fee_rebate,
        limits=pool.limits,
    )


def _require_above(amount_out: int, amount_out_min: int | None) -> None:
    # Strict, as on chain: min < out, so an absent minimum still needs a positive out.
    floor = 0 if amount_out_min is None else amount_out_min
    if amount_out <= floor:
        raise MathRejected(RejectCode.SLIPPAGE, f"out {amount_out} is not above {floor} (2020)")


def _swap(
    pool: CollateralPool, spot: int, block_height: int, amount_in: int, x_in: bool
) -> tuple[SwapResult, CollateralPool]:
    if block_height > pool.expiry:
        raise MathRejected(RejectCode.EXPIRED, "the pool has expired")
    if amount_in <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "the amount in must be positive")
    # The new weight is read from the pre-trade pool and prices only the next trade.
    weight_x = weight_x_next(pool, spot, block_height)
    fee_rate = pool.fee_rate_x if x_in else pool.fee_rate_y
    split = fee_split(amount_in, fee_rate, pool.fee_rebate)
    view = _weighted_view(pool)
    amount_out = (y_given_x if x_in else x_given_y)(view, split.amount_net)
    # Post-check on pre-trade balances and stored weights: out/in <= spot, cross-multiplied.
    in_side = mul_down(pool.balance_x, pool.weight_y)
    out_side = mul_down(pool.balance_y, pool.weight_x)
    if not x_in:
        in_side, out_side = out_side, in_side
    if mul_down(amount_out, in_side) > mul_down(split.amount_net, out_side):
        raise MathRejected(RejectCode.K_VIOLATION, "out/in is above the spot (err 2003)")
    added = split.amount_net + split.rebate
    balance_x = pool.balance_x + added if x_in else max(pool.balance_x - amount_out, 0)
    balance_y = max(pool.balance_y - amount_out, 0) if x_in else pool.balance_y + added
    leg = SwapResult(
        amount_in=amount_in,
        amount_in_net=split.amount_net,
        amount_out=amount_out,
        fee=split.fee,
        rebate=split.rebate,
        reserve_share=split.reserve_share,
        balance_x_after=balance_x,
        balance_y_after=balance_y,
    )
    pool_after = replace(
        pool, balance_x=balance_x, balance_y=balance_y, weight_x=weight_x, weight_y=ONE_8 - weight_x
    )
    return leg, pool_after


def swap_x_for_y(
    pool: CollateralPool, spot: int, block_height: int, dx: int, dy_min: int | None = None
) -> CollateralSwap:
    """Swap collateral for token y at the stored weights, then store the new weight.

    Args:
        pool: The pool before; its stored weights price this trade.
        spot: Oracle price, y per x, for the weight the *next* trade will use.
        block_height: Current block, at most the expiry.
        dx: Gross collateral in.
        dy_min: The trader's minimum; the check is strict (min < dy).

    Returns:
        The leg and the pool after, with the freshly computed weight.
    """
    leg, pool_after = _swap(pool, spot, block_height, dx, x_in=True)
    _require_above(leg.amount_out, dy_min)
    return CollateralSwap(leg, pool_after)


def swap_y_for_x(
    pool: CollateralPool, spot: int, block_height: int, dy: int, dx_min: int | None = None
) -> CollateralSwap:
    """Swap token y for collateral at the stored weights, then store the new weight.

    Args:
        pool: The pool before; its stored weights price this trade.
        spot: Oracle price, y per x, for the weight the *next* trade will use.
        block_height: Current block, at most the expiry.
        dy: Gross token y in.
        dx_min: The trader's minimum; the check is strict (min < dx).

    Returns:
        The leg and the pool after, with the freshly computed weight.
    """
    leg, pool_after = _swap(pool, spot, block_height, dy, x_in=False)
    _require_above(leg.amount_out, dx_min)
    return CollateralSwap(leg, pool_after)


__all__ = [
    "BLOCKS_PER_YEAR",
    "CAPACITY_MULTIPLIER_DEFAULT",
    "ERF_COEFFICIENTS",
    "SHORTFALL_COVERAGE_DEFAULT",
    "SQRT_2",
    "STRIKE_MULTIPLIER_DEFAULT",
    "WEIGHT_CAP",
    "WEIGHT_CONVERTED",
    "CollateralPool",
    "CollateralSwap",
    "Mint",
    "MintSplit",
    "PoolCreation",
    "Redemption",
    "Shortfall",
    "TokenRouter",
    "capacity_amount",
    "creation_terms",
    "erf",
    "ltv",
    "mint",
    "mint_split",
    "pool_value_in_token",
    "redeem_key",
    "redeem_yield",
    "swap_x_for_y",
    "swap_y_for_x",
    "validate_creation",
    "weight_x_next",
    "years_to_expiry",
]
