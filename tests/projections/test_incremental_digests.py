"""A digest kept current as the books fold equals the digest of a fresh fold of the same log.

Random runs of f(x) commands (opens, repays, transfers, redeems, price moves, keeper passes),
with the live books' digests read at random points between them (so the per-part caches are
used and kept across changes), then: the live digests equal those of books folded afresh from
the log, and of books restored from the live books' snapshots.
"""

from __future__ import annotations

from collections.abc import Callable
from hashlib import sha256

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ledger.commands.fx import OperateFxPosition, TransferFxPosition
from ledger.commands.fx_keeper import keeper_pass
from ledger.commands.fx_walks import RedeemFxUSD
from ledger.engine import Command, Engine
from projections.balances import Balances
from projections.base import canonical_bytes
from projections.contracts.fx_params import FxPoolParameters
from projections.contracts.fx_pool import FxPool
from projections.contracts.fx_tree import Position
from projections.digests import CHUNK, GROUP, PartDigests
from projections.fx_digests import PoolDigest
from projections.fx_pools import FxPools
from projections.runtime import make_books
from tests.ledger.fx_setup import ETH, USD, fx_engine, price_eth

OWNERS = ("alice", "bob", "carol")

step = st.one_of(
    st.tuples(
        st.just("open"),
        st.sampled_from(OWNERS),
        st.integers(1, 20),  # collateral in ETH
        st.integers(50, 86),  # debt ratio in %
    ),
    st.tuples(st.just("repay"), st.integers(1, 30), st.integers(1, 2_000)),  # + collateral
    st.tuples(st.just("transfer"), st.integers(1, 30), st.sampled_from(OWNERS)),
    st.tuples(st.just("price"), st.integers(80, 115)),
    st.tuples(st.just("redeem"), st.integers(1, 5_000)),
    st.tuples(st.just("keeper")),
    st.tuples(st.just("digest")),
)


EVERY_PATH = [
    ("open", "alice", 10, 84),
    ("open", "bob", 5, 80),
    ("digest",),
    ("redeem", 100),
    ("repay", 2, 100),
    ("transfer", 1, "carol"),
    ("price", 85),
    ("keeper",),
    ("digest",),
    ("open", "carol", 3, 70),
]
"""Touches opens, redeems, repays, transfers, price moves and keeper walks."""
SETTLED = [
    ("open", "alice", 10, 84),
    ("open", "bob", 10, 83),
    ("open", "carol", 10, 60),
    ("digest",),
    ("price", 96),
    ("keeper",),
    ("digest",),
    ("repay", 1, 10),
    ("repay", 2, 10),
    ("open", "alice", 10, 84),
    ("price", 97),
    ("keeper",),
    ("price", 98),
    ("keeper",),
    ("price", 98),
    ("keeper",),
    ("repay", 4, 500),
    ("repay", 1, 500),
    ("repay", 2, 500),
]
"""A rebalanced tick's positions are then settled through their frozen nodes."""


def engine_each_owner(engine: Engine, block: int, make: Callable[[str], Command]) -> None:
    for owner in OWNERS:
        engine.execute([make(owner)], block=block)


