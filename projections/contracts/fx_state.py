"""The state of one f(x) pool (BasePool storage plus its PoolManager record) and read-only views.

Restated from protocol-math.md sections 4.1-4.2: the x2^96 indices, share totals, the tick tree
(`fx_tree`), and the `PoolManager` per-pool collateral/debt balances and fee accumulators. Views
give each position's live amounts and its distance to the rebalance and liquidation lines, and
the sums over positions that invariant checks compare with the pool totals.

The mutating operations live in `fx_operate`, `fx_walks` and `fx_funding`; `fx_pool.FxPool`
puts them behind preview/apply methods. `to_state()` is plain data (dicts with str keys, lists,
ints, str) that `load_state()` (or `FxPool.from_state()`) turns back into an equal pool.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from projections.contracts.fx_params import FxPoolParameters, FxVersion, PoolSide, RebalanceFormula
from projections.contracts.fx_results import ManagerBalances, PoolTotals, PositionHealth
from projections.contracts.fx_ticks import (
    E96,
    PRECISION,
    debt_ratio_1e18,
    raw_coll_from_shares,
    raw_debt_from_shares,
)
from projections.contracts.fx_tree import TickTree


class FxReplayMismatch(Exception):
    """A recorded fact disagrees with the model state: a corrupt log or a model bug."""


class FxPoolState:
    """One pool: parameters, indices, totals, the tick tree and the manager's balances."""

    def __init__(self, parameters: FxPoolParameters) -> None:
        self.parameters = parameters
        self.tree = TickTree()
        self.coll_index = E96
        self.debt_index = E96
        self.coll_shares_total = 0
        self.debt_shares_total = 0
        self.balances = ManagerBalances(0, 0, 0, 0, 0, 0)

    def totals(self) -> PoolTotals:
        """Pool share totals and indices with their raw values (rounded down)."""
        return PoolTotals(
            coll_shares=self.coll_shares_total,
            debt_shares=self.debt_shares_total,
            coll_index=self.coll_index,
            debt_index=self.debt_index,
            raw_coll=raw_coll_from_shares(self.coll_shares_total, self.coll_index, False),
            raw_debt=raw_debt_from_shares(self.debt_shares_total, self.debt_index, False),
        )

    def position_sums(self) -> tuple[int, int]:
        """Sum of live (collateral, debt) shares over all positions, for invariant checks.

        Live shares round down at every node on the way to the root, so the sums never exceed
        the pool totals and fall short of them by at most a few shares per position and node.
        """
        coll_sum, debt_sum = 0, 0
        for position_id in self.tree.positions:
            coll_shares, debt_shares = self.tree.position_live_shares(position_id)
            coll_sum += coll_shares
            debt_sum += debt_shares
        return coll_sum, debt_sum

    def position_health(self, position_id: int, price_1e18: int) -> PositionHealth:
        """Return a position's live amounts, LTV and distance to the lines at `price_1e18`.

        Args:
            position_id: An existing position id.
            price_1e18: The price to judge it at (the protocol's views use the anchor price).

        Returns:
            The position's health; ratios and line prices are None where undefined.
        """
        position = self.tree.positions[position_id]
        coll_shares, debt_shares = self.tree.position_live_shares(position_id)
        raw_coll = raw_coll_from_shares(coll_shares, self.coll_index, False)
        raw_debt = raw_debt_from_shares(debt_shares, self.debt_index, False)
        ratio = debt_ratio_1e18(raw_debt, raw_coll, price_1e18)
        tick = None
        if debt_shares > 0 and position.node != 0:
            root, _, _ = self.tree.root_ratios(position.node)
            tick = self.tree.nodes[root].tick
        rebalance_ratio = self.parameters.rebalance_debt_ratio_1e18
        liquidate_ratio = self.parameters.liquidate_debt_ratio_1e18
        return PositionHealth(
            position_id=position_id,
            owner=position.owner,
            tick=tick,
            coll_shares=coll_shares,
            debt_shares=debt_shares,
            raw_coll=raw_coll,
            raw_debt=raw_debt,
            debt_ratio_1e18=ratio,
            rebalance_distance_1e18=None if ratio is None else rebalance_ratio - ratio,
            liquidation_distance_1e18=None if ratio is None else liquidate_ratio - ratio,
            price_rebalance_line_1e18=_line_price(raw_debt, raw_coll, rebalance_ratio),
            price_liquidation_line_1e18=_line_price(raw_debt, raw_coll, liquidate_ratio),
            rebalanceable=_past_line(raw_debt, raw_coll, price_1e18, rebalance_ratio)
            and not _past_line(raw_debt, raw_coll, price_1e18, liquidate_ratio),
            liquidatable=_past_line(raw_debt, raw_coll, price_1e18, liquidate_ratio),
        )

    def positions_health(self, price_1e18: int) -> list[PositionHealth]:
        """`position_health` for every position with debt, by position id."""
        found = []
        for position_id in sorted(self.tree.positions):
            health = self.position_health(position_id, price_1e18)  # live shares read once
            if health.debt_shares > 0:
                found.append(health)
        return found

    def to_state(self) -> dict[str, Any]:
        """Plain data for a snapshot: dicts with str keys, lists, ints and str."""
        return {**self.header_state(), "tree": self.tree.to_state()}

    def header_state(self) -> dict[str, Any]:
        """`to_state` without the tree: the few fields that are not per node or position."""
        parameters = {
            key: str(value) if isinstance(value, str) else value
            for key, value in asdict(self.parameters).items()
        }
        return {
            "parameters": parameters,
            "coll_index": self.coll_index,
            "debt_index": self.debt_index,
            "coll_shares_total": self.coll_shares_total,
            "debt_shares_total": self.debt_shares_total,
            "balances": asdict(self.balances),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        """Replace this pool's state with `to_state` data."""
        values = dict(state["parameters"])
        values["version"] = FxVersion(values["version"])
        values["side"] = PoolSide(values["side"])
        values["rebalance_formula"] = RebalanceFormula(values["rebalance_formula"])
        self.parameters = FxPoolParameters(**values)
        self.coll_index = state["coll_index"]
        self.debt_index = state["debt_index"]
        self.coll_shares_total = state["coll_shares_total"]
        self.debt_shares_total = state["debt_shares_total"]
        self.balances = ManagerBalances(**state["balances"])
        self.tree = TickTree.from_state(state["tree"])


def _past_line(raw_debt: int, raw_coll: int, price_1e18: int, ratio_1e18: int) -> bool:
    if raw_debt == 0:
        return False
    return raw_debt * PRECISION * PRECISION >= ratio_1e18 * raw_coll * price_1e18


def _line_price(raw_debt: int, raw_coll: int, ratio_1e18: int) -> int | None:
    if raw_debt == 0 or raw_coll == 0 or ratio_1e18 == 0:
        return None
    return raw_debt * PRECISION * PRECISION // (ratio_1e18 * raw_coll)


__all__ = [
    "FxPoolState",
    "FxReplayMismatch",
]
