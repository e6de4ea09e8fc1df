"""Properties of the ALEX fixed-weight pool (protocol-math.md 2.2-2.3): swaps never lower the
invariant, fees split without leaks, liquidity never pays out more than the pool holds. The
invariant is checked exactly on integers, using weights a/(a+b) with small a and b."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fixed_point import ONE_8
from projections.contracts.weighted_liquidity import add_to_position, reduce_position
from projections.contracts.weighted_pool import (
    RatioLimits,
    WeightedPool,
    fee_split,
    invariant,
    oracle_instant_price,
    oracle_resilient_next,
    x_given_price,
    x_in_given_y_out,
    y_given_price,
    y_given_x,
)
from projections.contracts.weighted_simple import constant_product_route, constant_product_y_given_x
from projections.contracts.weighted_swaps import swap_through_wstx, swap_x_for_y, swap_y_for_x

FAST = settings(max_examples=150, deadline=None)
WIDE = RatioLimits(30_000_000, 30_000_000)
# (a, b): weight_x = a/(a+b). Small integers keep the invariant check exact.
WEIGHT_SHAPES = [(1, 1), (1, 3), (3, 1), (1, 4), (4, 1)]
balances = st.integers(min_value=10**8, max_value=10**16)
rates = st.integers(min_value=0, max_value=ONE_8 // 10)
fractions = st.integers(min_value=1, max_value=29_000_000)


def _pool(
    balance_x: int, balance_y: int, shape: tuple[int, int], fee_rate: int = 0, rebate: int = 0
) -> WeightedPool:
    weight_x = ONE_8 * shape[0] // (shape[0] + shape[1])
    return WeightedPool(
        balance_x,
        balance_y,
        weight_x,
        ONE_8 - weight_x,
        fee_rate_x=fee_rate,
        fee_rate_y=fee_rate,
        fee_rebate=rebate,
        limits=WIDE,
    )


def _invariant_not_lower(
    pool: WeightedPool, after_x: int, after_y: int, shape: tuple[int, int]
) -> bool:
    a, b = shape
    return bool(after_x**a * after_y**b >= pool.balance_x**a * pool.balance_y**b)


@FAST
@given(balances, balances, st.sampled_from(WEIGHT_SHAPES), fractions, rates, rates)
def test_swap_x_for_y_never_lowers_the_invariant(
    balance_x: int, balance_y: int, shape: tuple[int, int], fraction: int, fee: int, rebate: int
) -> None:
    pool = _pool(balance_x, balance_y, shape, fee, rebate * 10)
    dx = max(balance_x * fraction // ONE_8, 1)
    try:
        leg = swap_x_for_y(pool, dx)
    except MathRejected as rejected:
        assert rejected.code in {RejectCode.MAX_RATIO, RejectCode.K_VIOLATION}
        return
    assert _invariant_not_lower(pool, leg.balance_x_after, leg.balance_y_after, shape)
    assert leg.amount_out < balance_y
    assert leg.balance_x_after + leg.reserve_share == balance_x + dx


@FAST
@given(balances, balances, st.sampled_from(WEIGHT_SHAPES), fractions, rates, rates)
def test_swap_y_for_x_never_lowers_the_invariant(
    balance_x: int, balance_y: int, shape: tuple[int, int], fraction: int, fee: int, rebate: int
) -> None:
    pool = _pool(balance_x, balance_y, shape, fee, rebate * 10)
    dy = max(balance_y * fraction // ONE_8, 1)
    try:
        leg = swap_y_for_x(pool, dy)
    except MathRejected as rejected:
        assert rejected.code in {RejectCode.MAX_RATIO, RejectCode.K_VIOLATION}
        return
    assert _invariant_not_lower(pool, leg.balance_x_after, leg.balance_y_after, shape)
    assert leg.balance_y_after + leg.reserve_share == balance_y + dy


@given(st.integers(min_value=0, max_value=10**18), rates, st.integers(0, ONE_8))
def test_fee_is_at_least_the_reserve_share_which_is_not_negative(
    amount: int, fee_rate: int, rebate_rate: int
) -> None:
    split = fee_split(amount, fee_rate, rebate_rate)
    assert split.fee >= split.reserve_share >= 0
    assert split.rebate + split.reserve_share == split.fee
    assert split.amount_net == max(amount - split.fee, 0)


@FAST
@given(balances, balances, st.sampled_from(WEIGHT_SHAPES), fractions)
def test_in_given_out_buys_at_least_what_was_asked(
    balance_x: int, balance_y: int, shape: tuple[int, int], fraction: int
) -> None:
    pool = _pool(balance_x, balance_y, shape)
    dy = max(balance_y * fraction // ONE_8 // 2, 1)
    try:
        dx = x_in_given_y_out(pool, dy)
        received = y_given_x(pool, dx)
    except MathRejected as rejected:
        assert rejected.code is RejectCode.MAX_RATIO
        return
    # Both directions round against the trader, by at most the pow error budget.
    assert abs(received - dy) <= balance_y // 10**6 + dy // 10**5 + 10


@FAST
@given(balances, balances, st.sampled_from(WEIGHT_SHAPES), st.integers(5_000_000, 95_000_000))
def test_selling_the_given_price_amount_reaches_the_price(
    balance_x: int, balance_y: int, shape: tuple[int, int], percent_of_spot: int
) -> None:
    pool = _pool(balance_x, balance_y, shape)
    spot = oracle_instant_price(balance_x, balance_y, pool.weight_x, pool.weight_y)
    target = spot * percent_of_spot // ONE_8
    # The spot is itself rounded to 1e-8; keep it large enough for a 1e-4 comparison.
    assume(target >= 10**6)
    dx = x_given_price(pool, target)
    # Balancer spot after adding dx of x with no fee: B_y' is fixed by the invariant.
    new_x = balance_x + dx
    a, b = shape
    # price = (B_y'/w_y)/(B_x'/w_x); with B_y'^b = B_x^a B_y^b / B_x'^a, compare in powers.
    price_after_power = (balance_x**a * balance_y**b) * a**b * ONE_8**b
    target_power = (target * new_x) ** b * b**b * new_x**a
    assert abs(price_after_power - target_power) * 10**4 <= target_power


def test_target_price_on_the_wrong_side_is_refused() -> None:
    pool = _pool(10**12, 10**12, (1, 1))
    with pytest.raises(MathRejected) as caught:
        x_given_price(pool, 2 * ONE_8)
    assert caught.value.code is RejectCode.INSUFFICIENT_LIQUIDITY
    with pytest.raises(MathRejected):
        y_given_price(pool, ONE_8 // 2)
    assert y_given_price(pool, 2 * ONE_8) > 0


@FAST
@given(balances, balances, st.integers(1, 10**16), st.integers(1, ONE_8))
def test_remove_never_pays_out_more_than_the_pool_holds(
    balance_x: int, balance_y: int, shares_held: int, percent: int
) -> None:
    total_supply = shares_held + 10**8
    removed = reduce_position(balance_x, balance_y, total_supply, shares_held, percent)
    assert removed.dx <= balance_x and removed.dy <= balance_y
    assert removed.shares <= shares_held
    assert removed.balance_x_after == balance_x - removed.dx
    assert removed.total_supply_after == total_supply - removed.shares


@FAST
@given(balances, balances, st.integers(10**8, 10**15), st.integers(1, 10 * ONE_8))
def test_add_then_remove_returns_at_most_one_unit_more_than_was_added(
    balance_x: int, balance_y: int, total_supply: int, deposit_fraction: int
) -> None:
    pool = _pool(balance_x, balance_y, (1, 1))
    dx = max(balance_x * deposit_fraction // ONE_8, 1)
    try:
        added = add_to_position(pool, total_supply, dx, None)
    except MathRejected as rejected:
        assert rejected.code is RejectCode.ZERO_AMOUNT
        return
    assume(added.supply_minted > 0)
    removed = reduce_position(
        balance_x + added.dx,
        balance_y + added.dy,
        total_supply + added.supply_minted,
        added.supply_minted,
        ONE_8,
    )
    # The contract rounds the y deposit and the minted share down independently, so a round
    # trip can hand back one base unit more of one side (never more, and never of both).
    assert removed.dx <= added.dx + 1 and removed.dy <= added.dy + 1
    assert removed.dx + removed.dy <= added.dx + added.dy


def test_first_deposit_mints_the_invariant_and_checks_max_dy() -> None:
    empty = _pool(0, 0, (1, 1))
    added = add_to_position(empty, 0, 4 * ONE_8, 9 * ONE_8)
    assert added.supply_minted == invariant(4 * ONE_8, 9 * ONE_8, ONE_8 // 2, ONE_8 // 2)
    assert abs(added.supply_minted - 6 * ONE_8) <= 6 * ONE_8 // 10**6
    pool = _pool(10 * ONE_8, 20 * ONE_8, (1, 1))
    with pytest.raises(MathRejected) as caught:
        add_to_position(pool, 10 * ONE_8, ONE_8, ONE_8)
    assert caught.value.code is RejectCode.SLIPPAGE


def test_weights_must_sum_to_one() -> None:
    with pytest.raises(MathRejected) as caught:
        y_given_x(WeightedPool(10**12, 10**12, ONE_8 // 2, ONE_8 // 3), 10**6)
    assert caught.value.code is RejectCode.INVALID_PARAMETER


def test_max_ratio_and_slippage_are_named_rejections() -> None:
    pool = WeightedPool(10**12, 10**12, ONE_8 // 2, ONE_8 // 2)
    with pytest.raises(MathRejected) as caught:
        swap_x_for_y(pool, 10**10)
    assert caught.value.code is RejectCode.MAX_RATIO
    leg = swap_x_for_y(pool, 10**9)
    assert swap_x_for_y(pool, 10**9, leg.amount_out).amount_out == leg.amount_out
    with pytest.raises(MathRejected) as caught:
        swap_x_for_y(pool, 10**9, leg.amount_out + 1)
    assert caught.value.code is RejectCode.SLIPPAGE


@given(st.integers(0, 10**12), st.integers(0, 99_999_999), st.integers(0, 10**12))
def test_resilient_oracle_stays_between_old_and_instant(old: int, average: int, now: int) -> None:
    updated = oracle_resilient_next(old, average, now)
    assert min(old, now) - 1 <= updated <= max(old, now)


def test_swap_moves_the_oracle_from_pre_trade_balances() -> None:
    pool = WeightedPool(
        10**12, 2 * 10**12, ONE_8 // 2, ONE_8 // 2, oracle_enabled=True,
        oracle_average=99_000_000, oracle_resilient=ONE_8,
    )  # fmt: skip
    leg = swap_x_for_y(pool, 10**9)
    assert leg.oracle_resilient_after == oracle_resilient_next(ONE_8, 99_000_000, 2 * ONE_8)


def test_two_hops_charge_each_pools_fee() -> None:
    pool_in = WeightedPool(10**13, 10**13, ONE_8 // 2, ONE_8 // 2, fee_rate_y=ONE_8 // 100)
    pool_out = WeightedPool(10**13, 10**13, ONE_8 // 2, ONE_8 // 2, fee_rate_x=ONE_8 // 100)
    route = swap_through_wstx(pool_in, pool_out, 10**10, None)
    assert route.first_leg.fee == 10**8
    assert route.second_leg.fee == -(-route.first_leg.amount_out // 100)
    assert route.amount_out == route.second_leg.amount_out


@FAST
@given(balances, balances, st.integers(1, 4_000_000))
def test_constant_product_never_lowers_k(balance_x: int, balance_y: int, fraction: int) -> None:
    dx = max(balance_x * fraction // ONE_8, 1)
    dy = constant_product_y_given_x(balance_x, balance_y, dx)
    assert (balance_x + dx) * (balance_y - dy) >= balance_x * balance_y


def test_constant_product_route_feeds_each_leg_the_last_output() -> None:
    legs = [(10**12, 2 * 10**12), (3 * 10**12, 10**12)]
    amounts = constant_product_route(10**9, legs)
    assert amounts[0] == constant_product_y_given_x(10**12, 2 * 10**12, 10**9)
    assert amounts[1] == constant_product_y_given_x(3 * 10**12, 10**12, amounts[0])
