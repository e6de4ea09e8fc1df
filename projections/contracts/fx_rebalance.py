"""f(x) rebalance (one tick or batch) and liquidation: walks from the top tick.

Restated from protocol-math.md sections 4.5 and 4.6: `BasePool.rebalance(tick)`,
`rebalance(maxRawDebts)`, `_rebalanceTick`, `_getRawDebtToRebalance` (the contract formula with
the bonus, and the research article's zero-bonus formula as an option), `BasePool.liquidate` and
`_liquidateTick` (reserve budget for the bonus, bad debt socialised by raising debtIndex).
"""

from __future__ import annotations

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fx_params import RebalanceFormula, fee_of
from projections.contracts.fx_results import SettlementTerms, WalkPreview
from projections.contracts.fx_state import FxPoolState
from projections.contracts.fx_ticks import (
    E96,
    FEE_PRECISION,
    MIN_DEBT,
    PRECISION,
    coll_shares_from_raw,
    debt_ratio_at_least,
    debt_shares_from_raw,
    raw_coll_from_shares,
    raw_debt_from_shares,
    scale_up,
    scaling_factor,
)
from projections.contracts.fx_walks import TickWalk, finish_walk, start_walk, walk_budget


def debt_to_rebalance(
    raw_coll: int,
    raw_debt: int,
    price_1e18: int,
    target_ratio_1e18: int,
    bonus_ratio_1e9: int,
    formula: RebalanceFormula = RebalanceFormula.CONTRACT,
) -> int:
    """Return the raw debt x a rebalance repays to bring (C, D) to the target ratio (4.5).

    Args:
        raw_coll: The tick's raw collateral.
        raw_debt: The tick's raw debt (ratio at or above the target).
        price_1e18: The liquidate (min) price.
        target_ratio_1e18: The rebalance debt ratio.
        bonus_ratio_1e9: The rebalance bonus.
        formula: CONTRACT divides by 1 - r(1 + b); NARRATIVE by 1 - r (zero-bonus write-up).

    Returns:
        floor((D*1e36 - r*P*C) / (1e36 - floor(1e18*r*(1e9 + b)/1e9))).
    """
    bonus = bonus_ratio_1e9 if formula is RebalanceFormula.CONTRACT else 0
    numerator = raw_debt * PRECISION * PRECISION - target_ratio_1e18 * price_1e18 * raw_coll
    denominator = (
        PRECISION * PRECISION
        - PRECISION * target_ratio_1e18 * (FEE_PRECISION + bonus) // FEE_PRECISION
    )
    if denominator <= 0:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "rebalance ratio * (1 + bonus) >= 1")
    return max(numerator, 0) // denominator


def _rebalance_tick(state: FxPoolState, walk: TickWalk, tick: int) -> None:
    parameters = state.parameters
    _, _, raw_coll, raw_debt = walk.raw_amounts(state, tick)
    raw_debts = debt_to_rebalance(
        raw_coll,
        raw_debt,
        walk.price_1e18,
        parameters.rebalance_debt_ratio_1e18,
        parameters.rebalance_bonus_ratio_1e9,
        parameters.rebalance_formula,
    )
    raw_debts = min(raw_debts, walk.budget)
    debt_removed = debt_shares_from_raw(raw_debts, walk.debt_index, False)
    raw_colls = raw_debts * PRECISION // walk.price_1e18
    bonus = min(fee_of(raw_colls, parameters.rebalance_bonus_ratio_1e9), raw_coll - raw_colls)
    coll_removed = coll_shares_from_raw(raw_colls + bonus, state.coll_index, False)
    walk.move_tick(
        tick,
        coll_removed,
        debt_removed,
        raw_debt=raw_debts,
        raw_coll=raw_colls,
        bonus_raw_coll=bonus,
    )
    walk.budget -= raw_debts
    walk.debt_shares_total -= debt_removed


