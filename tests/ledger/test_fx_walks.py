"""Rebalance, liquidate (bonus, reserve pool, bad debt), redeem, fxBASE and funding, as accounts."""

from __future__ import annotations

from events.fx import FxFundingAccrued, FxRedeemed, FxStabilityAbsorbed, FxWalked
from events.reserve import ShortfallCovered
from ledger.batch import Rejected
from ledger.commands.core import Mint
from ledger.commands.fx import OperateFxPosition
from ledger.commands.fx_stability import (
    AccrueFxFunding,
    DepositStability,
    RedeemStability,
    RequestStabilityRedeem,
)
from ledger.commands.fx_walks import LiquidateFx, RebalanceFx, RedeemFxUSD
from ledger.commands.reserve import CreditReserve
from projections.balances import Balances
from projections.fx_pools import FxPools
from projections.positions import FX_LIVE_STATUSES, Positions
from tests.ledger.fx_setup import ETH, USD, USDC, fx_engine, price_eth, run


def opened(engine_debts: list[tuple[str, int]]) -> list[OperateFxPosition]:
    return [
        OperateFxPosition(
            pool_id="ETH-long", owner=owner, collateral_delta_token=10 * ETH, debt_delta=debt * USD
        )
        for owner, debt in engine_debts
    ]


def test_rebalance_brings_a_tick_back_below_the_line_paying_in_usdc() -> None:
    engine = fx_engine()
    run(engine, opened([("alice", 18_000), ("bob", 16_000)]), block=2)
    keeper = RebalanceFx(pool_id="ETH-long", keeper="keeper", max_stable=100_000 * USDC)
    refused = engine.execute([keeper], block=3)
    assert isinstance(refused, Rejected) and refused.code == "NOT_REBALANCEABLE"
    run(engine, [price_eth(2000)], block=4)
    (walk,) = run(engine, [keeper], block=5).events
    assert isinstance(walk, FxWalked) and walk.kind == "rebalance"
    assert walk.fxusd_used == 0 and walk.stable_used > 0
    assert walk.bonus_raw_colls == walk.raw_colls * 25 // 1000  # the 2.5% rebalance bonus
    rows = {row[1]: row for row in engine.projection(Positions).tables()[0].rows}
    assert rows[1][6] <= 88 * 10**16  # back to the rebalance ratio (at the line, not past it)
    balances = engine.projection(Balances)
    assert balances.balance("keeper", "ETH") == walk.colls_to_receiver_token
    assert balances.balance("fx:pegkeeper", "USDC") == walk.stable_used


