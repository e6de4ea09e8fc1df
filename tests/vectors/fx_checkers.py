"""f(x) protocol v2 vector checkers: each recomputes a vector with the pool model and asserts it.

Vectors come from the d8e5e9d hardhat suites, so pools here use `FxVersion.D8E5E9D`. Amounts the
walks compute (redeem/rebalance/liquidate totals, bonuses, indices, fees, ticks) are asserted
exactly. Per-position amounts after a tick was partially taken go through the lazy x2^60 node
ratios, which round down: those use the vector's `tolerance_from_test` (the test's own
`closeTo`), as the file's caveats say. Where a vector names only a tick's totals, the pool is
built from one position holding them; positions are opened at 3000 USD with the debt-ratio
range opened to [0, 1) because some test positions start below the default 0.5 minimum (the
tests widen it the same way); the opening price enters no asserted amount. The funding vector's
pool holds its total collateral in one position, and the withdraw-fee vector withdraws from a
1 ETH / 2000 fxUSD position: neither the debt nor the position enters the asserted amounts.
"""

from __future__ import annotations

from typing import Any

import pytest

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fx_funding import preview_funding
from projections.contracts.fx_params import FundingConditions, FxPoolParameters, FxVersion
from projections.contracts.fx_pool import FxPool
from projections.contracts.fx_results import OperateRequest, RedeemRequest, SettlementTerms
from projections.contracts.fx_stability import (
    BaseToken,
    StabilityPool,
    StabilityPoolParameters,
    StabilityTotals,
)
from projections.contracts.fx_ticks import scaling_factor, tick_of_shares
from projections.contracts.fx_walks import settle
from tests.vectors.harness import Checker, Vector, as_int

PRICE_OPEN_1E18 = 3000 * 10**18
OWNER = "tester"


def _tolerance(text: str) -> int:
    """'10 wei', '1e6 wei (test closeTo)', '1 unit' -> the integer before the unit."""
    token = text.split()[0]
    if "e" in token:
        mantissa, exponent = token.split("e")
        scale: int = 10 ** int(exponent)
        return int(mantissa) * scale
    return int(token)


def _close(actual: int, expected: Any, tolerance: int, what: str) -> None:
    assert abs(actual - as_int(expected)) <= tolerance, (
        f"{what}: {actual} vs {expected} (tolerance {tolerance})"
    )


def _parameters(inputs: dict[str, Any], **overrides: Any) -> FxPoolParameters:
    values: dict[str, Any] = {
        "version": FxVersion.D8E5E9D,
        "open_ratio_1e9": 0,
        "close_fee_ratio_1e9": 0,
        "debt_ratio_min_1e18": 0,
        "debt_ratio_max_1e18": 10**18 - 1,
    }
    names = {
        "max_redeem_ratio_per_tick": "redeem_ratio_per_tick_max_1e9",
        "rebalance_debt_ratio": "rebalance_debt_ratio_1e18",
        "rebalance_bonus_ratio": "rebalance_bonus_ratio_1e9",
        "liquidate_debt_ratio": "liquidate_debt_ratio_1e18",
        "liquidate_bonus_ratio": "liquidate_bonus_ratio_1e9",
    }
    for key, name in names.items():
        if key in inputs:
            values[name] = as_int(inputs[key])
    values.update(overrides)
    return FxPoolParameters(**values)


def _pool(parameters: FxPoolParameters, positions: list[tuple[int, int]]) -> FxPool:
    pool = FxPool(parameters)
    for raw_coll, raw_debt in positions:
        pool.operate(
            OperateRequest(
                owner=OWNER,
                price_1e18=PRICE_OPEN_1E18,
                collateral_delta_token=raw_coll,
                debt_delta=raw_debt,
            )
        )
    return pool


def _positions(inputs: dict[str, Any]) -> list[tuple[int, int]]:
    return [(as_int(item["coll"]), as_int(item["debt"])) for item in inputs["positions"]]


def _raw_position(pool: FxPool, position_id: int) -> tuple[int, int]:
    health = pool.position_health(position_id, PRICE_OPEN_1E18)
    return health.raw_coll, health.raw_debt


