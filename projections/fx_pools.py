"""f(x) pools: each pool's model (ticks, tree, indices, manager balances) and fxBASE, from events.

`apply` rebuilds the preview an event recorded and hands it to the model's `apply_*`, so it
never recomputes an amount; a record that disagrees with the model (`FxReplayMismatch`) becomes
a `Violation`, not a crash. Value moves through the posting rules below (`balances`).

Invariants (`check_invariants`, on demand, since it walks every position): per pool the sums of
the positions' live shares equal the pool's share totals up to the rounding the contract allows
(live shares round down at each tree node), and nothing is negative.

A walk or a redeem that takes a tick's last debt freezes the tick's node with a debt ratio of 0,
which ends every position under it; the tree does not say which kind of walk it was, so the
book keeps it (`ended`: per pool, frozen node -> liquidated, redeemed or rebalanced). That is
how the position-LTV read model tells a liquidated position from a redeemed one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, fields
from typing import Any

import msgspec

from events import fx as fx_events
from events.base import Event
from events.fx import (
    FxFundingAccrued,
    FxHarvested,
    FxPoolCreated,
    FxPoolParametersChanged,
    FxPositionOperated,
    FxPositionTransferred,
    FxRedeemed,
    FxStabilityAbsorbed,
    FxStabilityDeposited,
    FxStabilityRedeemed,
    FxStabilityRedeemRequested,
    FxTickMove,
    FxWalked,
)
from events.record import Record
from projections.base import Table, Violation, canonical_bytes, digest_of
from projections.contracts.fx_params import FxPoolParameters, FxVersion, PoolSide, RebalanceFormula
from projections.contracts.fx_peg import fxusd_price_1e18
from projections.contracts.fx_pool import FxPool, FxReplayMismatch
from projections.contracts.fx_stability import (
    AbsorbPreview,
    BaseToken,
    RedeemRequestPreview,
    StabilityPool,
    StabilityPoolParameters,
    StabilityTotals,
)
from projections.fx_digests import PoolDigest
from projections.fx_events import (
    deposit_preview,
    funding_preview,
    harvest_preview,
    redeem_preview,
    stability_redeem_preview,
    walk_preview,
)
from projections.pools import PoolBook
from projections.routing import event_types_in

_FX_EVENTS = event_types_in(fx_events)


class FxPoolMeta(msgspec.Struct, frozen=True, kw_only=True):
    """What a pool is, beyond its math: assets, lender, oracle."""

    side: str
    collateral_asset: str
    debt_asset: str
    price_asset: str
    debt_lender: str
    price_age_blocks_max: int = 0
    funding_seconds_last: int = 0


def parameters_from(values: dict[str, Any]) -> FxPoolParameters:
    """`FxPoolParameters` from an event's plain dict (enum fields arrive as strs)."""
    known = {item.name for item in fields(FxPoolParameters)}
    chosen = {key: value for key, value in values.items() if key in known}
    for key, enum in (("version", FxVersion), ("side", PoolSide)):
        if key in chosen:
            chosen[key] = enum(chosen[key])
    if "rebalance_formula" in chosen:
        chosen["rebalance_formula"] = RebalanceFormula(chosen["rebalance_formula"])
    return FxPoolParameters(**chosen)


