"""ALEX fixed-weight pool math: Balancer weighted swaps, fees, liquidity, oracle, routing.

Restated from protocol-math.md sections 2.2 and 2.3 (`alexgo-io/alex-v1:clarity/contracts/
equations/weighted-equation-v1-01.clar` and `pool/fixed-weight-pool-v1-01.clar`), plus the
t = 1 constant-product case of section 2.4 (`equations/simple-equation.clar`), which the
collateral rebalancing pool routes through. Every pool amount is an 8-decimal int; a call the
contract would revert raises `MathRejected`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from events.rejections import RejectCode
from projections.math import MathRejected
from projections.math.fixed_point import (
    EXPONENT_BOUND,
    ONE_8,
    div_down,
    div_up,
    mul_down,
    mul_up,
    pow_down,
    pow_up,
    sub_fixed,
)

RATIO_LIMIT_DEFAULT = 10**6
"""Default max in/out ratio of `weighted-equation-v1-01` (1% of the balance)."""
RATIO_LIMIT_SIMPLE_DEFAULT = 5 * 10**6
"""Default max in/out ratio of `simple-equation` and the yield-token equation (5%)."""


@dataclass(frozen=True, slots=True)
class RatioLimits:
    """The largest trade as a fraction (x 1e8) of the balance it enters or leaves."""

    max_in_ratio: int = RATIO_LIMIT_DEFAULT
    max_out_ratio: int = RATIO_LIMIT_DEFAULT


@dataclass(frozen=True, slots=True)
class WeightedPool:
    """What a fixed-weight pool swap reads; token x is wSTX on every v1-01 pool."""

    balance_x: int
    balance_y: int
    weight_x: int
    weight_y: int
    fee_rate_x: int = 0
    fee_rate_y: int = 0
    fee_rebate: int = 0
    oracle_enabled: bool = False
    oracle_average: int = 0
    oracle_resilient: int = 0
    limits: RatioLimits = field(default_factory=RatioLimits)


@dataclass(frozen=True, slots=True)
class FeeSplit:
    """How a gross input divides: net to the curve, rebate to LPs, the rest to the reserve."""

    fee: int
    amount_net: int
    rebate: int
    reserve_share: int


@dataclass(frozen=True, slots=True)
class SwapResult:
    """One pool leg of a swap, with every amount an event must record."""

    amount_in: int
    amount_in_net: int
    amount_out: int
    fee: int
    rebate: int
    reserve_share: int
    balance_x_after: int
    balance_y_after: int
    oracle_resilient_after: int = 0


@dataclass(frozen=True, slots=True)
class TwoHopSwap:
    """A swap between two non-wSTX tokens: in through one wSTX pool, out through another."""

    first_leg: SwapResult
    second_leg: SwapResult

    @property
    def amount_out(self) -> int:
        """What the trader receives from the second leg."""
        return self.second_leg.amount_out


@dataclass(frozen=True, slots=True)
class LiquidityAdded:
    """LP tokens minted and the token amounts the provider deposits."""

    supply_minted: int
    dx: int
    dy: int


@dataclass(frozen=True, slots=True)
class LiquidityRemoved:
    """LP tokens burnt, tokens paid out, and the pool left behind (each floored at 0)."""

    shares: int
    dx: int
    dy: int
    balance_x_after: int
    balance_y_after: int
    total_supply_after: int


def _require_weights(weight_x: int, weight_y: int) -> None:
    if weight_x + weight_y != ONE_8:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "weights must sum to 1e8 (err 4000)")


def _require_below(amount: int, balance: int, ratio: int) -> None:
    if amount >= mul_down(balance, ratio):
        raise MathRejected(RejectCode.MAX_RATIO, f"{amount} is over {ratio}e-8 of {balance}")


def _mirrored(pool: WeightedPool) -> WeightedPool:
    # y-in formulas are the x-in ones with every x/y role swapped, limits included: the
    # contract checks a y input against the max *out* ratio, so in/out trade places too.
    return WeightedPool(
        balance_x=pool.balance_y,
        balance_y=pool.balance_x,
        weight_x=pool.weight_y,
        weight_y=pool.weight_x,
        fee_rate_x=pool.fee_rate_y,
        fee_rate_y=pool.fee_rate_x,
        fee_rebate=pool.fee_rebate,
        limits=RatioLimits(pool.limits.max_out_ratio, pool.limits.max_in_ratio),
    )


def _out_given_in(balance_in: int, balance_out: int, exponent: int, amount_in: int) -> int:
    base = div_up(balance_in, balance_in + amount_in)
    power = pow_up(base, min(exponent, EXPONENT_BOUND))
    return mul_down(balance_out, ONE_8 - power if power < ONE_8 else 0)


def _in_given_out(balance_out: int, balance_in: int, exponent: int, amount_out: int) -> int:
    base = div_down(balance_out, sub_fixed(balance_out, amount_out))
    power = pow_down(base, min(exponent, EXPONENT_BOUND))
    return mul_down(balance_in, power - ONE_8 if power > ONE_8 else 0)


def y_given_x(pool: WeightedPool, dx: int) -> int:
    """Token y out for `dx` (net of fees) of x in (`get-y-given-x`), rounded down.

    Args:
        pool: Balances, weights and ratio limits.
        dx: Net amount of x in.

    Returns:
        dy = B_y * (1 - (B_x / (B_x + dx))^(w_x / w_y)), rounded against the trader.
    """
    _require_weights(pool.weight_x, pool.weight_y)
    _require_below(dx, pool.balance_x, pool.limits.max_in_ratio)
    exponent = div_up(pool.weight_x, pool.weight_y)
    dy = _out_given_in(pool.balance_x, pool.balance_y, exponent, dx)
    _require_below(dy, pool.balance_y, pool.limits.max_out_ratio)
    return dy


def x_given_y(pool: WeightedPool, dy: int) -> int:
    """Token x out for `dy` (net of fees) of y in (`get-x-given-y`).

    The contract checks the y side against the max *out* ratio and the x side against the
    max *in* ratio (the roles are not swapped); that is kept.

    Args:
        pool: Balances, weights and ratio limits.
        dy: Net amount of y in.

    Returns:
        dx = B_x * (1 - (B_y / (B_y + dy))^(w_y / w_x)), rounded against the trader.
    """
    return y_given_x(_mirrored(pool), dy)


def y_in_given_x_out(pool: WeightedPool, dx: int) -> int:
    """Token y to put in to take `dx` of x out (`get-y-in-given-x-out`).

    Args:
        pool: Balances, weights and ratio limits.
        dx: Amount of x wanted out.

    Returns:
        dy = B_y * ((B_x / (B_x - dx))^(w_x / w_y) - 1), power rounded down as on chain.
    """
    _require_weights(pool.weight_x, pool.weight_y)
    _require_below(dx, pool.balance_x, pool.limits.max_in_ratio)
    exponent = div_down(pool.weight_x, pool.weight_y)
    dy = _in_given_out(pool.balance_x, pool.balance_y, exponent, dx)
    _require_below(dy, pool.balance_y, pool.limits.max_out_ratio)
    return dy


def x_in_given_y_out(pool: WeightedPool, dy: int) -> int:
    """Token x to put in to take `dy` of y out (`get-x-in-given-y-out`).

    Args:
        pool: Balances, weights and ratio limits.
        dy: Amount of y wanted out.

    Returns:
        dx = B_x * ((B_y / (B_y - dy))^(w_y / w_x) - 1), power rounded down as on chain.
    """
    return y_in_given_x_out(_mirrored(pool), dy)


def _amount_to_reach(balance: int, price_high: int, price_low: int, weight: int) -> int:
    if price_high <= price_low:
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, "target on the wrong side (2002)")
    power = pow_down(div_up(price_high, price_low), weight)
    return mul_up(balance, power - ONE_8 if power > ONE_8 else 0)


def _spot_for_target(pool: WeightedPool) -> int:
    # The given-price helpers round the denominator up, unlike the oracle.
    return div_down(mul_down(pool.balance_y, pool.weight_x), mul_up(pool.balance_x, pool.weight_y))


def x_given_price(pool: WeightedPool, price: int) -> int:
    """Token x to sell to move the price of x (in y) down to `price` (`get-x-given-price`).

    Args:
        pool: Balances and weights.
        price: Target price, below the spot price (else err 2002).

    Returns:
        mul_up(B_x, pow_down(div_up(spot, price), w_y) - 1e8).
    """
    _require_weights(pool.weight_x, pool.weight_y)
    return _amount_to_reach(pool.balance_x, _spot_for_target(pool), price, pool.weight_y)


def y_given_price(pool: WeightedPool, price: int) -> int:
    """Token y to sell to move the price of x (in y) up to `price` (`get-y-given-price`).

    Args:
        pool: Balances and weights.
        price: Target price, above the spot price (else err 2002).

    Returns:
        mul_up(B_y, pow_down(div_up(price, spot), w_x) - 1e8).
    """
    _require_weights(pool.weight_x, pool.weight_y)
    return _amount_to_reach(pool.balance_y, price, _spot_for_target(pool), pool.weight_x)


def oracle_instant_price(balance_x: int, balance_y: int, weight_x: int, weight_y: int) -> int:
    """Price of x in y from the balances (`get-oracle-instant`), the swap post-check's bound."""
    return div_down(mul_down(balance_y, weight_x), mul_down(balance_x, weight_y))


