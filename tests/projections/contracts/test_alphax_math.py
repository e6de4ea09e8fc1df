"""Properties of the AlphaX strike-token math: the pair peg, triggers, graveyard split."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.alphax import (
    LIQUIDATION_RULE_NARRATIVE,
    PRICE_SCALE,
    RATIO_SCALE,
    LiquidationRule,
    RiskLevelBasis,
    anchor_prices,
    capital_efficiency,
    is_long_liquidatable,
    is_short_liquidatable,
    long_liquidation_point,
    risk_level,
    short_liquidation_point,
)
from projections.contracts.alphax_settlement import (
    graveyard_settlement,
    mint_collateral_usdc,
    redeem_collateral_usdc,
)

EXAMPLES = settings(max_examples=200, deadline=None)
TOKEN = 10**18
# Strikes from one cent up: below that the token value at the trigger rounds to zero.
prices = st.integers(min_value=PRICE_SCALE // 100, max_value=10**6 * PRICE_SCALE)
rules = st.sampled_from(
    [
        LiquidationRule(),
        LIQUIDATION_RULE_NARRATIVE,
        LiquidationRule(price_buffer_bps=15_000),
        LiquidationRule(kind=LIQUIDATION_RULE_NARRATIVE.kind, leverage_max=3),
    ]
)


@st.composite
def strikes(draw: st.DrawFn) -> tuple[int, int]:
    long_strike = draw(st.integers(min_value=0, max_value=10**5 * PRICE_SCALE))
    gap = draw(st.integers(min_value=1, max_value=10**5 * PRICE_SCALE))
    return long_strike, long_strike + gap


@EXAMPLES
@given(strike_pair=strikes(), whole_tokens=st.integers(min_value=1, max_value=10**9))
def test_a_long_short_pair_redeems_for_exactly_the_strike_gap(
    strike_pair: tuple[int, int], whole_tokens: int
) -> None:
    long_strike, short_strike = strike_pair
    expected_usdc = whole_tokens * (short_strike - long_strike)
    pair_amount = whole_tokens * TOKEN
    assert redeem_collateral_usdc(pair_amount, long_strike, short_strike) == expected_usdc
    assert mint_collateral_usdc(pair_amount, long_strike, short_strike) == expected_usdc


@EXAMPLES
@given(strike_pair=strikes(), pair_amount=st.integers(min_value=1, max_value=10**30))
def test_minting_never_costs_less_than_redeeming_returns(
    strike_pair: tuple[int, int], pair_amount: int
) -> None:
    minted = mint_collateral_usdc(pair_amount, *strike_pair)
    redeemed = redeem_collateral_usdc(pair_amount, *strike_pair)
    assert 0 <= minted - redeemed <= 1


@EXAMPLES
@given(strike_pair=strikes(), asset_price=st.integers(min_value=0, max_value=10**12))
def test_anchor_prices_of_a_pair_always_sum_to_the_strike_gap(
    strike_pair: tuple[int, int], asset_price: int
) -> None:
    long_strike, short_strike = strike_pair
    anchors = anchor_prices(asset_price, long_strike, short_strike)
    assert anchors.long_price + anchors.short_price == short_strike - long_strike
    assert anchors.long_price >= 0 and anchors.short_price >= 0


@EXAMPLES
@given(long_strike=prices, rule=rules)
def test_long_liquidation_price_is_the_highest_price_that_triggers(
    long_strike: int, rule: LiquidationRule
) -> None:
    point = long_liquidation_point(long_strike, rule)
    assert is_long_liquidatable(point.asset_price, long_strike, rule)
    assert not is_long_liquidatable(point.asset_price + 1, long_strike, rule)
    assert point.token_price == point.asset_price - long_strike


@EXAMPLES
@given(short_strike=prices, rule=rules)
def test_short_liquidation_price_is_the_lowest_price_that_triggers(
    short_strike: int, rule: LiquidationRule
) -> None:
    point = short_liquidation_point(short_strike, rule)
    assert is_short_liquidatable(point.asset_price, short_strike, rule)
    assert not is_short_liquidatable(point.asset_price - 1, short_strike, rule)
    assert point.token_price == short_strike - point.asset_price


@EXAMPLES
@given(units=st.integers(min_value=1, max_value=10**8))
def test_docs_rule_gives_six_x_for_longs_and_five_x_for_shorts(units: int) -> None:
    # Strikes that are multiples of 5 (long) and 6 (short) make 1.2 and 1/1.2 exact.
    long_point = long_liquidation_point(5 * units)
    short_point = short_liquidation_point(6 * units)
    assert long_point.token_price == units  # 0.2 * K_L
    assert short_point.token_price == units  # K_S / 6
    assert long_point.capital_efficiency == 6 * RATIO_SCALE
    assert short_point.capital_efficiency == 5 * RATIO_SCALE


@EXAMPLES
@given(long_strike=st.integers(min_value=4, max_value=10**12))
def test_narrative_rule_liquidates_longs_once_leverage_reaches_five(long_strike: int) -> None:
    point = long_liquidation_point(long_strike, LIQUIDATION_RULE_NARRATIVE)
    assert point.capital_efficiency >= 5 * RATIO_SCALE
    price_above = point.asset_price + 1
    above = capital_efficiency(price_above, price_above - long_strike)
    assert above < 5 * RATIO_SCALE


@EXAMPLES
@given(
    dead_amount=st.integers(min_value=0, max_value=10**30),
    token_price=st.integers(min_value=0, max_value=10**12),
)
def test_graveyard_never_pays_holders_more_than_the_liquidator_paid(
    dead_amount: int, token_price: int
) -> None:
    settlement = graveyard_settlement(dead_amount, token_price)
    assert settlement.holder_claim_usdc <= settlement.liquidator_payment_usdc
    assert settlement.liquidator_payment_usdc - settlement.holder_claim_usdc <= 1
    exact_value = dead_amount * token_price
    assert settlement.holder_claim_usdc * 10 * TOKEN <= 7 * exact_value
    assert settlement.liquidator_discount_usdc * 10 * TOKEN <= 3 * exact_value


def test_narrative_chain_twenty_six_fourteen_percent_of_the_long_strike() -> None:
    long_strike = 2_250 * PRICE_SCALE
    point = long_liquidation_point(long_strike)
    settlement = graveyard_settlement(TOKEN, point.token_price)
    assert settlement.token_value_usdc == long_strike * 20 // 100
    assert settlement.liquidator_discount_usdc == long_strike * 6 // 100
    assert settlement.holder_claim_usdc == long_strike * 14 // 100


def test_risk_level_bases_differ_and_worthless_tokens_are_refused() -> None:
    asset_price, token_price, liquidation_price = 3000, 1500, 1800
    asset_basis = risk_level(liquidation_price, asset_price, token_price)
    anchor_basis = risk_level(
        liquidation_price, asset_price, token_price, RiskLevelBasis.ANCHOR_PRICE
    )
    assert (asset_basis, anchor_basis) == (60_000_000, 120_000_000)
    with pytest.raises(MathRejected) as rejected:
        capital_efficiency(asset_price, 0)
    assert rejected.value.code is RejectCode.OUT_OF_DOMAIN


def test_strikes_out_of_order_and_zero_pairs_are_refused() -> None:
    with pytest.raises(MathRejected) as rejected:
        mint_collateral_usdc(TOKEN, 100, 100)
    assert rejected.value.code is RejectCode.INVALID_PARAMETER
    with pytest.raises(MathRejected) as rejected:
        redeem_collateral_usdc(0, 100, 200)
    assert rejected.value.code is RejectCode.ZERO_AMOUNT
