"""ALEX fixed-weight pool swaps: one leg with its fee split and oracle, and two-hop routing.

Restated from protocol-math.md section 2.2 (`swap-wstx-for-y`, `swap-y-for-wstx`,
`swap-x-for-y` of `alexgo-io/alex-v1:clarity/contracts/pool/fixed-weight-pool-v1-01.clar`).
The fee is rounded up against the trader; the rebate part stays in the pool for LPs and the
rest is credited to the reserve pool of the token in. A pool with its oracle on replaces its
resilient price on every swap, from the pre-trade balances.
"""

from __future__ import annotations

import msgspec

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fixed_point import div_down
from projections.contracts.weighted_pool import (
    FeeSplit,
    SwapResult,
    WeightedPool,
    fee_split,
    oracle_instant_price,
    oracle_resilient_next,
    out_given_in,
)


class TwoHopSwap(msgspec.Struct, frozen=True):
    """A swap between two non-wSTX tokens: in through one wSTX pool, out through another."""

    first_leg: SwapResult
    second_leg: SwapResult

    @property
    def amount_out(self) -> int:
        """What the trader receives from the second leg."""
        return self.second_leg.amount_out


def _swap_in(pool: WeightedPool, x_in: bool, amount: int, amount_out_min: int | None) -> SwapResult:
    # One body for both directions: a y-in trade reads the pool with x and y swapped (limits
    # included, as the contract does), while the oracle always reads it the x/y way round.
    if amount <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "the amount in must be positive")
    limits = pool.limits
    if x_in:
        balances, weights = (pool.balance_x, pool.balance_y), (pool.weight_x, pool.weight_y)
        ratios, fee_rate = (limits.max_in_ratio, limits.max_out_ratio), pool.fee_rate_x
    else:
        balances, weights = (pool.balance_y, pool.balance_x), (pool.weight_y, pool.weight_x)
        ratios, fee_rate = (limits.max_out_ratio, limits.max_in_ratio), pool.fee_rate_y
    split = fee_split(amount, fee_rate, pool.fee_rebate)
    amount_out = out_given_in(balances, weights, ratios, split.amount_net)
    price = oracle_instant_price(*balances, *weights)
    # Post-check: the average price paid never beats the pre-trade spot.
    if div_down(amount_out, split.amount_net) >= price:
        raise MathRejected(RejectCode.K_VIOLATION, "out/in is not below the spot (err 2003)")
    if amount_out_min is not None and amount_out < amount_out_min:
        raise MathRejected(RejectCode.SLIPPAGE, f"out {amount_out} is below the minimum (err 2020)")
    resilient = 0
    if pool.oracle_enabled:
        instant = price if x_in else oracle_instant_price(*balances[::-1], *weights[::-1])
        resilient = oracle_resilient_next(pool.oracle_resilient, pool.oracle_average, instant)
    kept = split.amount_net + split.rebate
    if x_in:
        after = (pool.balance_x + kept, max(pool.balance_y - amount_out, 0))
    else:
        after = (max(pool.balance_x - amount_out, 0), pool.balance_y + kept)
    return _leg(amount, split, amount_out, after, resilient)


def _leg(
    amount_in: int, split: FeeSplit, amount_out: int, after: tuple[int, int], resilient: int
) -> SwapResult:
    return SwapResult(
        amount_in,
        split.amount_net,
        amount_out,
        split.fee,
        split.rebate,
        split.reserve_share,
        after[0],
        after[1],
        resilient,
    )


def swap_x_for_y(pool: WeightedPool, dx: int, dy_min: int | None = None) -> SwapResult:
    """Swap `dx` of x (gross) for y in one pool (`swap-wstx-for-y`).

    Args:
        pool: The pool before the trade.
        dx: Gross amount of x the trader sends.
        dy_min: Least y the trader accepts (`min-dy`), or None.

    Returns:
        The leg, with fee split, the balances after (the rebate stays in the pool) and the
        resilient oracle after.
    """
    return _swap_in(pool, True, dx, dy_min)


def swap_y_for_x(pool: WeightedPool, dy: int, dx_min: int | None = None) -> SwapResult:
    """Swap `dy` of y (gross) for x in one pool (`swap-y-for-wstx`), fee at `fee_rate_y`.

    Args:
        pool: The pool before the trade.
        dy: Gross amount of y the trader sends.
        dx_min: Least x the trader accepts (`min-dx`), or None.

    Returns:
        The leg, with fee split, the balances after (the rebate stays in the pool) and the
        resilient oracle after.
    """
    return _swap_in(pool, False, dy, dx_min)


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


__all__ = ["TwoHopSwap", "swap_through_wstx", "swap_x_for_y", "swap_y_for_x"]