class FxPools:
    """Every f(x) pool and the stability pool (see the module docstring)."""

    name = "fx_pools"
    version = 3
    """2: the walk that ended each frozen node (`ended`) is kept. 3: the digest of scheme 4
    (one per-part tree per pool, the rest apart); views of version 2 are rebuilt."""

    def __init__(self) -> None:
        self.pools: dict[str, FxPool] = {}
        self.meta: dict[str, FxPoolMeta] = {}
        self.stability = StabilityPool(StabilityPoolParameters())
        self._violations: list[Violation] = []
        self._digests: dict[str, PoolDigest] = {}
        self.ended: dict[str, dict[int, str]] = {}
        """Per pool: each frozen node a walk took the last debt of -> how (see the module)."""
        self._rest_digest: str | None = None
        """The digest of meta, fxBASE and the violations, kept until an event other than an
        operate, a walk or a redeem (which change pools and `ended` only) comes by."""
        self._ended_digest: str | None = None
        """The digest of `ended`, kept until a walk or a redeem comes by."""

    def folds(self, event_type: type[Event]) -> bool:
        return event_type in _FX_EVENTS

    def apply(self, record: Record) -> None:
        event: Any = record.event  # dispatched on its exact type below
        kind = type(event)
        if kind is FxWalked or kind is FxRedeemed:
            self._ended_digest = None
        elif kind is not FxPositionOperated:
            self._rest_digest = None
        try:
            if kind is FxPositionOperated:
                operated: FxPositionOperated = event  # read as a preview (`OperateRecord`)
                self.pools[event.pool_id].apply_operate(operated)
            elif kind is FxWalked:
                pool = self.pools[event.pool_id]
                outcome = "liquidated" if event.kind == "liquidate" else "rebalanced"
                with _Ending(self.ended, event.pool_id, pool, event.movements, outcome):
                    pool.apply_rebalance(walk_preview(event))
            elif kind is FxRedeemed:
                pool = self.pools[event.pool_id]
                with _Ending(self.ended, event.pool_id, pool, event.movements, "redeemed"):
                    pool.apply_redeem(redeem_preview(event))
            elif kind is FxFundingAccrued:
                self.pools[event.pool_id].apply_funding(funding_preview(event))
                self.meta[event.pool_id] = msgspec.structs.replace(
                    self.meta[event.pool_id], funding_seconds_last=event.now_seconds
                )
            elif kind is FxHarvested:
                self.pools[event.pool_id].apply_harvest(harvest_preview(event))
            elif kind is FxPositionTransferred:
                tree = self.pools[event.pool_id].tree
                tree.positions[event.position_id].owner = event.to_owner
                tree.dirty_positions.add(event.position_id)
            elif kind is FxPoolCreated:
                self._create(event)
            elif kind is FxPoolParametersChanged:
                pool = self.pools[event.pool_id]
                pool.parameters = parameters_from({**asdict(pool.parameters), **event.changes})
            else:
                self._apply_stability(event)
        except (FxReplayMismatch, KeyError) as error:
            self._violations.append(Violation("FX_REPLAY_MISMATCH", record.seq, str(error)))
            self._rest_digest = None

    def _create(self, event: FxPoolCreated) -> None:
        self.pools[event.pool_id] = FxPool(parameters_from(event.parameters))
        self._digests[event.pool_id] = PoolDigest(self.pools[event.pool_id])
        self.meta[event.pool_id] = FxPoolMeta(
            side=event.side,
            collateral_asset=event.collateral_asset,
            debt_asset=event.debt_asset,
            price_asset=event.price_asset,
            debt_lender=event.debt_lender,
            price_age_blocks_max=event.price_age_blocks_max,
        )

    def _apply_stability(self, event: Any) -> None:
        kind = type(event)
        if kind is FxStabilityDeposited:
            self.stability.apply_deposit(deposit_preview(event))
        elif kind is FxStabilityRedeemRequested:
            self.stability.apply_request_redeem(
                RedeemRequestPreview(
                    event.account,
                    event.shares,
                    event.shares_requested_after,
                    event.unlock_at_seconds,
                )
            )
        elif kind is FxStabilityRedeemed:
            self.stability.apply_redeem(stability_redeem_preview(event))
        elif kind is FxStabilityAbsorbed:
            totals = StabilityTotals(
                event.total_fxusd_after, event.total_usdc_after, event.share_supply_after
            )
            token = BaseToken.FXUSD if event.token_in == "fxUSD" else BaseToken.USDC
            self.stability.apply_absorb(
                AbsorbPreview(token, event.fxusd_used, event.usdc_used, event.token_used, totals)
            )

    def check_invariants(self, seq: int) -> list[Violation]:
        """Per pool: position share sums match the totals (within rounding); nothing negative."""
        found = []
        for pool_id, pool in sorted(self.pools.items()):
            coll_sum, debt_sum = pool.position_sums()
            # Each node's x2^60 ratio and each position's floor lose a little: a few shares
            # plus a relative 2^-58 of the total per node and position.
            count = len(pool.tree.positions) + len(pool.tree.nodes) + 1
            for what, total, summed in (
                ("collateral", pool.coll_shares_total, coll_sum),
                ("debt", pool.debt_shares_total, debt_sum),
            ):
                if not 0 <= total - summed <= count * (2 + (total >> 58)):
                    found.append(
                        Violation(
                            "FX_POOL_SUM_MISMATCH",
                            seq,
                            f"{pool_id}: {what} shares total {total}, positions sum to {summed}",
                        )
                    )
            if min(pool.coll_shares_total, pool.debt_shares_total) < 0:
                found.append(Violation("FX_NEGATIVE", seq, f"{pool_id}: negative share total"))
        return found

    def snapshot(self) -> bytes:
        return canonical_bytes(
            {
                "pools": {pool_id: pool.to_state() for pool_id, pool in sorted(self.pools.items())},
                "meta": dict(sorted(self.meta.items())),
                "stability": self.stability.to_state(),
                "violations": self._violations,
                "ended": self._ended_state(),
            }
        )

    def _ended_state(self) -> dict[str, dict[str, str]]:
        return {
            pool_id: {str(node): how for node, how in sorted(nodes.items())}
            for pool_id, nodes in sorted(self.ended.items())
        }

    def restore(self, data: bytes) -> None:
        state = msgspec.json.decode(data)
        self.pools = {
            pool_id: FxPool.from_state(value) for pool_id, value in state["pools"].items()
        }
        self.meta = {
            pool_id: msgspec.convert(value, FxPoolMeta) for pool_id, value in state["meta"].items()
        }
        self.stability = StabilityPool.from_state(state["stability"])
        self._violations = msgspec.convert(state["violations"], list[Violation])
        self._digests = {pool_id: PoolDigest(pool) for pool_id, pool in self.pools.items()}
        self._rest_digest = self._ended_digest = None
        self.ended = {
            pool_id: {int(node): how for node, how in nodes.items()}
            for pool_id, nodes in state.get("ended", {}).items()
        }

    def digest(self) -> str:
        """Hex sha256 over each pool's digest (kept current as it folds) and the small rest."""
        if self._rest_digest is None:
            rest = {
                "meta": dict(sorted(self.meta.items())),
                "stability": self.stability.to_state(),
                "violations": self._violations,
            }
            self._rest_digest = digest_of(canonical_bytes(rest))
        if self._ended_digest is None:
            self._ended_digest = digest_of(canonical_bytes(self._ended_state()))
        pools = {pool_id: self._digests[pool_id].digest() for pool_id in sorted(self.pools)}
        parts = {"pools": pools, "ended": self._ended_digest, "rest": self._rest_digest}
        return digest_of(canonical_bytes(parts))

    def tables(self) -> list[Table]:
        rows = []
        for pool_id, pool in sorted(self.pools.items()):
            totals, meta = pool.totals(), self.meta[pool_id]
            rows.append(
                (
                    pool_id,
                    meta.side,
                    meta.collateral_asset,
                    meta.debt_asset,
                    len(pool.tree.positions),
                    totals.raw_coll,
                    totals.raw_debt,
                    totals.coll_index,
                    totals.debt_index,
                    pool.balances.collateral_token,
                )
            )
        stability = self.stability.totals
        return [
            Table(
                "fx_pools",
                (
                    "pool",
                    "side",
                    "collateral_asset",
                    "debt_asset",
                    "positions",
                    "raw_collateral",
                    "raw_debt",
                    "coll_index",
                    "debt_index",
                    "collateral_token",
                ),
                rows,
                key_columns=("pool",),
            ),
            Table(
                "fx_stability_pool",
                ("total_fxusd", "total_usdc", "share_supply"),
                [(stability.total_fxusd, stability.total_usdc, stability.share_supply)],
            ),
        ]

    def violations(self) -> list[Violation]:
        return list(self._violations)


