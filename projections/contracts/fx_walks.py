"""Shared machinery of the f(x) tick walks and the PoolManager settlement they end with.

Restated from protocol-math.md sections 4.4-4.6: the running values `BasePool` keeps while it
walks ticks from the top (`RebalanceVars`/`LiquidateVars`: budget, debtIndex, total debt shares,
reserve), `PoolManager._afterRebalanceOrLiquidate` (fxUSD first then USDC rounded up, liquidation
expense on the bonus, rate-provider scaling) and the apply side that replays recorded tick
movements on the `TickTree` (`TickLogic._liquidateTick`). The walks themselves live in
`fx_rebalance` (rebalance, liquidate) and `fx_redeem`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fx_params import fee_of
from projections.contracts.fx_results import (
    Settlement,
    SettlementTerms,
    TickMovement,
    WalkPreview,
)
from projections.contracts.fx_state import FxPoolState, FxReplayMismatch
from projections.contracts.fx_ticks import (
    raw_coll_from_shares,
    raw_debt_from_shares,
    scale_down,
    scale_down_rounding_up,
    scale_up,
    scaling_factor,
)
from projections.contracts.fx_tree import TickBook


def settle(
    raw_colls_with_bonus: int,
    bonus_raw_colls: int,
    raw_debts: int,
    terms: SettlementTerms,
    factor: int,
    expense_ratio_1e9: int,
) -> Settlement:
    """Split a rebalance/liquidation between fxUSD and USDC and price the collateral out.

    Args:
        raw_colls_with_bonus: Raw collateral taken, bonus included.
        bonus_raw_colls: The bonus part (the liquidation expense applies to it).
        raw_debts: fxUSD debt repaid.
        terms: The caller's fxUSD budget and the USDC price.
        factor: The collateral scaling factor (`scaling_factor`).
        expense_ratio_1e9: `liquidationExpenseRatio`.

    Returns:
        The settlement; USDC = ceil((debt - fxUSD) * 1e18 / (price * 10^12)).
    """
    colls_token = scale_down(raw_colls_with_bonus, factor)
    fxusd_used, stable_used = raw_debts, 0
    if raw_debts > terms.max_fxusd:
        stable_used = scale_down_rounding_up(
            raw_debts - terms.max_fxusd, terms.stable_price_with_scale
        )
        fxusd_used = terms.max_fxusd
        if not terms.stable_repay_allowed:
            raise MathRejected(RejectCode.INVALID_PARAMETER, "paying in USDC is not allowed now")
    revenue = fee_of(scale_down(bonus_raw_colls, factor), expense_ratio_1e9)
    return Settlement(
        colls_token=colls_token,
        protocol_revenue_token=revenue,
        colls_to_receiver_token=colls_token - revenue,
        fxusd_used=fxusd_used,
        stable_used=stable_used,
    )


@dataclass(slots=True)
class TickWalk:
    """Running values of one walk (the contract's `RebalanceVars`/`LiquidateVars`).

    `budget` is raw debt for rebalance and liquidate, debt shares for redeem.
    """

    book: TickBook
    price_1e18: int
    budget: int
    debt_index: int
    debt_shares_total: int
    reserve_raw: int = 0
    movements: list[TickMovement] = field(default_factory=list)

    def raw_amounts(self, state: FxPoolState, tick: int) -> tuple[int, int, int, int]:
        """(collateral shares, debt shares, raw collateral, raw debt) of a tick, rounded down."""
        coll_shares, debt_shares = self.book.shares(tick)
        raw_coll = raw_coll_from_shares(coll_shares, state.coll_index, False)
        raw_debt = raw_debt_from_shares(debt_shares, self.debt_index, False)
        return coll_shares, debt_shares, raw_coll, raw_debt

    def move_tick(
        self,
        tick: int,
        coll_shares_removed: int,
        debt_shares_removed: int,
        *,
        raw_debt: int,
        raw_coll: int,
        bonus_raw_coll: int = 0,
        bonus_from_reserve_raw: int = 0,
        bad_debt_raw: int = 0,
    ) -> None:
        """Take the shares out of `tick` on the walk's book and record where the rest moved."""
        remainder = self.book.move(tick, coll_shares_removed, debt_shares_removed)
        self.movements.append(
            TickMovement(
                tick=tick,
                coll_shares_removed=coll_shares_removed,
                debt_shares_removed=debt_shares_removed,
                coll_ratio_x60=remainder.coll_ratio_x60,
                debt_ratio_x60=remainder.debt_ratio_x60,
                tick_after=remainder.tick_after,
                raw_debt=raw_debt,
                raw_coll=raw_coll,
                bonus_raw_coll=bonus_raw_coll,
                bonus_from_reserve_raw=bonus_from_reserve_raw,
                bad_debt_raw=bad_debt_raw,
            )
        )


def walk_budget(terms: SettlementTerms, minimum: int, what: str) -> int:
    """maxFxUSD + scale-up(maxStable): the raw debt a caller can repay (PoolManager minimums)."""
    budget = terms.max_fxusd + scale_up(terms.max_stable, terms.stable_price_with_scale)
    if budget < minimum:
        raise MathRejected(RejectCode.DEBT_TOO_SMALL, f"{what} budget {budget} below {minimum}")
    return budget


def start_walk(state: FxPoolState, price_1e18: int, budget: int) -> TickWalk:
    """A walk over a copy-on-write view of the pool's ticks."""
    return TickWalk(
        TickBook(state.tree), price_1e18, budget, state.debt_index, state.debt_shares_total
    )


def finish_walk(state: FxPoolState, walk: TickWalk, terms: SettlementTerms) -> WalkPreview:
    """Sum a rebalance/liquidation walk's movements and settle it with the manager."""
    parameters = state.parameters
    factor = scaling_factor(parameters.collateral_decimals, terms.collateral_rate_1e18)
    moves = walk.movements
    raw_debts = sum(move.raw_debt for move in moves)
    raw_colls = sum(move.raw_coll for move in moves)
    bonus = sum(move.bonus_raw_coll for move in moves)
    from_reserve = sum(move.bonus_from_reserve_raw for move in moves)
    settlement = settle(
        raw_colls + bonus, bonus, raw_debts, terms, factor, parameters.liquidation_expense_ratio_1e9
    )
    return WalkPreview(
        price_1e18=walk.price_1e18,
        movements=tuple(moves),
        raw_debts=raw_debts,
        raw_colls=raw_colls,
        bonus_raw_colls=bonus,
        bonus_from_reserve_raw=from_reserve,
        bonus_from_reserve_token=scale_down(from_reserve, factor),
        bad_debt_raw=sum(move.bad_debt_raw for move in moves),
        coll_shares_removed=sum(move.coll_shares_removed for move in moves),
        debt_shares_removed=sum(move.debt_shares_removed for move in moves),
        debt_index_after=walk.debt_index,
        settlement=settlement,
    )


def replay_movements(state: FxPoolState, movements: tuple[TickMovement, ...]) -> None:
    """Move each recorded tick on the tree, checking it lands where the record says."""
    for move in movements:
        remainder = state.tree.liquidate_tick(
            move.tick, move.coll_shares_removed, move.debt_shares_removed
        )
        recorded = (move.tick_after, move.coll_ratio_x60, move.debt_ratio_x60)
        if (remainder.tick_after, remainder.coll_ratio_x60, remainder.debt_ratio_x60) != recorded:
            raise FxReplayMismatch(f"tick {move.tick} moved differently from the record")


def apply_walk(state: FxPoolState, preview: WalkPreview) -> None:
    """Fold a recorded rebalance or liquidation into the pool (tree, totals, index, balances)."""
    replay_movements(state, preview.movements)
    state.coll_shares_total -= preview.coll_shares_removed
    state.debt_shares_total -= preview.debt_shares_removed
    state.debt_index = preview.debt_index_after
    state.balances = state.balances.moved(
        collateral_token=preview.bonus_from_reserve_token - preview.settlement.colls_token,
        collateral_raw=preview.bonus_from_reserve_raw - preview.raw_colls - preview.bonus_raw_colls,
        debt=-preview.raw_debts,
        fees_misc_token=preview.settlement.protocol_revenue_token,
    )


__all__ = [
    "TickWalk",
    "apply_walk",
    "finish_walk",
    "replay_movements",
    "settle",
    "start_walk",
    "walk_budget",
]
