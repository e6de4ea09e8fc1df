"""ALEX collateral rebalancing pool trades while the pool is live: mint and swaps.

Restated from protocol-math.md section 2.6 (`collateral-rebalancing-pool-v1.clar`
`add-to-position-with-spot`, `swap-x-for-y`, `swap-y-for-x`). A mint keeps collateral at the
*stored* weight and has the `TokenRouter` buy token y with the rest; a swap prices at the stored
weights and then stores the weight the oracle gives (`crp.weight_x_next`) for the next trade.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.crp import CollateralPool, TokenRouter, ltv, weight_x_next
from projections.contracts.fixed_point import ONE_8, div_down, mul_down
from projections.contracts.weighted_pool import (
    SwapResult,
    WeightedPool,
    fee_split,
    x_given_y,
    y_given_x,
)

CAPACITY_MULTIPLIER_DEFAULT = ONE_8


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
class CollateralSwap:
    """A CRP swap: the leg (with stored weights) and the pool with its new weight."""

    swap: SwapResult
    pool_after: CollateralPool


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
    "CAPACITY_MULTIPLIER_DEFAULT",
    "CollateralSwap",
    "Mint",
    "MintSplit",
    "capacity_amount",
    "mint",
    "mint_split",
    "swap_x_for_y",
    "swap_y_for_x",
]