def preview_rebalance_tick(
    state: FxPoolState, tick: int, price_1e18: int, terms: SettlementTerms
) -> WalkPreview:
    """Rebalance one tick back to the rebalance ratio (`PoolManager.rebalance(pool, tick, ...)`).

    Args:
        state: The pool.
        tick: The tick to rebalance.
        price_1e18: The oracle's min (liquidate) price.
        terms: The caller's fxUSD/USDC budget and prices.

    Returns:
        The tick's movement, the amounts and the manager's settlement.

    Raises:
        MathRejected: NOT_REBALANCEABLE outside [rebalance, liquidate) lines; DEBT_TOO_SMALL for
            a budget under `rebalance_debt_min`.
    """
    walk = start_walk(
        state, price_1e18, walk_budget(terms, state.parameters.rebalance_debt_min, "rebalance")
    )
    _, debt_shares, raw_coll, raw_debt = walk.raw_amounts(state, tick)
    if debt_shares == 0:
        raise MathRejected(RejectCode.NOT_REBALANCEABLE, f"tick {tick} holds no debt")
    parameters = state.parameters
    if not debt_ratio_at_least(
        raw_debt, raw_coll, price_1e18, parameters.rebalance_debt_ratio_1e18
    ):
        raise MathRejected(
            RejectCode.NOT_REBALANCEABLE,
            f"tick {tick} is below the rebalance line (ErrorRebalanceDebtRatioNotReached)",
        )
    if debt_ratio_at_least(raw_debt, raw_coll, price_1e18, parameters.liquidate_debt_ratio_1e18):
        raise MathRejected(
            RejectCode.NOT_REBALANCEABLE,
            f"tick {tick} is past the liquidation line (ErrorRebalanceOnLiquidatableTick)",
        )
    _rebalance_tick(state, walk, tick)
    return finish_walk(state, walk, terms)


def preview_rebalance(state: FxPoolState, price_1e18: int, terms: SettlementTerms) -> WalkPreview:
    """Rebalance ticks from the top until the budget is spent (`PoolManager.rebalance(pool, ...)`).

    Liquidatable and dust (< 1e9 debt) ticks are skipped; the walk stops at the first tick below
    the rebalance line.

    Args:
        state: The pool.
        price_1e18: The oracle's min (liquidate) price.
        terms: The caller's fxUSD/USDC budget and prices.

    Returns:
        Every tick movement, the amounts and the manager's settlement.

    Raises:
        MathRejected: NOT_REBALANCEABLE when no tick was rebalanced.
    """
    parameters = state.parameters
    walk = start_walk(
        state, price_1e18, walk_budget(terms, parameters.rebalance_debt_min, "rebalance")
    )
    tick = walk.book.top_tick()
    while walk.budget > 0 and tick is not None:
        _, _, raw_coll, raw_debt = walk.raw_amounts(state, tick)
        liquidatable = debt_ratio_at_least(
            raw_debt, raw_coll, price_1e18, parameters.liquidate_debt_ratio_1e18
        )
        if not liquidatable and raw_debt >= MIN_DEBT:
            if not debt_ratio_at_least(
                raw_debt, raw_coll, price_1e18, parameters.rebalance_debt_ratio_1e18
            ):
                break
            _rebalance_tick(state, walk, tick)
        tick = walk.book.next_below(tick)
    if not walk.movements:
        raise MathRejected(RejectCode.NOT_REBALANCEABLE, "no tick between the lines")
    return finish_walk(state, walk, terms)


