"""The f(x) book's digest, kept current as it folds: per pool, per node, per position, per tick.

A pool's digest hashes its few header fields with three `PartDigests`: the tree's nodes, its
positions and its tick -> node map. The tree marks what each write changes (`dirty_*`), so a
checkpoint after a day of a few opens and one rebalance re-hashes those entries and their
buckets, not ten thousand positions.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import fields
from hashlib import sha256
from typing import cast

from projections.base import canonical_bytes
from projections.contracts.fx_pool import FxPool
from projections.contracts.fx_results import ManagerBalances
from projections.digests import PartDigests

_BALANCE_FIELDS = tuple(item.name for item in fields(ManagerBalances))


class PoolDigest:
    """One pool's digest, kept current from the tree's marks."""

    __slots__ = ("_parameters", "nodes", "pool", "positions", "ticks")

    def __init__(self, pool: FxPool) -> None:
        self.pool = pool
        self._parameters: tuple[object, str] = (None, "")
        tree = pool.tree
        tree.dirty_nodes.clear()
        tree.dirty_positions.clear()
        tree.dirty_ticks.clear()
        self.nodes = PartDigests(self._node, lambda: self.pool.tree.nodes)
        self.positions = PartDigests(self._position, lambda: self.pool.tree.positions)
        self.ticks = PartDigests(self._tick, lambda: self.pool.tree.tick_nodes)

    def _node(self, key: Hashable) -> object | None:
        node = self.pool.tree.nodes.get(cast(int, key))
        if node is None:
            return None
        return [
            node.tick,
            node.parent,
            node.coll_ratio_x60,
            node.debt_ratio_x60,
            node.coll_shares,
            node.debt_shares,
        ]

    def _position(self, key: Hashable) -> object | None:
        found = self.pool.tree.positions.get(cast(int, key))
        if found is None:
            return None
        return [found.owner, found.tick, found.node, found.coll_shares, found.debt_shares]

    def _tick(self, key: Hashable) -> object | None:
        return self.pool.tree.tick_nodes.get(cast(int, key))

    def digest(self) -> str:
        """Hex sha256 of the pool: header fields and the three part digests."""
        tree = self.pool.tree
        for parts, dirty in (
            (self.nodes, tree.dirty_nodes),
            (self.positions, tree.dirty_positions),
            (self.ticks, tree.dirty_ticks),
        ):
            if dirty:
                parts.dirty.update(dirty)
                dirty.clear()
        pool = self.pool
        if self._parameters[0] is not pool.parameters:  # frozen: re-read only when replaced
            encoded = canonical_bytes(pool.header_state()["parameters"])
            self._parameters = (pool.parameters, sha256(encoded).hexdigest())
        header: dict[str, object] = {
            "parameters": self._parameters[1],
            "coll_index": pool.coll_index,
            "debt_index": pool.debt_index,
            "coll_shares_total": pool.coll_shares_total,
            "debt_shares_total": pool.debt_shares_total,
            "balances": [getattr(pool.balances, name) for name in _BALANCE_FIELDS],
        }
        header["node_id_next"] = tree.node_id_next
        header["position_id_next"] = tree.position_id_next
        header["nodes"] = self.nodes.digest().hex()
        header["positions"] = self.positions.digest().hex()
        header["tick_nodes"] = self.ticks.digest().hex()
        return sha256(canonical_bytes(header)).hexdigest()