def oracle_resilient_next(resilient_before: int, oracle_average: int, instant_price: int) -> int:
    """The manipulation-resistant EMA price after one swap (`get-oracle-resilient`).

    Args:
        resilient_before: The stored resilient price.
        oracle_average: Weight of the old value (x 1e8, below 1e8; docs recommend 0.99e8).
        instant_price: `oracle_instant_price` on the pre-trade balances.

    Returns:
        mul_down(1e8 - average, instant) + mul_down(average, before).
    """
    old_part = mul_down(oracle_average, resilient_before)
    return mul_down(ONE_8 - oracle_average, instant_price) + old_part


def invariant(balance_x: int, balance_y: int, weight_x: int, weight_y: int) -> int:
    """The weighted invariant B_x^w_x * B_y^w_y, rounded down (`get-invariant`)."""
    _require_weights(weight_x, weight_y)
    return mul_down(pow_down(balance_x, weight_x), pow_down(balance_y, weight_y))


def fee_split(amount: int, fee_rate: int, fee_rebate: int) -> FeeSplit:
    """Divide a gross input into fee (rounded up against the trader), net, rebate and reserve.

    Args:
        amount: Gross amount the trader sends.
        fee_rate: Fee rate on that token (x 1e8).
        fee_rebate: Fraction of the fee that stays with LPs (x 1e8).

    Returns:
        The split; the reserve share is what `alex-reserve-pool` is credited.
    """
    fee = mul_up(amount, fee_rate)
    rebate = mul_down(fee, fee_rebate)
    return FeeSplit(fee, amount - fee if amount > fee else 0, rebate, sub_fixed(fee, rebate))


