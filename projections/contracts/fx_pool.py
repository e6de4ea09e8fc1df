"""A pure, deterministic model of one f(x) v2 pool: preview a command, apply a recorded fact.

Section 4 of protocol-math.md (f(x) protocol v2), one `BasePool` (`AaveFundingPool` for the
long side, `ShortPool` with inverted prices for the short side) together with what its
`PoolManager` records for it. Each operation comes in three forms:

* `preview_x(...)` computes everything without touching the pool and returns a frozen result
  holding every amount an event records (or raises `MathRejected` with a `RejectCode`);
* `apply_x(preview)` folds a recorded result into the pool - a projection rebuilds the result
  from the event and applies it, an auditor re-previews and compares;
* `x(...)` does both, for scenario code and tests.

Prices are inputs (section 6, open question 2): operate, rebalance and liquidate take the
oracle's min price, redeem its max price, health views its anchor price. Funding is its own
fact: call `accrue_funding` before any operation whenever block time moved.
"""

from __future__ import annotations

from typing import Any

from projections.contracts.fx_funding import (
    apply_funding,
    apply_harvest,
    preview_funding,
    preview_harvest,
)
from projections.contracts.fx_operate import apply_operate, preview_operate
from projections.contracts.fx_params import FundingConditions, FxPoolParameters
from projections.contracts.fx_rebalance import (
    preview_liquidate,
    preview_rebalance,
    preview_rebalance_tick,
)
from projections.contracts.fx_redeem import apply_redeem, preview_redeem
from projections.contracts.fx_results import (
    FundingPreview,
    HarvestPreview,
    OperatePreview,
    OperateRecord,
    OperateRequest,
    RedeemPreview,
    RedeemRequest,
    SettlementTerms,
    WalkPreview,
)
from projections.contracts.fx_state import FxPoolState, FxReplayMismatch
from projections.contracts.fx_walks import apply_walk


