"""Uniswap V2 kinds: each computes a transition's outputs with the pair's public math.

A vector that expects a revert string (`"UniswapV2: K"`) is met by the math refusing with the
matching `RejectCode`; a transition that passes reports `"passes"` in that field. Directions
are general: a swap may pay in token0 or token1, a flash swap may take and repay either token,
and the protocol fee is on where the vector says `feeTo` is set (or carries `kLast`).
"""

from __future__ import annotations

import re
from typing import Any

from events.rejections import RejectCode
from projections.contracts.uniswap_v2 import (
    FEE_BPS_DEFAULT,
    PairState,
    amount_in_for_output,
    amount_out_for_input,
    pair_swap,
    quote,
)
from projections.contracts.uniswap_v2_liquidity import liquidity_value, pair_burn, pair_mint
from tests.vectors.harness import Computed, Kind, Vector, as_int, kind, rejection_of

REVERTS = {
    RejectCode.K_VIOLATION: "UniswapV2: K",
    RejectCode.INSUFFICIENT_LIQUIDITY: "UniswapV2: INSUFFICIENT_LIQUIDITY",
}
PASSES = "passes"


def _fee_bps(inputs: dict[str, Any]) -> int:
    return as_int(inputs.get("fee_bps", FEE_BPS_DEFAULT))


def fee_on(vector: Vector) -> bool:
    """Whether the protocol fee is on: an explicit input, else the transition's words."""
    inputs = vector["inputs"]
    for key in ("fee_on", "protocol_fee_on", "feeTo_set", "fee_to_set"):
        if key in inputs:
            return bool(inputs[key]) and str(inputs[key]).lower() not in ("false", "0", "unset")
    for key in ("feeTo", "fee_to"):
        if key in inputs:
            return str(inputs[key]).lower() not in ("", "0", "0x" + "0" * 40, "unset", "none")
    transition = str(vector.get("transition", "")).lower()
    if "feeto unset" in transition or "no fee" in transition:
        return False
    return "feeto set" in transition or "klast" in {key.lower() for key in inputs}


def _revert_or_passes(pair: PairState, amounts: tuple[int, int, int, int], fee: int) -> str:
    found = rejection_of(lambda: pair_swap(pair, *amounts, fee), REVERTS)
    return found or PASSES


