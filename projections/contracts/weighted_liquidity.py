"""ALEX fixed-weight pool liquidity: add to and reduce a position.

Restated from protocol-math.md section 2.3 (`add-to-position`, `reduce-position` of
`alexgo-io/alex-v1:clarity/contracts/pool/fixed-weight-pool-v1-01.clar`, and
`get-token-given-position` of `equations/weighted-equation-v1-01.clar`). The first deposit
mints the weighted invariant; later ones mint pro rata and derive y from x.
"""

from __future__ import annotations

import msgspec

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fixed_point import ONE_8, div_down, mul_down
from projections.contracts.weighted_pool import WeightedPool, invariant, require_weights


class LiquidityAdded(msgspec.Struct, frozen=True):
    """LP tokens minted and the token amounts the provider deposits."""

    supply_minted: int
    dx: int
    dy: int


class LiquidityRemoved(msgspec.Struct, frozen=True):
    """LP tokens burnt, tokens paid out, and the pool left behind (each floored at 0)."""

    shares: int
    dx: int
    dy: int
    balance_x_after: int
    balance_y_after: int
    total_supply_after: int


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
    require_weights(pool.weight_x, pool.weight_y)
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


__all__ = ["LiquidityAdded", "LiquidityRemoved", "add_to_position", "reduce_position"]
