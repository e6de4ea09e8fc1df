"""Random positions under random price paths, through the engine: the books always add up.

After every event (folded one by one from the log): each pool's share totals equal the sums
over its positions (within the rounding the contract allows), and fxUSD supply equals the debt
minted minus what was burnt (a naive count over the events). After every keeper pass no tick
and no position sits past the liquidation line.
"""

from __future__ import annotations

from typing import Any

from events.fx import FxPositionOperated, FxRedeemed, FxWalked
from events.rejections import RejectCode
from ledger.commands.fx import OperateFxPosition
from ledger.commands.fx_keeper import keeper_pass
from ledger.commands.fx_stability import DepositStability
from ledger.commands.reserve import CreditReserve
from ledger.engine import Engine
from projections.balances import Balances
from projections.contracts import MathRejected
from projections.contracts.fx_results import SettlementTerms
from projections.contracts.fx_ticks import PRECISION
from projections.fx_pools import FxPools
from projections.positions import fx_price_1e18
from projections.prices import Prices
from tests.conftest import Rand
from tests.ledger.fx_setup import ETH, USD, fx_engine, price_eth

TICK_BAND_1E18 = 2 * 10**15
"""Positions share a tick's ratio within one 1.0015 band (0.15%): allow two bands."""


def fxusd_net_minted(event: Any) -> int:
    """The naive oracle: fxUSD minted minus burnt by one event (long pools only here)."""
    if isinstance(event, FxPositionOperated) and event.debt_asset == "fxUSD":
        minted = event.fxusd_to_owner + event.fxusd_fee_to_open_revenue
        return minted + event.fxusd_fee_to_close_revenue - event.fxusd_from_owner
    if isinstance(event, FxRedeemed):
        return -event.raw_debts
    if isinstance(event, FxWalked) and event.debt_asset == "fxUSD":
        return -event.fxusd_used
    return 0


def check_every_event(engine: Engine) -> None:
    pools, balances = FxPools(), Balances()
    net = 0
    for record in engine.store.read():
        pools.apply(record)
        balances.apply(record)
        net += fxusd_net_minted(record.event)
        assert balances.supply("fxUSD") == net, record
        assert pools.check_invariants(record.seq) == []
    assert pools.violations() == [] and balances.violations() == []
    assert pools.digest() == engine.projection(FxPools).digest()


def check_nothing_liquidatable(engine: Engine) -> None:
    fx, prices = engine.projection(FxPools), engine.projection(Prices)
    for pool_id, pool in fx.pools.items():
        price = fx_price_1e18(prices, "ETH", fx.meta[pool_id].side)
        assert price is not None
        try:
            pool.preview_liquidate(price, SettlementTerms(max_fxusd=10**40), 0)
            raise AssertionError("a tick is still past the liquidation line")
        except MathRejected as refused:
            assert refused.code is RejectCode.NOT_LIQUIDATABLE
        line = pool.parameters.liquidate_debt_ratio_1e18
        for health in pool.positions_health(price):
            assert health.debt_ratio_1e18 is not None
            assert health.debt_ratio_1e18 < line + TICK_BAND_1E18, health


def random_open(rand: Rand, owner: str, price_usd: int) -> OperateFxPosition:
    collateral = rand.randint(1, 20) * ETH
    ratio_pct = rand.randint(52, 84)
    debt = collateral * price_usd * ratio_pct // 100 * 997 // 1000 // ETH * USD
    return OperateFxPosition(
        pool_id="ETH-long", owner=owner, collateral_delta_token=collateral, debt_delta=debt
    )


def test_random_positions_under_random_price_paths(rand: Rand) -> None:
    engine = fx_engine()
    price_usd = 3000
    block = 2
    for _index in range(12):
        engine.execute(
            [random_open(rand, rand.choice(["alice", "bob", "carol"]), price_usd)], block=block
        )
    engine.execute(
        [CreditReserve(token="ETH", amount=ETH, from_account="carol", reserve="fx")], block=block
    )
    held = engine.projection(Balances).balance("alice", "fxUSD")
    if held:
        engine.execute(
            [DepositStability(account="alice", token="fxUSD", amount=held // 2)], block=block
        )
    for _step in range(25):
        block += 1
        price_usd = max(500, price_usd * rand.randint(90, 108) // 100)
        engine.execute([price_eth(price_usd)], block=block)
        if rand.random() < 0.5:
            engine.execute([random_open(rand, "bob", price_usd)], block=block)
        if rand.random() < 0.3:
            repay = OperateFxPosition(
                pool_id="ETH-long", owner="bob", position_id=rand.randint(1, 12), debt_delta=-USD
            )
            engine.execute([repay], block=block)
        keeper_pass(engine, block, "keeper")
        check_nothing_liquidatable(engine)
    check_every_event(engine)
    assert price_usd > 0 and PRECISION