@kind("amount out for an exact input", {"amount_in", "reserve_in", "reserve_out"})
def amount_out(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    amount_in = as_int(inputs["amount_in"])
    reserve_in, reserve_out = as_int(inputs["reserve_in"]), as_int(inputs["reserve_out"])
    fee = _fee_bps(inputs)
    out = amount_out_for_input(amount_in, reserve_in, reserve_out, fee)
    pair = PairState(reserve0=reserve_in, reserve1=reserve_out, total_supply=0)
    return {
        "amount_out": out,
        "amount_out_passes": _revert_or_passes(pair, (amount_in, 0, 0, out), fee),
        "amount_out_plus_1_reverts": _revert_or_passes(pair, (amount_in, 0, 0, out + 1), fee),
    }


@kind("amount in for an exact output", {"amount_out", "reserve_in", "reserve_out"})
def amount_in(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    needed = amount_in_for_output(
        as_int(inputs["amount_out"]),
        as_int(inputs["reserve_in"]),
        as_int(inputs["reserve_out"]),
        _fee_bps(inputs),
    )
    return {"amount_in": needed}


@kind("quote without fee", {"amountA", "reserveA", "reserveB"})
def quote_without_fee(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    return {
        "amountB": quote(
            as_int(inputs["amountA"]), as_int(inputs["reserveA"]), as_int(inputs["reserveB"])
        )
    }


def _amounts(inputs: dict[str, Any]) -> list[int]:
    return [as_int(inputs.get(key, 0)) for key in SWAP_AMOUNTS]


SWAP_AMOUNTS = ("amount0_in", "amount1_in", "amount0_out", "amount1_out")


@kind("pair swap", {"reserve0", "reserve1"}, any_of={"amount0_in", "amount1_in"})
def swap(vector: Vector) -> Computed:
    """A swap on the pair, either way; a missing output is the largest the K check allows."""
    inputs = vector["inputs"]
    pair = PairState(as_int(inputs["reserve0"]), as_int(inputs["reserve1"]), total_supply=0)
    fee = _fee_bps(inputs)
    amounts = _amounts(inputs)
    if amounts[2] == amounts[3] == 0:
        # Only the input is given: pay out on the other side as much as the formula allows.
        if amounts[0]:
            amounts[3] = amount_out_for_input(amounts[0], pair.reserve0, pair.reserve1, fee)
        else:
            amounts[2] = amount_out_for_input(amounts[1], pair.reserve1, pair.reserve0, fee)
    computed: Computed = {"amount0_out": amounts[2], "amount1_out": amounts[3]}
    result = _revert_or_passes(pair, (amounts[0], amounts[1], amounts[2], amounts[3]), fee)
    computed["k_check_passes"] = result == PASSES
    if result == PASSES:
        after = pair_swap(pair, *amounts, fee)
        computed |= {"reserve0_after": after.reserve0, "reserve1_after": after.reserve1}
    for index, side in ((2, "amount0_out"), (3, "amount1_out")):
        if amounts[index]:
            more = list(amounts)
            more[index] += 1
            computed[f"{side}_plus_1_reverts"] = _revert_or_passes(
                pair, (more[0], more[1], more[2], more[3]), fee
            )
    return computed


@kind("first mint", {"total_supply_before", "amount0", "amount1"})
def mint(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    pair = PairState(
        reserve0=as_int(inputs.get("reserve0", 0)),
        reserve1=as_int(inputs.get("reserve1", 0)),
        total_supply=as_int(inputs["total_supply_before"]),
        k_last=as_int(inputs.get("kLast", 0)),
    )
    minted = pair_mint(
        pair,
        pair.reserve0 + as_int(inputs["amount0"]),
        pair.reserve1 + as_int(inputs["amount1"]),
        fee_on(vector),
    )
    return {
        "total_supply_after": minted.pair_after.total_supply,
        "minted_to_provider": minted.liquidity_to_provider,
        "minted_to_zero_address": minted.liquidity_locked,
        "minted_to_fee_recipient": minted.liquidity_to_fee_recipient,
        "reserve0": minted.pair_after.reserve0,
        "reserve1": minted.pair_after.reserve1,
    }


def _burned(pair: PairState, liquidity: int, on: bool) -> Computed:
    burned = pair_burn(pair, pair.reserve0, pair.reserve1, liquidity, on)
    after = burned.pair_after
    return {
        "amount0_out": burned.amount0,
        "amount1_out": burned.amount1,
        "reserve0_after": after.reserve0,
        "reserve1_after": after.reserve1,
        "total_supply_after": after.total_supply,
        "minted_to_fee_recipient": burned.liquidity_to_fee_recipient,
    }


@kind("burn", {"reserve0", "reserve1", "total_supply", "liquidity_burned"})
def burn(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    pair = PairState(
        as_int(inputs["reserve0"]),
        as_int(inputs["reserve1"]),
        as_int(inputs["total_supply"]),
        k_last=as_int(inputs.get("kLast", 0)),
    )
    return _burned(pair, as_int(inputs["liquidity_burned"]), fee_on(vector))


def scientific_amount(text: str) -> int:
    """An integer written as prose ("1e18" or digits), read without floats."""
    mantissa, _, exponent = text.partition("e")
    return int(mantissa + "0" * int(exponent or "0"))


_SWAP_PROSE = re.compile(r"(\S+) token([01]) in, (\d+) token([01]) out")


@kind(
    "mint, swap, burn",
    {"initial_reserve0", "initial_reserve1", "swap", "liquidity_burned"},
)
def mint_swap_burn(vector: Vector) -> Computed:
    """A first mint, the swap written as prose ("<in> token1 in, <out> token0 out"), a burn."""
    inputs = vector["inputs"]
    on = fee_on(vector)
    prose = _SWAP_PROSE.fullmatch(inputs["swap"])
    assert prose is not None, f"cannot read the swap {inputs['swap']!r}"
    amount = scientific_amount(prose.group(1))
    token_in, out, token_out = int(prose.group(2)), int(prose.group(3)), int(prose.group(4))
    pair = pair_mint(
        PairState(0, 0, 0),
        as_int(inputs["initial_reserve0"]),
        as_int(inputs["initial_reserve1"]),
        on,
    ).pair_after
    amounts = [0, 0, 0, 0]
    amounts[token_in] = amount
    amounts[2 + token_out] = out
    pair = pair_swap(pair, amounts[0], amounts[1], amounts[2], amounts[3])
    return _burned(pair, as_int(inputs["liquidity_burned"]), on)


@kind(
    "liquidity value after a swap",
    {"reserve0_before", "reserve1_before", "total_supply", "liquidity"},
    any_of={"swap_amount0_in", "swap_amount1_in"},
)
def liquidity_value_after_swap(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    pair = PairState(
        as_int(inputs["reserve0_before"]),
        as_int(inputs["reserve1_before"]),
        as_int(inputs["total_supply"]),
        k_last=as_int(inputs.get("kLast", 0)),
    )
    amount0_in = as_int(inputs.get("swap_amount0_in", 0))
    amount1_in = as_int(inputs.get("swap_amount1_in", 0))
    if amount0_in:
        out = amount_out_for_input(amount0_in, pair.reserve0, pair.reserve1)
        pair = pair_swap(pair, amount0_in, 0, 0, out)
    else:
        out = amount_out_for_input(amount1_in, pair.reserve1, pair.reserve0)
        pair = pair_swap(pair, 0, amount1_in, out, 0)
    value = liquidity_value(pair, as_int(inputs["liquidity"]), fee_on(vector))
    return {"amount0": value.amount0, "amount1": value.amount1}


KINDS: list[Kind] = [
    amount_out,
    amount_in,
    quote_without_fee,
    swap,
    mint,
    burn,
    mint_swap_burn,
    liquidity_value_after_swap,
]
