"""ALEX yield token pool liquidity: add and reduce positions, ayTokens split actual/virtual.

Restated from protocol-math.md section 2.5 (`yield-token-pool.clar` `add-to-position` and
`reduce-position`). LP tokens are minted and burnt pro rata; the ayTokens a position moves are
split between actual and virtual in the pool's current proportion.
"""

from __future__ import annotations

from dataclasses import dataclass

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fixed_point import ONE_8, div_down, mul_down
from projections.contracts.yield_token_pool import YieldTokenPool


@dataclass(frozen=True, slots=True)
class PositionChange:
    """LP tokens minted or burnt and the amounts moved; ayTokens split actual/virtual."""

    supply: int
    dx: int
    dy_actual: int
    dy_virtual: int
    balance_token_after: int
    balance_yield_token_after: int
    balance_virtual_after: int
    total_supply_after: int


def _split_actual(pool: YieldTokenPool, dy_total: int) -> int:
    # ayTokens move actual/virtual in the pool's current proportion, actual rounded down.
    return mul_down(dy_total, div_down(pool.balance_yield_token, pool.balance_yield_total))


def add_to_position(
    pool: YieldTokenPool, dx: int, dy_actual_max: int | None = None
) -> PositionChange:
    """Deposit `dx` tokens plus the matching ayTokens (`add-to-position`).

    The first deposit (or one into a pool where x = y) is matched entirely by virtual
    ayTokens, which is what sets the starting yield to zero.

    Args:
        pool: The pool before the deposit.
        dx: Tokens deposited.
        dy_actual_max: Most actual ayTokens the provider will deposit, or None.

    Returns:
        LP minted, the actual ayTokens the provider sends, the virtual ones booked, and the
        pool after.
    """
    if dx <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "dx must be positive (err 2003)")
    balance_yield = pool.balance_yield_total
    # "At inception or if yield == 0" the contract mints dx whatever the supply (kept as is).
    if pool.total_supply == 0 or pool.balance_token == balance_yield:
        minted, dy_total = dx, dx
    else:
        ratio = div_down(dx, pool.balance_token)
        minted = mul_down(pool.total_supply, ratio)
        dy_total = mul_down(balance_yield, ratio)
    # Whenever minted equals dy the contract books all of it as virtual.
    dy_actual = 0 if minted == dy_total else _split_actual(pool, dy_total)
    dy_virtual = minted if minted == dy_total else max(dy_total - dy_actual, 0)
    if dy_actual <= 0 and dy_virtual <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "the deposit books no ayTokens (err 2003)")
    if dy_actual_max is not None and dy_actual > dy_actual_max:
        raise MathRejected(RejectCode.SLIPPAGE, f"dy {dy_actual} is above the maximum (2020)")
    return PositionChange(
        supply=minted,
        dx=dx,
        dy_actual=dy_actual,
        dy_virtual=dy_virtual,
        balance_token_after=pool.balance_token + dx,
        balance_yield_token_after=pool.balance_yield_token + dy_actual,
        balance_virtual_after=pool.balance_virtual + dy_virtual,
        total_supply_after=pool.total_supply + minted,
    )


def reduce_position(pool: YieldTokenPool, shares_held: int, percent: int) -> PositionChange:
    """Burn `percent` of a holder's LP tokens (`reduce-position`).

    Args:
        pool: The pool before.
        shares_held: The holder's LP balance.
        percent: Fraction to burn (x 1e8, at most 1e8; 1e8 burns the whole balance).

    Returns:
        Shares burnt, tokens and actual ayTokens paid, virtual ayTokens written off, and the
        pool after (each balance floored at 0).
    """
    if percent > ONE_8:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "percent above 1e8 (err 5000)")
    if pool.total_supply <= 0:
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, "pool has no supply (err 2002)")
    shares = shares_held if percent == ONE_8 else mul_down(shares_held, percent)
    ratio = div_down(shares, pool.total_supply)
    dx = mul_down(pool.balance_token, ratio)
    dy_total = mul_down(pool.balance_yield_total, ratio)
    dy_actual = _split_actual(pool, dy_total)
    dy_virtual = max(dy_total - dy_actual, 0)
    return PositionChange(
        supply=shares,
        dx=dx,
        dy_actual=dy_actual,
        dy_virtual=dy_virtual,
        balance_token_after=max(pool.balance_token - dx, 0),
        balance_yield_token_after=max(pool.balance_yield_token - dy_actual, 0),
        balance_virtual_after=max(pool.balance_virtual - dy_virtual, 0),
        total_supply_after=max(pool.total_supply - shares, 0),
    )


__all__ = ["PositionChange", "add_to_position", "reduce_position"]
