"""The f(x) stability pool (fxBASE): shares, cooldown redeem, instant redeem, absorbing rebalances.

Rounding favours the pool: a depositor never takes out more USD than it put in, and a keeper
that rebalances through the pool pays back the USD value it used (to the wei).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fx_params import FxPoolParameters, FxVersion
from projections.contracts.fx_pool import FxPool
from projections.contracts.fx_results import OperateRequest, SettlementTerms
from projections.contracts.fx_stability import (
    BaseToken,
    StabilityPool,
    StabilityPoolParameters,
)

E18 = 10**18
EXAMPLES = settings(max_examples=150, deadline=None)


def funded_pool(fxusd: int = 1000 * E18, usdc: int = 1000 * 10**6) -> StabilityPool:
    pool = StabilityPool(StabilityPoolParameters(instant_redeem_fee_ratio_1e18=10**16))
    pool.apply_deposit(pool.preview_deposit("alice", BaseToken.FXUSD, fxusd, E18))
    pool.apply_deposit(pool.preview_deposit("bob", BaseToken.USDC, usdc, E18))
    return pool


def test_deposits_mint_shares_at_the_pool_value() -> None:
    pool = funded_pool()
    assert pool.shares == {"alice": 1000 * E18, "bob": 1000 * E18}
    assert pool.nav_1e18(E18, E18) == E18
    preview = pool.preview_deposit("carol", BaseToken.USDC, 100 * 10**6, 999 * 10**15)
    # 99.9 USD against 1999 USD of assets backing 2000 shares.
    assert preview.amount_usd == 999 * 10**17
    assert preview.shares == 999 * 10**17 * 2000 * E18 // (1999 * E18)


def test_redeem_waits_for_the_cooldown_and_pays_in_kind() -> None:
    pool = funded_pool()
    pool.apply_request_redeem(pool.preview_request_redeem("alice", 500 * E18, now_seconds=100))
    with pytest.raises(MathRejected) as raised:
        pool.preview_redeem("alice", 500 * E18, now_seconds=1899)
    assert raised.value.code is RejectCode.COOLDOWN
    redeemed = pool.preview_redeem("alice", 10**30, now_seconds=1900)
    assert redeemed.shares == 500 * E18
    assert (redeemed.fxusd_out, redeemed.usdc_out) == (250 * E18, 250 * 10**6)
    pool.apply_redeem(redeemed)
    assert pool.shares["alice"] == 500 * E18
    assert pool.redeem_requests["alice"] == (0, 1900)
    with pytest.raises(MathRejected) as raised:
        pool.preview_redeem("alice", E18, now_seconds=5000)
    assert raised.value.code is RejectCode.ZERO_AMOUNT


def test_instant_redeem_leaves_its_fee_in_the_pool() -> None:
    pool = funded_pool()
    pool.apply_request_redeem(pool.preview_request_redeem("bob", 900 * E18, now_seconds=0))
    with pytest.raises(MathRejected) as raised:
        pool.preview_instant_redeem("bob", 200 * E18)
    assert raised.value.code is RejectCode.INSUFFICIENT_BALANCE
    redeemed = pool.preview_instant_redeem("bob", 100 * E18)
    assert (redeemed.fxusd_fee, redeemed.usdc_fee) == (5 * 10**17, 5 * 10**5)
    pool.apply_redeem(redeemed)
    assert pool.totals.total_fxusd == 1000 * E18 - 50 * E18 + 5 * 10**17
    assert pool.nav_1e18(E18, E18) > E18


def test_deposit_rejections() -> None:
    pool = funded_pool()
    with pytest.raises(MathRejected) as raised:
        pool.preview_deposit("carol", BaseToken.USDC, 10**6, 99 * 10**16)
    assert raised.value.code is RejectCode.STABLE_DEPEGGED
    with pytest.raises(MathRejected) as raised:
        pool.preview_deposit("carol", BaseToken.FXUSD, 0, E18)
    assert raised.value.code is RejectCode.ZERO_AMOUNT
    with pytest.raises(MathRejected) as raised:
        pool.preview_request_redeem("carol", E18, 0)
    assert raised.value.code is RejectCode.INSUFFICIENT_BALANCE


def test_an_empty_pool_cannot_absorb() -> None:
    pool = StabilityPool(StabilityPoolParameters())
    with pytest.raises(MathRejected) as raised:
        pool.absorb_budget(BaseToken.FXUSD, 1000 * E18, E18)
    assert raised.value.code is RejectCode.STABILITY_POOL_EMPTY


@EXAMPLES
@given(
    fxusd=st.integers(min_value=E18, max_value=10**26),
    usdc=st.integers(min_value=10**6, max_value=10**14),
    amount=st.integers(min_value=1, max_value=10**26),
    price=st.integers(min_value=995 * 10**15, max_value=1010 * 10**15),
    usdc_in=st.booleans(),
)
def test_deposit_then_redeem_never_gains(
    fxusd: int, usdc: int, amount: int, price: int, usdc_in: bool
) -> None:
    pool = StabilityPool(StabilityPoolParameters())
    pool.apply_deposit(pool.preview_deposit("alice", BaseToken.FXUSD, fxusd, price))
    pool.apply_deposit(pool.preview_deposit("bob", BaseToken.USDC, usdc, price))
    token = BaseToken.USDC if usdc_in else BaseToken.FXUSD
    deposit = pool.preview_deposit("carol", token, amount, price)
    if deposit.shares == 0:
        return
    pool.apply_deposit(deposit)
    out = pool.preview_instant_redeem("carol", deposit.shares)
    scale = pool.stable_price_with_scale(price)
    assert out.fxusd_out + out.usdc_out * scale // E18 <= deposit.amount_usd


@EXAMPLES
@given(
    usdc_price=st.integers(min_value=995 * 10**15, max_value=1005 * 10**15),
    fxusd_held=st.integers(min_value=0, max_value=20_000 * E18),
    usdc_in=st.booleans(),
)
def test_rebalancing_through_the_pool_keeps_its_value(
    usdc_price: int, fxusd_held: int, usdc_in: bool
) -> None:
    stability = StabilityPool(StabilityPoolParameters())
    if fxusd_held:
        stability.apply_deposit(
            stability.preview_deposit("a", BaseToken.FXUSD, fxusd_held, usdc_price)
        )
    stability.apply_deposit(
        stability.preview_deposit("b", BaseToken.USDC, 20_000 * 10**6, usdc_price)
    )
    fx = FxPool(FxPoolParameters(version=FxVersion.HEAD, supply_ratio_1e9=0))
    fx.operate(OperateRequest("alice", 3000 * E18, None, 10 * E18, 25_000 * E18))
    value_before = stability.value_usd(usdc_price)
    token_in = BaseToken.USDC if usdc_in else BaseToken.FXUSD
    budget = stability.absorb_budget(token_in, 10**30, usdc_price)
    terms = SettlementTerms(budget.fxusd_to_use, budget.usdc_to_use, usdc_price_1e18=usdc_price)
    walk = fx.rebalance(2800 * E18, terms)
    settled = walk.settlement
    assert settled.fxusd_used <= budget.fxusd_to_use
    absorbed = stability.preview_absorb(
        token_in, settled.fxusd_used, settled.stable_used, usdc_price
    )
    stability.apply_absorb(absorbed)
    # The keeper repays the USD value of what was used (USDC rounded up); valuing USDC rounds
    # down once for the pool and once for the part used, so the pool may read one wei lower.
    assert stability.value_usd(usdc_price) >= value_before - 1
    assert stability.totals.total_fxusd >= 0 and stability.totals.total_usdc >= 0


def test_state_round_trips_through_json() -> None:
    pool = funded_pool()
    pool.apply_request_redeem(pool.preview_request_redeem("alice", 5 * E18, now_seconds=7))
    state = pool.to_state()
    restored = StabilityPool.from_state(json.loads(json.dumps(state)))
    assert restored.to_state() == state
    assert restored.preview_redeem("alice", E18, 5000) == pool.preview_redeem("alice", E18, 5000)