class FxPool(FxPoolState):
    """One f(x) pool with preview/apply pairs for every operation (see the module docstring)."""

    def preview_operate(self, request: OperateRequest) -> OperatePreview:
        """Open, adjust or close a position (section 4.3) without changing the pool.

        Args:
            request: The command, with the oracle's min price.

        Returns:
            Amounts moved, fees, share deltas and the position after.
        """
        return preview_operate(self, request)

    def apply_operate(self, preview: OperateRecord) -> None:
        """Fold a recorded operate (see `preview_operate`)."""
        apply_operate(self, preview)

    def operate(self, request: OperateRequest) -> OperatePreview:
        """Preview and apply an operate; returns what was applied."""
        preview = preview_operate(self, request)
        apply_operate(self, preview)
        return preview

    def preview_redeem(self, request: RedeemRequest) -> RedeemPreview:
        """Redeem fxUSD against the top ticks (section 4.4) without changing the pool.

        Args:
            request: Amount, the oracle's max price and the peg gate.

        Returns:
            The ticks touched, fxUSD burned, collateral out and the redeem fee.
        """
        return preview_redeem(self, request)

    def apply_redeem(self, preview: RedeemPreview) -> None:
        """Fold a recorded redeem."""
        apply_redeem(self, preview)

    def redeem(self, request: RedeemRequest) -> RedeemPreview:
        """Preview and apply a redeem."""
        preview = preview_redeem(self, request)
        apply_redeem(self, preview)
        return preview

    def preview_rebalance_tick(
        self, tick: int, price_1e18: int, terms: SettlementTerms
    ) -> WalkPreview:
        """Rebalance one tick to the rebalance ratio (section 4.5).

        Args:
            tick: The tick to rebalance.
            price_1e18: The oracle's min price.
            terms: The caller's fxUSD/USDC budget and prices.

        Returns:
            The tick movement, amounts, and the manager's settlement.
        """
        return preview_rebalance_tick(self, tick, price_1e18, terms)

    def preview_rebalance(self, price_1e18: int, terms: SettlementTerms) -> WalkPreview:
        """Batch-rebalance from the top tick until the budget or the rebalanceable ticks end.

        Args:
            price_1e18: The oracle's min price.
            terms: The caller's fxUSD/USDC budget and prices.

        Returns:
            Every tick movement, the totals, and the manager's settlement.
        """
        return preview_rebalance(self, price_1e18, terms)

    def apply_rebalance(self, preview: WalkPreview) -> None:
        """Fold a recorded rebalance (one tick or batch)."""
        apply_walk(self, preview)

    def rebalance_tick(self, tick: int, price_1e18: int, terms: SettlementTerms) -> WalkPreview:
        """Preview and apply a one-tick rebalance."""
        preview = preview_rebalance_tick(self, tick, price_1e18, terms)
        apply_walk(self, preview)
        return preview

    def rebalance(self, price_1e18: int, terms: SettlementTerms) -> WalkPreview:
        """Preview and apply a batch rebalance."""
        preview = preview_rebalance(self, price_1e18, terms)
        apply_walk(self, preview)
        return preview

    def preview_liquidate(
        self, price_1e18: int, terms: SettlementTerms, reserve_token: int
    ) -> WalkPreview:
        """Liquidate ticks past the liquidation line from the top (section 4.6).

        Args:
            price_1e18: The oracle's min price.
            terms: The caller's fxUSD/USDC budget and prices.
            reserve_token: The ReservePool's collateral balance, the bonus budget.

        Returns:
            Every tick movement, bonus from the reserve, bad debt, the new debtIndex and the
            manager's settlement.
        """
        return preview_liquidate(self, price_1e18, terms, reserve_token)

    def apply_liquidate(self, preview: WalkPreview) -> None:
        """Fold a recorded liquidation."""
        apply_walk(self, preview)

    def liquidate(self, price_1e18: int, terms: SettlementTerms, reserve_token: int) -> WalkPreview:
        """Preview and apply a liquidation."""
        preview = preview_liquidate(self, price_1e18, terms, reserve_token)
        apply_walk(self, preview)
        return preview

    def preview_funding(
        self, duration_seconds: int, aave_rate_1e18: int, conditions: FundingConditions
    ) -> FundingPreview:
        """Accrue funding on the collateral index (section 4.7).

        Args:
            duration_seconds: Seconds since the last index update.
            aave_rate_1e18: The annual Aave USDC borrow rate.
            conditions: Peg and stability-pool facts.

        Returns:
            The funding taken (raw) and the collIndex before and after.
        """
        return preview_funding(self, duration_seconds, aave_rate_1e18, conditions)

    def apply_funding(self, preview: FundingPreview) -> None:
        """Fold a recorded funding accrual."""
        apply_funding(self, preview)

    def accrue_funding(
        self, duration_seconds: int, aave_rate_1e18: int, conditions: FundingConditions
    ) -> FundingPreview:
        """Preview and apply a funding accrual."""
        preview = preview_funding(self, duration_seconds, aave_rate_1e18, conditions)
        apply_funding(self, preview)
        return preview

    def preview_harvest(self, collateral_rate_1e18: int) -> HarvestPreview:
        """Realise funding and rate-provider rewards and pay out fees (`PoolManager.harvest`).

        Args:
            collateral_rate_1e18: The rate provider's current rate.

        Returns:
            Funding, rewards, expense, bounty and fee amounts paid out.
        """
        return preview_harvest(self, collateral_rate_1e18)

    def apply_harvest(self, preview: HarvestPreview) -> None:
        """Fold a recorded harvest."""
        apply_harvest(self, preview)

    def harvest(self, collateral_rate_1e18: int) -> HarvestPreview:
        """Preview and apply a harvest."""
        preview = preview_harvest(self, collateral_rate_1e18)
        apply_harvest(self, preview)
        return preview

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> FxPool:
        """Rebuild a pool from `to_state()` data."""
        pool = cls(FxPoolParameters())
        pool.load_state(state)
        return pool


__all__ = ["FxPool", "FxReplayMismatch"]
