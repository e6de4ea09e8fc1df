"""ALEX collateral rebalancing pool redemptions after expiry: yield and key tokens, shortfall.

Restated from protocol-math.md section 2.6 (`collateral-rebalancing-pool-v1.clar`
`reduce-position-yield` and `reduce-position-key`). Before paying out, a pool short of token y
buys the gap (times the coverage) with collateral through the `TokenRouter`; collateral beyond
its balance comes from the reserve pool.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.crp import CollateralPool, TokenRouter
from projections.contracts.fixed_point import ONE_8, div_down, mul_down

SHORTFALL_COVERAGE_DEFAULT = 110 * 10**6


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


__all__ = [
    "SHORTFALL_COVERAGE_DEFAULT",
    "Redemption",
    "Shortfall",
    "redeem_key",
    "redeem_yield",
]
