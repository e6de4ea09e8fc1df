"""f(x) protocol v2 kinds (the pool): open, ticks, funding, redeem, rebalance, liquidate.

Vectors come from the d8e5e9d hardhat suites, so pools here use `FxVersion.D8E5E9D`. Amounts the
walks compute (redeem/rebalance/liquidate totals, bonuses, indices, fees, ticks) are asserted
exactly. Per-position amounts after a tick was partially taken go through the lazy x2^60 node
ratios, which round down: the harness compares them within the vector's `tolerance_from_test`
(the test's own `closeTo`), as the file's caveats say. Where a vector names only a tick's totals, the pool is
built from one position holding them; positions are opened at 3000 USD with the debt-ratio
range opened to [0, 1) because some test positions start below the default 0.5 minimum (the
tests widen it the same way); the opening price enters no asserted amount. The funding vector's
pool holds its total collateral in one position, and the withdraw-fee vector withdraws from a
1 ETH / 2000 fxUSD position: neither the debt nor the position enters the asserted amounts.
"""

from __future__ import annotations

import re
from typing import Any

from projections.contracts import MathRejected
from projections.contracts.fx_funding import preview_funding
from projections.contracts.fx_params import FundingConditions, FxPoolParameters, FxVersion
from projections.contracts.fx_pool import FxPool
from projections.contracts.fx_results import OperateRequest, RedeemRequest, SettlementTerms
from projections.contracts.fx_ticks import tick_of_shares
from tests.vectors.harness import Computed, Kind, Vector, as_int, kind

PRICE_OPEN_1E18 = 3000 * 10**18
OWNER = "tester"


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


def _position_after(pool: FxPool, position_id: int) -> dict[str, int]:
    raw_coll, raw_debt = _raw_position(pool, position_id)
    return {"coll": raw_coll, "debt": raw_debt}


def _totals(pool: FxPool, count: int) -> Computed:
    totals = pool.totals()
    computed: Computed = {
        "total_raw_coll_after": totals.raw_coll,
        "total_raw_debt_after": totals.raw_debt,
        "debt_index_after": pool.debt_index,
        "coll_index_after": pool.coll_index,
        "top_tick_after": pool.tree.debt_ticks[-1] if pool.tree.debt_ticks else None,
    }
    for position_id in range(1, count + 1):
        after = _position_after(pool, position_id)
        computed[f"position{position_id}_after"] = after
        computed[f"position{position_id}_coll_after"] = after["coll"]
        computed[f"position{position_id}_debt_after"] = after["debt"]
    computed["positions_after"] = [
        _position_after(pool, position_id) for position_id in range(1, count + 1)
    ]
    return computed


def contract_error(rejected: MathRejected) -> str:
    """The contract's error name the model quotes in its refusal, else the refusal's code."""
    named = re.search(r"\((Error\w+)\)", rejected.detail)
    return named.group(1) if named else str(rejected.code)


