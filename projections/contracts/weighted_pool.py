"""ALEX fixed-weight pool math, the core: pool parameters, the weighted curve, fees, oracle.

Restated from protocol-math.md sections 2.2 and 2.3 (`alexgo-io/alex-v1:clarity/contracts/
equations/weighted-equation-v1-01.clar` and `pool/fixed-weight-pool-v1-01.clar`). Every pool
amount is an 8-decimal int; a call the contract would revert raises `MathRejected`. The
neighbours: `weighted_swaps` (swaps with fees, two-hop routing), `weighted_liquidity` (add and
reduce position), `weighted_simple` (the t = 1 constant-product curve the CRP routes through).

The value types are frozen msgspec Structs rather than dataclasses: a swap builds several, and
a Struct is built about ten times faster. The curve functions take plain ints (`_out_given_in`,
`_in_given_out`), so a y-in swap reads the pool with its roles swapped without building a
mirrored pool.
"""

from __future__ import annotations

import msgspec

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fixed_point import (
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


class RatioLimits(msgspec.Struct, frozen=True):
    """The largest trade as a fraction (x 1e8) of the balance it enters or leaves."""

    max_in_ratio: int = RATIO_LIMIT_DEFAULT
    max_out_ratio: int = RATIO_LIMIT_DEFAULT


SIMPLE_LIMITS_DEFAULT = RatioLimits(RATIO_LIMIT_SIMPLE_DEFAULT, RATIO_LIMIT_SIMPLE_DEFAULT)


class WeightedPool(msgspec.Struct, frozen=True):
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
    limits: RatioLimits = msgspec.field(default_factory=RatioLimits)


class FeeSplit(msgspec.Struct, frozen=True):
    """How a gross input divides: net to the curve, rebate to LPs, the rest to the reserve."""

    fee: int
    amount_net: int
    rebate: int
    reserve_share: int


class SwapResult(msgspec.Struct, frozen=True):
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
    """The pool's resilient oracle after the swap (0 when its oracle is off)."""


def require_weights(weight_x: int, weight_y: int) -> None:
    """Refuse weights that do not sum to 1e8, as every weighted-equation entry point does."""
    if weight_x + weight_y != ONE_8:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "weights must sum to 1e8 (err 4000)")


def require_below(amount: int, balance: int, ratio: int) -> None:
    """Refuse a trade side at or above `ratio` (x 1e8) of its balance (the max in/out ratio)."""
    if amount >= mul_down(balance, ratio):
        raise MathRejected(RejectCode.MAX_RATIO, f"{amount} is over {ratio}e-8 of {balance}")


def out_given_in(
    balances: tuple[int, int], weights: tuple[int, int], ratios: tuple[int, int], amount_in: int
) -> int:
    """`get-y-given-x` on plain ints: (balance, weight, max ratio) of the side in, then out.

    A y-in trade passes the y side first; the contract then checks the y input against the
    max *out* ratio, so the caller passes the ratios swapped too.
    """
    balance_in, balance_out = balances
    weight_in, weight_out = weights
    require_weights(weight_in, weight_out)
    require_below(amount_in, balance_in, ratios[0])
    exponent = div_up(weight_in, weight_out)
    base = div_up(balance_in, balance_in + amount_in)
    power = pow_up(base, exponent if exponent < EXPONENT_BOUND else EXPONENT_BOUND)
    amount_out = mul_down(balance_out, ONE_8 - power if power < ONE_8 else 0)
    require_below(amount_out, balance_out, ratios[1])
    return amount_out