def _require_min_out(amount_out: int, amount_out_min: int | None) -> None:
    if amount_out_min is not None and amount_out < amount_out_min:
        raise MathRejected(RejectCode.SLIPPAGE, f"out {amount_out} is below the minimum (err 2020)")


def _oracle_after(pool: WeightedPool) -> int:
    # Evaluated on the pre-trade balances, as the contract does inside the swap's `let`.
    if not pool.oracle_enabled:
        return 0
    instant = oracle_instant_price(pool.balance_x, pool.balance_y, pool.weight_x, pool.weight_y)
    return oracle_resilient_next(pool.oracle_resilient, pool.oracle_average, instant)


def _swap_x_in(pool: WeightedPool, dx: int, dy_min: int | None) -> tuple[FeeSplit, int]:
    if dx <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "the amount in must be positive")
    split = fee_split(dx, pool.fee_rate_x, pool.fee_rebate)
    dy = y_given_x(pool, split.amount_net)
    price = oracle_instant_price(pool.balance_x, pool.balance_y, pool.weight_x, pool.weight_y)
    # Post-check: the average price paid never beats the pre-trade spot.
    if div_down(dy, split.amount_net) >= price:
        raise MathRejected(RejectCode.K_VIOLATION, "out/in is not below the spot (err 2003)")
    _require_min_out(dy, dy_min)
    return split, dy


