"""ALEX yield token pool curve: time to maturity, price and yield, amounts on the curve.

Restated from protocol-math.md section 2.5 (`alexgo-io/alex-v1:clarity/contracts/pool/
yield-token-pool.clar` and `equations/yield-token-equation.clar`). The curve is
x^(1-t) + y^(1-t) = L, where x is the token balance, y = actual + virtual ayToken balance and
t the time to maturity; it is what makes ayTokens zero-coupon bonds with a market yield.
Swaps (fee and oracle) are in `projections.contracts.yield_token_pool_swaps`, liquidity in
`projections.contracts.yield_token_pool_liquidity`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fixed_point import (
    EXPONENT_BOUND,
    ONE_8,
    div_down,
    div_up,
    mul_down,
    pow_down,
    pow_up,
)
from projections.contracts.weighted_pool import SIMPLE_LIMITS_DEFAULT, RatioLimits

MAX_EXPIRY_DEFAULT = 210240
"""Blocks from genesis the time scale spans (4 years at 52560 blocks a year)."""
TIME_TO_MATURITY_CAP = 95 * 10**6
"""t is capped at 0.95e8 so that 1 - t never reaches 0 in the exponents."""


@dataclass(frozen=True, slots=True)
class YieldTokenPool:
    """What a yield token pool swap or position change reads (token x, ayToken y)."""

    balance_token: int
    balance_yield_token: int
    balance_virtual: int
    total_supply: int = 0
    fee_rate_token: int = 0
    fee_rate_yield_token: int = 0
    fee_rebate: int = 0
    min_fee: int = 0
    small_threshold: int = 0
    oracle_enabled: bool = False
    oracle_average: int = 0
    oracle_resilient: int = 0
    limits: RatioLimits = field(default_factory=lambda: SIMPLE_LIMITS_DEFAULT)

    @property
    def balance_yield_total(self) -> int:
        """y of the curve: the actual ayTokens plus the virtual ones."""
        return self.balance_yield_token + self.balance_virtual


def time_to_maturity(
    expiry: int, listed: int, block_height: int, max_expiry: int = MAX_EXPIRY_DEFAULT
) -> int:
    """Fraction of the time scale left until expiry (`get-t`), capped at 0.95e8.

    Args:
        expiry: Expiry block of the ayToken.
        listed: Block at which the pool was created.
        block_height: Current block.
        max_expiry: Block length of the time scale.

    Returns:
        t = min(div_down(max(expiry - h, 0), max_expiry - listed), 0.95e8).
    """
    if max_expiry <= expiry or max_expiry <= block_height:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "max_expiry must exceed both (err 2009)")
    blocks_left = expiry - block_height if expiry > block_height else 0
    return min(div_down(blocks_left, max_expiry - listed), TIME_TO_MATURITY_CAP)


def _exponents(time_fraction: int, round_up: bool) -> tuple[int, int]:
    complement = ONE_8 - time_fraction if time_fraction < ONE_8 else 0
    inverse = div_up(ONE_8, complement) if round_up else div_down(ONE_8, complement)
    return complement, min(inverse, EXPONENT_BOUND)


def price(balance_token: int, balance_yield: int, time_fraction: int) -> int:
    """ayTokens per token (`get-price`): max(1e8, pow_up(div_up(y, x), t)).

    Args:
        balance_token: x.
        balance_yield: y = actual + virtual ayTokens.
        time_fraction: t from `time_to_maturity`.

    Returns:
        The price, at least 1e8 (1e8 + 5 at t = 0, the pow error budget).
    """
    return max(ONE_8, pow_up(div_up(balance_yield, balance_token), time_fraction))


def price_down(balance_token: int, balance_yield: int, time_fraction: int) -> int:
    """`get-price-down`: as `price` but rounded down with pow_down."""
    return max(ONE_8, pow_down(div_up(balance_yield, balance_token), time_fraction))


def yield_rate(balance_token: int, balance_yield: int, time_fraction: int) -> int:
    """Yield to maturity, not annualised (`get-yield`): price - 1e8."""
    return price(balance_token, balance_yield, time_fraction) - ONE_8


def yield_rate_down(balance_token: int, balance_yield: int, time_fraction: int) -> int:
    """`get-yield-down`: price_down - 1e8."""
    return price_down(balance_token, balance_yield, time_fraction) - ONE_8


def _require_trade(amount: int, balance: int, ratio: int) -> None:
    if amount > balance:
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, f"{amount} > {balance} (err 1001)")
    if amount >= mul_down(balance, ratio):
        raise MathRejected(RejectCode.MAX_RATIO, f"{amount} is over {ratio}e-8 of {balance}")


def _out_given_in(
    balance_in: int, balance_out: int, time_fraction: int, amount_in: int, limits: RatioLimits
) -> int:
    _require_trade(amount_in, balance_in, limits.max_in_ratio)
    complement, inverse = _exponents(time_fraction, round_up=True)
    invariant_part = pow_up(balance_in, complement) + pow_up(balance_out, complement)
    grown = pow_down(balance_in + amount_in, complement)
    term = invariant_part - grown if invariant_part > grown else 0
    remaining = pow_up(term, inverse)
    amount_out = balance_out - remaining if balance_out > remaining else 0
    _require_trade(amount_out, balance_out, limits.max_out_ratio)
    return amount_out


def _in_given_out(
    balance_in: int, balance_out: int, time_fraction: int, amount_out: int, limits: RatioLimits
) -> int:
    _require_trade(amount_out, balance_out, limits.max_out_ratio)
    complement, inverse = _exponents(time_fraction, round_up=False)
    invariant_part = pow_down(balance_in, complement) + pow_down(balance_out, complement)
    shrunk = pow_up(balance_out - amount_out, complement)
    term = invariant_part - shrunk if invariant_part > shrunk else 0
    needed = pow_down(term, inverse)
    amount_in = needed - balance_in if needed > balance_in else 0
    _require_trade(amount_in, balance_in, limits.max_in_ratio)
    return amount_in


def y_given_x_on_curve(pool: YieldTokenPool, time_fraction: int, dx: int) -> int:
    """ayTokens out for `dx` tokens in, on the curve alone (equation `get-y-given-x`)."""
    y = pool.balance_yield_total
    return _out_given_in(pool.balance_token, y, time_fraction, dx, pool.limits)


def x_given_y_on_curve(pool: YieldTokenPool, time_fraction: int, dy: int) -> int:
    """Tokens out for `dy` ayTokens in, on the curve alone (equation `get-x-given-y`)."""
    y = pool.balance_yield_total
    return _out_given_in(y, pool.balance_token, time_fraction, dy, pool.limits)


def x_in_given_y_out(pool: YieldTokenPool, time_fraction: int, dy: int) -> int:
    """Tokens to put in to take `dy` ayTokens out (`get-x-in-given-y-out`), at most `dy`.

    The pool must hold more actual ayTokens than `dy` (err 2016).
    """
    y = pool.balance_yield_total
    dx = _in_given_out(pool.balance_token, y, time_fraction, dy, pool.limits)
    if pool.balance_yield_token <= dy:
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, "not enough ayTokens (err 2016)")
    return min(dx, dy)


def y_in_given_x_out(pool: YieldTokenPool, time_fraction: int, dx: int) -> int:
    """ayTokens to put in to take `dx` tokens out (`get-y-in-given-x-out`), at least `dx`."""
    y = pool.balance_yield_total
    return max(_in_given_out(y, pool.balance_token, time_fraction, dx, pool.limits), dx)


def y_given_x(pool: YieldTokenPool, time_fraction: int, dx: int) -> int:
    """ayTokens a swap pays for `dx` tokens (pool-level `get-y-given-x`).

    Small trades use the spot price; the result is floored at `dx` so the rate never turns
    negative, and the pool must hold more actual ayTokens than the curve pays (err 2016).

    Args:
        pool: The pool before the trade.
        time_fraction: t from `time_to_maturity`.
        dx: Net tokens in.

    Returns:
        max(dy, dx).
    """
    if dx > pool.small_threshold:
        dy = y_given_x_on_curve(pool, time_fraction, dx)
    else:
        dy = mul_down(dx, price(pool.balance_token, pool.balance_yield_total, time_fraction))
    if pool.balance_yield_token <= dy:
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, "not enough ayTokens (err 2016)")
    return max(dy, dx)


def x_given_y(pool: YieldTokenPool, time_fraction: int, dy: int) -> int:
    """Tokens a swap pays for `dy` ayTokens (pool-level `get-x-given-y`), at most `dy`.

    Args:
        pool: The pool before the trade.
        time_fraction: t from `time_to_maturity`.
        dy: Net ayTokens in.

    Returns:
        min(dx, dy): selling an ayToken never pays more than one token.
    """
    if dy > pool.small_threshold:
        dx = x_given_y_on_curve(pool, time_fraction, dy)
    else:
        dx = div_down(dy, price(pool.balance_token, pool.balance_yield_total, time_fraction))
    return min(dx, dy)


def _power_at_target(pool: YieldTokenPool, time_fraction: int, target_price: int) -> int:
    complement, inverse = _exponents(time_fraction, round_up=False)
    ratio_now = div_down(pool.balance_yield_total, pool.balance_token)
    numerator = ONE_8 + pow_down(ratio_now, complement)
    denominator = ONE_8 + pow_down(target_price, div_down(complement, time_fraction))
    return pow_down(div_down(numerator, denominator), inverse)


def x_given_price(pool: YieldTokenPool, time_fraction: int, target_price: int) -> int:
    """Tokens to sell into the pool to lower the price to `target_price` (`get-x-given-price`).

    Args:
        pool: The pool now.
        time_fraction: t from `time_to_maturity`.
        target_price: 1e8 + target yield; must be below the current price (else err 2002).

    Returns:
        mul_down(x, pow_down(numer/denom, 1/(1-t)) - 1e8).
    """
    if target_price >= price(pool.balance_token, pool.balance_yield_total, time_fraction):
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, "target not below price (2002)")
    power = _power_at_target(pool, time_fraction, target_price)
    return mul_down(pool.balance_token, power - ONE_8) if power > ONE_8 else 0


def y_given_price(pool: YieldTokenPool, time_fraction: int, target_price: int) -> int:
    """ayTokens to sell into the pool to raise the price to `target_price`.

    Args:
        pool: The pool now.
        time_fraction: t from `time_to_maturity`.
        target_price: 1e8 + target yield; must be above the current price (else err 2002).

    Returns:
        y - mul_down(x, pow_down(numer/denom, 1/(1-t))).
    """
    if target_price <= price(pool.balance_token, pool.balance_yield_total, time_fraction):
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, "target not above price (2002)")
    # The contract quotes y - x' (x' the token balance at the target), not y' - y; the two
    # agree only while x and y are close, so this is a quote, not an exact inverse.
    lead_term = mul_down(pool.balance_token, _power_at_target(pool, time_fraction, target_price))
    return pool.balance_yield_total - lead_term if pool.balance_yield_total > lead_term else 0


def x_given_yield(pool: YieldTokenPool, time_fraction: int, target_yield: int) -> int:
    """`get-x-given-yield`: `x_given_price` at 1e8 + target_yield."""
    return x_given_price(pool, time_fraction, ONE_8 + target_yield)


def y_given_yield(pool: YieldTokenPool, time_fraction: int, target_yield: int) -> int:
    """`get-y-given-yield`: `y_given_price` at 1e8 + target_yield."""
    return y_given_price(pool, time_fraction, ONE_8 + target_yield)


__all__ = [
    "MAX_EXPIRY_DEFAULT",
    "TIME_TO_MATURITY_CAP",
    "YieldTokenPool",
    "price",
    "price_down",
    "time_to_maturity",
    "x_given_price",
    "x_given_y",
    "x_given_y_on_curve",
    "x_given_yield",
    "x_in_given_y_out",
    "y_given_price",
    "y_given_x",
    "y_given_x_on_curve",
    "y_given_yield",
    "y_in_given_x_out",
    "yield_rate",
    "yield_rate_down",
]
