"""The keeper pass: the stability pool pays first, the keeper's own funds finish the walk."""

from __future__ import annotations

import pytest

from events.fx import STABILITY_ACCOUNT, FxWalked
from events.rejections import RejectCode
from ledger.commands.fx import OperateFxPosition
from ledger.commands.fx_keeper import ROUNDS_MAX, keeper_pass
from ledger.commands.fx_stability import DepositStability
from projections.contracts import MathRejected
from projections.contracts.fx_results import SettlementTerms
from projections.fx_pools import FxPools
from projections.positions import fx_price_1e18
from projections.prices import Prices
from tests.ledger.fx_setup import ETH, USD, fx_engine, price_eth, run

STABILITY_FXUSD = 100 * USD
"""fxBASE's whole balance: the most one walk paid by it can repay."""


def test_a_small_stability_pool_does_not_cap_a_keeper_that_holds_funds() -> None:
    """alice's 24,000 fxUSD past the line, fxBASE holding 100: the keeper's USDC pays the rest.

    The keeper pays fxBASE back in USDC, so fxBASE never runs dry: walks paid by it alone would
    move 100 fxUSD each and `ROUNDS_MAX` of them would leave alice past the line.
    """
    engine = fx_engine()
    opened = [
        OperateFxPosition(
            pool_id="ETH-long", owner=owner, collateral_delta_token=10 * ETH, debt_delta=debt * USD
        )
        for owner, debt in (("alice", 24_000), ("bob", 15_000))
    ]
    run(engine, opened, block=2)
    run(engine, [DepositStability(account="alice", token="fxUSD", amount=STABILITY_FXUSD)], 3)
    run(engine, [price_eth(2550)], block=4)  # alice: 24,000 / (9.97 * 2,550) = 94.4% > 92%
    assert 24_000 * USD > ROUNDS_MAX * STABILITY_FXUSD

    batches = keeper_pass(engine, 5, "keeper")
    fx, prices = engine.projection(FxPools), engine.projection(Prices)
    price = fx_price_1e18(prices, "ETH", "long")
    assert price is not None
    with pytest.raises(MathRejected) as refused:
        fx.pools["ETH-long"].preview_liquidate(price, SettlementTerms(max_fxusd=10**40), 0)
    assert refused.value.code is RejectCode.NOT_LIQUIDATABLE
    assert batches == 2
    events = [record.event for record in engine.store.read() if record.block == 5]
    walks = [event for event in events if isinstance(event, FxWalked)]
    assert [(walk.kind, walk.payer) for walk in walks] == [
        ("liquidate", STABILITY_ACCOUNT),
        ("liquidate", "keeper"),
    ]
    assert walks[0].fxusd_used == STABILITY_FXUSD and walks[1].stable_used > 0
