"""The f(x) book's digest, kept current as it folds: per pool, per node, per position, per tick.

A pool's digest hashes its few header fields with one `PartDigests` over the tree's nodes, its
positions and its tick -> node map (keys tagged by kind). The tree marks what each write
changes (`dirty_*`), so a checkpoint after a day of a few opens and one rebalance re-encodes
those entries and re-hashes their chunks, not ten thousand positions.
"""

from __future__ import annotations

from dataclasses import fields
from hashlib import sha256

from projections.base import canonical_bytes
from projections.contracts.fx_pool import FxPool
from projections.contracts.fx_results import ManagerBalances
from projections.digests import PartDigests

_BALANCE_FIELDS = tuple(item.name for item in fields(ManagerBalances))

KINDS = 3
NODE, POSITION, TICK = range(KINDS)
"""The tree's three maps share one `PartDigests`: an entry's key is its id (node, position or
tick) times three plus its kind, so the keys never meet, and the ids a day hands out (counting
up) or touches (ticks near the price) still lie close together."""


class PoolDigest:
    """One pool's digest, kept current from the tree's marks."""

    __slots__ = ("_parameters", "parts", "pool")

    def __init__(self, pool: FxPool) -> None:
        self.pool = pool
        self._parameters: tuple[object, str] = (None, "")
        tree = pool.tree
        tree.dirty_nodes.clear()
        tree.dirty_positions.clear()
        tree.dirty_ticks.clear()
        self.parts = PartDigests(self._entry, self._keys)

    def _keys(self) -> list[int]:
        tree = self.pool.tree
        return [
            *(NODE + KINDS * node for node in tree.nodes),
            *(POSITION + KINDS * position for position in tree.positions),
            *(TICK + KINDS * tick for tick in tree.tick_nodes),
        ]

    def _entry(self, key: int) -> object | None:
        """The entry under a tagged key: a node, a position or a tick's node (None: gone)."""
        ident, kind = divmod(key, KINDS)
        tree = self.pool.tree
        if kind == TICK:
            return tree.tick_nodes.get(ident)
        if kind == POSITION:
            found = tree.positions.get(ident)
            if found is None:
                return None
            return [found.owner, found.tick, found.node, found.coll_shares, found.debt_shares]
        node = tree.nodes.get(ident)
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

    def digest(self) -> str:
        """Hex sha256 of the pool: its header fields and its tree's part digest."""
        tree = self.pool.tree
        dirty = self.parts.dirty
        if tree.dirty_nodes:
            dirty.update([NODE + KINDS * node for node in tree.dirty_nodes])
            tree.dirty_nodes.clear()
        if tree.dirty_positions:
            dirty.update([POSITION + KINDS * position for position in tree.dirty_positions])
            tree.dirty_positions.clear()
        if tree.dirty_ticks:
            dirty.update([TICK + KINDS * tick for tick in tree.dirty_ticks])
            tree.dirty_ticks.clear()
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
        header["tree"] = self.parts.digest().hex()
        return sha256(canonical_bytes(header)).hexdigest()
