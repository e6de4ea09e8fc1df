"""ALEX lending kinds: the yield token pool (time, yield, price, swaps, positions) and the CRP.

A YTP swap buys yield tokens when the vector pays `dx` and sells them when it pays `dy`. The
two target-yield quotes take the same inputs, so one kind computes both (and the error the
transition names). The CRP's route is written as prose: "ALEX-usda (7e8,7e8) and ALEX-wbtc
(7e8,7e8)"; each "(in,out)" pair is one constant-product leg, in order.
"""

from __future__ import annotations

import re
from typing import Any

from projections.contracts import MathRejected, weighted_simple
from projections.contracts import crp as collateral
from projections.contracts import crp_trades as collateral_trades
from projections.contracts import fixed_point as fp
from projections.contracts import yield_token_pool as ytp
from projections.contracts import yield_token_pool_liquidity as ytp_liquidity
from projections.contracts import yield_token_pool_swaps as ytp_swaps
from tests.vectors.alex_amm_checkers import CLARITY_ERRORS, limits
from tests.vectors.harness import Computed, Kind, Vector, as_int, kind, scientific_int


def _yield_pool(state: dict[str, Any]) -> ytp.YieldTokenPool:
    return ytp.YieldTokenPool(
        balance_token=as_int(state["balance_token"]),
        balance_yield_token=as_int(state["balance_yield_token"]),
        balance_virtual=as_int(state["balance_virtual"]),
        total_supply=as_int(state.get("total_supply", 0)),
    )


def _state(token: int, actual: int, virtual: int, supply: int) -> dict[str, int]:
    return {
        "balance_token": token,
        "balance_yield_token": actual,
        "balance_virtual": virtual,
        "total_supply": supply,
    }


def _error(rejected: MathRejected) -> str:
    return CLARITY_ERRORS.get(rejected.code, str(rejected.code))


@kind("YTP time to maturity", {"expiry", "listed", "block_height"})
def time_to_maturity(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    return {
        "t": ytp.time_to_maturity(
            as_int(inputs["expiry"]),
            as_int(inputs["listed"]),
            as_int(inputs["block_height"]),
            as_int(inputs.get("max_expiry", ytp.MAX_EXPIRY_DEFAULT)),
        )
    }


@kind("YTP yield and price", {"state", "t"}, absent={"target_yield"})
def yield_and_price(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    pool, time_fraction = _yield_pool(inputs["state"]), as_int(inputs["t"])
    return {
        "yield": ytp.yield_rate(pool.balance_token, pool.balance_yield_total, time_fraction),
        "price": ytp.price(pool.balance_token, pool.balance_yield_total, time_fraction),
    }


@kind("YTP trade to a target yield", {"state", "t", "target_yield"})
def to_target_yield(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    pool, time_fraction = _yield_pool(inputs["state"]), as_int(inputs["t"])
    target = as_int(inputs["target_yield"])
    transition = str(vector.get("transition", "")).lower()
    computed: Computed = {}
    for field, quote in (("dx", ytp.x_given_yield), ("dy", ytp.y_given_yield)):
        try:
            computed[field] = quote(pool, time_fraction, target)
        except MathRejected as rejected:
            computed[f"{field}_error"] = _error(rejected)
    # The quote the transition names is the one whose error the vector may expect.
    named = "dy" if "y-given-yield" in transition and "x-given" not in transition else "dx"
    computed["error"] = computed.get(f"{named}_error", "ok")
    return computed


@kind("YTP swap", {"state_before", "t"}, any_of={"dx", "dy"})
def ytp_swap(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    pool, time_fraction = _yield_pool(inputs["state_before"]), as_int(inputs["t"])
    try:
        if "dx" in inputs:
            leg = ytp_swaps.swap_x_for_y(pool, time_fraction, as_int(inputs["dx"]))
            out = "dy"
        else:
            leg = ytp_swaps.swap_y_for_x(pool, time_fraction, as_int(inputs["dy"]))
            out = "dx"
    except MathRejected as rejected:
        return {"error": _error(rejected)}
    after = _state(
        leg.balance_x_after, leg.balance_y_after, pool.balance_virtual, pool.total_supply
    )
    return {out: leg.amount_out, "state_after": after, "error": "ok"}


@kind("YTP reduce position", {"state_before", "shares"})
def ytp_reduce(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    pool = _yield_pool(inputs["state_before"])
    percent = as_int(inputs.get("percent", fp.ONE_8))
    removed = ytp_liquidity.reduce_position(pool, as_int(inputs["shares"]), percent)
    return {
        "dx": removed.dx,
        "dy_actual": removed.dy_actual,
        "dy_virtual": removed.dy_virtual,
        "total_supply_after": removed.total_supply_after,
        "state_after": _state(
            removed.balance_token_after,
            removed.balance_yield_token_after,
            removed.balance_virtual_after,
            removed.total_supply_after,
        ),
    }


@kind(
    "CRP creation terms",
    {"expiry", "block_height", "ltv_0", "bs_vol", "spot"},
)
def crp_creation(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    expiry, block_height = as_int(inputs["expiry"]), as_int(inputs["block_height"])
    ltv_0, bs_vol = as_int(inputs["ltv_0"]), as_int(inputs["bs_vol"])
    multiplier = as_int(inputs.get("strike_multiplier", collateral.STRIKE_MULTIPLIER_DEFAULT))
    terms = collateral.creation_terms(
        as_int(inputs["spot"]), expiry, block_height, ltv_0, bs_vol, multiplier
    )
    return {
        "weight_x": terms.weight_x,
        "weight_y": terms.weight_y,
        "strike": terms.strike,
        "t": collateral.years_to_expiry(expiry, block_height),
    }


@kind("CRP first mint", {"dx", "ltv_0", "spot", "weight_x"})
def crp_first_mint(vector: Vector) -> Computed:
    """The first mint reads ltv_0 (no yield tokens yet), so the LTV is the vector's ltv_0."""
    inputs = vector["inputs"]
    dx = as_int(inputs["dx"])
    split = collateral_trades.mint_split(
        as_int(inputs["ltv_0"]), as_int(inputs["spot"]), as_int(inputs["weight_x"]), dx
    )
    return {
        "yield_supply": split.minted,
        "key_supply": split.minted,
        "balance_x": split.dx_kept,
        "dx_converted": split.dx_converted,
    }


_LEG = re.compile(r"\(\s*([0-9e]+)\s*,\s*([0-9e]+)\s*\)")


@kind("CRP conversion route", {"amount_in", "pools"})
def crp_route(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    legs = [(scientific_int(a), scientific_int(b)) for a, b in _LEG.findall(str(inputs["pools"]))]
    assert legs, f"no '(in,out)' pool balances in {inputs['pools']!r}"
    amounts = weighted_simple.constant_product_route(
        as_int(inputs["amount_in"]), legs, limits(inputs)
    )
    return {"balance_y": amounts[-1], "alex_intermediate": amounts[0], "legs_out": amounts}


KINDS: list[Kind] = [
    time_to_maturity,
    yield_and_price,
    to_target_yield,
    ytp_swap,
    ytp_reduce,
    crp_creation,
    crp_first_mint,
    crp_route,
]