def test_liquidation_takes_the_bonus_from_the_reserve_and_spreads_bad_debt() -> None:
    engine = fx_engine()
    run(engine, opened([("alice", 18_000), ("bob", 15_500)]), block=2)
    run(
        engine,
        [CreditReserve(token="ETH", amount=ETH // 10, from_account="carol", reserve="fx")],
        block=3,
    )
    run(engine, [price_eth(1750)], block=4)  # alice: 18,000 / (9.97 * 1,750) = 103%: bad debt
    keeper = LiquidateFx(pool_id="ETH-long", keeper="keeper", max_stable=100_000 * USDC)
    events = run(engine, [keeper], block=5).events
    covered = [event for event in events if isinstance(event, ShortfallCovered)]
    (walk,) = [event for event in events if isinstance(event, FxWalked)]
    assert walk.kind == "liquidate" and walk.bonus_from_reserve_token == ETH // 10
    assert covered and covered[0].amount == ETH // 10
    assert walk.bad_debt_raw > 0
    pool = engine.projection(FxPools).pools["ETH-long"]
    assert pool.debt_index > 2**96  # bob's debt grew by the socialised bad debt
    rows = {row[1]: row for row in engine.projection(Positions).tables()[0].rows}
    assert rows[2][4] > 15_500 * USD and rows[2][12] in FX_LIVE_STATUSES
    # alice's position stays in the table, liquidated: no debt and no collateral left.
    assert (rows[1][3], rows[1][4], rows[1][12]) == (0, 0, "liquidated")
    assert [row[1] for row in engine.projection(Positions).at_risk(10).rows] == ["ETH-long#2"]


def test_redeem_burns_fxusd_for_collateral_at_the_max_price() -> None:
    engine = fx_engine()
    run(engine, opened([("alice", 18_000)]), block=2)
    redeem = RedeemFxUSD(pool_id="ETH-long", redeemer="alice", debts=1_000 * USD)
    (event,) = run(engine, [redeem], block=3).events
    assert isinstance(event, FxRedeemed) and event.raw_debts > 0
    balances = engine.projection(Balances)
    assert balances.supply("fxUSD") == 18_000 * USD - event.raw_debts
    assert event.fee_token == event.colls_token * 5 // 1000
    refused = engine.execute([redeem], block=4)
    assert not isinstance(refused, Rejected) or refused.code in (
        "REDEEM_NOT_ALLOWED",
        "INSUFFICIENT_BALANCE",
    )


def test_the_stability_pool_funds_a_rebalance_and_redeems_after_its_cooldown() -> None:
    engine = fx_engine()
    run(engine, opened([("alice", 18_000), ("bob", 15_000)]), block=2)
    deposits = [
        DepositStability(account="bob", token="fxUSD", amount=15_000 * USD),
        DepositStability(account="carol", token="USDC", amount=5_000 * USDC),
    ]
    run(engine, deposits, block=3)
    run(engine, [price_eth(2000)], block=4)
    keeper = RebalanceFx(
        pool_id="ETH-long", keeper="keeper", use_stability_pool=True, amount_max=50_000 * USDC
    )
    events = run(engine, [keeper], block=5).events
    walk, absorbed = events
    assert isinstance(walk, FxWalked) and isinstance(absorbed, FxStabilityAbsorbed)
    assert walk.payer == "fx:stability" and walk.fxusd_used > 0
    balances = engine.projection(Balances)
    assert balances.balance("fx:stability", "USDC") == 5_000 * USDC + absorbed.token_used
    request = RequestStabilityRedeem(account="bob", shares=10**18, now_seconds=1_000)
    run(engine, [request], block=6)
    early = engine.execute(
        [RedeemStability(account="bob", shares=10**18, now_seconds=2_000)], block=7
    )
    assert isinstance(early, Rejected) and early.code == "COOLDOWN"
    run(engine, [RedeemStability(account="bob", shares=10**18, now_seconds=2_800)], block=8)


def test_an_empty_stability_pool_is_named() -> None:
    engine = fx_engine()
    run(engine, opened([("alice", 18_000)]), block=2)
    run(engine, [price_eth(2000)], block=3)
    keeper = RebalanceFx(
        pool_id="ETH-long", keeper="keeper", use_stability_pool=True, amount_max=10 * USDC
    )
    refused = engine.execute([keeper], block=4)
    assert isinstance(refused, Rejected) and refused.code == "STABILITY_POOL_EMPTY"


def test_funding_takes_both_branches() -> None:
    engine = fx_engine()
    run(engine, opened([("alice", 18_000)]), block=2)
    rate = 5 * 10**16  # Aave at 5%
    start = AccrueFxFunding(pool_id="ETH-long", now_seconds=1_000, aave_rate_1e18=rate)
    run(engine, [start], block=3)
    depeg = AccrueFxFunding(
        pool_id="ETH-long", now_seconds=1_000 + 86_400, aave_rate_1e18=rate, fxusd_depegged=True
    )
    (event,) = run(engine, [depeg], block=4).events
    assert isinstance(event, FxFundingAccrued) and event.branch == "depeg"
    assert event.funding_raw > 0 and event.coll_index_after > event.coll_index_before
    run(engine, [DepositStability(account="alice", token="fxUSD", amount=18_000 * USD)], block=5)
    heavy = AccrueFxFunding(pool_id="ETH-long", now_seconds=1_000 + 2 * 86_400, aave_rate_1e18=rate)
    (event,) = run(engine, [heavy], block=6).events
    assert isinstance(event, FxFundingAccrued) and event.branch == "stability_pool_heavy"
    assert event.funding_ratio == rate  # scalar A = 1x


def test_fxusd_cannot_be_minted_out_of_thin_air_by_the_keeper() -> None:
    engine = fx_engine()
    run(engine, [Mint(asset="USDC", to_account="dave", amount=USDC)], block=2)
    assert engine.projection(Balances).supply("fxUSD") == 0
