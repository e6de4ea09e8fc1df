"""The AlphaX white paper's worked examples, run through the engine under `profile="whitepaper"`.

Quoted from the paper (papers/003): Risk level = strike token liquidation price / strike token
anchor price; the liquidation price is set when the pool is created, where capital efficiency
(asset price / anchor price) reaches 5x; liquidators buy dead tokens at 70% and holders redeem
70% of the base value ("20% * 0.7 = 14%"); Jack and Jennifer; L + S = (ETH - 2000) +
(4400 - ETH) = 2200 (sic: 2,400).
"""

from __future__ import annotations

from events.alphax import AlphaxMarketCreated, AlphaxStrikeLiquidated
from events.rejections import RejectCode
from ledger.batch import Rejected
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
from ledger.commands.core import UpdatePrice
from ledger.engine import Engine
from projections.alphax_markets import AlphaxMarkets, StrikeQuote, strike_quote
from projections.balances import Balances
from projections.contracts.alphax import RATIO_SCALE
from projections.pools import Pools
from tests.ledger.fx_setup import ETH, USDC, fx_engine, run

LONG, SHORT = "WP:ETH-1500", "WP:3000-ETH"
VAULT = "vault:alphax:WP"


def price_eth_micro(micro_usd: int) -> UpdatePrice:
    """ETH at `micro_usd` / 1e6 USD (the paper's cents)."""
    return UpdatePrice(asset="ETH", quote="USD", price=micro_usd, scale=USDC)


def market(**overrides: object) -> CreateStrikeMarket:
    values: dict[str, object] = {
        "market_id": "WP",
        "asset": "ETH",
        "long_strike": 1500 * USDC,
        "short_strike": 3000 * USDC,
        "profile": "whitepaper",
    }
    values.update(overrides)
    return CreateStrikeMarket(**values)  # type: ignore[arg-type]


def quote(engine: Engine, side: str, price: int) -> StrikeQuote:
    m = engine.projection(AlphaxMarkets).markets["WP"]
    return strike_quote("WP", m, side, price, engine.projection(Pools).books)


def test_risk_level_is_the_preset_liquidation_price_over_the_anchor_0_620() -> None:
    engine = fx_engine(2000)
    run(engine, [market(long_liquidation_price=300 * USDC), price_eth_micro(1_983_830_000)], 2)
    q = quote(engine, "long", 1_983_830_000)
    assert q.anchor_price == 483_830_000
    assert q.risk_level == 300 * USDC * RATIO_SCALE // 483_830_000
    assert f"{q.risk_level / RATIO_SCALE:.3f}" == "0.620"
    # The indicator page's formula stays as a second, named field: 1,800 / 1,983.83.
    assert f"{q.risk_level_asset_basis / RATIO_SCALE:.3f}" == "0.907"


def test_the_trigger_and_preset_are_fixed_at_creation_and_a_long_dies_at_exactly_5x() -> None:
    engine = fx_engine(2000)
    result = run(engine, [market()], 2)
    created = [e for e in result.events if isinstance(e, AlphaxMarketCreated)]
    assert created[0].trigger_kind == "risk_level" and created[0].profile == "whitepaper"
    # 5x: P / (P - 1500) = 5 at P = 1875, where the LONG is worth 375; the SHORT at P = 2500.
    assert (created[0].long_liquidation_price, created[0].short_liquidation_price) == (
        375 * USDC,
        500 * USDC,
    )
    run(engine, [price_eth_micro(1_875_000_001)], 3)
    refused = engine.execute(
        [LiquidateStrike(market_id="WP", side="long", liquidator="bob")], block=3
    )
    assert isinstance(refused, Rejected) and refused.code is RejectCode.NOT_LIQUIDATABLE
    q = quote(engine, "long", 1_875_000_001)
    assert q.risk_level < RATIO_SCALE
    run(engine, [price_eth_micro(1_875 * USDC)], 4)
    q = quote(engine, "long", 1_875 * USDC)
    assert q.capital_efficiency == 5 * RATIO_SCALE
    assert q.risk_level == RATIO_SCALE
    result = run(engine, [LiquidateStrike(market_id="WP", side="long", liquidator="bob")], 4)
    dead = [e for e in result.events if isinstance(e, AlphaxStrikeLiquidated)]
    assert dead[0].token_value == 375 * USDC


def test_the_contract_profile_stays_the_default_and_kills_a_long_at_1_2_k_l() -> None:
    engine = fx_engine(2000)
    result = run(engine, [market(profile="contract")], 2)
    created = [e for e in result.events if isinstance(e, AlphaxMarketCreated)]
    assert created[0].trigger_kind == "price_buffer" and created[0].settlement == "oracle"
    assert created[0].long_liquidation_price == 300 * USDC
    assert CreateStrikeMarket(
        market_id="x", asset="ETH", long_strike=1, short_strike=2
    ).profile == ("contract")