def _leg(
    amount_in: int,
    split: FeeSplit,
    amount_out: int,
    balances_after: tuple[int, int],
    pool: WeightedPool,
) -> SwapResult:
    return SwapResult(
        amount_in=amount_in,
        amount_in_net=split.amount_net,
        amount_out=amount_out,
        fee=split.fee,
        rebate=split.rebate,
        reserve_share=split.reserve_share,
        balance_x_after=balances_after[0],
        balance_y_after=balances_after[1],
        oracle_resilient_after=_oracle_after(pool),
    )


def swap_x_for_y(pool: WeightedPool, dx: int, dy_min: int | None = None) -> SwapResult:
    """Swap `dx` of x (gross) for y in one pool (`swap-wstx-for-y`).

    Args:
        pool: The pool before the trade.
        dx: Gross amount of x the trader sends.
        dy_min: Least y the trader accepts (`min-dy`), or None.

    Returns:
        The leg, with fee split and the balances after; the rebate stays in the pool.
    """
    split, dy = _swap_x_in(pool, dx, dy_min)
    balance_x_after = pool.balance_x + split.amount_net + split.rebate
    return _leg(dx, split, dy, (balance_x_after, max(pool.balance_y - dy, 0)), pool)


def swap_y_for_x(pool: WeightedPool, dy: int, dx_min: int | None = None) -> SwapResult:
    """Swap `dy` of y (gross) for x in one pool (`swap-y-for-wstx`), fee at `fee_rate_y`.

    Args:
        pool: The pool before the trade.
        dy: Gross amount of y the trader sends.
        dx_min: Least x the trader accepts (`min-dx`), or None.

    Returns:
        The leg, with fee split and the balances after; the rebate stays in the pool.
    """
    split, dx = _swap_x_in(_mirrored(pool), dy, dx_min)
    balance_y_after = pool.balance_y + split.amount_net + split.rebate
    return _leg(dy, split, dx, (max(pool.balance_x - dx, 0), balance_y_after), pool)


def swap_through_wstx(
    pool_in: WeightedPool, pool_out: WeightedPool, amount_in: int, amount_out_min: int | None
) -> TwoHopSwap:
    """Swap token A for token B where both pools pair them with wSTX (`swap-x-for-y`).

    Each leg charges its own pool's fee; only the second leg checks the trader's minimum.

    Args:
        pool_in: The wSTX/A pool (A is its token y).
        pool_out: The wSTX/B pool (B is its token y).
        amount_in: Gross amount of A the trader sends.
        amount_out_min: Least B the trader accepts, or None.

    Returns:
        Both legs; `amount_out` is the B received.
    """
    first_leg = swap_y_for_x(pool_in, amount_in)
    second_leg = swap_x_for_y(pool_out, first_leg.amount_out, amount_out_min)
    return TwoHopSwap(first_leg, second_leg)


def add_to_position(
    pool: WeightedPool, total_supply: int, dx: int, dy_max: int | None
) -> LiquidityAdded:
    """Deposit `dx` of x and the matching y (`add-to-position`, `get-token-given-position`).

    Args:
        pool: Balances and weights before the deposit.
        total_supply: LP supply before; 0 means this is the first deposit.
        dx: Amount of x deposited.
        dy_max: Most y the provider will deposit; on the first deposit it *is* the y deposited.

    Returns:
        Minted LP (the invariant on the first deposit) and the amounts deposited.
    """
    _require_weights(pool.weight_x, pool.weight_y)
    if dx <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "dx must be positive")
    if total_supply == 0:
        dy = dy_max if dy_max is not None else 0
        minted = invariant(dx, dy, pool.weight_x, pool.weight_y)
    else:
        minted = div_down(mul_down(total_supply, dx), pool.balance_x)
        dy = div_down(mul_down(pool.balance_y, dx), pool.balance_x)
    if dy <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "the deposit needs some y (err 2003)")
    if dy_max is not None and dy > dy_max:
        raise MathRejected(RejectCode.SLIPPAGE, f"dy {dy} is above the maximum (err 2020)")
    return LiquidityAdded(minted, dx, dy)


