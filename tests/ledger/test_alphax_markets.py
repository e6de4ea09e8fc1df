"""AlphaX strike tokens: pairs for K_S - K_L, trading on a Uniswap V2 pair, liquidation, graveyard."""

from __future__ import annotations

import pytest

from events.alphax import (
    AlphaxGraveyardBought,
    AlphaxGraveyardClaimed,
    AlphaxMarketCreated,
    AlphaxStrikeLiquidated,
)
from ledger.batch import NewEvent, Rejected
from ledger.commands.alphax import (
    BuyFromGraveyard,
    ClaimFromGraveyard,
    CreateStrikeMarket,
    LiquidateStrike,
    MintStrikePair,
    RedeemStrikePair,
)
from ledger.commands.amm import AddLiquidity, CreatePool
from ledger.commands.amm_swaps import SwapExactIn
from ledger.commands.core import Transfer
from projections.alphax_markets import AlphaxMarkets
from projections.balances import Balances
from projections.positions import Positions
from projections.prices import Prices
from replay.alphax_summary import alphax_quotes
from tests.ledger.fx_setup import ETH, USDC, fx_engine, price_eth, run

LONG, SHORT = "ETH24:ETH-2000", "ETH24:4000-ETH"
MARKET = CreateStrikeMarket(
    market_id="ETH24", asset="ETH", long_strike=2000 * USDC, short_strike=4000 * USDC
)


def test_a_pair_mints_and_redeems_for_exactly_k_s_minus_k_l() -> None:
    engine = fx_engine()
    run(
        engine, [MARKET, MintStrikePair(market_id="ETH24", account="alice", pair_amount=2 * ETH)], 2
    )
    balances = engine.projection(Balances)
    assert balances.balance("vault:alphax:ETH24", "USDC") == 4_000 * USDC
    assert (balances.balance("alice", LONG), balances.balance("alice", SHORT)) == (2 * ETH,) * 2
    run(engine, [RedeemStrikePair(market_id="ETH24", account="alice", pair_amount=ETH)], 3)
    assert balances.balance("vault:alphax:ETH24", "USDC") == 2_000 * USDC
    assert balances.balance("alice", "USDC") == 10_000_000 * USDC - 2_000 * USDC


def test_strike_tokens_trade_on_a_uniswap_v2_pair() -> None:
    engine = fx_engine()
    setup = [
        MARKET,
        MintStrikePair(market_id="ETH24", account="alice", pair_amount=10 * ETH),
        CreatePool(
            pool="ETH-2000/USDC", kind="uniswap_v2", token_x=LONG, token_y="USDC", owner="alice"
        ),
        AddLiquidity(
            pool="ETH-2000/USDC",
            provider="alice",
            amount_x_desired=10 * ETH,
            amount_y_desired=10_000 * USDC,
        ),
    ]
    run(engine, setup, 2)
    swap = SwapExactIn(pool="ETH-2000/USDC", trader="bob", asset_in="USDC", amount_in=1_000 * USDC)
    run(engine, [swap], 3)
    assert 0 < engine.projection(Balances).balance("bob", LONG) < ETH


