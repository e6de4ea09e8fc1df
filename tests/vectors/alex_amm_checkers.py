"""Checkers for the ALEX AMM vectors: fixed point, weighted pool, yield token pool, CRP.

Each checker recomputes a vector's `expected` values with `projections.contracts` and asserts
them exactly (none of these vectors carries a `tolerance_from_test`). Where the project's math
also yields a value listed under `derived_not_asserted_by_test`, it is asserted too: those
come from the note's own re-implementation, so they catch drift but are not independent.
The `alex-stake-*` vectors have their own module.
"""

from __future__ import annotations

from typing import Any

import pytest

from events.rejections import RejectCode
from projections.contracts import MathRejected, weighted_liquidity, weighted_simple, weighted_swaps
from projections.contracts import crp as collateral
from projections.contracts import crp_trades as collateral_trades
from projections.contracts import fixed_point as fp
from projections.contracts import weighted_pool as weighted
from projections.contracts import yield_token_pool as ytp
from projections.contracts import yield_token_pool_liquidity as ytp_liquidity
from projections.contracts import yield_token_pool_swaps as ytp_swaps
from tests.vectors.harness import Checker, Vector, as_int

HALF = fp.ONE_8 // 2
TEST_RATIO = 30_000_000
"""`fixed-weight-pool-v1-01_test.ts` sets both max ratios to 0.3e8 before trading; the
vectors from that file that omit the ratio were run under the same setting."""
TEST_LIMITS = weighted.RatioLimits(TEST_RATIO, TEST_RATIO)


def _derived(vector: Vector) -> dict[str, Any]:
    derived: dict[str, Any] = vector.get("derived_not_asserted_by_test", {})
    return derived


def _limits(inputs: dict[str, Any]) -> weighted.RatioLimits:
    return weighted.RatioLimits(
        as_int(inputs.get("max_in_ratio", TEST_RATIO)),
        as_int(inputs.get("max_out_ratio", TEST_RATIO)),
    )


# --- 2.1 fixed point -------------------------------------------------------------------


def check_fp_mul(vector: Vector) -> None:
    inputs = vector["inputs"]
    operation = fp.mul_down if vector["transition"] == "mul-down" else fp.mul_up
    result = operation(as_int(inputs["a"]), as_int(inputs["b"]))
    assert result == as_int(vector["expected"]["result"])


def check_fp_pow(vector: Vector) -> None:
    inputs = vector["inputs"]
    base, exponent = as_int(inputs["base"]), as_int(inputs["exponent"])
    operation = fp.pow_down if vector["id"].startswith("alex-fp-pow-down") else fp.pow_up
    assert operation(base, exponent) == as_int(vector["expected"]["result"])
    if "raw_pow_fixed" in _derived(vector):
        assert fp.pow_fixed(base, exponent) == as_int(_derived(vector)["raw_pow_fixed"])
        # The long table must agree wherever the short one is exact.
        assert fp.pow_fixed(base, exponent, fp.ConstantTable.LONG) == fp.pow_fixed(base, exponent)


# --- 2.2 / 2.3 fixed-weight pool -------------------------------------------------------


def check_fwp_create(vector: Vector) -> None:
    inputs = vector["inputs"]
    empty = weighted.WeightedPool(0, 0, as_int(inputs["weight_x"]), as_int(inputs["weight_y"]))
    added = weighted_liquidity.add_to_position(
        empty, as_int(inputs["total_supply_before"]), as_int(inputs["dx"]), as_int(inputs["dy"])
    )
    assert added.supply_minted == as_int(vector["expected"]["total_supply"])


def _half_pool(
    balance_x: int,
    balance_y: int,
    fee_rate_y: int = 0,
    fee_rebate: int = 0,
    limits: weighted.RatioLimits = TEST_LIMITS,
) -> weighted.WeightedPool:
    return weighted.WeightedPool(
        balance_x,
        balance_y,
        HALF,
        HALF,
        fee_rate_y=fee_rate_y,
        fee_rebate=fee_rebate,
        limits=limits,
    )


