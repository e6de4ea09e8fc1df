"""f(x) operate, redeem and funding as accounting: a few commands, the amounts and state after.

Fees follow section 4.3 in both versions (d8e5e9d pool fee in raw collateral; HEAD manager fees
in token units); every rejection names its `RejectCode`.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fx_params import FundingConditions, FxPoolParameters, FxVersion
from projections.contracts.fx_pool import FxPool
from projections.contracts.fx_results import OperateRequest, RedeemRequest
from projections.contracts.fx_ticks import E96, SECONDS_PER_YEAR

E18 = 10**18
PRICE = 3000 * E18


def head_pool(**overrides: Any) -> FxPool:
    return FxPool(replace(FxPoolParameters(version=FxVersion.HEAD), **overrides))


def open_request(coll: int, debt: int, owner: str = "alice") -> OperateRequest:
    return OperateRequest(owner, PRICE, None, coll, debt)


def test_head_open_charges_the_supply_fee_in_tokens() -> None:
    pool = head_pool(supply_ratio_1e9=3_000_000, borrow_fee_ratio_1e9=1_000_000)
    opened = pool.operate(open_request(10 * E18, 18_000 * E18))
    assert opened.position_id == 1 and opened.opened
    assert opened.fee_open_token == 3 * 10**16
    assert opened.collateral_in_token == 10 * E18
    assert opened.collateral_raw_delta == 10 * E18 - 3 * 10**16
    assert opened.fxusd_fee_to_open_revenue == 18 * E18
    assert opened.fxusd_to_owner == 18_000 * E18 - 18 * E18
    assert pool.balances.collateral_token == 10 * E18 - 3 * 10**16
    assert pool.balances.fees_open_token == 3 * 10**16
    assert pool.balances.debt == 18_000 * E18
    health = pool.position_health(1, PRICE)
    assert (health.raw_coll, health.raw_debt) == (10 * E18 - 3 * 10**16, 18_000 * E18)


def test_head_supply_fee_steps_with_the_aave_rate() -> None:
    pool = head_pool(supply_ratio_1e9=3_000_000)
    request = OperateRequest("alice", PRICE, None, 10 * E18, 18_000 * E18, aave_rate_1e18=10**18)
    # k = floor((1e18 - 1) / 0.3e18) = 3 steps of 0.3%.
    assert pool.preview_operate(request).fee_open_token == 9 * 10**16


def test_head_withdraw_and_repay_fees() -> None:
    pool = head_pool(
        supply_ratio_1e9=0, withdraw_fee_ratio_1e9=1_000_000, repay_fee_ratio_1e9=2_000_000
    )
    pool.operate(open_request(10 * E18, 18_000 * E18))
    withdrawn = pool.operate(OperateRequest("alice", PRICE, 1, -E18, 0))
    assert withdrawn.fee_close_token == 10**15
    assert withdrawn.collateral_out_token == E18 - 10**15
    assert withdrawn.pool_collateral_token_delta == -E18
    repaid = pool.operate(OperateRequest("alice", PRICE, 1, 0, -1000 * E18))
    assert repaid.fxusd_from_owner == 1000 * E18 + 2 * E18
    assert repaid.fxusd_fee_to_close_revenue == 2 * E18
    assert pool.balances.fees_close_token == 10**15


def test_d8e5e9d_open_and_close_fees_are_taken_from_raw_collateral() -> None:
    pool = FxPool(FxPoolParameters(version=FxVersion.D8E5E9D))
    opened = pool.operate(open_request(E18, 2000 * E18))
    assert opened.fee_raw == 10**15 and opened.fee_open_token == 10**15
    assert opened.collateral_in_token == E18
    withdrawn = pool.operate(OperateRequest("alice", PRICE, 1, -(10**16), 0))
    assert (withdrawn.collateral_out_token, withdrawn.fee_close_token) == (999 * 10**13, 10**13)
    assert withdrawn.pool_collateral_raw_delta == -(10**16)


def test_close_repays_the_rounded_up_debt_and_returns_all_collateral() -> None:
    pool = head_pool(supply_ratio_1e9=0, withdraw_fee_ratio_1e9=0)
    pool.operate(open_request(10 * E18, 18_000 * E18))
    pool.debt_index = E96 + E96 // 7  # as if bad debt had been socialised
    closed = pool.operate(OperateRequest("alice", PRICE, 1, withdraw_all=True, repay_all=True))
    assert closed.fxusd_from_owner == -(-18_000 * E18 * (E96 + E96 // 7) // E96)
    assert closed.collateral_out_token == 10 * E18
    assert (closed.coll_shares_after, closed.debt_shares_after, closed.tick_after) == (0, 0, None)
    assert pool.totals().coll_shares == 0 and pool.tree.debt_ticks == []


def test_anyone_may_add_collateral_or_repay_but_only_the_owner_withdraws_or_borrows() -> None:
    pool = head_pool()
    pool.operate(open_request(10 * E18, 18_000 * E18))
    pool.operate(OperateRequest("bob", PRICE, 1, E18, 0))
    pool.operate(OperateRequest("bob", PRICE, 1, 0, -1000 * E18))
    for delta_coll, delta_debt in ((-E18, 0), (0, 100 * E18)):
        with pytest.raises(MathRejected) as raised:
            pool.preview_operate(OperateRequest("bob", PRICE, 1, delta_coll, delta_debt))
        assert raised.value.code is RejectCode.POSITION_NOT_OWNED


@pytest.mark.parametrize(
    ("request_", "code"),
    [
        (OperateRequest("alice", PRICE, None, 0, 0), RejectCode.ZERO_AMOUNT),
        (OperateRequest("alice", PRICE, None, 10**8, 10**12), RejectCode.DEBT_TOO_SMALL),
        (OperateRequest("alice", PRICE, 99, E18, 0), RejectCode.UNKNOWN_POSITION),
        (OperateRequest("alice", PRICE, None, E18, 2900 * E18), RejectCode.LTV_TOO_HIGH),
        (OperateRequest("alice", PRICE, None, E18, 100 * E18), RejectCode.LTV_TOO_LOW),
        (OperateRequest("alice", PRICE, 1, -20 * E18, 0), RejectCode.INSUFFICIENT_BALANCE),
        (OperateRequest("alice", PRICE, 1, 0, -20_000 * E18), RejectCode.INSUFFICIENT_BALANCE),
        (
            OperateRequest("alice", PRICE, None, withdraw_all=True, repay_all=True),
            RejectCode.INVALID_PARAMETER,
        ),
        (
            OperateRequest("alice", PRICE, None, E18, 2000 * E18, borrow_allowed=False),
            RejectCode.BORROW_NOT_ALLOWED,
        ),
        (OperateRequest("alice", 1900 * E18, 1, 0, E18), RejectCode.LTV_TOO_HIGH),
    ],
)
def test_operate_rejections(request_: OperateRequest, code: RejectCode) -> None:
    pool = head_pool()
    pool.operate(open_request(10 * E18, 18_000 * E18))
    before = pool.to_state()
    with pytest.raises(MathRejected) as raised:
        pool.preview_operate(request_)
    assert raised.value.code is code, raised.value.detail
    assert pool.to_state() == before


def _pool_with_a_tick_at_the_redeem_price(version: FxVersion) -> FxPool:
    pool = FxPool(FxPoolParameters(version=version, supply_ratio_1e9=0, open_ratio_1e9=0))
    pool.operate(open_request(100 * E18, 150_000 * E18, owner="healthy"))
    pool.operate(open_request(10 * E18, 25_700 * E18, owner="risky"))
    return pool


def test_head_redeem_stops_at_a_tick_that_would_not_move() -> None:
    pool = _pool_with_a_tick_at_the_redeem_price(FxVersion.HEAD)
    # At 2571 USD the risky tick's debt is ~99.96% of its collateral value: taking 20% of
    # both leaves it in the same tick.
    with pytest.raises(MathRejected) as raised:
        pool.preview_redeem(RedeemRequest(1000 * E18, 2571 * E18))
    assert raised.value.code is RejectCode.REDEEM_NOT_ALLOWED


def test_d8e5e9d_redeem_takes_from_a_tick_that_does_not_move() -> None:
    pool = _pool_with_a_tick_at_the_redeem_price(FxVersion.D8E5E9D)
    top = pool.tree.debt_ticks[-1]
    redeemed = pool.redeem(RedeemRequest(1000 * E18, 2571 * E18))
    assert redeemed.movements[0].tick == top == redeemed.movements[0].tick_after
    assert redeemed.raw_debts == 1000 * E18
    assert redeemed.raw_colls == 1000 * E18 * E18 // (2571 * E18)
    assert redeemed.fee_token == redeemed.colls_token * 5 // 1000


@pytest.mark.parametrize(
    ("request_", "detail"),
    [
        (RedeemRequest(99 * E18, 3000 * E18), "below 100"),
        (RedeemRequest(1000 * E18, 3000 * E18, redeem_allowed=False), "peg"),
        (RedeemRequest(1000 * E18, 3000 * E18, fxusd_balance=10 * E18), "balance"),
        (RedeemRequest(1000 * E18, 1000 * E18), "under-collateralised"),
    ],
)
def test_redeem_rejections(request_: RedeemRequest, detail: str) -> None:
    pool = head_pool()
    pool.operate(open_request(10 * E18, 18_000 * E18))
    with pytest.raises(MathRejected) as raised:
        pool.preview_redeem(request_)
    assert detail in raised.value.detail


def test_funding_shrinks_every_position_and_harvest_collects_it() -> None:
    pool = head_pool(supply_ratio_1e9=0, harvester_ratio_1e9=10_000_000)
    pool.operate(open_request(10 * E18, 18_000 * E18))
    pool.operate(open_request(30 * E18, 54_000 * E18, owner="bob"))
    rate = 5 * 10**16
    quiet = pool.preview_funding(SECONDS_PER_YEAR, rate, FundingConditions())
    assert quiet.funding_raw == 0 and quiet.coll_index_after == quiet.coll_index_before
    accrued = pool.accrue_funding(SECONDS_PER_YEAR, rate, FundingConditions(fxusd_depegged=True))
    # 10x the Aave rate for a year: half the collateral.
    assert accrued.funding_ratio == 5 * 10**17
    assert accrued.funding_raw == 20 * E18
    assert accrued.coll_index_after == E96 * 2
    assert pool.position_health(1, PRICE).raw_coll == 5 * E18
    assert pool.position_health(2, PRICE).raw_coll == 15 * E18
    harvested = pool.harvest(E18)
    assert harvested.funding_token == 20 * E18
    assert harvested.bounty_token == 2 * 10**17
    assert harvested.funding_to_treasury_token == 20 * E18 - 2 * 10**17
    assert pool.balances.collateral_raw == pool.totals().raw_coll == 20 * E18


def test_d8e5e9d_funding_needs_the_depeg_and_uses_the_pool_ratio() -> None:
    pool = FxPool(FxPoolParameters(version=FxVersion.D8E5E9D, funding_ratio_1e9=10**8))
    pool.operate(open_request(10 * E18, 18_000 * E18))
    raw = pool.totals().raw_coll
    off = pool.preview_funding(SECONDS_PER_YEAR, 5 * 10**16, FundingConditions())
    assert off.funding_raw == 0
    on = pool.preview_funding(SECONDS_PER_YEAR, 5 * 10**16, FundingConditions(fxusd_depegged=True))
    assert on.funding_raw == raw * 5 // 100 // 10


def test_rate_provider_growth_is_harvested_as_rewards() -> None:
    parameters = FxPoolParameters(version=FxVersion.HEAD, supply_ratio_1e9=0)
    pool = FxPool(parameters)
    rate = 12 * 10**17
    pool.operate(
        OperateRequest("alice", PRICE, None, 10 * E18, 20_000 * E18, collateral_rate_1e18=rate)
    )
    assert pool.balances.collateral_raw == 12 * E18
    harvested = pool.harvest(rate * 11 // 10)
    # 10 tokens now back 13.2 raw; the 1.2 raw surplus is 1.2 / 1.32 tokens.
    assert harvested.rewards_token == 12 * E18 // 10 * E18 // (rate * 11 // 10)
    assert harvested.funding_token == 0


def test_head_repay_in_usdc_at_the_usdc_price() -> None:
    pool = head_pool(repay_fee_ratio_1e9=1_000_000)
    pool.operate(open_request(10 * E18, 18_000 * E18))
    usdc_price = 999 * 10**15
    repay = OperateRequest(
        "alice", PRICE, 1, 0, -1000 * 10**6, repay_in_stable=True, usdc_price_1e18=usdc_price
    )
    repaid = pool.operate(repay)
    assert repaid.debt_raw_delta == -999 * E18
    assert repaid.fxusd_from_owner == 0
    assert repaid.usdc_fee_to_close_revenue == 10**6
    assert repaid.usdc_from_owner == 1000 * 10**6 + 10**6
    assert pool.position_health(1, PRICE).raw_debt == 18_000 * E18 - 999 * E18
    refused = OperateRequest(
        "alice", PRICE, 1, 0, -(10**6), repay_in_stable=True, stable_repay_allowed=False
    )
    with pytest.raises(MathRejected) as raised:
        pool.preview_operate(refused)
    assert raised.value.code is RejectCode.INVALID_PARAMETER
