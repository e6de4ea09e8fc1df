"""Whatever the price does, a LONG and a SHORT of the same pair redeem for exactly K_S - K_L."""

from __future__ import annotations

from events.alphax import AlphaxPairMinted, AlphaxPairRedeemed
from ledger.commands.alphax import CreateStrikeMarket, MintStrikePair, RedeemStrikePair
from projections.balances import Balances
from projections.contracts.alphax import anchor_prices
from tests.conftest import Rand
from tests.ledger.fx_setup import ETH, USDC, fx_engine, price_eth, run


def test_pairs_redeem_for_the_strike_spread_along_a_random_price_path(rand: Rand) -> None:
    engine = fx_engine()
    markets = []
    for index in range(5):
        low = rand.randint(500, 2500)
        high = low + rand.randint(1, 3000)
        markets.append((f"M{index}", low * USDC, high * USDC))
    run(
        engine,
        [
            CreateStrikeMarket(market_id=m, asset="ETH", long_strike=lo, short_strike=hi)
            for m, lo, hi in markets
        ],
        2,
    )
    price = 3000
    for block in range(3, 40):
        price = max(100, price * rand.randint(85, 115) // 100)
        market_id, low, high = rand.choice(markets)
        pairs = rand.randint(1, 5) * ETH
        run(
            engine,
            [
                price_eth(price),
                MintStrikePair(market_id=market_id, account="bob", pair_amount=pairs),
            ],
            block,
        )
        anchors = anchor_prices(price * USDC, low, high)
        assert anchors.long_price + anchors.short_price == high - low
        before = engine.projection(Balances).balance("bob", "USDC")
        (event,) = run(
            engine, [RedeemStrikePair(market_id=market_id, account="bob", pair_amount=pairs)], block
        ).events
        assert isinstance(event, AlphaxPairRedeemed)
        assert event.collateral_usdc == pairs // ETH * (high - low)
        assert engine.projection(Balances).balance("bob", "USDC") - before == pairs // ETH * (
            high - low
        )
    minted = [r.event for r in engine.store.read() if isinstance(r.event, AlphaxPairMinted)]
    assert minted and all(e.collateral_usdc > 0 for e in minted)
    for market_id, _, _ in markets:
        assert engine.projection(Balances).balance(f"vault:alphax:{market_id}", "USDC") == 0