def test_holders_claim_210_per_token_at_a_preset_300_without_waiting_for_a_liquidator() -> None:
    engine = fx_engine(2000)
    setup = [
        market(long_liquidation_price=300 * USDC),
        MintStrikePair(market_id="WP", account="alice", pair_amount=2 * ETH),
        MintStrikePair(market_id="WP", account="carol", pair_amount=ETH),
    ]
    run(engine, setup, 2)
    # A crash well past the trigger: the oracle anchor is 100, the settlement stays at 300.
    run(engine, [price_eth_micro(1_600 * USDC)], 3)
    run(engine, [LiquidateStrike(market_id="WP", side="long", liquidator="bob")], 3)
    balances = engine.projection(Balances)
    before = balances.balance("alice", "USDC")
    run(engine, [ClaimFromGraveyard(market_id="WP", holder="alice", amount=2 * ETH)], 4)
    assert balances.balance("alice", "USDC") - before == 2 * 210 * USDC
    # The liquidator buys the third dead token at 70% with one SHORT (worth 1,200 at the preset):
    # it receives the pair's 1,500 for 210 + 1,200, the paper's 30% of 300 = 90.
    before = balances.balance("carol", "USDC")
    run(engine, [BuyFromGraveyard(market_id="WP", liquidator="carol", amount=ETH)], 5)
    assert balances.balance("carol", "USDC") - before == 1_500 * USDC - 210 * USDC
    run(engine, [ClaimFromGraveyard(market_id="WP", holder="carol", amount=ETH)], 6)
    # alice's two SHORTs are still owed the rest: a liquidator retires them (her own).
    run(engine, [BuyFromGraveyard(market_id="WP", liquidator="alice", amount=2 * ETH)], 7)
    assert balances.balance(VAULT, "USDC") == 0
    assert engine.projection(AlphaxMarkets).violations() == []


def test_holders_keep_14_percent_of_the_asset_price_at_a_5x_death() -> None:
    engine = fx_engine(2000)
    run(engine, [market(), MintStrikePair(market_id="WP", account="alice", pair_amount=ETH)], 2)
    run(engine, [price_eth_micro(1_700 * USDC)], 3)
    run(engine, [LiquidateStrike(market_id="WP", side="long", liquidator="bob")], 3)
    balances = engine.projection(Balances)
    before = balances.balance("alice", "USDC")
    run(engine, [ClaimFromGraveyard(market_id="WP", holder="alice", amount=ETH)], 4)
    # 20% of the position (P / 5 = 375 at P = 1,875) x 0.7 = 14% of 1,875 = 262.50.
    assert balances.balance("alice", "USDC") - before == 1_875 * USDC * 14 // 100


def test_jack_and_jennifer_and_the_pair_that_is_always_worth_k_s_minus_k_l() -> None:
    engine = fx_engine(3000)
    run(engine, [market(market_id="J", long_strike=2000 * USDC, short_strike=4400 * USDC)], 2)
    m = engine.projection(AlphaxMarkets).markets["J"]
    books = engine.projection(Pools).books
    jennifer_in = strike_quote("J", m, "long", 3000 * USDC, books).anchor_price
    jennifer_out = strike_quote("J", m, "long", 4000 * USDC, books).anchor_price
    assert (jennifer_in, jennifer_out) == (1000 * USDC, 2000 * USDC)
    assert (jennifer_out - jennifer_in) * 100 // jennifer_in == 100
    jack_gain = (4000 - 3000) * 1000 * USDC // 3000
    assert jack_gain == 333_333_333  # $333.33, 33.33%
    balances = engine.projection(Balances)
    before = balances.balance("alice", "USDC")
    run(engine, [MintStrikePair(market_id="J", account="alice", pair_amount=ETH)], 3)
    # The paper writes (ETH - 2000) + (4400 - ETH) = 2200; the formula gives 2,400 (a slip in
    # the paper's subtraction): a pair costs and redeems for K_S - K_L at any price.
    assert before - balances.balance("alice", "USDC") == 2400 * USDC
    run(engine, [RedeemStrikePair(market_id="J", account="alice", pair_amount=ETH)], 4)
    assert balances.balance("alice", "USDC") == before


def test_the_market_price_m_is_projected_beside_the_anchor_o_with_its_premium() -> None:
    engine = fx_engine(2000)
    setup = [
        market(),
        MintStrikePair(market_id="WP", account="alice", pair_amount=10 * ETH),
        CreatePool(pool="L", kind="uniswap_v2", token_x=LONG, token_y="USDC", owner="alice"),
        AddLiquidity(
            pool="L", provider="alice", amount_x_desired=10 * ETH, amount_y_desired=5_500 * USDC
        ),
    ]
    run(engine, setup, 2)
    q = quote(engine, "long", 2000 * USDC)
    assert (q.anchor_price, q.market_price) == (500 * USDC, 550 * USDC)
    assert q.premium == RATIO_SCALE // 10
    assert quote(engine, "short", 2000 * USDC).market_price is None


