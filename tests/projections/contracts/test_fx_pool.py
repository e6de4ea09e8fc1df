"""Random runs of the f(x) pool model, checked after every step against naive recomputations.

A seeded driver opens, adjusts and closes positions, moves the price, redeems, rebalances,
liquidates, accrues funding and harvests, in both contract versions. After every step:

* the pool's debt shares equal the sum over the ticks' current nodes, exactly (collateral too,
  except what a fully liquidated tick leaves to its owners);
* they equal the sum of every position's live shares within the documented rounding (live
  shares round down at each x2^60 node ratio, so the sum never exceeds the totals), plus what
  the contract's path compression strands (see `_compresses_through_a_frozen_root`);
* the debt-tick index matches the nodes, nothing is negative;
* a previewed-then-applied step and the direct call on a twin pool give the same result and
  state, a preview changes nothing, and a rejection changes nothing;
* snapshots (`to_state`, through JSON) restore an identical pool that keeps evolving identically.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from projections.contracts import MathRejected
from projections.contracts.fx_params import FundingConditions, FxPoolParameters, FxVersion
from projections.contracts.fx_pool import FxPool
from projections.contracts.fx_results import (
    OperatePreview,
    OperateRequest,
    RedeemRequest,
    SettlementTerms,
)
from projections.contracts.fx_ticks import E60, MIN_DEBT, PRECISION, debt_ratio_at_least
from projections.contracts.fx_tree import TickTree
from tests.conftest import Rand

E18 = 10**18
OWNERS = ("alice", "bob", "carol")
UNLIMITED = SettlementTerms(max_fxusd=2**200)
STEPS = 70

Step = tuple[str, Callable[[FxPool], Any], Callable[[FxPool, Any], None], Callable[[FxPool], Any]]
"""(name, preview, apply, direct) for one random action."""


def _parameters(version: FxVersion) -> FxPoolParameters:
    return FxPoolParameters(version=version, funding_ratio_1e9=100_000_000)


class Driver:
    """Draws random actions against a pool at a moving price."""

    def __init__(self, rand: Rand, version: FxVersion) -> None:
        self.rand = rand
        self.price = 3000 * E18
        self.version = version

    def step(self, pool: FxPool) -> Step:
        actions = (
            [self.open_position] * 4 + [self.adjust] * 4 + [self.close] + [self.move_price] * 2
        )
        actions += [self.redeem, self.rebalance, self.rebalance_top, self.liquidate, self.funding]
        actions += [self.harvest]
        return self.rand.choice(actions)(pool)

    def _operate(self, request: OperateRequest) -> Step:
        return (
            "operate",
            lambda p: p.preview_operate(request),
            FxPool.apply_operate,
            lambda p: p.operate(request),
        )

    def open_position(self, pool: FxPool) -> Step:
        coll = self.rand.randint(10**15, 10**21)
        ratio = self.rand.randint(480 * 10**15, 870 * 10**15)
        debt = coll * 990 // 1000 * self.price // E18 * ratio // E18
        owner = self.rand.choice(OWNERS)
        return self._operate(OperateRequest(owner, self.price, None, coll, debt))

    def adjust(self, pool: FxPool) -> Step:
        if not pool.tree.positions:
            return self.open_position(pool)
        position_id = self.rand.choice(sorted(pool.tree.positions))
        health = pool.position_health(position_id, self.price)
        owner = pool.tree.positions[position_id].owner
        if self.rand.random() < 0.15:
            owner = self.rand.choice(OWNERS)
        coll_delta = (
            self.rand.choice([0, 1, -1]) * health.raw_coll * self.rand.randint(1, 40) // 100
        )
        debt_delta = (
            self.rand.choice([0, 1, -1]) * health.raw_debt * self.rand.randint(1, 40) // 100
        )
        request = OperateRequest(owner, self.price, position_id, coll_delta, debt_delta)
        if self.version is FxVersion.HEAD and debt_delta < 0 and self.rand.random() < 0.3:
            usdc_delta = debt_delta // 10**12  # repay the same in USDC at 1 USD
            request = OperateRequest(
                owner, self.price, position_id, coll_delta, usdc_delta, repay_in_stable=True
            )
        return self._operate(request)

    def close(self, pool: FxPool) -> Step:
        if not pool.tree.positions:
            return self.open_position(pool)
        position_id = self.rand.choice(sorted(pool.tree.positions))
        owner = pool.tree.positions[position_id].owner
        return self._operate(
            OperateRequest(owner, self.price, position_id, withdraw_all=True, repay_all=True)
        )

    def move_price(self, pool: FxPool) -> Step:
        self.price = self.price * self.rand.randint(900, 1080) // 1000
        return ("price", lambda p: None, lambda p, r: None, lambda p: None)

    def redeem(self, pool: FxPool) -> Step:
        request = RedeemRequest(
            self.rand.randint(100 * E18, 20_000 * E18), self.price * 1001 // 1000
        )
        return (
            "redeem",
            lambda p: p.preview_redeem(request),
            FxPool.apply_redeem,
            lambda p: p.redeem(request),
        )

    def rebalance(self, pool: FxPool) -> Step:
        terms = SettlementTerms(max_fxusd=self.rand.randint(E18, 10**24))
        return (
            "rebalance",
            lambda p: p.preview_rebalance(self.price, terms),
            FxPool.apply_rebalance,
            lambda p: p.rebalance(self.price, terms),
        )

    def rebalance_top(self, pool: FxPool) -> Step:
        tick = pool.tree.debt_ticks[-1] if pool.tree.debt_ticks else 0
        return (
            "rebalance_tick",
            lambda p: p.preview_rebalance_tick(tick, self.price, UNLIMITED),
            FxPool.apply_rebalance,
            lambda p: p.rebalance_tick(tick, self.price, UNLIMITED),
        )

    def liquidate(self, pool: FxPool) -> Step:
        reserve = self.rand.choice([0, 10**15, 10**20])
        terms = SettlementTerms(max_fxusd=self.rand.choice([E18 * 500, 2**200]))
        return (
            "liquidate",
            lambda p: p.preview_liquidate(self.price, terms, reserve),
            FxPool.apply_liquidate,
            lambda p: p.liquidate(self.price, terms, reserve),
        )

    def funding(self, pool: FxPool) -> Step:
        duration = self.rand.randint(1, 30 * 86400)
        conditions = FundingConditions(
            fxusd_depegged=self.rand.random() < 0.5,
            fxusd_ratio_in_base_1e18=self.rand.randint(0, E18),
        )
        return (
            "funding",
            lambda p: p.preview_funding(duration, 5 * 10**16, conditions),
            FxPool.apply_funding,
            lambda p: p.accrue_funding(duration, 5 * 10**16, conditions),
        )

    def harvest(self, pool: FxPool) -> Step:
        rate = E18
        return (
            "harvest",
            lambda p: p.preview_harvest(rate),
            FxPool.apply_harvest,
            lambda p: p.harvest(rate),
        )


def _chain_depth(tree: TickTree, node_id: int) -> int:
    depth = 0
    while node_id != 0:
        depth += 1
        node_id = tree.nodes[node_id].parent
    return depth


def rounding_bound(pool: FxPool, position_id: int) -> tuple[int, int]:
    """The most a position's live (coll, debt) shares round away: < stored/2^60 + 1 per node."""
    position = pool.tree.positions[position_id]
    steps = _chain_depth(pool.tree, position.node) + 1
    return (
        steps * (position.coll_shares // E60 + 2),
        steps * (position.debt_shares // E60 + 2),
    )


def share_gap_bound(pool: FxPool, settled: tuple[int, int]) -> tuple[int, int]:
    """The most the position sums may fall short of the totals, in (coll, debt) shares.

    Each position's live shares round down at each node ratio (`rounding_bound`); every time an
    operate settles a position out of its node the node keeps what was rounded away, so
    `settled` carries the sum of those positions' bounds at the time.
    """
    coll_bound, debt_bound = settled
    for position_id in pool.tree.positions:
        coll_step, debt_step = rounding_bound(pool, position_id)
        coll_bound += coll_step
        debt_bound += debt_step
    return coll_bound, debt_bound


def _compresses_through_a_frozen_root(pool: FxPool, position_id: int) -> bool:
    """Whether settling the position compresses a path whose root is a frozen, partly kept node.

    `_getRootNodeAndCompress` writes cumulative ratios that include the root's own ratio into
    the nodes below it and keeps the root as their parent, so positions read through those
    nodes later apply the root's ratio twice. Roots are current nodes (ratio 1) except after a
    tick was liquidated to zero debt with collateral left over; there the other owners' residual
    collateral shrinks and stays in the totals (the contract does the same).
    """
    node = pool.tree.positions[position_id].node
    if node == 0:
        return False
    root, _, _, path = pool.tree.root_ratios_compressed(node)
    return bool(path) and pool.tree.nodes[root].coll_ratio_x60 != E60


def _others_coll(pool: FxPool, position_id: int) -> int:
    return sum(
        pool.tree.position_live_shares(other)[0]
        for other in pool.tree.positions
        if other != position_id
    )


def check_invariants(pool: FxPool, settled: tuple[int, int]) -> None:
    tree = pool.tree
    node_coll = sum(tree.nodes[node].coll_shares for node in tree.tick_nodes.values())
    node_debt = sum(tree.nodes[node].debt_shares for node in tree.tick_nodes.values())
    # A tick liquidated down to zero debt can leave collateral with its owners (section 4.6):
    # it stays in the totals and in their live shares, but in no current node.
    assert node_debt == pool.debt_shares_total
    assert node_coll <= pool.coll_shares_total
    assert all(n.coll_shares >= 0 and n.debt_shares >= 0 for n in tree.nodes.values())
    assert all(p.coll_shares >= 0 and p.debt_shares >= 0 for p in tree.positions.values())
    expected_ticks = sorted(t for t, n in tree.tick_nodes.items() if tree.nodes[n].debt_shares > 0)
    assert tree.debt_ticks == expected_ticks
    coll_sum, debt_sum = pool.position_sums()
    coll_gap, debt_gap = pool.coll_shares_total - coll_sum, pool.debt_shares_total - debt_sum
    coll_bound, debt_bound = share_gap_bound(pool, settled)
    assert 0 <= coll_gap <= coll_bound, (coll_gap, coll_bound)
    assert 0 <= debt_gap <= debt_bound, (debt_gap, debt_bound)
    assert pool.debt_index >= 2**96 and pool.coll_index >= 2**96


def run(rand: Rand, version: FxVersion, steps: int = STEPS) -> tuple[FxPool, Driver, list[str]]:
    """Drive a pool and its twin; returns the pool, the driver and the names of applied steps."""
    pool, twin = FxPool(_parameters(version)), FxPool(_parameters(version))
    driver = Driver(rand, version)
    applied: list[str] = []
    settled = (0, 0)
    for _ in range(steps):
        name, preview, apply, direct = driver.step(pool)
        before = pool.to_state()
        try:
            result = preview(pool)
        except MathRejected:
            assert pool.to_state() == before
            with pytest.raises(MathRejected):
                direct(twin)
            continue
        assert pool.to_state() == before, f"preview of {name} changed the pool"
        stranded_before = None
        if isinstance(result, OperatePreview) and not result.opened:
            coll_step, debt_step = rounding_bound(pool, result.position_id)
            settled = (settled[0] + coll_step, settled[1] + debt_step)
            if _compresses_through_a_frozen_root(pool, result.position_id):
                stranded_before = _others_coll(pool, result.position_id)
        apply(pool, result)
        if stranded_before is not None and isinstance(result, OperatePreview):
            stranded = stranded_before - _others_coll(pool, result.position_id)
            settled = (settled[0] + max(stranded, 0), settled[1])
        assert direct(twin) == result
        applied.append(name)
        check_invariants(pool, settled)
    assert pool.to_state() == twin.to_state()
    return pool, driver, applied


@pytest.mark.parametrize("version", list(FxVersion))
def test_random_runs_keep_totals_equal_to_the_positions(rand: Rand, version: FxVersion) -> None:
    applied: set[str] = set()
    for _ in range(4):
        _, _, names = run(rand, version)
        applied.update(names)
    assert {"operate", "redeem", "funding"} <= applied


@pytest.mark.parametrize("version", list(FxVersion))
def test_snapshots_restore_a_pool_that_evolves_identically(rand: Rand, version: FxVersion) -> None:
    pool, driver, _ = run(rand, version, steps=40)
    state = pool.to_state()
    restored = FxPool.from_state(json.loads(json.dumps(state)))
    assert restored.to_state() == state
    for _ in range(30):
        name, _, _, direct = driver.step(pool)
        try:
            result = direct(pool)
        except MathRejected:
            with pytest.raises(MathRejected):
                direct(restored)
            continue
        assert direct(restored) == result, name
    assert restored.to_state() == pool.to_state()


def test_liquidating_everything_leaves_nothing_past_the_line(rand: Rand) -> None:
    for _ in range(6):
        pool, driver, _ = run(rand, FxVersion.HEAD, steps=40)
        # A large healthy position absorbs socialised bad debt (with no other debt left the
        # contract cannot socialise it and the liquidation reverts).
        anchor_coll = max(10**21, 10 * pool.totals().raw_coll)
        anchor_debt = anchor_coll * driver.price // E18 // 2
        pool.operate(OperateRequest("anchor", driver.price, None, anchor_coll, anchor_debt))
        crash = driver.price * rand.randint(600, 900) // 1000
        try:
            pool.liquidate(crash, UNLIMITED, reserve_token=rand.choice([0, 10**22]))
        except MathRejected as rejected:
            assert "no tick past" in rejected.detail
        line = pool.parameters.liquidate_debt_ratio_1e18
        for tick in pool.tree.debt_ticks:
            coll_shares, debt_shares = pool.tree.tick_shares(tick)
            raw_coll = coll_shares * 2**96 // pool.coll_index
            raw_debt = debt_shares * pool.debt_index // 2**96
            if raw_debt < MIN_DEBT:
                continue  # rounding dust left in a node: no position's, skipped by the walks
            assert not debt_ratio_at_least(raw_debt, raw_coll, crash, line), tick
        for health in pool.positions_health(crash):
            # Positions share their tick's ratio to within one tick (0.15%) and node rounding.
            assert health.debt_ratio_1e18 is not None
            assert health.debt_ratio_1e18 * 10000 < line * 10015 + PRECISION, health


def _tick_raw(pool: FxPool, tick: int) -> tuple[int, int]:
    coll_shares, debt_shares = pool.tree.tick_shares(tick)
    return coll_shares * 2**96 // pool.coll_index, debt_shares * pool.debt_index // 2**96


def test_batch_rebalance_leaves_no_tick_between_the_lines(rand: Rand) -> None:
    for _ in range(6):
        pool, _, _ = run(rand, FxVersion.HEAD, steps=40)
        ticks = [t for t in pool.tree.debt_ticks if _tick_raw(pool, t)[1] >= MIN_DEBT]
        if not ticks:
            continue
        raw_coll, raw_debt = _tick_raw(pool, ticks[-1])
        # The price at which the top tick sits at 0.90: between 0.88 and 0.92.
        price = raw_debt * PRECISION * PRECISION // (9 * 10**17 * raw_coll)
        twin = FxPool.from_state(pool.to_state())
        preview = pool.preview_rebalance(price, UNLIMITED)
        twin.apply_rebalance(preview)
        assert pool.rebalance(price, UNLIMITED) == preview
        assert twin.to_state() == pool.to_state()
        rebalance_line = pool.parameters.rebalance_debt_ratio_1e18
        liquidate_line = pool.parameters.liquidate_debt_ratio_1e18
        for tick in pool.tree.debt_ticks:
            raw_coll, raw_debt = _tick_raw(pool, tick)
            if raw_debt < MIN_DEBT or debt_ratio_at_least(
                raw_debt, raw_coll, price, liquidate_line
            ):
                continue
            # At or below the line, give or take the rounding of one rebalance (a few wei).
            slack = 4 * PRECISION * PRECISION + 4 * rebalance_line * price
            assert raw_debt * PRECISION * PRECISION <= rebalance_line * raw_coll * price + slack


def test_path_compression_through_a_frozen_root_applies_its_ratio_twice() -> None:
    """Mirrors `_getRootNodeAndCompress`: a contract quirk, pinned so a change is deliberate."""
    parameters = FxPoolParameters(
        version=FxVersion.D8E5E9D,
        open_ratio_1e9=0,
        close_fee_ratio_1e9=0,
        debt_ratio_min_1e18=0,
        debt_ratio_max_1e18=E18 - 1,
    )
    pool = FxPool(parameters)
    for owner, coll, debt in (("a", E18, 2400 * E18), ("b", E18, 2400 * E18)):
        pool.operate(OperateRequest(owner, 3000 * E18, None, coll, debt))
    pool.operate(OperateRequest("c", 3000 * E18, None, 100 * E18, 100_000 * E18))
    pool.redeem(RedeemRequest(400 * E18, 3000 * E18))  # a and b's tick moves down a node
    health = pool.position_health(1, 3000 * E18)
    price = health.raw_debt * E18 * E18 // (93 * 10**16 * health.raw_coll)
    liquidated = pool.liquidate(price, UNLIMITED, reserve_token=0)
    (movement,) = liquidated.movements
    assert movement.tick_after is None and 0 < movement.coll_ratio_x60 < E60
    residual = pool.position_health(1, price).raw_coll
    assert residual == pool.position_health(2, price).raw_coll > 0
    pool.operate(OperateRequest("b", price, 2, withdraw_all=True))
    shrunk = pool.position_health(1, price).raw_coll
    assert abs(shrunk - residual * movement.coll_ratio_x60 // E60) <= 2
