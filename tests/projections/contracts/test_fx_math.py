"""Properties of the f(x) tick math, index conversions, rebalance amount and settlement.

Ticks are checked against their neighbours (the smallest t with R(t) >= ratio), R(t) against
1.0015^t with a naive exact-fraction oracle, and a one-tick rebalance against its target ratio.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fx_params import (
    FundingConditions,
    FxPoolParameters,
    PoolSide,
    RebalanceFormula,
    aave_rate_1e18,
    stepped_fee_ratio_1e9,
)
from projections.contracts.fx_params import funding_ratio_1e18 as funding_ratio
from projections.contracts.fx_pool import FxPool
from projections.contracts.fx_rebalance import debt_to_rebalance
from projections.contracts.fx_results import OperateRequest, SettlementTerms
from projections.contracts.fx_ticks import (
    E96,
    PRECISION,
    TICK_MAX,
    TICK_MIN,
    coll_shares_from_raw,
    debt_shares_from_raw,
    price_inverse_1e18,
    ratio_at_tick,
    raw_coll_from_shares,
    raw_debt_from_shares,
    scale_down,
    scale_down_rounding_up,
    scale_down_signed,
    scale_up,
    tick_at_ratio,
    tick_of_shares,
)
from projections.contracts.fx_walks import settle

EXAMPLES = settings(max_examples=200, deadline=None)
ticks = st.integers(min_value=TICK_MIN, max_value=TICK_MAX)
shares = st.integers(min_value=10**9, max_value=2**96 - 1)
indices = st.integers(min_value=E96 // 2, max_value=E96 * 4)
E18 = 10**18


@EXAMPLES
@given(tick=st.integers(min_value=TICK_MIN, max_value=TICK_MAX - 1))
def test_ratio_at_tick_strictly_increases(tick: int) -> None:
    assert ratio_at_tick(tick) < ratio_at_tick(tick + 1)


@EXAMPLES
@given(tick=st.integers(min_value=-2000, max_value=2000))
def test_ratio_at_tick_is_one_point_0015_to_the_tick(tick: int) -> None:
    exact = Fraction(10015, 10000) ** tick * E96
    assert abs(Fraction(ratio_at_tick(tick)) - exact) <= exact * Fraction(1, 10**15) + 1


def test_ratio_at_tick_anchors() -> None:
    assert ratio_at_tick(0) == E96
    assert ratio_at_tick(TICK_MIN) == 37075071
    assert ratio_at_tick(TICK_MAX) == 169307877264527972847801929085841449095838922544595
    with pytest.raises(ValueError):
        ratio_at_tick(TICK_MAX + 1)


@EXAMPLES
@given(coll=shares, debt=shares)
def test_tick_is_smallest_with_ratio_at_least_the_share_ratio(coll: int, debt: int) -> None:
    ratio = debt * E96 // coll
    tick = tick_of_shares(coll, debt)
    assert ratio_at_tick(tick) >= ratio
    assert tick == TICK_MIN or ratio_at_tick(tick - 1) < ratio


@EXAMPLES
@given(tick=ticks)
def test_tick_of_an_exact_ratio_is_that_tick(tick: int) -> None:
    ratio = ratio_at_tick(tick)
    assert tick_at_ratio(ratio) == tick
    if tick < TICK_MAX:
        assert tick_at_ratio(ratio + 1) == tick + 1


@EXAMPLES
@given(ratio=st.integers(min_value=1, max_value=ratio_at_tick(TICK_MAX)), near=st.booleans())
def test_the_tick_of_any_ratio_is_the_smallest_whose_ratio_reaches_it(
    ratio: int, near: bool
) -> None:
    if near:  # a ratio one off a tick's own, where a float estimate is most likely wrong
        ratio = max(1, ratio_at_tick(tick_at_ratio(ratio)) - 1)
    tick = tick_at_ratio(ratio)
    assert ratio_at_tick(tick) >= ratio
    assert tick == TICK_MIN or ratio_at_tick(tick - 1) < ratio


def test_tick_clamps_outside_the_table() -> None:
    assert tick_at_ratio(1) == TICK_MIN
    assert tick_at_ratio(ratio_at_tick(TICK_MAX) + 1) == TICK_MAX
    assert tick_of_shares(0, 10**18) == TICK_MAX


@EXAMPLES
@given(raw=st.integers(min_value=0, max_value=10**30), index=indices)
def test_conversions_round_as_named(raw: int, index: int) -> None:
    down = coll_shares_from_raw(raw, index, False)
    up = coll_shares_from_raw(raw, index, True)
    assert up - down in (0, 1)
    assert raw_coll_from_shares(down, index, False) <= raw
    debt_down = debt_shares_from_raw(raw, index, False)
    debt_up = debt_shares_from_raw(raw, index, True)
    assert debt_up - debt_down in (0, 1)
    assert raw_debt_from_shares(debt_up, index, True) >= raw
    assert raw_debt_from_shares(debt_down, index, False) <= raw


@EXAMPLES
@given(value=st.integers(min_value=0, max_value=10**30), rate=st.integers(10**17, 10**19))
def test_scaling_round_trips_never_gain(value: int, rate: int) -> None:
    factor = rate
    assert scale_down(scale_up(value, factor), factor) <= value
    assert scale_down_rounding_up(value, factor) - scale_down(value, factor) in (0, 1)
    assert scale_down_signed(-value, factor) == -scale_down(value, factor)


def test_inverse_price_rounds_both_ways() -> None:
    assert price_inverse_1e18(3 * E18, False) == 333333333333333333
    assert price_inverse_1e18(3 * E18, True) == 333333333333333334


def _single_tick_pool(coll: int, debt: int, bonus_1e9: int, formula: RebalanceFormula) -> FxPool:
    parameters = FxPoolParameters(
        debt_ratio_min_1e18=0,
        debt_ratio_max_1e18=E18 - 1,
        rebalance_bonus_ratio_1e9=bonus_1e9,
        rebalance_formula=formula,
        supply_ratio_1e9=0,
    )
    pool = FxPool(parameters)
    pool.operate(
        OperateRequest(
            owner="a", price_1e18=3000 * E18, collateral_delta_token=coll, debt_delta=debt
        )
    )
    return pool


@EXAMPLES
@given(
    coll=st.integers(min_value=10**16, max_value=10**24),
    ratio_1e6=st.integers(min_value=880_000, max_value=919_999),
    bonus_1e9=st.integers(min_value=0, max_value=50_000_000),
)
def test_rebalance_brings_the_tick_to_the_target(coll: int, ratio_1e6: int, bonus_1e9: int) -> None:
    price = 2000 * E18
    debt = coll * price // E18 * ratio_1e6 // 10**6
    pool = _single_tick_pool(coll, debt, bonus_1e9, RebalanceFormula.CONTRACT)
    tick = pool.tree.debt_ticks[-1]
    try:
        pool.preview_rebalance_tick(tick, price, SettlementTerms(max_fxusd=2**200))
    except MathRejected as rejected:  # the opening ratio rounded below the line
        assert rejected.code is RejectCode.NOT_REBALANCEABLE
        return
    preview = pool.rebalance_tick(tick, price, SettlementTerms(max_fxusd=2**200))
    (movement,) = preview.movements
    assert movement.tick_after is not None
    coll_shares, debt_shares = pool.tree.tick_shares(movement.tick_after)
    raw_coll = raw_coll_from_shares(coll_shares, pool.coll_index, False)
    raw_debt = raw_debt_from_shares(debt_shares, pool.debt_index, False)
    target = pool.parameters.rebalance_debt_ratio_1e18
    # Within rounding: x, the collateral out, the bonus and both share conversions round down,
    # each by less than one wei.
    slack = 2 * PRECISION * PRECISION + 2 * target * price
    assert raw_debt * PRECISION * PRECISION <= target * raw_coll * price + slack
    # The position follows its tick through the x2^60 node ratios (relative error ~2^-60).
    health = pool.position_health(1, price)
    assert health.debt_ratio_1e18 is not None
    assert abs(health.debt_ratio_1e18 - target) <= target // 10**12


def test_narrative_formula_matches_the_contract_only_without_bonus() -> None:
    args = (10**19, 18_000 * E18, 2000 * E18, 880000000000000000)
    assert debt_to_rebalance(*args, 0) == debt_to_rebalance(*args, 0, RebalanceFormula.NARRATIVE)
    contract = debt_to_rebalance(*args, 25_000_000)
    narrative = debt_to_rebalance(*args, 25_000_000, RebalanceFormula.NARRATIVE)
    assert narrative < contract
    exact = Fraction(
        18_000 - Fraction(88, 100) * 2000 * 10, 1 - Fraction(88, 100) * Fraction(41, 40)
    )
    assert abs(contract - exact * E18) <= 1


def test_rebalance_formula_refuses_a_target_at_or_above_one() -> None:
    with pytest.raises(MathRejected) as raised:
        debt_to_rebalance(10**18, 10**21, 2000 * E18, 990000000000000000, 50_000_000)
    assert raised.value.code is RejectCode.INVALID_PARAMETER


@EXAMPLES
@given(
    raw_debts=st.integers(min_value=10**9, max_value=10**26),
    fxusd_part=st.integers(min_value=0, max_value=10**26),
    usdc_price=st.integers(min_value=9 * 10**17, max_value=11 * 10**17),
)
def test_settlement_pays_at_least_the_debt(
    raw_debts: int, fxusd_part: int, usdc_price: int
) -> None:
    terms = SettlementTerms(max_fxusd=fxusd_part, usdc_price_1e18=usdc_price)
    result = settle(0, 0, raw_debts, terms, E18, 0)
    assert result.fxusd_used == min(raw_debts, fxusd_part)
    paid_usd = result.fxusd_used + result.stable_used * terms.stable_price_with_scale // E18
    assert paid_usd >= raw_debts - 1
    if result.stable_used:
        # One USDC unit less would not cover the rest: rounding up, by at most one unit.
        short = (result.stable_used - 1) * terms.stable_price_with_scale
        assert short < (raw_debts - result.fxusd_used) * E18


def test_stepped_fee_ratio_and_aave_rate() -> None:
    assert stepped_fee_ratio_1e9(1_000_000, 5 * 10**16, 5 * 10**16) == 1_000_000
    assert stepped_fee_ratio_1e9(1_000_000, 5 * 10**16, 15 * 10**16 + 1) == 3_000_000
    assert stepped_fee_ratio_1e9(600_000_000, 10**16, 10**18) == 10**9
    year = 365 * 24 * 3600
    assert aave_rate_1e18(10**27, 105 * 10**25, year, 7) == 5 * 10**16
    assert aave_rate_1e18(10**27, 105 * 10**25, 60, 7) == 7
    assert aave_rate_1e18(10**27, 10**27, 3600, 7) == 7


def test_funding_ratio_branches() -> None:
    long_pool = FxPoolParameters()
    rate = 5 * 10**16
    assert funding_ratio(long_pool, rate, FundingConditions()) == 0
    assert funding_ratio(long_pool, rate, FundingConditions(fxusd_depegged=True)) == rate * 10
    stable_heavy = FundingConditions(fxusd_ratio_in_base_1e18=950000000000000000)
    assert funding_ratio(long_pool, rate, stable_heavy) == rate
    short_pool = FxPoolParameters(side=PoolSide.SHORT)
    assert funding_ratio(short_pool, rate, FundingConditions(fxusd_depegged=True)) == 0
    borrowed = FundingConditions(short_borrow_ratio_1e18=450000000000000000)
    assert funding_ratio(short_pool, rate, borrowed) == rate * 10
