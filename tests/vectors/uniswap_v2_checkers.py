"""Uniswap V2 vector checkers: each recomputes a vector's `expected` with `uniswap_v2` math.

A vector that expects a revert string (`"UniswapV2: K"`) must make the math raise
`MathRejected` with the matching `RejectCode`.
"""

from __future__ import annotations

import re

import pytest

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.uniswap_v2 import (
    PairState,
    amount_in_for_output,
    amount_out_for_input,
    flash_repayment_minimum,
    pair_swap,
    quote,
)
from projections.contracts.uniswap_v2_liquidity import liquidity_value, pair_burn, pair_mint
from tests.vectors.harness import Checker, Vector, as_int

REVERT_CODES: dict[str, RejectCode] = {
    "UniswapV2: K": RejectCode.K_VIOLATION,
    "UniswapV2: INSUFFICIENT_LIQUIDITY": RejectCode.INSUFFICIENT_LIQUIDITY,
}


def _assert_swap_reverts(revert: str, pair: PairState, *amounts: int) -> None:
    amount0_in, amount1_in, amount0_out, amount1_out = amounts
    with pytest.raises(MathRejected) as rejected:
        pair_swap(pair, amount0_in, amount1_in, amount0_out, amount1_out)
    assert rejected.value.code is REVERT_CODES[revert]