def reduce_position(
    balance_x: int, balance_y: int, total_supply: int, shares_held: int, percent: int
) -> LiquidityRemoved:
    """Burn `percent` of a holder's LP tokens for a pro-rata share (`reduce-position`).

    Args:
        balance_x: Pool balance of x.
        balance_y: Pool balance of y.
        total_supply: LP supply before.
        shares_held: The holder's LP balance.
        percent: Fraction to burn (x 1e8, at most 1e8; 1e8 burns the whole balance).

    Returns:
        Shares burnt, amounts paid, and the pool after (floored at 0).
    """
    if percent > ONE_8:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "percent above 1e8 (err 5000)")
    if total_supply <= 0:
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, "pool has no supply (err 2002)")
    shares = shares_held if percent == ONE_8 else mul_down(shares_held, percent)
    dx = div_down(mul_down(balance_x, shares), total_supply)
    dy = div_down(mul_down(balance_y, shares), total_supply)
    return LiquidityRemoved(
        shares=shares,
        dx=dx,
        dy=dy,
        balance_x_after=max(balance_x - dx, 0),
        balance_y_after=max(balance_y - dy, 0),
        total_supply_after=max(total_supply - shares, 0),
    )


SIMPLE_LIMITS_DEFAULT = RatioLimits(RATIO_LIMIT_SIMPLE_DEFAULT, RATIO_LIMIT_SIMPLE_DEFAULT)


def constant_product_y_given_x(
    balance_x: int, balance_y: int, dx: int, limits: RatioLimits = SIMPLE_LIMITS_DEFAULT
) -> int:
    """Out-given-in of the t = 1 curve (`simple-equation`), no fee; the CRP routes here.

    Args:
        balance_x: Balance of the token going in.
        balance_y: Balance of the token coming out.
        dx: Amount in.
        limits: Max in/out ratios (5% by default).

    Returns:
        div_down(mul_down(B_y, dx), B_x + dx).
    """
    _require_below(dx, balance_x, limits.max_in_ratio)
    dy = div_down(mul_down(balance_y, dx), balance_x + dx)
    _require_below(dy, balance_y, limits.max_out_ratio)
    return dy


def constant_product_route(
    amount_in: int,
    legs: Sequence[tuple[int, int]],
    limits: RatioLimits = SIMPLE_LIMITS_DEFAULT,
) -> list[int]:
    """Route an amount through constant-product pools, leg by leg (fee-free, as on chain).

    Args:
        amount_in: Amount into the first leg.
        legs: (balance in, balance out) of each pool, in routing order.
        limits: Max in/out ratios applied on every leg.

    Returns:
        The amount out of each leg; the last is what the route delivers.
    """
    amounts: list[int] = []
    amount = amount_in
    for balance_in, balance_out in legs:
        amount = constant_product_y_given_x(balance_in, balance_out, amount, limits)
        amounts.append(amount)
    return amounts


__all__ = [
    "RATIO_LIMIT_DEFAULT",
    "RATIO_LIMIT_SIMPLE_DEFAULT",
    "SIMPLE_LIMITS_DEFAULT",
    "FeeSplit",
    "LiquidityAdded",
    "LiquidityRemoved",
    "RatioLimits",
    "SwapResult",
    "TwoHopSwap",
    "WeightedPool",
    "add_to_position",
    "constant_product_route",
    "constant_product_y_given_x",
    "fee_split",
    "invariant",
    "oracle_instant_price",
    "oracle_resilient_next",
    "reduce_position",
    "swap_through_wstx",
    "swap_x_for_y",
    "swap_y_for_x",
    "x_given_price",
    "x_given_y",
    "x_in_given_y_out",
    "y_given_price",
    "y_given_x",
    "y_in_given_x_out",
]
