"""The graveyard settles in any order: holders claiming at once (the white paper) and
liquidators buying interleave at random, fees or not, and the vault never goes short and ends
empty once every dead token is claimed and bought; each side got exactly its share of V."""

from __future__ import annotations

from ledger.commands.alphax import (
    BuyFromGraveyard,
    ClaimFromGraveyard,
    CreateStrikeMarket,
    LiquidateStrike,
    MintStrikePair,
)
from ledger.commands.core import UpdatePrice
from projections.alphax_markets import AlphaxMarkets
from projections.balances import Balances
from tests.conftest import Rand
from tests.ledger.fx_setup import ETH, USDC, fx_engine, run

HOLDERS = ("alice", "bob", "carol")


def test_claims_and_buys_in_any_order_keep_the_vault_whole_and_empty_it(rand: Rand) -> None:
    engine = fx_engine(3000)
    low = rand.randint(500, 2000) * USDC
    high = low + rand.randint(200, 3000) * USDC
    fee = rand.choice((0, rand.randint(1, 500)))
    create = CreateStrikeMarket(
        market_id="G",
        asset="ETH",
        long_strike=low,
        short_strike=high,
        profile="whitepaper",
        graveyard_fee_bps=fee,
    )
    mints = [
        MintStrikePair(market_id="G", account=holder, pair_amount=rand.randint(1, 9) * ETH // 3)
        for holder in HOLDERS
    ]
    run(engine, [create, *mints], 2)
    side = rand.choice(("long", "short"))
    crash = low * 101 // 100 if side == "long" else high * 99 // 100
    run(engine, [UpdatePrice(asset="ETH", quote="USD", price=crash, scale=USDC)], 3)
    run(engine, [LiquidateStrike(market_id="G", side=side, liquidator="bob")], 3)
    markets, balances = engine.projection(AlphaxMarkets), engine.projection(Balances)
    market = markets.markets["G"]
    dead, opposite = market.token_of(side), market.token_of("short" if side == "long" else "long")
    block = 4
    while market.claimable or market.unbought:
        holder = rand.choice(HOLDERS)
        if rand.random() < 0.5 and balances.balance(holder, dead):
            amount = rand.randint(1, balances.balance(holder, dead))
            run(engine, [ClaimFromGraveyard(market_id="G", holder=holder, amount=amount)], block)
        elif market.unbought and balances.balance(holder, opposite):
            amount = rand.randint(1, min(market.unbought, balances.balance(holder, opposite)))
            run(engine, [BuyFromGraveyard(market_id="G", liquidator=holder, amount=amount)], block)
        assert balances.balance("vault:alphax:G", "USDC") >= 0
        assert markets.violations() == []
        block += 1
    # Only rounding dust (a base unit per settlement) stays; the books agree with the vault.
    assert balances.balance("vault:alphax:G", "USDC") == market.collateral_usdc
    assert 0 <= market.collateral_usdc < 2 * block