def run_step(engine: Engine, action: tuple[object, ...], state: dict[str, int]) -> None:
    block = state["block"] = state["block"] + 1
    kind = action[0]
    if kind == "open":
        _, owner, collateral, ratio = action
        debt = int(collateral) * ETH * state["price"] * int(ratio) // 100 * 997 // 1000 // ETH
        command = OperateFxPosition(
            pool_id="ETH-long",
            owner=str(owner),
            collateral_delta_token=int(collateral) * ETH,
            debt_delta=debt * USD,
        )
        engine.execute([command], block=block)
    elif kind == "repay":  # tried as each owner: the position's owner is not known here
        _, position, amount = action
        engine_each_owner(
            engine,
            block,
            lambda owner: OperateFxPosition(
                pool_id="ETH-long",
                owner=owner,
                position_id=int(position),
                collateral_delta_token=int(amount) * ETH // 100,
                debt_delta=-int(amount) * USD // 10,
            ),
        )
    elif kind == "transfer":
        _, position, to_owner = action
        engine_each_owner(
            engine,
            block,
            lambda owner: TransferFxPosition(
                pool_id="ETH-long",
                position_id=int(position),
                from_owner=owner,
                to_owner=str(to_owner),
            ),
        )
    elif kind == "price":
        state["price"] = max(300, state["price"] * int(action[1]) // 100)
        engine.execute([price_eth(state["price"])], block=block)
    elif kind == "redeem":
        redeem = RedeemFxUSD(pool_id="ETH-long", redeemer="alice", debts=int(action[1]) * USD)
        engine.execute([redeem], block=block)
    elif kind == "keeper":
        keeper_pass(engine, block, "keeper")
    else:
        engine.books.digests()  # read between changes: the caches carry over


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=30))
@example(EVERY_PATH)
@example(SETTLED)
def test_the_live_digest_equals_a_fresh_fold_and_a_restored_snapshot(
    steps: list[tuple[object, ...]],
) -> None:
    engine = fx_engine()
    state = {"block": 1, "price": 3000}
    engine.books.digests()
    for action in steps:
        run_step(engine, action, state)
    live = engine.books.digests()
    types = [record.type for record in engine.store.read()]
    if steps == EVERY_PATH:
        assert {"FxWalked", "FxRedeemed", "FxPositionTransferred"} <= set(types), types
        assert types.count("FxPositionOperated") >= 4
    if steps == SETTLED:  # positions were operated on after a walk froze their nodes
        assert "FxPositionOperated" in types[types.index("FxWalked") :], types
    fresh = make_books()
    fresh.fold(engine.store.read())
    assert fresh.digests() == live
    restored = make_books()
    position = engine.books.position
    restored.restore(engine.books.snapshot(), position.seq, position.block)
    assert restored.digests() == live
    assert engine.projection(FxPools).violations() == []
    assert engine.projection(Balances).violations() == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-3 * CHUNK * GROUP, 3 * CHUNK * GROUP),
            st.one_of(st.none(), st.integers(-5, 5)),
        ),
        max_size=60,
    ),
    st.integers(0, 60),
)
def test_part_digests_depend_on_the_entries_only(
    writes: list[tuple[int, int | None]], read_at: int
) -> None:
    """Any order of writes, with digests read at any point, gives the digest of the end state."""
    entries: dict[int, int] = {}
    parts = PartDigests(entries.get, lambda: entries)
    for index, (key, value) in enumerate(writes):
        if index == read_at:
            parts.digest()
        if value is None:
            entries.pop(key, None)
        else:
            entries[key] = value
        parts.dirty.add(key)
    same = dict(sorted(entries.items(), reverse=True))
    assert parts.digest() == PartDigests(same.get, lambda: same).digest()
    if entries:
        changed = dict(entries)
        key = next(iter(changed))
        changed[key] += 1
        assert PartDigests(changed.get, lambda: changed).digest() != parts.digest()


def test_settling_through_a_chain_of_frozen_nodes_updates_the_pool_digest() -> None:
    """Two walks chain a position's node under two others; settling it rewrites the path."""
    pool = FxPool(FxPoolParameters())
    tree = pool.tree
    kept = PoolDigest(pool)
    coll, debt = 10 * ETH, 25_000 * USD
    tick, node = tree.add_to_tick(coll, debt)
    tree.positions[1] = Position("alice", tick, node, coll, debt)
    tree.dirty_positions.add(1)
    kept.digest()
    tree.liquidate_tick(tick, coll // 10, debt // 5)  # the remainder moves to a lower tick
    moved_to = tree.nodes[node].parent
    kept.digest()
    tree.liquidate_tick(tree.nodes[moved_to].tick, coll // 10, debt // 5)
    assert tree.nodes[moved_to].parent != 0  # node -> moved_to -> root: a path of two
    before = kept.digest()
    tree.settle_position(1)
    after = kept.digest()
    assert after != before
    assert after == PoolDigest(FxPool.from_state(pool.to_state())).digest()


def naive_digest(entries: dict[int, object]) -> bytes:
    """The scheme as `projections.digests` states it, computed from scratch."""
    chunks: dict[int, list[int]] = {}
    for key in sorted(entries):
        chunks.setdefault(key // CHUNK, []).append(key)
    chunk_digests = {
        chunk: sha256(b"".join(canonical_bytes([key, entries[key]]) for key in keys)).digest()
        for chunk, keys in chunks.items()
    }
    groups = sorted({chunk // GROUP for chunk in chunk_digests})
    empty = sha256(b"").digest()
    top = b""
    for group in groups:
        members = (chunk_digests.get(group * GROUP + i, empty) for i in range(GROUP))
        top += group.to_bytes(8, "big", signed=True) + sha256(b"".join(members)).digest()
    return sha256(top).digest()


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.integers(-5 * CHUNK * GROUP, 5 * CHUNK * GROUP),
        st.lists(st.integers(-(2**80), 2**80), max_size=3),
        max_size=80,
    ),
    st.sets(st.integers(-5 * CHUNK * GROUP, 5 * CHUNK * GROUP), max_size=20),
)
def test_part_digests_equal_the_scheme_computed_from_scratch(
    entries: dict[int, object], removed: set[int]
) -> None:
    parts = PartDigests(entries.get, lambda: entries)
    assert parts.digest() == naive_digest(entries)
    for key in removed:
        entries.pop(key, None)
        parts.dirty.add(key)
    assert parts.digest() == naive_digest(entries)