def check_open_position(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    parameters = _parameters(
        inputs,
        open_ratio_1e9=as_int(inputs["open_ratio"]),
        open_ratio_step_1e18=as_int(inputs["open_ratio_step"]),
        debt_ratio_min_1e18=FxPoolParameters().debt_ratio_min_1e18,
        debt_ratio_max_1e18=FxPoolParameters().debt_ratio_max_1e18,
    )
    preview = FxPool(parameters).preview_operate(
        OperateRequest(
            owner=OWNER,
            price_1e18=as_int(inputs["exchange_price"]),
            collateral_delta_token=as_int(inputs["raw_coll"]),
            debt_delta=as_int(inputs["raw_debt"]),
            aave_rate_1e18=as_int(inputs["aave_rate"]),
        )
    )
    assert preview.collateral_raw_delta == as_int(expected["raw_coll_after_fee"])
    assert preview.fee_raw == as_int(expected["protocol_fee"])
    assert preview.fee_open_token == as_int(expected["protocol_fee"])
    assert preview.tick_after == as_int(expected["tick"])
    assert preview.coll_shares_after == as_int(expected["coll_shares"])
    assert preview.debt_shares_after == as_int(expected["debt_shares"])


def check_tick(vector: Vector) -> None:
    inputs = vector["inputs"]
    tick = tick_of_shares(as_int(inputs["coll_shares"]), as_int(inputs["debt_shares"]))
    assert tick == as_int(vector["expected"]["tick"])


def check_funding(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    parameters = _parameters(inputs, funding_ratio_1e9=as_int(inputs["funding_ratio"]))
    pool = _pool(parameters, [(as_int(inputs["total_raw_coll"]), 2000 * 10**18)])
    assert pool.coll_index == as_int(inputs["coll_index_before"])
    preview = preview_funding(
        pool,
        as_int(inputs["duration_seconds"]),
        as_int(inputs["aave_rate"]),
        FundingConditions(fxusd_depegged=True),
    )
    assert preview.total_raw_coll == as_int(inputs["total_raw_coll"])
    assert preview.funding_raw == as_int(expected["funding"])
    assert preview.coll_index_after == as_int(expected["coll_index_after"])


def check_redeem(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    pool = _pool(_parameters(inputs), _positions(inputs))
    preview = pool.redeem(
        RedeemRequest(
            debts=as_int(inputs["redeem_debt"]), price_1e18=as_int(inputs["redeem_price"])
        )
    )
    assert preview.raw_colls == as_int(expected["raw_colls_out"])
    assert preview.raw_debts == as_int(inputs["redeem_debt"])
    totals = pool.totals()
    assert totals.raw_coll == as_int(expected["total_raw_coll_after"])
    assert totals.raw_debt == as_int(expected["total_raw_debt_after"])
    tolerance = vector["tolerance_from_test"]
    for key, position_id in (("position1_after", 1), ("position2_after", 2)):
        if key in expected:
            raw_coll, raw_debt = _raw_position(pool, position_id)
            _close(raw_coll, expected[key]["coll"], _tolerance(tolerance["coll"]), f"{key} coll")
            _close(raw_debt, expected[key]["debt"], _tolerance(tolerance["debt"]), f"{key} debt")


def check_rebalance_tick(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    tick_coll, tick_debt = as_int(inputs["tick_raw_coll"]), as_int(inputs["tick_raw_debt"])
    # The vector gives the tick's totals and three positions after; the source test opened them
    # at 1:10:100 of the tick (0.123/1.23/12.3 ETH against 220/2200/22000 fxUSD, the same
    # positions as this suite's liquidation vectors), so all three sit in the one tick.
    weights = (1, 10, 100)
    total = sum(weights)
    pool = _pool(
        _parameters(inputs), [(tick_coll * k // total, tick_debt * k // total) for k in weights]
    )
    tick = pool.tree.debt_ticks[-1]
    preview = pool.rebalance_tick(tick, as_int(inputs["price"]), SettlementTerms(max_fxusd=2**255))
    assert preview.raw_debts == as_int(expected["raw_debts"])
    assert preview.raw_colls == as_int(expected["raw_colls"])
    assert preview.bonus_raw_colls == as_int(expected["bonus_raw_colls"])
    assert pool.tree.debt_ticks[-1] == as_int(expected["top_tick_after"])
    totals = pool.totals()
    assert totals.raw_coll == as_int(expected["total_raw_coll_after"])
    assert totals.raw_debt == as_int(expected["total_raw_debt_after"])
    tolerance = vector["tolerance_from_test"]
    for position_id, after in enumerate(expected["positions_after"], start=1):
        raw_coll, raw_debt = _raw_position(pool, position_id)
        _close(raw_coll, after["coll"], _tolerance(tolerance["coll"]), f"#{position_id} coll")
        _close(raw_debt, after["debt"], _tolerance(tolerance["debt"]), f"#{position_id} debt")


def check_rebalance_rejected(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    tick_coll, tick_debt = as_int(inputs["tick_raw_coll"]), as_int(inputs["tick_raw_debt"])
    pool = _pool(_parameters(inputs), [(tick_coll, tick_debt)])
    tick = pool.tree.debt_ticks[-1]
    with pytest.raises(MathRejected) as raised:
        pool.preview_rebalance_tick(
            tick, as_int(inputs["price"]), SettlementTerms(max_fxusd=2**255)
        )
    assert raised.value.code is RejectCode.NOT_REBALANCEABLE
    assert expected["error"] in raised.value.detail


def check_liquidate(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    pool = _pool(_parameters(inputs), _positions(inputs))
    preview = pool.liquidate(
        as_int(inputs["liquidate_price"]),
        SettlementTerms(max_fxusd=as_int(inputs["max_raw_debts"])),
        reserve_token=as_int(inputs["reserved_raw_colls"]),
    )
    assert preview.raw_colls == as_int(expected["raw_colls"])
    assert preview.raw_debts == as_int(expected["raw_debts"])
    assert preview.bonus_raw_colls == as_int(expected["bonus_raw_colls"])
    assert preview.bonus_from_reserve_raw == as_int(expected["bonus_from_reserve"])
    totals = pool.totals()
    if "total_raw_coll_after" in expected:
        assert totals.raw_coll == as_int(expected["total_raw_coll_after"])
    if "total_raw_debt_after" in expected:
        assert totals.raw_debt == as_int(expected["total_raw_debt_after"])
    if "debt_index_after" in expected:
        assert pool.debt_index == as_int(expected["debt_index_after"])
    if "position1_after" in expected:
        raw_coll, raw_debt = _raw_position(pool, 1)
        assert raw_coll == as_int(expected["position1_after"]["coll"])
        assert raw_debt == as_int(expected["position1_after"]["debt"])
    tolerance = _tolerance(vector["tolerance_from_test"]["amounts"])
    for key, position_id in (("position2_debt_after", 2), ("position3_debt_after", 3)):
        if key in expected:
            _close(_raw_position(pool, position_id)[1], expected[key], tolerance, key)


def _check_manager_settlement(vector: Vector, max_fxusd: int) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    terms = SettlementTerms(
        max_fxusd=max_fxusd,
        usdc_price_1e18=as_int(inputs.get("usdc_price", 10**18)),
        usdc_decimals=as_int(inputs.get("usdc_decimals", 6)),
    )
    factor = scaling_factor(18, as_int(inputs.get("token_rate", 10**18)))
    settlement = settle(
        as_int(inputs.get("raw_colls_plus_bonus", 0)),
        as_int(inputs.get("bonus_raw_colls", 0)),
        as_int(inputs["raw_debts"]),
        terms,
        factor,
        as_int(inputs.get("liquidation_expense_ratio", 0)),
    )
    assert settlement.stable_used == as_int(expected["stable_used"])
    if "fxusd_used" in expected:
        assert settlement.fxusd_used == as_int(expected["fxusd_used"])
    if "colls_to_receiver" in expected:
        assert settlement.colls_to_receiver_token == as_int(expected["colls_to_receiver"])
        assert settlement.protocol_revenue_token == as_int(expected["protocol_revenue"])
        derived = vector["derived_not_asserted_by_test"]["colls_total"]
        assert settlement.colls_token == as_int(derived)


def check_manager_rebalance_fxusd(vector: Vector) -> None:
    """ "Only use fxUSD": the caller's fxUSD covers the whole debt."""
    _check_manager_settlement(vector, max_fxusd=as_int(vector["inputs"]["raw_debts"]))


def check_manager_rebalance_stable(vector: Vector) -> None:
    """ "Only use stable": no fxUSD, all of it in USDC (rounded up)."""
    _check_manager_settlement(vector, max_fxusd=0)


def check_manager_rebalance_mixed(vector: Vector) -> None:
    _check_manager_settlement(vector, max_fxusd=as_int(vector["inputs"]["max_fxusd"]))


def check_manager_open_fee(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    parameters = _parameters(inputs, open_ratio_1e9=as_int(inputs["open_fee_ratio"]))
    pool = FxPool(parameters)
    preview = pool.operate(
        OperateRequest(
            owner=OWNER,
            price_1e18=PRICE_OPEN_1E18,
            collateral_delta_token=as_int(inputs["new_coll"]),
            debt_delta=as_int(inputs["new_debt"]),
        )
    )
    assert preview.fee_open_token == as_int(expected["open_fee"])
    assert pool.balances.fees_open_token == as_int(expected["open_fee"])
    assert pool.balances.collateral_token == as_int(expected["collateral_balance"])
    assert preview.collateral_in_token == as_int(inputs["new_coll"])
    assert preview.fxusd_to_owner == as_int(expected["fxusd_minted"])


def check_manager_withdraw_fee(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    parameters = _parameters(inputs, close_fee_ratio_1e9=as_int(inputs["close_fee_ratio"]))
    pool = _pool(parameters, [(10**18, 2000 * 10**18)])
    preview = pool.operate(
        OperateRequest(
            owner=OWNER,
            price_1e18=PRICE_OPEN_1E18,
            position_id=1,
            collateral_delta_token=-as_int(inputs["withdraw"]),
        )
    )
    assert preview.collateral_out_token == as_int(expected["user_receives"])
    assert preview.fee_close_token == as_int(expected["close_fee"])
    assert pool.balances.fees_close_token == as_int(expected["close_fee"])


def check_stability_first_deposit(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    pool = StabilityPool(StabilityPoolParameters())
    assert pool.totals.share_supply == as_int(inputs["total_supply"])
    preview = pool.preview_deposit(
        OWNER, BaseToken(inputs["token"]), as_int(inputs["amount"]), 10**18
    )
    pool.apply_deposit(preview)
    assert preview.shares == as_int(expected["shares"])
    assert pool.nav_1e18(10**18, 10**18) == as_int(expected["nav"])


def _stability_pool(inputs: dict[str, Any]) -> StabilityPool:
    pool = StabilityPool(StabilityPoolParameters())
    pool.totals = StabilityTotals(
        as_int(inputs["total_fxusd"]), as_int(inputs["total_usdc"]), as_int(inputs["total_supply"])
    )
    return pool


def check_stability_second_deposit(vector: Vector) -> None:
    inputs = vector["inputs"]
    pool = _stability_pool(inputs)
    preview = pool.preview_deposit(
        OWNER, BaseToken.FXUSD, as_int(inputs["deposit_fxusd"]), as_int(inputs["usdc_price"])
    )
    assert preview.shares == as_int(vector["expected"]["shares"])


def check_stability_redeem(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    pool = _stability_pool(inputs)
    shares = as_int(inputs["shares"])
    pool.shares[OWNER] = shares
    pool.apply_request_redeem(pool.preview_request_redeem(OWNER, shares, now_seconds=0))
    with pytest.raises(MathRejected) as raised:
        pool.preview_redeem(OWNER, shares, now_seconds=1)
    assert raised.value.code is RejectCode.COOLDOWN
    preview = pool.preview_redeem(
        OWNER, shares, now_seconds=pool.parameters.redeem_cooldown_seconds
    )
    tolerance = vector["tolerance_from_test"]
    _close(preview.fxusd_out, expected["fxusd_out"], _tolerance(tolerance["fxusd"]), "fxUSD out")
    _close(preview.usdc_out, expected["usdc_out"], _tolerance(tolerance["usdc"]), "USDC out")


CHECKERS: dict[str, Checker] = {
    "fx-open-position-fee-and-tick": check_open_position,
    "fx-tick-": check_tick,
    "fx-funding-index": check_funding,
    "fx-redeem-": check_redeem,
    "fx-rebalance-tick": check_rebalance_tick,
    "fx-rebalance-not-reached": check_rebalance_rejected,
    "fx-rebalance-on-liquidatable": check_rebalance_rejected,
    "fx-liquidate-": check_liquidate,
    "fx-pm-rebalance-fxusd": check_manager_rebalance_fxusd,
    "fx-pm-rebalance-stable": check_manager_rebalance_stable,
    "fx-pm-rebalance-mixed": check_manager_rebalance_mixed,
    "fx-pm-open-fee": check_manager_open_fee,
    "fx-pm-withdraw-fee": check_manager_withdraw_fee,
    "fx-sp-first-deposit": check_stability_first_deposit,
    "fx-sp-second-deposit": check_stability_second_deposit,
    "fx-sp-redeem": check_stability_redeem,
}