def check_fwp_add(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    pool = _half_pool(as_int(inputs["balance_x"]), as_int(inputs["balance_y"]))
    total_supply = as_int(inputs["total_supply"])
    added = weighted_liquidity.add_to_position(pool, total_supply, as_int(inputs["dx"]), None)
    if "supply_minted" in expected:
        assert added.supply_minted == as_int(expected["supply_minted"])
        assert added.dy == as_int(expected["dy"])
    else:
        assert total_supply + added.supply_minted == as_int(expected["total_supply_after"])


def _pool_of(
    balances: dict[str, Any], token: str, limits: weighted.RatioLimits = TEST_LIMITS
) -> weighted.WeightedPool:
    # Every v1-01 pool pairs wSTX (token x) with the named token (token y), 50/50 here.
    return _half_pool(
        as_int(balances["balance_wstx"]),
        as_int(balances[f"balance_{token}"]),
        fee_rate_y=as_int(balances.get("fee_rate_y", 0)),
        fee_rebate=as_int(balances.get("fee_rebate", 0)),
        limits=limits,
    )


def check_fwp_multihop(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    if "wbtc_in" in inputs:
        pool_in = _pool_of(inputs["pool_wstx_wbtc"], "wbtc", _limits(inputs))
        pool_out = _pool_of(inputs["pool_wstx_usda"], "usda", _limits(inputs))
        route = weighted_swaps.swap_through_wstx(pool_in, pool_out, as_int(inputs["wbtc_in"]), None)
        assert route.amount_out == as_int(expected["usda_out"])
    else:
        pool_in = _pool_of(inputs["pool_wstx_usda"], "usda")
        pool_out = _pool_of(inputs["pool_wstx_wbtc"], "wbtc")
        route = weighted_swaps.swap_through_wstx(pool_in, pool_out, as_int(inputs["usda_in"]), None)
        assert route.amount_out == as_int(expected["wbtc_out"])
    if "wstx_intermediate" in _derived(vector):
        assert route.first_leg.amount_out == as_int(_derived(vector)["wstx_intermediate"])


def check_fwp_fee_rebate(vector: Vector) -> None:
    inputs, expected, derived = vector["inputs"], vector["expected"], _derived(vector)
    pool_in = _pool_of(inputs["pool_wstx_usda"], "usda")
    pool_out = _pool_of(inputs["pool_wstx_wbtc"], "wbtc")
    route = weighted_swaps.swap_through_wstx(pool_in, pool_out, as_int(inputs["usda_in"]), None)
    assert route.amount_out == as_int(expected["wbtc_out"])
    assert route.first_leg.balance_x_after == as_int(expected["pool_wstx_usda_balance_x_after"])
    assert route.first_leg.balance_y_after == as_int(expected["pool_wstx_usda_balance_y_after"])
    assert route.first_leg.fee == as_int(derived["fee"])
    assert route.first_leg.amount_in_net == as_int(derived["dy_net"])
    assert route.first_leg.rebate == as_int(derived["rebate"])
    assert route.first_leg.reserve_share == route.first_leg.fee - route.first_leg.rebate
    assert route.first_leg.amount_out == as_int(derived["wstx_intermediate"])


def check_fwp_single_hop(vector: Vector) -> None:
    inputs = vector["inputs"]
    pool = _half_pool(as_int(inputs["balance_x"]), as_int(inputs["balance_y"]))
    leg = weighted_swaps.swap_x_for_y(pool, as_int(inputs["dx"]))
    assert leg.amount_out == as_int(vector["expected"]["dy"])


def check_fwp_error_max_out(vector: Vector) -> None:
    inputs = vector["inputs"]
    # Only the wBTC side is in the vector: the first leg (`get-x-given-y`) rejects on it
    # before the wSTX balance is read, so that balance is the test pool's 5e13 for realism.
    limits = weighted.RatioLimits(TEST_RATIO, as_int(inputs["max_out_ratio"]))
    pool = weighted.WeightedPool(
        50_000_000_000_000, as_int(inputs["balance_wbtc"]), HALF, HALF, limits=limits
    )
    with pytest.raises(MathRejected) as caught:
        weighted_swaps.swap_y_for_x(pool, as_int(inputs["wbtc_in"]))
    assert caught.value.code is RejectCode.MAX_RATIO
    assert "4002" in vector["expected"]["error"]


# --- 2.5 yield token pool --------------------------------------------------------------


def _yield_pool(state: dict[str, Any]) -> ytp.YieldTokenPool:
    return ytp.YieldTokenPool(
        balance_token=as_int(state["balance_token"]),
        balance_yield_token=as_int(state["balance_yield_token"]),
        balance_virtual=as_int(state["balance_virtual"]),
        total_supply=as_int(state["total_supply"]),
    )


def _assert_state(pool_after: dict[str, Any], token: int, actual: int, virtual: int) -> None:
    assert token == as_int(pool_after["balance_token"])
    assert actual == as_int(pool_after["balance_yield_token"])
    assert virtual == as_int(pool_after["balance_virtual"])


def check_ytp_time(vector: Vector) -> None:
    inputs = vector["inputs"]
    max_expiry = as_int(inputs.get("max_expiry", ytp.MAX_EXPIRY_DEFAULT))
    time_fraction = ytp.time_to_maturity(
        as_int(inputs["expiry"]),
        as_int(inputs["listed"]),
        as_int(inputs["block_height"]),
        max_expiry,
    )
    assert time_fraction == as_int(vector["expected"]["t"])


def check_ytp_swap(vector: Vector) -> None:
    inputs, expected, derived = vector["inputs"], vector["expected"], _derived(vector)
    pool, time_fraction = _yield_pool(inputs["state_before"]), as_int(inputs["t"])
    if "dy" in inputs:
        leg = ytp_swaps.swap_y_for_x(pool, time_fraction, as_int(inputs["dy"]))
        assert leg.amount_out == as_int(expected["dx"])
    else:
        leg = ytp_swaps.swap_x_for_y(pool, time_fraction, as_int(inputs["dx"]))
        assert leg.amount_out == as_int(expected["dy"])
    if "state_after" in derived:
        _assert_state(
            derived["state_after"], leg.balance_x_after, leg.balance_y_after, pool.balance_virtual
        )
    if "t_inputs" in derived:
        heights = derived["t_inputs"]
        recomputed = ytp.time_to_maturity(
            as_int(heights["expiry"]), as_int(heights["listed"]), as_int(heights["block_height"])
        )
        assert recomputed == time_fraction


def check_ytp_yield(vector: Vector) -> None:
    inputs = vector["inputs"]
    pool = _yield_pool(inputs["state"])
    rate = ytp.yield_rate(pool.balance_token, pool.balance_yield_total, as_int(inputs["t"]))
    assert rate == as_int(vector["expected"]["yield"])


def check_ytp_price(vector: Vector) -> None:
    inputs = vector["inputs"]
    pool = _yield_pool(inputs["state"])
    value = ytp.price(pool.balance_token, pool.balance_yield_total, as_int(inputs["t"]))
    assert value == as_int(vector["expected"]["price"])


def check_ytp_target_yield(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    pool, time_fraction = _yield_pool(inputs["state"]), as_int(inputs["t"])
    target = as_int(inputs["target_yield"])
    if "error" in expected:
        with pytest.raises(MathRejected) as caught:
            ytp.x_given_yield(pool, time_fraction, target)
        assert caught.value.code is RejectCode.INSUFFICIENT_LIQUIDITY
        assert "2002" in expected["error"]
    elif "dx" in expected:
        assert ytp.x_given_yield(pool, time_fraction, target) == as_int(expected["dx"])
    else:
        assert ytp.y_given_yield(pool, time_fraction, target) == as_int(expected["dy"])


def check_ytp_reduce(vector: Vector) -> None:
    inputs, expected, derived = vector["inputs"], vector["expected"], _derived(vector)
    pool = _yield_pool(inputs["state_before"])
    removed = ytp_liquidity.reduce_position(pool, as_int(inputs["shares"]), fp.ONE_8)
    assert removed.dx == as_int(expected["dx"])
    assert removed.dy_actual == as_int(expected["dy_actual"])
    assert removed.total_supply_after == as_int(expected["total_supply_after"])
    assert removed.dy_virtual == as_int(derived["dy_virtual"])
    _assert_state(
        derived["state_after"],
        removed.balance_token_after,
        removed.balance_yield_token_after,
        removed.balance_virtual_after,
    )


# --- 2.6 collateral rebalancing pool ---------------------------------------------------


def check_crp_create_weight(vector: Vector) -> None:
    inputs, expected, derived = vector["inputs"], vector["expected"], _derived(vector)
    expiry, block_height = as_int(inputs["expiry"]), as_int(inputs["block_height"])
    terms = collateral.creation_terms(
        spot=as_int(inputs["spot"]),
        expiry=expiry,
        block_height=block_height,
        ltv_0=as_int(inputs["ltv_0"]),
        bs_vol=as_int(inputs["bs_vol"]),
        strike_multiplier=as_int(inputs["strike_multiplier"]),
    )
    assert terms.weight_x == as_int(expected["weight_x"])
    assert terms.weight_y == as_int(expected["weight_y"])
    assert terms.strike == as_int(expected["strike"])
    assert collateral.years_to_expiry(expiry, block_height) == as_int(derived["t"])
    erf_input = fp.div_down(as_int(derived["d1"]), collateral.SQRT_2)
    assert collateral.erf(erf_input) == as_int(derived["erf_term"])


def check_crp_create_mint(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    dx = as_int(inputs["dx"])
    # The first mint reads ltv_0 (no yield tokens yet), so the LTV is the vector's ltv_0.
    split = collateral_trades.mint_split(
        as_int(inputs["ltv_0"]), as_int(inputs["spot"]), as_int(inputs["weight_x"]), dx
    )
    assert split.minted == as_int(expected["yield_supply"])
    assert split.minted == as_int(expected["key_supply"])
    assert split.dx_kept == as_int(expected["balance_x"])
    assert split.dx_converted == dx - split.dx_kept


def check_crp_create_route(vector: Vector) -> None:
    # Two 50/50 `simple-equation` pools of (7e8, 7e8): usda -> ALEX -> wbtc. The test raised
    # the 5% default max ratios (the first leg is 5.7% of its pool); 0.3e8 is assumed.
    legs = [(700_000_000, 700_000_000), (700_000_000, 700_000_000)]
    amounts = weighted_simple.constant_product_route(
        as_int(vector["inputs"]["amount_in"]), legs, TEST_LIMITS
    )
    assert amounts[-1] == as_int(vector["expected"]["balance_y"])
    assert amounts[0] == as_int(_derived(vector)["alex_intermediate"])


CHECKERS: dict[str, Checker] = {
    "alex-fp-mul-": check_fp_mul,
    "alex-fp-pow-": check_fp_pow,
    "alex-fwp-create-invariant": check_fwp_create,
    "alex-fwp-add-quarter": check_fwp_add,
    "alex-fwp-multihop-": check_fwp_multihop,
    "alex-fwp-fee-rebate": check_fwp_fee_rebate,
    "alex-fwp-single-hop": check_fwp_single_hop,
    "alex-fwp-err-max-out": check_fwp_error_max_out,
    "alex-ytp-get-t": check_ytp_time,
    "alex-ytp-swap-": check_ytp_swap,
    "alex-ytp-yield-": check_ytp_yield,
    "alex-ytp-price-": check_ytp_price,
    "alex-ytp-y-given-yield": check_ytp_target_yield,
    "alex-ytp-x-given-yield": check_ytp_target_yield,
    "alex-ytp-reduce-": check_ytp_reduce,
    "alex-crp-create-weight": check_crp_create_weight,
    "alex-crp-create-mint": check_crp_create_mint,
    "alex-crp-create-route": check_crp_create_route,
}