class _Ending:
    """Around one walk or redeem: note each node it froze with no debt left as `outcome`.

    The nodes a walk can freeze are the current nodes of the ticks it moves and the nodes it
    makes; one that is no longer its tick's current node afterwards was frozen by it.
    """

    def __init__(
        self,
        ended: dict[str, dict[int, str]],
        pool_id: str,
        pool: FxPool,
        movements: Iterable[FxTickMove],
        outcome: str,
    ) -> None:
        self.ended, self.pool_id, self.tree, self.outcome = ended, pool_id, pool.tree, outcome
        tick_nodes = self.tree.tick_nodes
        self.candidates = {tick_nodes[m.tick] for m in movements if m.tick in tick_nodes}
        self.first_new = self.tree.node_id_next

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is not None:
            return  # the walk did not apply (a violation): nothing ended
        tree = self.tree
        self.candidates.update(range(self.first_new, tree.node_id_next))
        for node_id in sorted(self.candidates):
            node = tree.nodes[node_id]
            if tree.tick_nodes.get(node.tick) != node_id and node.debt_ratio_x60 == 0:
                self.ended.setdefault(self.pool_id, {})[node_id] = self.outcome


def tick_moves(movements: Iterable[Any]) -> list[FxTickMove]:
    """Model `TickMovement`s as event structs (the command side's conversion)."""
    return [
        FxTickMove(**{item.name: getattr(move, item.name) for item in fields(move)})
        for move in movements
    ]


def fxusd_market_price_1e18(
    books: dict[str, PoolBook], pool: str, usdc_usd_1e18: int, decimals: dict[str, int]
) -> int | None:
    """fxUSD's USD price (x1e18) in the fxUSD/USDC pair `pool`; None if it is not such a pair."""
    book = books.get(pool)
    if book is None or {book.spec.token_x, book.spec.token_y} != {"fxUSD", "USDC"}:
        return None
    x_is_fxusd = book.spec.token_x == "fxUSD"
    fxusd, usdc = (
        (book.reserve_x, book.reserve_y) if x_is_fxusd else (book.reserve_y, book.reserve_x)
    )
    return fxusd_price_1e18(
        fxusd, usdc, usdc_usd_1e18, decimals.get("fxUSD", 18), decimals.get("USDC", 6)
    )
