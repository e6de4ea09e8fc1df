"""Properties of the ALEX collateral rebalancing pool (protocol-math.md 2.6): erf and the
weight stay in range, mints split collateral without leaks, redemptions after expiry never
pay more than the pool (plus the reserve's cover) holds, and swaps price at stored weights."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.crp import (
    WEIGHT_CAP,
    WEIGHT_CONVERTED,
    CollateralPool,
    creation_terms,
    erf,
    ltv,
    validate_creation,
    weight_x_next,
)
from projections.contracts.crp_redemption import redeem_key, redeem_yield
from projections.contracts.crp_trades import mint, swap_x_for_y, swap_y_for_x
from projections.contracts.fixed_point import ONE_8, div_down, mul_down

FAST = settings(max_examples=100, deadline=None)
EXPIRY = 59_760


@dataclass(frozen=True)
class FixedPriceRouter:
    """Routes at a fixed price (y per x), no slippage: enough to check the pool's own books."""

    price: int

    def quote_collateral_to_token(self, collateral_in: int) -> int:
        return mul_down(collateral_in, self.price)

    def quote_token_to_collateral(self, token_in: int) -> int:
        return div_down(token_in, self.price)

    def swap_collateral_to_token(self, collateral_in: int) -> int:
        return mul_down(collateral_in, self.price)


class ClosedRouter(FixedPriceRouter):
    """A router whose pools cannot take the trade."""

    def quote_collateral_to_token(self, collateral_in: int) -> int:
        raise MathRejected(RejectCode.MAX_RATIO, "route too thin")


def _pool(**changes: Any) -> CollateralPool:
    base = CollateralPool(
        balance_x=10**11,
        balance_y=10**11,
        weight_x=70_000_000,
        weight_y=30_000_000,
        yield_supply=10**11,
        key_supply=10**11,
        strike=ONE_8,
        bs_vol=80_000_000,
        ltv_0=50_000_000,
        conversion_ltv=95_000_000,
        moving_average=95_000_000,
        token_to_maturity=2_100_000_000_000,
        expiry=EXPIRY,
    )
    return replace(base, **changes)


