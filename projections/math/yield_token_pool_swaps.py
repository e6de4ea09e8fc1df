"""ALEX yield token pool swaps: lend (tokens for ayTokens) and borrow (ayTokens for tokens).

Restated from protocol-math.md section 2.5 (`yield-token-pool.clar` `swap-x-for-y` and
`swap-y-for-x`). The fee is charged in yield space, the spot-price check runs on the pre-trade
price, and the pool's oracle tracks tokens per ayToken; the amounts come from the curve in
`projections.math.yield_token_pool`.
"""

from __future__ import annotations

from events.rejections import RejectCode
from projections.math import MathRejected
from projections.math.fixed_point import ONE_8, div_down, mul_down, mul_up, sub_fixed
from projections.math.weighted_pool import SwapResult, oracle_resilient_next
from projections.math.yield_token_pool import YieldTokenPool, price, x_given_y, y_given_x


def _fee_in_yield_space(amount: int, current_yield: int, fee_rate: int, min_fee: int) -> int:
    # The fee scales with the current yield, not with the notional (section 2.5 flag).
    if amount <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "the amount in must be positive (err 2003)")
    return max(mul_down(amount, mul_up(current_yield, fee_rate)), min_fee)


def _oracle_after(pool: YieldTokenPool, price_before: int) -> int:
    # The pool's oracle tracks tokens per ayToken, 1/price, read before the trade.
    if not pool.oracle_enabled:
        return 0
    instant = div_down(ONE_8, price_before)
    return oracle_resilient_next(pool.oracle_resilient, pool.oracle_average, instant)


def _require_min_out(amount_out: int, amount_out_min: int | None) -> None:
    # Strict: the contract asserts min < out, so an absent minimum still needs out > 0.
    floor = 0 if amount_out_min is None else amount_out_min
    if amount_out <= floor:
        raise MathRejected(RejectCode.SLIPPAGE, f"out {amount_out} is not above {floor} (2020)")


def swap_x_for_y(
    pool: YieldTokenPool, time_fraction: int, dx: int, dy_min: int | None = None
) -> SwapResult:
    """Buy ayTokens with `dx` tokens (`swap-x-for-y`): lend at the pool's fixed rate.

    Args:
        pool: The pool before the trade.
        time_fraction: t from `time_to_maturity`.
        dx: Gross tokens the trader sends.
        dy_min: The trader's minimum; the contract's check is strict (min < dy).

    Returns:
        The swap; `balance_y_after` is the *actual* ayToken balance (virtual is unchanged).
    """
    price_before = price(pool.balance_token, pool.balance_yield_total, time_fraction)
    fee = _fee_in_yield_space(dx, price_before - ONE_8, pool.fee_rate_token, pool.min_fee)
    dx_net = dx - fee if dx > fee else 0
    rebate = mul_down(fee, pool.fee_rebate)
    dy = y_given_x(pool, time_fraction, dx_net)
    if dy > mul_down(dx_net, price_before):
        raise MathRejected(RejectCode.K_VIOLATION, "dy is above dx at the spot (err 2003)")
    _require_min_out(dy, dy_min)
    return SwapResult(
        amount_in=dx,
        amount_in_net=dx_net,
        amount_out=dy,
        fee=fee,
        rebate=rebate,
        reserve_share=sub_fixed(fee, rebate),
        balance_x_after=pool.balance_token + dx_net + rebate,
        balance_y_after=max(pool.balance_yield_token - dy, 0),
        oracle_resilient_after=_oracle_after(pool, price_before),
    )


def swap_y_for_x(
    pool: YieldTokenPool, time_fraction: int, dy: int, dx_min: int | None = None
) -> SwapResult:
    """Sell `dy` ayTokens for tokens (`swap-y-for-x`): borrow at the pool's fixed rate.

    Args:
        pool: The pool before the trade.
        time_fraction: t from `time_to_maturity`.
        dy: Gross ayTokens the trader sends.
        dx_min: The trader's minimum; the contract's check is strict (min < dx).

    Returns:
        The swap; `balance_y_after` is the *actual* ayToken balance (virtual is unchanged).
    """
    price_before = price(pool.balance_token, pool.balance_yield_total, time_fraction)
    fee_rate = pool.fee_rate_yield_token
    fee = _fee_in_yield_space(dy, price_before - ONE_8, fee_rate, pool.min_fee)
    dy_net = dy - fee if dy > fee else 0
    rebate = mul_down(fee, pool.fee_rebate)
    dx = x_given_y(pool, time_fraction, dy_net)
    if dy_net < mul_down(dx, price_before):
        raise MathRejected(RejectCode.K_VIOLATION, "dx is above dy at the spot (err 2003)")
    _require_min_out(dx, dx_min)
    return SwapResult(
        amount_in=dy,
        amount_in_net=dy_net,
        amount_out=dx,
        fee=fee,
        rebate=rebate,
        reserve_share=sub_fixed(fee, rebate),
        balance_x_after=max(pool.balance_token - dx, 0),
        balance_y_after=pool.balance_yield_token + dy_net + rebate,
        oracle_resilient_after=_oracle_after(pool, price_before),
    )


__all__ = ["swap_x_for_y", "swap_y_for_x"]
