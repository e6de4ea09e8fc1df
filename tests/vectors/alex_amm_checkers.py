"""ALEX kinds: fixed point and the fixed-weight pool (swaps either way, routes, liquidity).

Each kind computes a transition's outputs with `projections.contracts`; values a vector lists
under `derived_not_asserted_by_test` are computed too where the math yields them (they are
not asserted). Pools pair wSTX (token x) with a named token y; a vector names its pools
`pool_wstx_<token>` and its input `<token>_in`, so a route runs either way. The yield token
and collateral pools are in `alex_lending_checkers`, staking in `alex_staking_checkers`.
"""

from __future__ import annotations

from typing import Any

from events.rejections import RejectCode
from projections.contracts import MathRejected, weighted_liquidity, weighted_swaps
from projections.contracts import fixed_point as fp
from projections.contracts import weighted_pool as weighted
from tests.vectors.harness import Computed, Kind, Vector, as_int, kind

HALF = fp.ONE_8 // 2
TEST_RATIO = 30_000_000
"""`fixed-weight-pool-v1-01_test.ts` sets both max ratios to 0.3e8 before trading; the
vectors from that file that omit the ratio were run under the same setting."""
CLARITY_ERRORS = {
    RejectCode.MAX_RATIO: "u4002 ERR-MAX-OUT-RATIO",
    RejectCode.INSUFFICIENT_LIQUIDITY: "u2002 ERR-NO-LIQUIDITY",
}
WSTX_BALANCE_DEFAULT = 50_000_000_000_000
"""The test pool's wSTX side, for a vector that gives only the token side of a pool."""


@kind("mul-down", {"a", "b"}, words=("mul-down",))
def mul_down(vector: Vector) -> Computed:
    return {"result": fp.mul_down(as_int(vector["inputs"]["a"]), as_int(vector["inputs"]["b"]))}


@kind("mul-up", {"a", "b"}, words=("mul-up",))
def mul_up(vector: Vector) -> Computed:
    return {"result": fp.mul_up(as_int(vector["inputs"]["a"]), as_int(vector["inputs"]["b"]))}


@kind("div-down", {"a", "b"}, words=("div-down",))
def div_down(vector: Vector) -> Computed:
    return {"result": fp.div_down(as_int(vector["inputs"]["a"]), as_int(vector["inputs"]["b"]))}


@kind("div-up", {"a", "b"}, words=("div-up",))
def div_up(vector: Vector) -> Computed:
    return {"result": fp.div_up(as_int(vector["inputs"]["a"]), as_int(vector["inputs"]["b"]))}


def _pow(vector: Vector, operation: Any) -> Computed:
    base, exponent = as_int(vector["inputs"]["base"]), as_int(vector["inputs"]["exponent"])
    return {"result": operation(base, exponent), "raw_pow_fixed": fp.pow_fixed(base, exponent)}


@kind("pow-down", {"base", "exponent"}, words=("pow-down",))
def pow_down(vector: Vector) -> Computed:
    return _pow(vector, fp.pow_down)


@kind("pow-up", {"base", "exponent"}, words=("pow-up",))
def pow_up(vector: Vector) -> Computed:
    return _pow(vector, fp.pow_up)


def weights(inputs: dict[str, Any]) -> tuple[int, int]:
    """The pool weights: `weight_x`/`weight_y`, a "0.5/0.5" text, or 50/50."""
    if "weight_x" in inputs:
        weight_x = as_int(inputs["weight_x"])
        return weight_x, as_int(inputs.get("weight_y", fp.ONE_8 - weight_x))
    if "weights" in inputs:
        left, _, right = str(inputs["weights"]).partition("/")
        return _fraction_e8(left), _fraction_e8(right)
    return HALF, HALF


def _fraction_e8(text: str) -> int:
    whole, _, fraction = text.strip().partition(".")
    return int(whole or "0") * fp.ONE_8 + int(fraction.ljust(8, "0")[:8] or "0")


def limits(inputs: dict[str, Any]) -> weighted.RatioLimits:
    return weighted.RatioLimits(
        as_int(inputs.get("max_in_ratio", TEST_RATIO)),
        as_int(inputs.get("max_out_ratio", TEST_RATIO)),
    )


def pool(inputs: dict[str, Any], balance_x: int, balance_y: int) -> weighted.WeightedPool:
    weight_x, weight_y = weights(inputs)
    return weighted.WeightedPool(
        balance_x,
        balance_y,
        weight_x,
        weight_y,
        fee_rate_x=as_int(inputs.get("fee_rate_x", 0)),
        fee_rate_y=as_int(inputs.get("fee_rate_y", 0)),
        fee_rebate=as_int(inputs.get("fee_rebate", 0)),
        limits=limits(inputs),
    )