def test_the_long_dies_at_1_2_k_l_and_the_graveyard_splits_30_70() -> None:
    engine = fx_engine()
    run(
        engine, [MARKET, MintStrikePair(market_id="ETH24", account="alice", pair_amount=3 * ETH)], 2
    )
    run(engine, [RedeemStrikePair(market_id="ETH24", account="alice", pair_amount=ETH)], 3)
    liquidate = LiquidateStrike(market_id="ETH24", side="long", liquidator="keeper")
    refused = engine.execute([liquidate], block=4)
    assert isinstance(refused, Rejected) and refused.code == "NOT_LIQUIDATABLE"
    buy = BuyFromGraveyard(market_id="ETH24", liquidator="bob", amount=ETH)
    refused = engine.execute([buy], block=4)
    assert isinstance(refused, Rejected) and refused.code == "STRIKE_ALIVE"
    run(engine, [price_eth(2400), liquidate], 5)  # 2,400 = 1.2 x 2,000: the trigger
    (dead,) = [e for e in engine.store.read() if isinstance(e.event, AlphaxStrikeLiquidated)]
    assert dead.event.token_value == 400 * USDC  # V = 0.2 K_L
    mint = MintStrikePair(market_id="ETH24", account="alice", pair_amount=ETH)
    refused = engine.execute([mint], block=6)
    assert isinstance(refused, Rejected) and refused.code == "STRIKE_DEAD"
    # bob buys shorts from alice, then retires two pairs through the graveyard
    run(engine, [Transfer(asset=SHORT, from_account="alice", to_account="bob", amount=2 * ETH)], 6)
    (bought,) = run(
        engine, [BuyFromGraveyard(market_id="ETH24", liquidator="bob", amount=2 * ETH)], 7
    ).events
    assert isinstance(bought, AlphaxGraveyardBought)
    assert bought.liquidator_payment_usdc == 560 * USDC  # 70% of 2 x 400
    assert bought.liquidator_discount_usdc == 240 * USDC  # the liquidator's 30%
    assert bought.pair_collateral_usdc == 4_000 * USDC
    (claimed,) = run(
        engine, [ClaimFromGraveyard(market_id="ETH24", holder="alice", amount=2 * ETH)], 8
    ).events
    assert isinstance(claimed, AlphaxGraveyardClaimed) and claimed.claim_usdc == 560 * USDC
    balances = engine.projection(Balances)
    assert balances.balance("vault:alphax:ETH24", "USDC") == 0
    assert engine.projection(AlphaxMarkets).violations() == []
    (row,) = engine.projection(Positions).strike_rows()
    assert row[12] == "long dead"


def test_the_five_x_rule_is_a_market_option() -> None:
    engine = fx_engine()
    narrative = CreateStrikeMarket(
        market_id="N",
        asset="ETH",
        long_strike=2000 * USDC,
        short_strike=4000 * USDC,
        trigger_kind="leverage",
    )
    run(engine, [narrative, price_eth(2450)], 2)  # CE = 2450/450 = 5.4 >= 5: dead under the 5x rule
    run(engine, [LiquidateStrike(market_id="N", side="long", liquidator="keeper")], 3)
    refused = engine.execute(
        [LiquidateStrike(market_id="N", side="short", liquidator="k")], block=4
    )
    assert isinstance(refused, Rejected) and refused.code == "STRIKE_DEAD"


@pytest.mark.parametrize("preset", [0, 5])
def test_a_market_whose_line_is_worth_less_than_a_base_unit_shows_unknown_not_a_crash(
    preset: int,
) -> None:
    """K_L of 3 micro-USD: at 1.2 x K_L the LONG is worth 0 base units, so its capital
    efficiency (and the liquidation point's) is undefined. The fact is admitted (its rule is
    sound); the tables and the summary's quotes show the line as unknown."""
    engine = fx_engine()
    run(engine, [price_eth(3_000)], 4)
    market = AlphaxMarketCreated(
        market_id="tiny",
        asset="ETH",
        collateral_asset="USDC",
        long_strike=3,
        short_strike=4_000 * 10**6,
        long_token="TINY-L",
        short_token="TINY-S",
        long_liquidation_price=preset,
        short_liquidation_price=preset,
    )
    assert not isinstance(engine.append_facts([NewEvent(event=market, block=5)]), Rejected)
    books = engine.projection(AlphaxMarkets)
    assert books.markets["tiny"].liquidation_price("long") == preset  # 0: worth nothing there
    assert books.tables()  # no MathRejected on the way
    quotes = {
        row["side"]: row for row in alphax_quotes(books.markets, {}, engine.projection(Prices))
    }
    assert quotes["long"]["risk_level_asset_basis"] is None
    assert quotes["short"]["risk_level_asset_basis"] is not None
