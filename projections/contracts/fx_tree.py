"""The f(x) tick tree: positions, tree nodes with x2^60 ratios and parent links, tick -> node.

Restated from protocol-math.md section 4.2 and `TickLogic` (`_getRootNode`,
`_getRootNodeAndCompress`, `_newTickTreeNode`, `_addPositionToTick`, `_removePositionFromTick`,
`_liquidateTick`) with `PositionLogic._getAndUpdatePosition`. A partial redeem/rebalance/liquidation
of a tick freezes its node with the remaining fractions and links it to the node the remainder
moved to, so every position in the tick shrinks in the same proportion without being touched.

`TickTree` mutates (the apply side); `TickBook` is a copy-on-write view of the ticks' current
nodes that previews walk and move without touching the tree. Both move a tick through the same
`tick_remainder` function, so a preview and its apply agree by construction.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from projections.contracts.fx_ticks import (
    E60,
    node_ratio_after,
    ratio_product,
    shares_after_ratio,
    tick_of_shares,
)


@dataclass(slots=True)
class TreeNode:
    """One node: the shares summed into it and, once frozen, its ratios and parent."""

    tick: int
    parent: int = 0
    coll_ratio_x60: int = E60
    debt_ratio_x60: int = E60
    coll_shares: int = 0
    debt_shares: int = 0


@dataclass(slots=True)
class Position:
    """An xPOSITION/sPOSITION as the pool stores it: shares as of its `node`, not live."""

    owner: str
    tick: int = 0
    node: int = 0
    coll_shares: int = 0
    debt_shares: int = 0


@dataclass(frozen=True, slots=True)
class TickRemainder:
    """What is left of a tick after (coll, debt) shares are taken from its current node."""

    coll_shares_after: int
    debt_shares_after: int
    coll_ratio_x60: int
    debt_ratio_x60: int
    tick_after: int | None
    """Tick the remainder joins; None when no debt remains (the node becomes a root)."""


def tick_remainder(
    coll_shares: int, debt_shares: int, coll_removed: int, debt_removed: int
) -> TickRemainder:
    """Compute the frozen node's ratios and where its remainder goes (`_liquidateTick`).

    Args:
        coll_shares: The tick node's collateral shares.
        debt_shares: The tick node's debt shares (> 0).
        coll_removed: Collateral shares taken.
        debt_removed: Debt shares taken.

    Returns:
        The remainder, its tick, and the x2^60 ratios the old node keeps.
    """
    coll_after = coll_shares - coll_removed
    debt_after = debt_shares - debt_removed
    return TickRemainder(
        coll_shares_after=coll_after,
        debt_shares_after=debt_after,
        coll_ratio_x60=node_ratio_after(coll_shares, coll_removed),
        debt_ratio_x60=node_ratio_after(debt_shares, debt_removed),
        tick_after=tick_of_shares(coll_after, debt_after) if debt_after > 0 else None,
    )


class TickBook:
    """A preview's copy-on-write view of each tick's current node shares and the debt ticks."""

    def __init__(self, tree: TickTree) -> None:
        self._tree = tree
        self._overrides: dict[int, tuple[int, int]] = {}
        self._debt_ticks = list(tree.debt_ticks)

    def shares(self, tick: int) -> tuple[int, int]:
        """(collateral shares, debt shares) of the tick's current node."""
        if tick in self._overrides:
            return self._overrides[tick]
        return self._tree.tick_shares(tick)

    def top_tick(self) -> int | None:
        """The highest tick holding debt, or None."""
        return self._debt_ticks[-1] if self._debt_ticks else None

    def next_below(self, tick: int) -> int | None:
        """The highest tick holding debt strictly below `tick` (the bitmap walk), or None."""
        index = bisect_left(self._debt_ticks, tick)
        return self._debt_ticks[index - 1] if index > 0 else None

    def move(self, tick: int, coll_removed: int, debt_removed: int) -> TickRemainder:
        """Take shares from `tick` and move the remainder as the apply will."""
        coll_shares, debt_shares = self.shares(tick)
        remainder = tick_remainder(coll_shares, debt_shares, coll_removed, debt_removed)
        self._set(tick, 0, 0)
        if remainder.tick_after is not None:
            coll_target, debt_target = self.shares(remainder.tick_after)
            self._set(
                remainder.tick_after,
                coll_target + remainder.coll_shares_after,
                debt_target + remainder.debt_shares_after,
            )
        return remainder

    def _set(self, tick: int, coll_shares: int, debt_shares: int) -> None:
        self._overrides[tick] = (coll_shares, debt_shares)
        _track_debt_tick(self._debt_ticks, tick, debt_shares > 0)