def _liquidate_tick(state: FxPoolState, walk: TickWalk, tick: int) -> None:
    coll_shares, debt_shares, raw_coll, raw_debt = walk.raw_amounts(state, tick)
    raw_coll_virtual = raw_coll + walk.reserve_raw
    raw_debts = min(raw_debt, walk.budget)
    raw_colls = raw_debts * PRECISION // walk.price_1e18
    debt_removed = debt_shares
    if raw_debts != raw_debt:
        debt_removed = debt_shares_from_raw(raw_debts, walk.debt_index, False)
    bonus, from_reserve, coll_removed = 0, 0, coll_shares
    if raw_coll_virtual <= raw_colls:
        raw_colls, from_reserve = raw_coll_virtual, walk.reserve_raw
        raw_debts = raw_coll_virtual * walk.price_1e18 // PRECISION
        debt_removed = debt_shares_from_raw(raw_debts, walk.debt_index, False)
    else:
        bonus = fee_of(raw_colls, state.parameters.liquidate_bonus_ratio_1e9)
        raw_colls_with_bonus = min(raw_colls + bonus, raw_coll_virtual)
        bonus = raw_colls_with_bonus - raw_colls
        if raw_colls_with_bonus >= raw_coll:
            from_reserve = raw_colls_with_bonus - raw_coll
        else:
            coll_removed = coll_shares_from_raw(raw_colls_with_bonus, state.coll_index, False)
    walk.reserve_raw -= from_reserve
    bad_debt = 0
    if coll_removed == coll_shares and debt_removed < debt_shares:
        bad_debt = raw_debt_from_shares(debt_shares - debt_removed, walk.debt_index, False)
        debt_removed = debt_shares
    walk.debt_shares_total -= debt_removed
    if bad_debt:
        if walk.debt_shares_total == 0:
            raise MathRejected(
                RejectCode.NOT_LIQUIDATABLE, "bad debt with no other debt to socialise it over"
            )
        walk.debt_index += bad_debt * E96 // walk.debt_shares_total
    walk.budget -= raw_debts
    walk.move_tick(
        tick,
        coll_removed,
        debt_removed,
        raw_debt=raw_debts,
        raw_coll=raw_colls,
        bonus_raw_coll=bonus,
        bonus_from_reserve_raw=from_reserve,
        bad_debt_raw=bad_debt,
    )


def preview_liquidate(
    state: FxPoolState, price_1e18: int, terms: SettlementTerms, reserve_token: int
) -> WalkPreview:
    """Liquidate ticks past the liquidation line from the top (`PoolManager.liquidate`).

    Args:
        state: The pool.
        price_1e18: The liquidate (min) price.
        terms: The caller's budget and USDC price.
        reserve_token: The ReservePool's balance of the collateral token (bonus budget).

    Returns:
        Every tick movement, bonus taken from the reserve, bad debt, the new debtIndex and the
        manager's settlement.

    Raises:
        MathRejected: NOT_LIQUIDATABLE when no tick is past the line.
    """
    parameters = state.parameters
    factor = scaling_factor(parameters.collateral_decimals, terms.collateral_rate_1e18)
    walk = start_walk(
        state, price_1e18, walk_budget(terms, parameters.liquidate_debt_min, "liquidate")
    )
    walk.reserve_raw = scale_up(reserve_token, factor)
    tick = walk.book.top_tick()
    while walk.budget > 0 and tick is not None:
        _, _, raw_coll, raw_debt = walk.raw_amounts(state, tick)
        if debt_ratio_at_least(
            raw_debt, raw_coll, price_1e18, parameters.liquidate_debt_ratio_1e18
        ):
            _liquidate_tick(state, walk, tick)
        elif raw_debt >= MIN_DEBT:
            break
        tick = walk.book.next_below(tick)
    if not walk.movements:
        raise MathRejected(RejectCode.NOT_LIQUIDATABLE, "no tick past the liquidation line")
    return finish_walk(state, walk, terms)


def tick_to_walk(state: FxPoolState, price_1e18: int, liquidate: bool) -> bool:
    """Whether a liquidation (or rebalance) walk at this price would move a tick at all.

    The walks' own loop from the top tick down, on the live tree, without copying the book,
    budgeting or settling: a keeper asks this before building a command. False means the walk
    would end NOT_LIQUIDATABLE / NOT_REBALANCEABLE; True means it may move a tick.
    """
    parameters = state.parameters
    tree, coll_index, debt_index = state.tree, state.coll_index, state.debt_index
    for tick in reversed(tree.debt_ticks):
        coll_shares, debt_shares = tree.tick_shares(tick)
        raw_coll = raw_coll_from_shares(coll_shares, coll_index, False)
        raw_debt = raw_debt_from_shares(debt_shares, debt_index, False)
        past = debt_ratio_at_least(
            raw_debt, raw_coll, price_1e18, parameters.liquidate_debt_ratio_1e18
        )
        if liquidate and past:
            return True
        if not past and raw_debt >= MIN_DEBT:
            return not liquidate and debt_ratio_at_least(
                raw_debt, raw_coll, price_1e18, parameters.rebalance_debt_ratio_1e18
            )
    return False


__all__ = [
    "debt_to_rebalance",
    "preview_liquidate",
    "preview_rebalance",
    "preview_rebalance_tick",
    "tick_to_walk",
]
