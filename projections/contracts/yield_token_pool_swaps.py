"""ALEX yield token pool swaps: lend (tokens for ayTokens) and borrow (ayTokens for tokens).

Restated from protocol-math.md section 2.5 (`yield-token-pool.clar` `swap-x-for-y` and
`swap-y-for-x`). The fee is charged in yield space, the spot-price check runs on the pre-trade
price, and the pool's oracle tracks tokens per ayToken; the amounts come from the curve in
`projections.contracts.yield_token_pool`.
"""

from __future__ import annotations

from dataclasses import dataclass

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fixed_point import ONE_8, div_down, mul_down, mul_up, sub_fixed
from projections.contracts.weighted_pool import SwapResult, oracle_resilient_next
from projections.contracts.yield_token_pool import YieldTokenPool, price, x_given_y, y_given_x


@dataclass(frozen=True, slots=True)
class _FeeCharged:
    """A swap's gross amount in, less the fee charged in yield space at the pre-trade price."""

    price_before: int
    amount_in: int
    fee: int
    rebate: int
    """The share of the fee that stays in the pool for its LPs."""

    @property
    def amount_in_net(self) -> int:
        return self.amount_in - self.fee if self.amount_in > self.fee else 0


def _charge_fee(
    pool: YieldTokenPool, time_fraction: int, amount_in: int, fee_rate: int
) -> _FeeCharged:
    price_before = price(pool.balance_token, pool.balance_yield_total, time_fraction)
    current_yield = price_before - ONE_8
    # The fee scales with the current yield, not with the notional (section 2.5 flag).
    if amount_in <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "the amount in must be positive (err 2003)")
    fee = max(mul_down(amount_in, mul_up(current_yield, fee_rate)), pool.min_fee)
    return _FeeCharged(price_before, amount_in, fee, mul_down(fee, pool.fee_rebate))


def _swap_result(
    pool: YieldTokenPool,
    charged: _FeeCharged,
    amount_out: int,
    balance_x_after: int,
    balance_y_after: int,
) -> SwapResult:
    return SwapResult(
        amount_in=charged.amount_in,
        amount_in_net=charged.amount_in_net,
        amount_out=amount_out,
        fee=charged.fee,
        rebate=charged.rebate,
        reserve_share=sub_fixed(charged.fee, charged.rebate),
        balance_x_after=balance_x_after,
        balance_y_after=balance_y_after,
        oracle_resilient_after=_oracle_after(pool, charged.price_before),
    )


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
    charged = _charge_fee(pool, time_fraction, dx, pool.fee_rate_token)
    dx_net = charged.amount_in_net
    dy = y_given_x(pool, time_fraction, dx_net)
    if dy > mul_down(dx_net, charged.price_before):
        raise MathRejected(RejectCode.K_VIOLATION, "dy is above dx at the spot (err 2003)")
    _require_min_out(dy, dy_min)
    balance_x_after = pool.balance_token + dx_net + charged.rebate
    return _swap_result(pool, charged, dy, balance_x_after, max(pool.balance_yield_token - dy, 0))


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
    charged = _charge_fee(pool, time_fraction, dy, pool.fee_rate_yield_token)
    dy_net = charged.amount_in_net
    dx = x_given_y(pool, time_fraction, dy_net)
    if dy_net < mul_down(dx, charged.price_before):
        raise MathRejected(RejectCode.K_VIOLATION, "dx is above dy at the spot (err 2003)")
    _require_min_out(dx, dx_min)
    balance_y_after = pool.balance_yield_token + dy_net + charged.rebate
    return _swap_result(pool, charged, dx, max(pool.balance_token - dx, 0), balance_y_after)


__all__ = ["swap_x_for_y", "swap_y_for_x"]