def in_given_out(
    balances: tuple[int, int], weights: tuple[int, int], ratios: tuple[int, int], amount_out: int
) -> int:
    """`get-y-in-given-x-out` on plain ints: (balance, weight, max ratio) of the side out, then
    the side in (the contract checks the side out against the max *in* ratio)."""
    balance_out, balance_in = balances
    weight_out, weight_in = weights
    require_weights(weight_out, weight_in)
    require_below(amount_out, balance_out, ratios[0])
    exponent = div_down(weight_out, weight_in)
    base = div_down(balance_out, sub_fixed(balance_out, amount_out))
    power = pow_down(base, exponent if exponent < EXPONENT_BOUND else EXPONENT_BOUND)
    amount_in = mul_down(balance_in, power - ONE_8 if power > ONE_8 else 0)
    require_below(amount_in, balance_in, ratios[1])
    return amount_in


def y_given_x(pool: WeightedPool, dx: int) -> int:
    """Token y out for `dx` (net of fees) of x in (`get-y-given-x`), rounded down.

    Args:
        pool: Balances, weights and ratio limits.
        dx: Net amount of x in.

    Returns:
        dy = B_y * (1 - (B_x / (B_x + dx))^(w_x / w_y)), rounded against the trader.
    """
    limits = pool.limits
    return out_given_in(
        (pool.balance_x, pool.balance_y),
        (pool.weight_x, pool.weight_y),
        (limits.max_in_ratio, limits.max_out_ratio),
        dx,
    )


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
    limits = pool.limits
    return out_given_in(
        (pool.balance_y, pool.balance_x),
        (pool.weight_y, pool.weight_x),
        (limits.max_out_ratio, limits.max_in_ratio),
        dy,
    )


def y_in_given_x_out(pool: WeightedPool, dx: int) -> int:
    """Token y to put in to take `dx` of x out (`get-y-in-given-x-out`).

    Args:
        pool: Balances, weights and ratio limits.
        dx: Amount of x wanted out.

    Returns:
        dy = B_y * ((B_x / (B_x - dx))^(w_x / w_y) - 1), power rounded down as on chain.
    """
    limits = pool.limits
    return in_given_out(
        (pool.balance_x, pool.balance_y),
        (pool.weight_x, pool.weight_y),
        (limits.max_in_ratio, limits.max_out_ratio),
        dx,
    )


def x_in_given_y_out(pool: WeightedPool, dy: int) -> int:
    """Token x to put in to take `dy` of y out (`get-x-in-given-y-out`).

    Args:
        pool: Balances, weights and ratio limits.
        dy: Amount of y wanted out.

    Returns:
        dx = B_x * ((B_y / (B_y - dy))^(w_y / w_x) - 1), power rounded down as on chain.
    """
    limits = pool.limits
    return in_given_out(
        (pool.balance_y, pool.balance_x),
        (pool.weight_y, pool.weight_x),
        (limits.max_out_ratio, limits.max_in_ratio),
        dy,
    )


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
    require_weights(pool.weight_x, pool.weight_y)
    return _amount_to_reach(pool.balance_x, _spot_for_target(pool), price, pool.weight_y)


def y_given_price(pool: WeightedPool, price: int) -> int:
    """Token y to sell to move the price of x (in y) up to `price` (`get-y-given-price`).

    Args:
        pool: Balances and weights.
        price: Target price, above the spot price (else err 2002).

    Returns:
        mul_up(B_y, pow_down(div_up(price, spot), w_x) - 1e8).
    """
    require_weights(pool.weight_x, pool.weight_y)
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
    require_weights(weight_x, weight_y)
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


__all__ = [
    "RATIO_LIMIT_DEFAULT",
    "RATIO_LIMIT_SIMPLE_DEFAULT",
    "SIMPLE_LIMITS_DEFAULT",
    "FeeSplit",
    "RatioLimits",
    "SwapResult",
    "WeightedPool",
    "fee_split",
    "in_given_out",
    "invariant",
    "oracle_instant_price",
    "oracle_resilient_next",
    "out_given_in",
    "require_below",
    "require_weights",
    "x_given_price",
    "x_given_y",
    "x_in_given_y_out",
    "y_given_price",
    "y_given_x",
    "y_in_given_x_out",
]
