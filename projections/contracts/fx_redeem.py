"""f(x) redeem: fxUSD for collateral at the oracle's max price, walking ticks from the top.

Restated from protocol-math.md section 4.4: `PoolManager.redeem` (peg gate, 100 fxUSD minimum,
balance, redeem fee to misc fees) and `BasePool._redeem` (pool under-collateralised check; per
tick at most `maxRedeemRatioPerTick` of its debt shares, bad-debt and dust ticks skipped; at HEAD
the walk stops at the first tick that would not move, `_tickWillMove`).
"""

from __future__ import annotations

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fx_params import fee_of
from projections.contracts.fx_results import RedeemPreview, RedeemRequest
from projections.contracts.fx_state import FxPoolState
from projections.contracts.fx_ticks import (
    FEE_PRECISION,
    MIN_DEBT,
    PRECISION,
    coll_shares_from_raw,
    debt_shares_from_raw,
    raw_debt_from_shares,
    scale_down,
    scaling_factor,
)
from projections.contracts.fx_tree import tick_remainder
from projections.contracts.fx_walks import TickWalk, replay_movements, start_walk


def preview_redeem(state: FxPoolState, request: RedeemRequest) -> RedeemPreview:
    """Redeem fxUSD against the top ticks at the max price (`PoolManager.redeem`, `_redeem`).

    Args:
        state: The pool.
        request: fxUSD to redeem, the oracle's max price and the peg gate.

    Returns:
        The ticks touched, fxUSD redeemed, collateral out and the redeem fee.

    Raises:
        MathRejected: REDEEM_NOT_ALLOWED (peg, minimum, pool under water, nothing redeemable),
            INSUFFICIENT_BALANCE (fxUSD balance).
    """
    _check_redeem_request(state, request)
    budget_shares = debt_shares_from_raw(request.debts, state.debt_index, False)
    walk = start_walk(state, request.price_1e18, budget_shares)
    tick = walk.book.top_tick()
    while walk.budget > 0 and tick is not None:
        if not _redeem_tick(state, walk, tick):
            break
        tick = walk.book.next_below(tick)
    return _finish_redeem(state, walk, request)


def _redeem_tick(state: FxPoolState, walk: TickWalk, tick: int) -> bool:
    """Redeem up to the per-tick maximum from `tick`; False when the walk must stop."""
    parameters = state.parameters
    coll_shares, debt_shares, raw_coll, raw_debt = walk.raw_amounts(state, tick)
    if raw_debt * PRECISION > raw_coll * walk.price_1e18 or debt_shares < MIN_DEBT:
        return True
    debt_removed = debt_shares * parameters.redeem_ratio_per_tick_max_1e9 // FEE_PRECISION
    debt_removed = min(debt_removed, walk.budget)
    raw_debts = raw_debt_from_shares(debt_removed, state.debt_index, False)
    raw_colls = raw_debts * PRECISION // walk.price_1e18
    coll_removed = coll_shares_from_raw(raw_colls, state.coll_index, False)
    if parameters.redeem_stops_when_tick_not_moved:
        remainder = tick_remainder(coll_shares, debt_shares, coll_removed, debt_removed)
        if remainder.tick_after == tick:
            return False
    walk.move_tick(tick, coll_removed, debt_removed, raw_debt=raw_debts, raw_coll=raw_colls)
    walk.budget -= debt_removed
    return True


def _check_redeem_request(state: FxPoolState, request: RedeemRequest) -> None:
    if request.fxusd_balance is not None and request.debts > request.fxusd_balance:
        raise MathRejected(RejectCode.INSUFFICIENT_BALANCE, "redeem exceeds the fxUSD balance")
    if request.debts < state.parameters.redeem_debt_min:
        raise MathRejected(RejectCode.REDEEM_NOT_ALLOWED, f"redeem {request.debts} below 100 fxUSD")
    if not request.redeem_allowed:
        raise MathRejected(RejectCode.REDEEM_NOT_ALLOWED, "fxUSD is not below its peg band")
    totals = state.totals()
    if totals.raw_debt * PRECISION >= totals.raw_coll * request.price_1e18:
        raise MathRejected(
            RejectCode.REDEEM_NOT_ALLOWED, "pool is under-collateralised (ErrorPoolUnderCollateral)"
        )


def _finish_redeem(state: FxPoolState, walk: TickWalk, request: RedeemRequest) -> RedeemPreview:
    if not walk.movements:
        raise MathRejected(RejectCode.REDEEM_NOT_ALLOWED, "no tick can be redeemed")
    parameters = state.parameters
    factor = scaling_factor(parameters.collateral_decimals, request.collateral_rate_1e18)
    raw_debts = sum(move.raw_debt for move in walk.movements)
    raw_colls = sum(move.raw_coll for move in walk.movements)
    colls_token = scale_down(raw_colls, factor)
    fee_token = fee_of(colls_token, parameters.redeem_fee_ratio_1e9)
    return RedeemPreview(
        price_1e18=request.price_1e18,
        movements=tuple(walk.movements),
        raw_debts=raw_debts,
        raw_colls=raw_colls,
        colls_token=colls_token,
        fee_token=fee_token,
        colls_to_redeemer_token=colls_token - fee_token,
        coll_shares_removed=sum(move.coll_shares_removed for move in walk.movements),
        debt_shares_removed=sum(move.debt_shares_removed for move in walk.movements),
    )


def apply_redeem(state: FxPoolState, preview: RedeemPreview) -> None:
    """Fold a recorded redeem into the pool (tree, totals, balances, misc fees)."""
    replay_movements(state, preview.movements)
    state.coll_shares_total -= preview.coll_shares_removed
    state.debt_shares_total -= preview.debt_shares_removed
    state.balances = state.balances.moved(
        collateral_token=-preview.colls_token,
        collateral_raw=-preview.raw_colls,
        debt=-preview.raw_debts,
        fees_misc_token=preview.fee_token,
    )


__all__ = [
    "apply_redeem",
    "preview_redeem",
]