def check_amount_out(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    amount_in = as_int(inputs["amount_in"])
    reserve_in = as_int(inputs["reserve_in"])
    reserve_out = as_int(inputs["reserve_out"])
    fee_bps = as_int(inputs["fee_bps"])
    amount_out = amount_out_for_input(amount_in, reserve_in, reserve_out, fee_bps)
    assert amount_out == as_int(expected["amount_out"])
    pair = PairState(reserve0=reserve_in, reserve1=reserve_out, total_supply=0)
    pair_swap(pair, amount_in, 0, 0, amount_out, fee_bps)
    _assert_swap_reverts(
        expected["amount_out_plus_1_reverts"], pair, amount_in, 0, 0, amount_out + 1
    )


def check_flash_swap(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    pair = PairState(
        reserve0=as_int(inputs["reserve0"]), reserve1=as_int(inputs["reserve1"]), total_supply=0
    )
    amount_out = as_int(inputs["amount0_out"])
    amount_in = as_int(inputs["amount0_in"])
    passes = True
    try:
        pair_swap(pair, amount_in, 0, amount_out, 0)
    except MathRejected:
        passes = False
    assert passes is expected["k_check_passes"]
    assert flash_repayment_minimum(amount_out) <= amount_in
    _assert_swap_reverts(
        expected["amount0_out_plus_1_reverts"], pair, amount_in, 0, amount_out + 1, 0
    )


def check_swap_token1_state(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    pair = PairState(
        reserve0=as_int(inputs["reserve0"]), reserve1=as_int(inputs["reserve1"]), total_supply=0
    )
    amount1_in = as_int(inputs["amount1_in"])
    amount0_out = amount_out_for_input(amount1_in, pair.reserve1, pair.reserve0)
    assert amount0_out == as_int(expected["amount0_out"])
    after = pair_swap(pair, 0, amount1_in, amount0_out, 0)
    assert after.reserve0 == as_int(expected["reserve0_after"])
    assert after.reserve1 == as_int(expected["reserve1_after"])


def check_mint_first(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    pair = PairState(reserve0=0, reserve1=0, total_supply=as_int(inputs["total_supply_before"]))
    minted = pair_mint(pair, as_int(inputs["amount0"]), as_int(inputs["amount1"]))
    assert minted.pair_after.total_supply == as_int(expected["total_supply_after"])
    assert minted.liquidity_to_provider == as_int(expected["minted_to_provider"])
    assert minted.liquidity_locked == as_int(expected["minted_to_zero_address"])
    assert minted.pair_after.reserve0 == as_int(expected["reserve0"])
    assert minted.pair_after.reserve1 == as_int(expected["reserve1"])


def check_burn(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    pair = PairState(
        reserve0=as_int(inputs["reserve0"]),
        reserve1=as_int(inputs["reserve1"]),
        total_supply=as_int(inputs["total_supply"]),
    )
    burned = pair_burn(pair, pair.reserve0, pair.reserve1, as_int(inputs["liquidity_burned"]))
    assert burned.amount0 == as_int(expected["amount0_out"])
    assert burned.amount1 == as_int(expected["amount1_out"])
    after = burned.pair_after
    for field, value in (
        ("reserve0_after", after.reserve0),
        ("reserve1_after", after.reserve1),
        ("total_supply_after", after.total_supply),
    ):
        if field in expected:
            assert value == as_int(expected[field]), field


def _prose_int(text: str) -> int:
    """An integer written as prose ("1e18" or digits), read without floats."""
    mantissa, _, exponent = text.partition("e")
    return int(mantissa + "0" * int(exponent or "0"))


def check_protocol_fee_off(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    reserve0 = as_int(inputs["initial_reserve0"])
    reserve1 = as_int(inputs["initial_reserve1"])
    # The swap is written as prose: "<in> token1 in, <out> token0 out".
    amount_text = re.fullmatch(r"(\S+) token1 in, (\d+) token0 out", inputs["swap"])
    assert amount_text is not None
    amount1_in = _prose_int(amount_text.group(1))
    pair = pair_mint(PairState(0, 0, 0), reserve0, reserve1).pair_after
    amount0_out = amount_out_for_input(amount1_in, pair.reserve1, pair.reserve0)
    assert amount0_out == int(amount_text.group(2))
    pair = pair_swap(pair, 0, amount1_in, amount0_out, 0)
    burned = pair_burn(pair, pair.reserve0, pair.reserve1, as_int(inputs["liquidity_burned"]))
    assert burned.liquidity_to_fee_recipient == 0
    assert burned.pair_after.total_supply == as_int(expected["total_supply_after"])


def check_quote(vector: Vector) -> None:
    inputs = vector["inputs"]
    amount_b = quote(
        as_int(inputs["amountA"]), as_int(inputs["reserveA"]), as_int(inputs["reserveB"])
    )
    assert amount_b == as_int(vector["expected"]["amountB"])


def check_amount_in(vector: Vector) -> None:
    inputs = vector["inputs"]
    amount_in = amount_in_for_output(
        as_int(inputs["amount_out"]), as_int(inputs["reserve_in"]), as_int(inputs["reserve_out"])
    )
    assert amount_in == as_int(vector["expected"]["amount_in"])


def check_liquidity_value_fee_on(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    pair = PairState(
        reserve0=as_int(inputs["reserve0_before"]),
        reserve1=as_int(inputs["reserve1_before"]),
        total_supply=as_int(inputs["total_supply"]),
        k_last=as_int(inputs["kLast"]),
    )
    amount0_in = as_int(inputs["swap_amount0_in"])
    amount1_out = amount_out_for_input(amount0_in, pair.reserve0, pair.reserve1)
    pair = pair_swap(pair, amount0_in, 0, 0, amount1_out)
    value = liquidity_value(pair, as_int(inputs["liquidity"]), fee_on=True)
    assert value.amount0 == as_int(expected["amount0"])
    assert value.amount1 == as_int(expected["amount1"])


CHECKERS: dict[str, Checker] = {
    "univ2-getAmountOut-": check_amount_out,
    "univ2-flashswap-same-token-": check_flash_swap,
    "univ2-swap-token1-state": check_swap_token1_state,
    "univ2-mint-first": check_mint_first,
    "univ2-burn": check_burn,
    "univ2-removeLiquidity": check_burn,
    "univ2-protocol-fee-off": check_protocol_fee_off,
    "univ2-quote-": check_quote,
    "univ2-router-getAmountIn": check_amount_in,
    "univ2-swapTokensForExactTokens": check_amount_in,
    "univ2-liquidity-value-fee-on": check_liquidity_value_fee_on,
}
