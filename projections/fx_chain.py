"""The `fx_chain` book: f(x) pools, positions and fxBASE as imported chain logs left them.

Each pool keeps the contract's own tick tree (`projections.contracts.fx_tree.TickTree`): an
operate puts the position's shares from its `PositionSnapshot` into its tick, a rebalance,
liquidation or redeem moves each tick as the pool's `TickMovement` says (the tick's node is
frozen with the fractions left and linked to the tick the rest moved to), so every position in a
moved tick shrinks as it does on chain, without a log naming it. A position's collateral and
debt are its live shares through the pool's indices (`raw_coll_from_shares`,
`raw_debt_from_shares`, rounded down as `getPosition` does).

What the logs do not say stays unknown, never guessed: a pool first seen mid-life holds only the
positions seen since, so a tick it moves has totals the book cannot know; the positions in it
become unknown (shown without amounts) until their next `PositionSnapshot`. An index no log
has given is unknown, and so are the amounts that need it. A record the tree cannot follow (a
snapshot's tick that is not its shares' tick, a tick movement that leaves more than there was)
is a `Violation`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from events import fx_chain
from events.fx_chain import (
    FxChainHarvested,
    FxChainIndexUpdated,
    FxChainOperated,
    FxChainPoolSeen,
    FxChainPositionTransferred,
    FxChainStabilityMoved,
    FxChainWalked,
    FxUsdStableMoved,
)
from events.record import Record
from projections.base import Table, Violation, canonical_bytes, digest_of
from projections.contracts.fx_ticks import raw_coll_from_shares, raw_debt_from_shares
from projections.contracts.fx_tree import Position, TickTree
from projections.routing import event_types_in

_FOLDS = event_types_in(fx_chain)
STABILITY_ACTIONS = (
    "deposit",
    "request_redeem",
    "redeem",
    "instant_redeem",
    "rebalance",
    "arbitrage",
)


@dataclass
class ChainFxPool:
    """One pool as imported: its tick tree, indices, and which positions are unknown."""

    from_start: bool
    coll_index: int | None = None
    debt_index: int | None = None
    tree: TickTree = field(default_factory=TickTree)
    unknown: set[int] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)

    def position_amounts(self, position_id: int) -> tuple[int | None, int | None]:
        """(raw collateral, raw debt) of a position; None where the books cannot know it."""
        if position_id in self.unknown or position_id not in self.tree.positions:
            return None, None
        coll, debt = self.tree.position_live_shares(position_id)
        return (
            None if self.coll_index is None else raw_coll_from_shares(coll, self.coll_index, False),
            None if self.debt_index is None else raw_debt_from_shares(debt, self.debt_index, False),
        )

    def live_tick(self, position_id: int) -> int | None:
        """The tick the position's shares are in now (None: no debt left, or unknown)."""
        position = self.tree.positions[position_id]
        if position_id in self.unknown or position.node == 0:
            return None
        if self.tree.position_live_shares(position_id)[1] == 0:
            return None
        return self.tree.nodes[self.tree.root_ratios(position.node)[0]].tick

    def forget(self, position_id: int) -> None:
        """Take a position out of its tick and mark its shares unknown."""
        position = self.tree.positions[position_id]
        if position_id not in self.unknown:
            self.tree.settle_position(position_id)
            self.tree.remove_from_node(position.node, position.coll_shares, position.debt_shares)
        position.node, position.coll_shares, position.debt_shares = 0, 0, 0
        self.unknown.add(position_id)

    def to_state(self) -> dict[str, Any]:
        return {
            "from_start": self.from_start,
            "coll_index": self.coll_index,
            "debt_index": self.debt_index,
            "tree": self.tree.to_state(),
            "unknown": sorted(self.unknown),
            "counts": dict(sorted(self.counts.items())),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ChainFxPool:
        return cls(
            from_start=state["from_start"],
            coll_index=state["coll_index"],
            debt_index=state["debt_index"],
            tree=TickTree.from_state(state["tree"]),
            unknown=set(state["unknown"]),
            counts=dict(state["counts"]),
        )


class FxChainBook:
    """The book of imported f(x) history (see the module docstring)."""

    name = "fx_chain"
    version = 1

    def __init__(self) -> None:
        self.pools: dict[str, ChainFxPool] = {}
        self.stability: dict[str, dict[str, int]] = {}
        """Stability pool -> per action its count, and the net shares minted."""
        self.fxusd: dict[str, dict[str, int]] = {}
        """fxUSD contract -> stable and fxUSD amounts of its rebalances and buybacks."""
        self._violations: list[Violation] = []

    def folds(self, event_type: type[Any]) -> bool:
        return event_type in _FOLDS

    def apply(self, record: Record) -> None:
        event: Any = record.event
        kind = type(event)
        if kind is FxChainStabilityMoved:
            self._stability(event)
            return
        if kind is FxUsdStableMoved:
            sums = self.fxusd.setdefault(event.fxusd, {})
            for name, value in (
                ("stable", event.amount_stable),
                ("fxusd", event.amount_fxusd),
                ("bonus_fxusd", event.bonus_fxusd),
            ):
                key = f"{event.kind}_{name}"
                sums[key] = sums.get(key, 0) + value
            return
        if kind is FxChainPoolSeen:
            self.pools[event.pool] = ChainFxPool(
                event.from_start, event.coll_index, event.debt_index
            )
            return
        pool = self.pools.get(event.pool)
        if pool is None:
            self._violation("FX_CHAIN_UNKNOWN_POOL", record, f"{event.pool} was never seen")
            return
        pool.counts[kind.__name__] = pool.counts.get(kind.__name__, 0) + 1
        if kind is FxChainOperated:
            self._operate(pool, event, record)
        elif kind is FxChainWalked:
            self._walk(pool, event, record)
        elif kind is FxChainIndexUpdated:
            pool.coll_index = event.coll_index if event.coll_index is not None else pool.coll_index
            pool.debt_index = event.debt_index if event.debt_index is not None else pool.debt_index
        elif kind is FxChainPositionTransferred:
            position = pool.tree.positions.get(event.position_id)
            if position is None:
                pool.tree.positions[event.position_id] = Position(owner=event.to_owner)
                pool.unknown.add(event.position_id)
            else:
                position.owner = event.to_owner
        elif kind is not FxChainHarvested:  # a harvest moves no position: counted above
            self._violation("FX_CHAIN_UNKNOWN_FACT", record, kind.__name__)
        _clean(pool.tree)

    def _violation(self, code: str, record: Record, detail: str) -> None:
        self._violations.append(Violation(code, record.seq, detail))

    def _operate(self, pool: ChainFxPool, event: FxChainOperated, record: Record) -> None:
        tree, position_id = pool.tree, event.position_id
        position = tree.positions.get(position_id)
        if position is None:
            position = tree.positions[position_id] = Position(owner=event.owner)
        else:
            pool.forget(position_id)
        position.owner = event.owner or position.owner
        tree.position_id_next = max(tree.position_id_next, position_id + 1)
        if event.coll_shares_after is None or event.debt_shares_after is None:
            pool.unknown.add(position_id)  # no snapshot in the transaction: shares unknown
            return
        pool.unknown.discard(position_id)
        position.coll_shares, position.debt_shares = (
            event.coll_shares_after,
            event.debt_shares_after,
        )
        tick, node = tree.add_to_tick(position.coll_shares, position.debt_shares)
        position.tick, position.node = tick, node
        if node and tick != event.tick:
            self._violation(
                "FX_CHAIN_TICK_MISMATCH",
                record,
                f"{event.pool} position {position_id}: snapshot tick {event.tick}, "
                f"its shares' tick {tick}",
            )

    def _walk(self, pool: ChainFxPool, event: FxChainWalked, record: Record) -> None:
        tree = pool.tree
        for move in event.moves:
            if not pool.from_start:
                self._forget_tick(pool, move.tick)
                continue
            coll, debt = tree.tick_shares(move.tick)
            removed = (coll - move.coll_shares_after, debt - move.debt_shares_after)
            if debt == 0 or min(removed) < 0:
                self._violation(
                    "FX_CHAIN_TICK_MISMATCH",
                    record,
                    f"{event.pool} tick {move.tick} holds ({coll}, {debt}) shares, "
                    f"the log leaves ({move.coll_shares_after}, {move.debt_shares_after})",
                )
                self._forget_tick(pool, move.tick)
                continue
            remainder = tree.liquidate_tick(move.tick, *removed)
            if remainder.tick_after != move.tick_after:
                self._violation(
                    "FX_CHAIN_TICK_MISMATCH",
                    record,
                    f"{event.pool} tick {move.tick} moved to {move.tick_after}, "
                    f"its remainder's tick is {remainder.tick_after}",
                )

    @staticmethod
    def _forget_tick(pool: ChainFxPool, tick: int) -> None:
        """Every known position in `tick`'s current node becomes unknown."""
        tree = pool.tree
        current = tree.tick_nodes.get(tick, 0)
        if current == 0:
            return
        for position_id, position in tree.positions.items():
            if position_id in pool.unknown or position.node == 0:
                continue
            if tree.root_ratios(position.node)[0] == current:
                pool.forget(position_id)

    def _stability(self, event: FxChainStabilityMoved) -> None:
        counts = self.stability.setdefault(event.stability_pool, {})
        counts[event.action] = counts.get(event.action, 0) + 1
        signed = {"deposit": 1, "redeem": -1, "instant_redeem": -1}.get(event.action, 0)
        counts["net_shares"] = counts.get("net_shares", 0) + signed * event.shares

    def _state(self) -> dict[str, Any]:
        return {
            "pools": {pool: value.to_state() for pool, value in sorted(self.pools.items())},
            "stability": {
                pool: dict(sorted(c.items())) for pool, c in sorted(self.stability.items())
            },
            "fxusd": {token: dict(sorted(c.items())) for token, c in sorted(self.fxusd.items())},
            "violations": self._violations,
        }

    def snapshot(self) -> bytes:
        return canonical_bytes(self._state())

    def restore(self, data: bytes) -> None:
        state = msgspec.json.decode(data)
        self.pools = {pool: ChainFxPool.from_state(value) for pool, value in state["pools"].items()}
        self.stability = state["stability"]
        self.fxusd = state["fxusd"]
        self._violations = msgspec.convert(state["violations"], list[Violation])

    def digest(self) -> str:
        return digest_of(self.snapshot())

    def tables(self) -> list[Table]:
        pools, positions = [], []
        for pool_id, pool in sorted(self.pools.items()):
            pools.append(
                (
                    pool_id,
                    pool.from_start,
                    pool.coll_index,
                    pool.debt_index,
                    len(pool.tree.positions),
                    len(pool.unknown),
                    pool.counts.get("FxChainOperated", 0),
                    pool.counts.get("FxChainWalked", 0),
                )
            )
            for position_id, position in sorted(pool.tree.positions.items()):
                coll, debt = pool.position_amounts(position_id)
                tick = pool.live_tick(position_id)
                positions.append((pool_id, position_id, position.owner, tick, coll, debt))
        stability = [
            (pool, *(counts.get(action, 0) for action in STABILITY_ACTIONS), counts["net_shares"])
            for pool, counts in sorted(self.stability.items())
        ]
        return [
            Table("fx_chain_pools", POOL_COLUMNS, pools, key_columns=("pool",)),
            Table(
                "fx_chain_positions", POSITION_COLUMNS, positions, key_columns=("pool", "position")
            ),
            Table(
                "fx_chain_stability",
                ("stability_pool", *STABILITY_ACTIONS, "net_shares"),
                stability,
            ),
        ]

    def violations(self) -> list[Violation]:
        return list(self._violations)


POOL_COLUMNS = (
    "pool",
    "from_start",
    "coll_index",
    "debt_index",
    "positions",
    "positions_unknown",
    "operates",
    "walks",
)
POSITION_COLUMNS = ("pool", "position", "owner", "tick", "raw_collateral", "raw_debt")


def _clean(tree: TickTree) -> None:
    """The tree's change sets serve the engine's incremental digests, not this book."""
    tree.dirty_nodes.clear()
    tree.dirty_positions.clear()
    tree.dirty_ticks.clear()