def _track_debt_tick(debt_ticks: list[int], tick: int, has_debt: bool) -> None:
    index = bisect_left(debt_ticks, tick)
    present = index < len(debt_ticks) and debt_ticks[index] == tick
    if has_debt and not present:
        insort(debt_ticks, tick)
    elif not has_debt and present:
        del debt_ticks[index]


class TickTree:
    """Positions, tree nodes and each tick's current node: the state `TickLogic` keeps."""

    def __init__(self) -> None:
        self.nodes: dict[int, TreeNode] = {}
        self.tick_nodes: dict[int, int] = {}
        self.node_id_next = 1
        self.positions: dict[int, Position] = {}
        self.position_id_next = 1
        self.debt_ticks: list[int] = []
        """Ticks whose current node holds debt, ascending (the contract's bitmap)."""
        self.dirty_nodes: set[int] = set()
        self.dirty_positions: set[int] = set()
        self.dirty_ticks: set[int] = set()
        """Nodes, positions and ticks changed since the book last read these sets (for a
        digest that costs what changed); every write to the tree adds to them."""

    def tick_shares(self, tick: int) -> tuple[int, int]:
        """(collateral shares, debt shares) of the tick's current node (0, 0 if none)."""
        node_id = self.tick_nodes.get(tick, 0)
        if node_id == 0:
            return (0, 0)
        node = self.nodes[node_id]
        return (node.coll_shares, node.debt_shares)

    def root_ratios(self, node_id: int) -> tuple[int, int, int]:
        """(root, collateral ratio, debt ratio) multiplied leaf to root (`_getRootNode`)."""
        coll_ratio, debt_ratio = E60, E60
        while True:
            node = self.nodes[node_id]
            coll_ratio = ratio_product(coll_ratio, node.coll_ratio_x60)
            debt_ratio = ratio_product(debt_ratio, node.debt_ratio_x60)
            if node.parent == 0:
                return node_id, coll_ratio, debt_ratio
            node_id = node.parent

    def root_ratios_compressed(self, node_id: int) -> tuple[int, int, int, list[int]]:
        """Ratios multiplied root to leaf as `_getRootNodeAndCompress` does, without writing.

        Returns:
            (root, collateral ratio, debt ratio, the path below the root leaf first).
        """
        path = [node_id]
        while self.nodes[path[-1]].parent != 0:
            path.append(self.nodes[path[-1]].parent)
        root = path.pop()
        coll_ratio = self.nodes[root].coll_ratio_x60
        debt_ratio = self.nodes[root].debt_ratio_x60
        for below in reversed(path):
            coll_ratio = ratio_product(coll_ratio, self.nodes[below].coll_ratio_x60)
            debt_ratio = ratio_product(debt_ratio, self.nodes[below].debt_ratio_x60)
        return root, coll_ratio, debt_ratio, path

    def position_live_shares(self, position_id: int) -> tuple[int, int]:
        """A position's live (collateral, debt) shares as the `getPosition` view computes them."""
        position = self.positions[position_id]
        if position.node == 0:
            return (position.coll_shares, position.debt_shares)
        _, coll_ratio, debt_ratio = self.root_ratios(position.node)
        return (
            shares_after_ratio(position.coll_shares, coll_ratio),
            shares_after_ratio(position.debt_shares, debt_ratio),
        )

    def positions_live_shares(self) -> Iterator[tuple[int, Position, int, int, int]]:
        """(id, position, root, live collateral shares, live debt shares) of every position.

        `position_live_shares` for all of them, with each node's leaf-to-root product computed
        once however many positions share the node (root 0: the position is on no node).
        """
        products: dict[int, tuple[int, int, int]] = {}
        for position_id, position in self.positions.items():
            node = position.node
            if node == 0:
                yield position_id, position, 0, position.coll_shares, position.debt_shares
                continue
            found = products.get(node)
            if found is None:
                found = products[node] = self.root_ratios(node)
            root, coll_ratio, debt_ratio = found
            yield (
                position_id,
                position,
                root,
                shares_after_ratio(position.coll_shares, coll_ratio),
                shares_after_ratio(position.debt_shares, debt_ratio),
            )

    def position_settled_shares(self, position_id: int) -> tuple[int, int, int]:
        """(root, collateral, debt) shares `operate` sees after `_getAndUpdatePosition`."""
        position = self.positions[position_id]
        if position.node == 0:
            return (0, position.coll_shares, position.debt_shares)
        root, coll_ratio, debt_ratio, _ = self.root_ratios_compressed(position.node)
        return (
            root,
            shares_after_ratio(position.coll_shares, coll_ratio),
            shares_after_ratio(position.debt_shares, debt_ratio),
        )

    def settle_position(self, position_id: int) -> None:
        """Bring a position to its root with live shares, compressing the path (apply side)."""
        position = self.positions[position_id]
        if position.node == 0:
            return
        root, coll_ratio, debt_ratio, path = self.root_ratios_compressed(position.node)
        running_coll = self.nodes[root].coll_ratio_x60
        running_debt = self.nodes[root].debt_ratio_x60
        self.dirty_nodes.update(path)
        self.dirty_positions.add(position_id)
        for below in reversed(path):
            node = self.nodes[below]
            running_coll = ratio_product(running_coll, node.coll_ratio_x60)
            running_debt = ratio_product(running_debt, node.debt_ratio_x60)
            node.parent, node.coll_ratio_x60, node.debt_ratio_x60 = root, running_coll, running_debt
        position.coll_shares = shares_after_ratio(position.coll_shares, coll_ratio)
        position.debt_shares = shares_after_ratio(position.debt_shares, debt_ratio)
        position.node = root

    def remove_from_node(self, node_id: int, coll_shares: int, debt_shares: int) -> None:
        """Take a settled position's shares out of its (root) node (`_removePositionFromTick`)."""
        if node_id == 0:
            return
        node = self.nodes[node_id]
        node.coll_shares -= coll_shares
        node.debt_shares -= debt_shares
        self.dirty_nodes.add(node_id)
        self._track_if_current(node_id)

    def add_to_tick(self, coll_shares: int, debt_shares: int) -> tuple[int, int]:
        """Add shares to their tick's current node (`_addPositionToTick`); (0, 0) without debt."""
        if debt_shares == 0:
            return (0, 0)
        tick = tick_of_shares(coll_shares, debt_shares)
        node_id = self.tick_nodes.get(tick, 0) or self._new_node(tick)
        node = self.nodes[node_id]
        node.coll_shares += coll_shares
        node.debt_shares += debt_shares
        self.dirty_nodes.add(node_id)
        self._track_if_current(node_id)
        return (tick, node_id)

    def liquidate_tick(self, tick: int, coll_removed: int, debt_removed: int) -> TickRemainder:
        """Freeze the tick's node, give the tick a fresh node, move the remainder on."""
        node_id = self.tick_nodes[tick]
        self._new_node(tick)
        node = self.nodes[node_id]
        self.dirty_nodes.add(node_id)
        remainder = tick_remainder(node.coll_shares, node.debt_shares, coll_removed, debt_removed)
        node.coll_ratio_x60 = remainder.coll_ratio_x60
        node.debt_ratio_x60 = remainder.debt_ratio_x60
        _track_debt_tick(self.debt_ticks, tick, False)
        if remainder.tick_after is not None:
            _, parent = self.add_to_tick(remainder.coll_shares_after, remainder.debt_shares_after)
            node.parent = parent
        return remainder

    def _new_node(self, tick: int) -> int:
        node_id = self.node_id_next
        self.node_id_next += 1
        self.nodes[node_id] = TreeNode(tick=tick)
        self.tick_nodes[tick] = node_id
        self.dirty_nodes.add(node_id)
        self.dirty_ticks.add(tick)
        return node_id

    def _track_if_current(self, node_id: int) -> None:
        node = self.nodes[node_id]
        if self.tick_nodes.get(node.tick) == node_id:
            _track_debt_tick(self.debt_ticks, node.tick, node.debt_shares > 0)

    def to_state(self) -> dict[str, Any]:
        """Plain data (str keys, ints, lists) for snapshots; `from_state` inverts it."""
        return {
            "nodes": {
                str(node_id): [
                    n.tick,
                    n.parent,
                    n.coll_ratio_x60,
                    n.debt_ratio_x60,
                    n.coll_shares,
                    n.debt_shares,
                ]
                for node_id, n in sorted(self.nodes.items())
            },
            "tick_nodes": {str(tick): node for tick, node in sorted(self.tick_nodes.items())},
            "node_id_next": self.node_id_next,
            "positions": {
                str(position_id): [p.owner, p.tick, p.node, p.coll_shares, p.debt_shares]
                for position_id, p in sorted(self.positions.items())
            },
            "position_id_next": self.position_id_next,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TickTree:
        """Rebuild a tree from `to_state` data."""
        tree = cls()
        for key, values in state["nodes"].items():
            tree.nodes[int(key)] = TreeNode(*values)
        tree.tick_nodes = {int(tick): node for tick, node in state["tick_nodes"].items()}
        tree.node_id_next = state["node_id_next"]
        for key, values in state["positions"].items():
            tree.positions[int(key)] = Position(*values)
        tree.position_id_next = state["position_id_next"]
        tree.debt_ticks = sorted(
            tick for tick, node in tree.tick_nodes.items() if tree.nodes[node].debt_shares > 0
        )
        return tree


__all__ = [
    "Position",
    "TickBook",
    "TickRemainder",
    "TickTree",
    "TreeNode",
    "tick_remainder",
]