@kind(
    "open a position",
    {"raw_coll", "raw_debt", "exchange_price"},
)
def open_position(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    defaults = FxPoolParameters()
    parameters = _parameters(
        inputs,
        open_ratio_1e9=as_int(inputs.get("open_ratio", defaults.open_ratio_1e9)),
        open_ratio_step_1e18=as_int(inputs.get("open_ratio_step", defaults.open_ratio_step_1e18)),
        debt_ratio_min_1e18=defaults.debt_ratio_min_1e18,
        debt_ratio_max_1e18=defaults.debt_ratio_max_1e18,
    )
    preview = FxPool(parameters).preview_operate(
        OperateRequest(
            owner=OWNER,
            price_1e18=as_int(inputs["exchange_price"]),
            collateral_delta_token=as_int(inputs["raw_coll"]),
            debt_delta=as_int(inputs["raw_debt"]),
            aave_rate_1e18=as_int(inputs.get("aave_rate", 0)),
        )
    )
    return {
        "raw_coll_after_fee": preview.collateral_raw_delta,
        "protocol_fee": preview.fee_raw,
        "open_fee_token": preview.fee_open_token,
        "tick": preview.tick_after,
        "coll_shares": preview.coll_shares_after,
        "debt_shares": preview.debt_shares_after,
    }


@kind("tick of shares", {"coll_shares", "debt_shares"})
def tick(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    return {"tick": tick_of_shares(as_int(inputs["coll_shares"]), as_int(inputs["debt_shares"]))}


@kind("funding", {"total_raw_coll", "duration_seconds", "funding_ratio"})
def funding(vector: Vector) -> Computed:
    """The pool holds its total collateral in one position; its debt enters no output."""
    inputs = vector["inputs"]
    parameters = _parameters(inputs, funding_ratio_1e9=as_int(inputs["funding_ratio"]))
    pool = _pool(parameters, [(as_int(inputs["total_raw_coll"]), 2000 * 10**18)])
    if "coll_index_before" in inputs:
        assert pool.coll_index == as_int(inputs["coll_index_before"]), "a new pool's index"
    preview = preview_funding(
        pool,
        as_int(inputs["duration_seconds"]),
        as_int(inputs.get("aave_rate", 0)),
        FundingConditions(fxusd_depegged=True),
    )
    return {
        "funding": preview.funding_raw,
        "coll_index_after": preview.coll_index_after,
        "total_raw_coll": preview.total_raw_coll,
    }


@kind("redeem fxUSD", {"positions", "redeem_debt", "redeem_price"})
def redeem(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    positions = _positions(inputs)
    pool = _pool(_parameters(inputs), positions)
    preview = pool.redeem(
        RedeemRequest(
            debts=as_int(inputs["redeem_debt"]), price_1e18=as_int(inputs["redeem_price"])
        )
    )
    return {
        "raw_colls_out": preview.raw_colls,
        "raw_debts": preview.raw_debts,
        **_totals(pool, len(positions)),
    }


TICK_WEIGHTS = (1, 10, 100)
"""How a tick's totals are split into positions when a vector gives only the totals: the
source test opened three at 1:10:100 (0.123/1.23/12.3 ETH against 220/2200/22000 fxUSD), so
all three sit in the one tick."""


@kind("rebalance a tick", {"tick_raw_coll", "tick_raw_debt", "price"})
def rebalance_tick(vector: Vector) -> Computed:
    """The tick's rebalance, or the contract's error when the tick is outside the lines."""
    inputs = vector["inputs"]
    tick_coll, tick_debt = as_int(inputs["tick_raw_coll"]), as_int(inputs["tick_raw_debt"])
    total = sum(TICK_WEIGHTS)
    positions = [(tick_coll * k // total, tick_debt * k // total) for k in TICK_WEIGHTS]
    pool = _pool(_parameters(inputs), positions)
    top = pool.tree.debt_ticks[-1]
    try:
        preview = pool.rebalance_tick(
            top, as_int(inputs["price"]), SettlementTerms(max_fxusd=2**255)
        )
    except MathRejected as rejected:
        return {"error": contract_error(rejected)}
    return {
        "raw_debts": preview.raw_debts,
        "raw_colls": preview.raw_colls,
        "bonus_raw_colls": preview.bonus_raw_colls,
        "error": "ok",
        **_totals(pool, len(positions)),
    }


@kind("liquidate", {"positions", "liquidate_price"})
def liquidate(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    positions = _positions(inputs)
    pool = _pool(_parameters(inputs), positions)
    preview = pool.liquidate(
        as_int(inputs["liquidate_price"]),
        SettlementTerms(max_fxusd=as_int(inputs.get("max_raw_debts", 2**255))),
        reserve_token=as_int(inputs.get("reserved_raw_colls", 0)),
    )
    return {
        "raw_colls": preview.raw_colls,
        "raw_debts": preview.raw_debts,
        "bonus_raw_colls": preview.bonus_raw_colls,
        "bonus_from_reserve": preview.bonus_from_reserve_raw,
        **_totals(pool, len(positions)),
    }


KINDS: list[Kind] = [open_position, tick, funding, redeem, rebalance_tick, liquidate]