def test_mint_redeem_and_graveyard_fees_are_parameters_and_the_book_shows_their_income() -> None:
    engine = fx_engine(2000)
    fees = {"mint_fee_bps": 10, "redeem_fee_bps": 20, "graveyard_fee_bps": 100}
    run(
        engine,
        [market(**fees), MintStrikePair(market_id="WP", account="alice", pair_amount=ETH)],
        2,
    )
    run(engine, [RedeemStrikePair(market_id="WP", account="alice", pair_amount=ETH // 2)], 3)
    run(engine, [price_eth_micro(1_800 * USDC)], 4)
    run(engine, [LiquidateStrike(market_id="WP", side="long", liquidator="bob")], 4)
    run(engine, [ClaimFromGraveyard(market_id="WP", holder="alice", amount=ETH // 2)], 5)
    # 0.1% of 1,500, 0.2% of 750, 1% of the claim 0.7 x 375 / 2 = 131.25.
    expected = 1_500_000 + 1_500_000 + 1_312_500
    assert engine.projection(AlphaxMarkets).markets["WP"].fee_income_usdc == expected
    assert engine.projection(Balances).balance("fees:alphax:WP", "USDC") == expected
    zero = fx_engine(2000)
    run(zero, [market(), MintStrikePair(market_id="WP", account="alice", pair_amount=ETH)], 2)
    assert zero.projection(AlphaxMarkets).markets["WP"].fee_income_usdc == 0


def test_the_arbitrage_examples_mint_and_sell_above_o_buy_and_redeem_below_o() -> None:
    """M > O: mint at the anchor and sell; M < O: buy at market and redeem at the anchor."""
    engine = fx_engine(3000)
    k = {"market_id": "J", "long_strike": 2000 * USDC, "short_strike": 4400 * USDC}
    long_token = "J:ETH-2000"
    setup = [
        market(**k),
        MintStrikePair(market_id="J", account="alice", pair_amount=200 * ETH),
        CreatePool(pool="JL", kind="uniswap_v2", token_x=long_token, token_y="USDC", owner="alice"),
        # M = 1,100 against O = 1,000 at ETH 3,000: a 10% premium.
        AddLiquidity(
            pool="JL", provider="alice", amount_x_desired=100 * ETH, amount_y_desired=110_000 * USDC
        ),
    ]
    run(engine, setup, 2)
    books, balances = engine.projection(Pools).books, engine.projection(Balances)
    m = engine.projection(AlphaxMarkets).markets["J"]
    assert strike_quote("J", m, "long", 3000 * USDC, books).premium == RATIO_SCALE // 10
    usdc_before = balances.balance("bob", "USDC")
    run(engine, [MintStrikePair(market_id="J", account="bob", pair_amount=2 * ETH)], 3)
    run(engine, [SwapExactIn(pool="JL", trader="bob", asset_in=long_token, amount_in=2 * ETH)], 3)
    # bob paid 2 x 2,400, sold two LONGs above their anchor and keeps two SHORTs (2 x 1,400).
    value = balances.balance("bob", "USDC") - usdc_before + 2 * 1_400 * USDC
    assert value > 0
    premium_after = strike_quote("J", m, "long", 3000 * USDC, books).premium
    assert premium_after is not None and 0 < premium_after < RATIO_SCALE // 10
    # M < O after a 15% fall of the market: buy LONGs below their anchor and redeem pairs.
    run(
        engine, [SwapExactIn(pool="JL", trader="alice", asset_in=long_token, amount_in=20 * ETH)], 4
    )
    below = strike_quote("J", m, "long", 3000 * USDC, books)
    assert below.premium is not None and below.premium < 0
    usdc_before = balances.balance("bob", "USDC")
    run(engine, [SwapExactIn(pool="JL", trader="bob", asset_in="USDC", amount_in=900 * USDC)], 5)
    bought = balances.balance("bob", long_token)
    run(engine, [RedeemStrikePair(market_id="J", account="bob", pair_amount=bought)], 5)
    # The LONG cost under 1,000 and redeems, with a SHORT worth 1,400, for 2,400.
    paid_per_long = 900 * USDC * ETH // bought
    assert paid_per_long < 1_000 * USDC
    redeemed = bought * 2400 * USDC // ETH
    assert balances.balance("bob", "USDC") - usdc_before == redeemed - 900 * USDC
    # Net of the SHORTs given up at their anchor (1,400 each), the round trip earns.
    assert redeemed - 900 * USDC - bought * 1_400 * USDC // ETH > 0
