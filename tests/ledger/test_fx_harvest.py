"""Harvest (f(x) 4.7): the funding that raised collIndex is realised out of the pool's vault
and split into the funding expense, the harvester's bounty (1%) and the funding treasury; the
accumulated collateral fees are paid to the revenue accounts."""

from __future__ import annotations

from events.fx import FxHarvested
from ledger.batch import Rejected
from ledger.commands.fx_stability import AccrueFxFunding, HarvestFx
from ledger.engine import Engine
from projections.balances import Balances
from projections.contracts.fx_ticks import raw_coll_from_shares
from projections.fx_pools import FxPools
from projections.runtime import fold
from tests.ledger.fx_setup import ETH, fx_engine, run
from tests.ledger.test_fx_walks import opened


def funded_engine() -> Engine:
    """alice's 10 ETH position pays a day of below-peg funding at a 5% Aave rate."""
    engine = fx_engine_with_position()
    rate = 5 * 10**16
    start = AccrueFxFunding(pool_id="ETH-long", now_seconds=1_000, aave_rate_1e18=rate)
    run(engine, [start], block=3)
    depeg = AccrueFxFunding(
        pool_id="ETH-long", now_seconds=1_000 + 86_400, aave_rate_1e18=rate, fxusd_depegged=True
    )
    run(engine, [depeg], block=4)
    return engine


def fx_engine_with_position() -> Engine:
    engine = fx_engine()
    run(engine, [*opened([("alice", 18_000)])], block=2)
    return engine


def test_harvest_splits_the_funding_into_expense_bounty_and_treasury() -> None:
    engine = funded_engine()
    pool = engine.projection(FxPools).pools["ETH-long"]
    balances = engine.projection(Balances)
    vault_before = balances.balance("vault:fx:ETH-long", "ETH")
    raw_positions = raw_coll_from_shares(pool.coll_shares_total, pool.coll_index, False)
    surplus_raw = pool.balances.collateral_raw - raw_positions
    assert surplus_raw > 0  # funding shrank the positions; the vault still holds it all
    fees_before = pool.balances.fees_open_token
    assert fees_before == 10 * ETH * 3 // 1000  # the 0.3% open fee, in ETH

    (harvest,) = run(engine, [HarvestFx(pool_id="ETH-long", harvester="keeper")], 5).events
    assert isinstance(harvest, FxHarvested)
    funding = harvest.funding_token
    assert harvest.funding_raw == surplus_raw and funding == surplus_raw  # 18 decimals, rate 1
    assert harvest.bounty_token == funding * 10**7 // 10**9  # 1% to the harvester
    assert harvest.expense_token == 0  # the deployed funding expense ratio is 0
    assert harvest.funding_to_treasury_token == funding - harvest.bounty_token
    assert harvest.rewards_token == 0 and harvest.fees_open_paid_token == fees_before

    assert balances.balance("keeper", "ETH") == harvest.bounty_token
    assert balances.balance("fx:treasury:funding", "ETH") == harvest.funding_to_treasury_token
    assert balances.balance("fx:revenue:open", "ETH") == fees_before
    vault = balances.balance("vault:fx:ETH-long", "ETH")
    assert vault == vault_before - funding - fees_before
    # After the harvest the vault holds exactly the pool's recorded collateral, and that is
    # the positions' raw collateral (1 ETH = 1 raw).
    pool = engine.projection(FxPools).pools["ETH-long"]
    assert vault == pool.balances.collateral_token == pool.balances.collateral_raw
    assert pool.balances.collateral_raw == raw_positions
    assert balances.check_invariants(engine.head.seq) == [] and balances.violations() == []

    again = engine.execute([HarvestFx(pool_id="ETH-long", harvester="keeper")], block=6)
    assert isinstance(again, Rejected) and again.code == "NOTHING_TO_CLAIM"


def test_a_replayed_harvest_folds_to_the_same_pool() -> None:
    engine = funded_engine()
    run(engine, [HarvestFx(pool_id="ETH-long", harvester="keeper")], 5)
    pools = FxPools()
    fold(engine.store.read(), [pools])
    assert pools.digest() == engine.projection(FxPools).digest()
    assert pools.violations() == []