@kind("weighted pool: first liquidity", {"dx", "dy", "total_supply_before"})
def first_liquidity(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    empty = pool(inputs, 0, 0)
    added = weighted_liquidity.add_to_position(
        empty, as_int(inputs["total_supply_before"]), as_int(inputs["dx"]), as_int(inputs["dy"])
    )
    return {"total_supply": added.supply_minted, "supply_minted": added.supply_minted}


@kind("weighted pool: add liquidity", {"balance_x", "balance_y", "total_supply", "dx"})
def add_liquidity(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    total_supply = as_int(inputs["total_supply"])
    current = pool(inputs, as_int(inputs["balance_x"]), as_int(inputs["balance_y"]))
    dy = as_int(inputs["dy"]) if "dy" in inputs else None
    added = weighted_liquidity.add_to_position(current, total_supply, as_int(inputs["dx"]), dy)
    return {
        "supply_minted": added.supply_minted,
        "dy": added.dy,
        "total_supply_after": total_supply + added.supply_minted,
    }


def _leg_fields(leg: weighted.SwapResult, prefix: str = "") -> Computed:
    return {
        f"{prefix}fee": leg.fee,
        f"{prefix}rebate": leg.rebate,
        f"{prefix}dx_net" if prefix else "amount_in_net": leg.amount_in_net,
        f"{prefix}balance_x_after": leg.balance_x_after,
        f"{prefix}balance_y_after": leg.balance_y_after,
    }


@kind(
    "weighted pool: one swap",
    {"balance_x", "balance_y"},
    any_of={"dx", "dy"},
    absent={"total_supply", "total_supply_before"},
)
def single_swap(vector: Vector) -> Computed:
    """x for y when the vector pays `dx`, y for x when it pays `dy`."""
    inputs = vector["inputs"]
    current = pool(inputs, as_int(inputs["balance_x"]), as_int(inputs["balance_y"]))
    x_in = "dx" in inputs
    try:
        if x_in:
            leg = weighted_swaps.swap_x_for_y(current, as_int(inputs["dx"]))
        else:
            leg = weighted_swaps.swap_y_for_x(current, as_int(inputs["dy"]))
    except MathRejected as rejected:
        return {"error": CLARITY_ERRORS.get(rejected.code, str(rejected.code))}
    return {**_leg_fields(leg), "dy" if x_in else "dx": leg.amount_out, "error": "ok"}


def _token_in(inputs: dict[str, Any]) -> str:
    names = [key.removesuffix("_in") for key in inputs if key.endswith("_in")]
    assert len(names) == 1, f"expected one `<token>_in` input, found {names}"
    return names[0]


def _named_pool(inputs: dict[str, Any], token: str) -> weighted.WeightedPool:
    balances = inputs[f"pool_wstx_{token}"]
    return pool(
        {**inputs, **balances},
        as_int(balances["balance_wstx"]),
        as_int(balances[f"balance_{token}"]),
    )


@kind("weighted pool: route through wSTX", set(), any_of={"pool_wstx_usda", "pool_wstx_wbtc"})
def route_through_wstx(vector: Vector) -> Computed:
    """Token A -> wSTX -> token B through the two pools the vector names, either way."""
    inputs = vector["inputs"]
    token_in = _token_in(inputs)
    (token_out,) = [
        key.removeprefix("pool_wstx_")
        for key in inputs
        if key.startswith("pool_wstx_") and key != f"pool_wstx_{token_in}"
    ]
    pool_in, pool_out = _named_pool(inputs, token_in), _named_pool(inputs, token_out)
    route = weighted_swaps.swap_through_wstx(
        pool_in, pool_out, as_int(inputs[f"{token_in}_in"]), None
    )
    first, second = route.first_leg, route.second_leg
    return {
        f"{token_out}_out": route.amount_out,
        "wstx_intermediate": first.amount_out,
        "fee": first.fee,
        "dy_net": first.amount_in_net,
        "rebate": first.rebate,
        f"pool_wstx_{token_in}_balance_x_after": first.balance_x_after,
        f"pool_wstx_{token_in}_balance_y_after": first.balance_y_after,
        f"pool_wstx_{token_out}_balance_x_after": second.balance_x_after,
        f"pool_wstx_{token_out}_balance_y_after": second.balance_y_after,
    }


@kind(
    "weighted pool: a trade against the ratio limits",
    set(),
    any_of={"max_out_ratio", "max_in_ratio"},
    absent={"pool_wstx_usda", "pool_wstx_wbtc", "balance_x"},
)
def ratio_limited_trade(vector: Vector) -> Computed:
    """A token -> wSTX trade on a pool the vector gives by its token side (`balance_<token>`).

    Only the token side is in such a vector: the first leg (`get-x-given-y`) refuses on it
    before the wSTX balance is read, so that balance is the test pool's.
    """
    inputs = vector["inputs"]
    token = _token_in(inputs)
    current = pool(
        inputs,
        as_int(inputs.get("balance_wstx", WSTX_BALANCE_DEFAULT)),
        as_int(inputs[f"balance_{token}"]),
    )
    try:
        leg = weighted_swaps.swap_y_for_x(current, as_int(inputs[f"{token}_in"]))
    except MathRejected as rejected:
        return {"error": CLARITY_ERRORS.get(rejected.code, str(rejected.code))}
    return {"dx": leg.amount_out, "error": "ok"}


KINDS: list[Kind] = [
    mul_down,
    mul_up,
    div_down,
    div_up,
    pow_down,
    pow_up,
    first_liquidity,
    add_liquidity,
    single_swap,
    route_through_wstx,
    ratio_limited_trade,
]