@FAST
@given(st.integers(0, 10 * ONE_8))
def test_erf_is_below_one_and_rises(value: int) -> None:
    assert 0 <= erf(value) < ONE_8
    assert erf(value + ONE_8 // 10) >= erf(value)


def test_erf_matches_the_real_function_to_a_few_parts_in_ten_thousand() -> None:
    # erf(0.5) = 0.5205, erf(1) = 0.8427, erf(2) = 0.9953 (A-S 7.1.27 error < 5e-4).
    for value, expected in [(ONE_8 // 2, 52049988), (ONE_8, 84270079), (2 * ONE_8, 99532227)]:
        assert abs(erf(value) - expected) <= 50_000


@FAST
@given(st.integers(1, 59_000), st.integers(1, 94_000_000), st.integers(10_000_000, 200_000_000))
def test_first_weight_is_between_half_and_the_cap(
    block_height: int, ltv_0: int, bs_vol: int
) -> None:
    terms = creation_terms(ONE_8, EXPIRY, block_height, ltv_0, bs_vol)
    assert ONE_8 // 2 <= terms.weight_x <= WEIGHT_CAP
    assert terms.weight_x + terms.weight_y == ONE_8
    assert ltv_0 <= terms.strike <= ONE_8


@FAST
@given(
    st.integers(10**6, 10**10),
    st.integers(0, EXPIRY - 1),
    st.integers(0, WEIGHT_CAP),
    st.integers(10_000_000, 200_000_000),
    st.integers(0, 99_000_000),
)
def test_weight_never_exceeds_the_cap_and_converts_at_high_ltv(
    spot: int, block_height: int, weight_before: int, bs_vol: int, moving_average: int
) -> None:
    pool = _pool(weight_x=weight_before, bs_vol=bs_vol, moving_average=moving_average)
    try:
        weight = weight_x_next(pool, spot, block_height)
    except MathRejected as rejected:
        # Close to expiry d1 grows without bound and erf's D^4 overflows Clarity's 128 bits:
        # the contract reverts there too (see the explicit test below).
        assert rejected.code is RejectCode.OUT_OF_DOMAIN
        return
    assert 0 <= weight <= WEIGHT_CAP
    if ltv(pool, spot) >= pool.conversion_ltv:
        assert weight == WEIGHT_CONVERTED


def test_weight_overflows_like_the_contract_just_before_expiry() -> None:
    pool = _pool(bs_vol=10_000_000)
    assert 0 <= weight_x_next(pool, 3 * ONE_8, 30_000) <= WEIGHT_CAP
    with pytest.raises(MathRejected) as caught:
        weight_x_next(pool, 3 * ONE_8, EXPIRY - 760)
    assert caught.value.code is RejectCode.OUT_OF_DOMAIN


def test_weight_can_fall_below_the_conversion_floor_without_converting() -> None:
    # The 0.05e8 weight is what conversion sets, not a floor: far below the strike with a
    # low volatility, the target weight is ~0 and the EMA drags the stored weight under it.
    pool = _pool(balance_x=10**10, balance_y=10**9, yield_supply=10**8, weight_x=6_000_000)
    pool = replace(pool, bs_vol=10**7, moving_average=ONE_8 // 2, token_to_maturity=ONE_8)
    assert ltv(pool, 20_000_000) < pool.conversion_ltv
    assert weight_x_next(pool, 20_000_000, 28) < WEIGHT_CONVERTED


def test_creation_parameters_are_validated() -> None:
    validate_creation(EXPIRY, 28, 50_000_000, 95_000_000, 95_000_000, 10**8)
    for arguments in [
        (EXPIRY, 28, 96_000_000, 95_000_000, 95_000_000, 10**8),
        (EXPIRY, 28, 50_000_000, ONE_8, 95_000_000, 10**8),
        (EXPIRY, 28, 50_000_000, 95_000_000, ONE_8, 10**8),
        (EXPIRY, 28, 50_000_000, 95_000_000, 95_000_000, (EXPIRY - 28) * ONE_8),
    ]:
        with pytest.raises(MathRejected) as caught:
            validate_creation(*arguments)
        assert caught.value.code is RejectCode.INVALID_PARAMETER


@FAST
@given(st.integers(10**6, 10**14), st.integers(50_000_000, 200_000_000))
def test_mint_splits_collateral_and_mints_at_most_the_value(dx: int, spot: int) -> None:
    pool = _pool(yield_supply=0, key_supply=0, balance_x=0, balance_y=0)
    minted = mint(pool, spot, 100, dx, FixedPriceRouter(spot))
    split = minted.split
    assert split.dx_kept + split.dx_converted == dx
    assert split.minted <= mul_down(spot, dx)
    assert minted.pool_after.yield_supply == minted.pool_after.key_supply == split.minted
    assert minted.pool_after.balance_x == split.dx_kept
    # The first mint lends at ltv_0 against the collateral's value.
    assert ltv(minted.pool_after, spot) <= pool.ltv_0 + 2 + div_down(10**8, dx)


def test_mint_is_refused_past_conversion_capacity_or_expiry() -> None:
    with pytest.raises(MathRejected) as caught:
        mint(_pool(balance_y=0, balance_x=10**8), ONE_8, 100, ONE_8, FixedPriceRouter(ONE_8))
    assert caught.value.code is RejectCode.LTV_TOO_HIGH
    with pytest.raises(MathRejected) as caught:
        mint(_pool(), ONE_8, 100, ONE_8, ClosedRouter(ONE_8))
    assert caught.value.code is RejectCode.CAP_EXCEEDED
    with pytest.raises(MathRejected) as caught:
        mint(_pool(), ONE_8, EXPIRY, ONE_8, FixedPriceRouter(ONE_8))
    assert caught.value.code is RejectCode.EXPIRED


@FAST
@given(st.integers(0, 2 * 10**11), st.integers(10**9, 10**12), st.integers(1, ONE_8))
def test_yield_redemption_covers_a_shortfall_from_collateral_then_the_reserve(
    balance_y: int, balance_x: int, percent: int
) -> None:
    pool = _pool(balance_x=balance_x, balance_y=balance_y)
    router = FixedPriceRouter(ONE_8)
    redeemed = redeem_yield(pool, EXPIRY + 1, pool.yield_supply, percent, router)
    after, shortfall = redeemed.pool_after, redeemed.shortfall
    assert redeemed.paid_y == redeemed.shares <= pool.yield_supply
    assert shortfall.reserve_cover_x == max(shortfall.collateral_sold - balance_x, 0)
    assert after.balance_x == balance_x + shortfall.reserve_cover_x - shortfall.collateral_sold
    assert after.balance_x >= 0
    if balance_y >= pool.yield_supply:
        assert shortfall.amount_y == shortfall.collateral_sold == 0
    else:
        # With coverage 1.1 at a fair price the pool can always pay every yield token.
        assert balance_y + shortfall.token_bought >= pool.yield_supply


@FAST
@given(st.integers(0, 2 * 10**11), st.integers(10**9, 10**12), st.integers(1, ONE_8))
def test_key_redemption_never_pays_more_than_the_pool_holds(
    balance_y: int, balance_x: int, percent: int
) -> None:
    pool = _pool(balance_x=balance_x, balance_y=balance_y)
    redeemed = redeem_key(pool, EXPIRY + 1, pool.key_supply, percent, FixedPriceRouter(ONE_8))
    shortfall = redeemed.shortfall
    covered_x = balance_x + shortfall.reserve_cover_x - shortfall.collateral_sold
    assert redeemed.paid_x <= covered_x
    assert redeemed.paid_y <= max(balance_y + shortfall.token_bought - pool.yield_supply, 0)
    assert redeemed.pool_after.balance_x == covered_x - redeemed.paid_x
    assert redeemed.pool_after.key_supply == pool.key_supply - redeemed.shares


def test_redemption_waits_for_expiry_and_needs_a_percent() -> None:
    with pytest.raises(MathRejected) as caught:
        redeem_yield(_pool(), EXPIRY, 10**8, ONE_8, FixedPriceRouter(ONE_8))
    assert caught.value.code is RejectCode.NOT_EXPIRED
    with pytest.raises(MathRejected) as caught:
        redeem_key(_pool(), EXPIRY + 1, 10**8, 0, FixedPriceRouter(ONE_8))
    assert caught.value.code is RejectCode.INVALID_PARAMETER


@FAST
@given(
    st.integers(1, 4_000_000),
    st.booleans(),
    st.integers(0, ONE_8 // 10),
    st.integers(80_000_000, 120_000_000),
)
def test_swaps_price_at_stored_weights_and_store_the_fresh_weight(
    fraction: int, collateral_in: bool, fee_rate: int, spot: int
) -> None:
    pool = _pool(fee_rate_x=fee_rate, fee_rate_y=fee_rate, fee_rebate=ONE_8 // 2)
    amount = max(pool.balance_x * fraction // ONE_8, 1)
    swap = swap_x_for_y if collateral_in else swap_y_for_x
    try:
        result = swap(pool, spot, 100, amount)
    except MathRejected as rejected:
        # A dust trade buys nothing (strict minimum); 70/30 weights can push the out side
        # past its 5% ratio first.
        assert rejected.code in {RejectCode.SLIPPAGE, RejectCode.MAX_RATIO}
        return
    leg, after = result.swap, result.pool_after
    assert leg.fee >= leg.reserve_share >= 0
    assert after.weight_x == weight_x_next(pool, spot, 100)
    assert after.weight_x + after.weight_y == ONE_8
    # At 70/30 stored weights, the invariant B_x^0.7 B_y^0.3 never falls: compare the 10th
    # powers exactly.
    before_power = pool.balance_x**7 * pool.balance_y**3
    assert after.balance_x**7 * after.balance_y**3 >= before_power


def test_swaps_close_after_expiry() -> None:
    with pytest.raises(MathRejected) as caught:
        swap_x_for_y(_pool(), ONE_8, EXPIRY + 1, 10**8)
    assert caught.value.code is RejectCode.EXPIRED
