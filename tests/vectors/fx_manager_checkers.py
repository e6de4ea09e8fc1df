"""f(x) protocol v2 kinds (the pool manager and the stability pool): settlement, fees, shares.

A rebalance or liquidation is settled in fxUSD up to what the caller offers (`max_fxusd`), the
rest in USDC at its price, rounded up. Where a vector gives no `max_fxusd`, its transition says
how it pays: "paid in USDC" (no fxUSD) or otherwise fxUSD for the whole debt. Stability pool
deposits take either base token; a redeem waits out the cooldown first.
"""

from __future__ import annotations

from typing import Any

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fx_pool import FxPool
from projections.contracts.fx_results import OperateRequest, SettlementTerms
from projections.contracts.fx_stability import (
    BaseToken,
    StabilityPool,
    StabilityPoolParameters,
    StabilityTotals,
)
from projections.contracts.fx_ticks import scaling_factor
from projections.contracts.fx_walks import settle
from tests.vectors.fx_checkers import OWNER, PRICE_OPEN_1E18, _parameters, _pool
from tests.vectors.harness import Computed, Kind, Vector, as_int, kind

ONE_1E18 = 10**18


def _max_fxusd(vector: Vector) -> int:
    inputs = vector["inputs"]
    if "max_fxusd" in inputs:
        return as_int(inputs["max_fxusd"])
    transition = str(vector.get("transition", "")).lower()
    if "usdc" in transition and "fxusd" not in transition:
        return 0
    return as_int(inputs["raw_debts"])


@kind("settle a rebalance or liquidation", {"raw_debts"})
def settlement(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    terms = SettlementTerms(
        max_fxusd=_max_fxusd(vector),
        usdc_price_1e18=as_int(inputs.get("usdc_price", ONE_1E18)),
        usdc_decimals=as_int(inputs.get("usdc_decimals", 6)),
    )
    factor = scaling_factor(18, as_int(inputs.get("token_rate", ONE_1E18)))
    settled = settle(
        as_int(inputs.get("raw_colls_plus_bonus", 0)),
        as_int(inputs.get("bonus_raw_colls", 0)),
        as_int(inputs["raw_debts"]),
        terms,
        factor,
        as_int(inputs.get("liquidation_expense_ratio", 0)),
    )
    return {
        "stable_used": settled.stable_used,
        "fxusd_used": settled.fxusd_used,
        "colls_to_receiver": settled.colls_to_receiver_token,
        "protocol_revenue": settled.protocol_revenue_token,
        "colls_total": settled.colls_token,
    }


@kind("open with the pool's open fee", {"new_coll", "new_debt"})
def open_fee(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    parameters = _parameters(inputs, open_ratio_1e9=as_int(inputs.get("open_fee_ratio", 0)))
    pool = FxPool(parameters)
    preview = pool.operate(
        OperateRequest(
            owner=OWNER,
            price_1e18=as_int(inputs.get("price", PRICE_OPEN_1E18)),
            collateral_delta_token=as_int(inputs["new_coll"]),
            debt_delta=as_int(inputs["new_debt"]),
        )
    )
    return {
        "open_fee": preview.fee_open_token,
        "accumulated_open_fees": pool.balances.fees_open_token,
        "collateral_balance": pool.balances.collateral_token,
        "fxusd_minted": preview.fxusd_to_owner,
    }


@kind("withdraw with the pool's close fee", {"withdraw"})
def withdraw_fee(vector: Vector) -> Computed:
    """Withdraw from a 1 ETH / 2000 fxUSD position (neither enters the fee's amounts)."""
    inputs = vector["inputs"]
    parameters = _parameters(inputs, close_fee_ratio_1e9=as_int(inputs.get("close_fee_ratio", 0)))
    pool = _pool(parameters, [(ONE_1E18, 2000 * ONE_1E18)])
    preview = pool.operate(
        OperateRequest(
            owner=OWNER,
            price_1e18=PRICE_OPEN_1E18,
            position_id=1,
            collateral_delta_token=-as_int(inputs["withdraw"]),
        )
    )
    return {
        "user_receives": preview.collateral_out_token,
        "close_fee": preview.fee_close_token,
        "accumulated_close_fees": pool.balances.fees_close_token,
    }


def _stability_pool(inputs: dict[str, Any]) -> StabilityPool:
    pool = StabilityPool(StabilityPoolParameters())
    pool.totals = StabilityTotals(
        as_int(inputs.get("total_fxusd", 0)),
        as_int(inputs.get("total_usdc", 0)),
        as_int(inputs.get("total_supply", 0)),
    )
    return pool


def _deposit(vector: Vector, token: BaseToken, amount: int) -> Computed:
    inputs = vector["inputs"]
    pool = _stability_pool(inputs)
    price = as_int(inputs.get("usdc_price", ONE_1E18))
    preview = pool.preview_deposit(OWNER, token, amount, price)
    pool.apply_deposit(preview)
    return {"shares": preview.shares, "nav": pool.nav_1e18(ONE_1E18, price)}


@kind("stability pool deposit", {"amount", "token"})
def deposit(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    return _deposit(vector, BaseToken(inputs["token"]), as_int(inputs["amount"]))


@kind("stability pool deposit of a named token", set(), any_of={"deposit_fxusd", "deposit_usdc"})
def deposit_named(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    if "deposit_fxusd" in inputs:
        return _deposit(vector, BaseToken.FXUSD, as_int(inputs["deposit_fxusd"]))
    return _deposit(vector, BaseToken.USDC, as_int(inputs["deposit_usdc"]))


@kind("stability pool redeem after the cooldown", {"shares", "total_supply"})
def redeem_shares(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    pool = _stability_pool(inputs)
    shares = as_int(inputs["shares"])
    pool.shares[OWNER] = shares
    pool.apply_request_redeem(pool.preview_request_redeem(OWNER, shares, now_seconds=0))
    try:
        pool.preview_redeem(OWNER, shares, now_seconds=1)
        early = "ok"
    except MathRejected as rejected:
        early = str(rejected.code)
    preview = pool.preview_redeem(
        OWNER, shares, now_seconds=pool.parameters.redeem_cooldown_seconds
    )
    return {
        "fxusd_out": preview.fxusd_out,
        "usdc_out": preview.usdc_out,
        "redeem_before_cooldown": early,
        "cooldown_refuses_early": early == RejectCode.COOLDOWN,
    }


KINDS: list[Kind] = [
    settlement,
    open_fee,
    withdraw_fee,
    deposit,
    deposit_named,
    redeem_shares,
]
