"""Properties of the Uniswap V2 math, checked against a deliberately naive K-check oracle.

The oracle restates the pair's check with the contract's own 997/1000 constants and plain
arithmetic, so the module's basis-point generalisation is tested against the original.
"""

from __future__ import annotations

from math import isqrt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
from projections.contracts.uniswap_v2_liquidity import (
    MINIMUM_LIQUIDITY,
    liquidity_value,
    pair_burn,
    pair_mint,
    protocol_fee_liquidity,
    router_deposit_amounts,
)
from projections.contracts.uniswap_v2_oracle import PriceAccumulators, price_accumulators_after

EXAMPLES = settings(max_examples=200, deadline=None)
reserves = st.integers(min_value=1_000, max_value=10**30)
amounts = st.integers(min_value=1, max_value=10**30)


def k_check_passes(reserve_in: int, reserve_out: int, amount_in: int, amount_out: int) -> bool:
    """The pair's check for a one-way swap, written out with the contract's constants."""
    balance_in = reserve_in + amount_in
    balance_out = reserve_out - amount_out
    adjusted_in = balance_in * 1000 - amount_in * 3
    adjusted_out = balance_out * 1000
    return adjusted_in * adjusted_out >= reserve_in * reserve_out * 1000 * 1000


@EXAMPLES
@given(reserve_in=reserves, reserve_out=reserves, amount_in=amounts)
def test_amount_out_is_the_largest_output_the_k_check_allows(
    reserve_in: int, reserve_out: int, amount_in: int
) -> None:
    amount_out = amount_out_for_input(amount_in, reserve_in, reserve_out)
    assert k_check_passes(reserve_in, reserve_out, amount_in, amount_out)
    assert not k_check_passes(reserve_in, reserve_out, amount_in, amount_out + 1)


@EXAMPLES
@given(reserve_in=reserves, reserve_out=reserves, amount_in=amounts)
def test_k_never_decreases_across_a_swap(reserve_in: int, reserve_out: int, amount_in: int) -> None:
    amount_out = amount_out_for_input(amount_in, reserve_in, reserve_out)
    pair = PairState(reserve0=reserve_in, reserve1=reserve_out, total_supply=0)
    if amount_out == 0:
        with pytest.raises(MathRejected) as rejected:
            pair_swap(pair, amount_in, 0, 0, amount_out)
        assert rejected.value.code is RejectCode.ZERO_AMOUNT
        return
    after = pair_swap(pair, amount_in, 0, 0, amount_out)
    assert after.reserve0 * after.reserve1 >= reserve_in * reserve_out
    with pytest.raises(MathRejected) as rejected:
        pair_swap(pair, amount_in, 0, 0, amount_out + 1)
    assert rejected.value.code in (RejectCode.K_VIOLATION, RejectCode.INSUFFICIENT_LIQUIDITY)


@EXAMPLES
@given(reserve_in=reserves, reserve_out=reserves, data=st.data())
def test_amount_in_is_the_smallest_input_or_one_more_when_exact(
    reserve_in: int, reserve_out: int, data: st.DataObject
) -> None:
    amount_out = data.draw(st.integers(min_value=1, max_value=reserve_out - 1))
    amount_in = amount_in_for_output(amount_out, reserve_in, reserve_out)
    numerator = reserve_in * amount_out * 1000
    denominator = (reserve_out - amount_out) * 997
    smallest = -(-numerator // denominator)
    assert k_check_passes(reserve_in, reserve_out, amount_in, amount_out)
    assert not k_check_passes(reserve_in, reserve_out, smallest - 1, amount_out)
    assert amount_in - smallest == (1 if numerator % denominator == 0 else 0)
    assert amount_out_for_input(amount_in, reserve_in, reserve_out) >= amount_out


@EXAMPLES
@given(amount_in=amounts, reserve_in=reserves, reserve_out=reserves)
def test_thirty_bps_matches_the_contracts_997_over_1000(
    amount_in: int, reserve_in: int, reserve_out: int
) -> None:
    contract = amount_in * 997 * reserve_out // (reserve_in * 1000 + amount_in * 997)
    assert amount_out_for_input(amount_in, reserve_in, reserve_out, fee_bps=30) == contract


@EXAMPLES
@given(reserve0=reserves, reserve1=reserves, amount_out=st.integers(min_value=1, max_value=10**20))
def test_flash_repayment_minimum_is_the_least_repayment_that_passes(
    reserve0: int, reserve1: int, amount_out: int
) -> None:
    pair = PairState(reserve0=reserve0 + amount_out, reserve1=reserve1, total_supply=0)
    repayment = flash_repayment_minimum(amount_out)
    pair_swap(pair, repayment, 0, amount_out, 0)
    with pytest.raises(MathRejected) as rejected:
        pair_swap(pair, repayment - 1, 0, amount_out, 0)
    assert rejected.value.code is RejectCode.K_VIOLATION


@EXAMPLES
@given(deposit0=st.integers(min_value=1, max_value=10**30), deposit1=amounts)
def test_first_mint_locks_minimum_liquidity_and_burn_never_pays_more_than_deposited(
    deposit0: int, deposit1: int
) -> None:
    root = isqrt(deposit0 * deposit1)
    empty = PairState(reserve0=0, reserve1=0, total_supply=0)
    if root <= MINIMUM_LIQUIDITY:
        with pytest.raises(MathRejected) as rejected:
            pair_mint(empty, deposit0, deposit1)
        assert rejected.value.code is RejectCode.INSUFFICIENT_LIQUIDITY
        return
    minted = pair_mint(empty, deposit0, deposit1)
    assert minted.pair_after.total_supply == root
    assert minted.liquidity_locked == MINIMUM_LIQUIDITY
    pair = minted.pair_after
    liquidity = minted.liquidity_to_provider
    if liquidity * deposit0 // root == 0 or liquidity * deposit1 // root == 0:
        with pytest.raises(MathRejected) as rejected:
            pair_burn(pair, pair.reserve0, pair.reserve1, liquidity)
        assert rejected.value.code is RejectCode.INSUFFICIENT_LIQUIDITY
        return
    burned = pair_burn(pair, pair.reserve0, pair.reserve1, liquidity)
    assert burned.amount0 < deposit0 and burned.amount1 < deposit1
    assert burned.pair_after.total_supply == MINIMUM_LIQUIDITY


@EXAMPLES
@given(reserve0=reserves, reserve1=reserves, amount_in=amounts)
def test_protocol_fee_takes_at_most_a_sixth_of_the_growth(
    reserve0: int, reserve1: int, amount_in: int
) -> None:
    supply = isqrt(reserve0 * reserve1)
    pair = PairState(reserve0, reserve1, supply, k_last=reserve0 * reserve1)
    amount_out = amount_out_for_input(amount_in, reserve0, reserve1)
    if amount_out == 0:
        return
    pair = pair_swap(pair, amount_in, 0, 0, amount_out)
    fee_liquidity = protocol_fee_liquidity(pair, fee_on=True)
    assert protocol_fee_liquidity(pair, fee_on=False) == 0
    root_k = isqrt(pair.reserve0 * pair.reserve1)
    growth = root_k - isqrt(reserve0 * reserve1)
    # The fee's share of the new supply is at most 1/6 of sqrt(k)'s relative growth, and
    # one more LP would exceed it (the contract rounds down once).
    assert 6 * fee_liquidity * root_k <= (supply + fee_liquidity) * growth
    assert 6 * (fee_liquidity + 1) * root_k > (supply + fee_liquidity + 1) * growth
    value_on = liquidity_value(pair, supply // 2, fee_on=True)
    value_off = liquidity_value(pair, supply // 2, fee_on=False)
    assert value_on.amount0 <= value_off.amount0 and value_on.amount1 <= value_off.amount1


@EXAMPLES
@given(desired_a=amounts, desired_b=amounts, reserve_a=reserves, reserve_b=reserves)
def test_router_deposits_at_most_the_desired_amounts_at_the_pool_ratio(
    desired_a: int, desired_b: int, reserve_a: int, reserve_b: int
) -> None:
    deposit = router_deposit_amounts(desired_a, desired_b, 0, 0, reserve_a, reserve_b)
    assert deposit.amount_a <= desired_a and deposit.amount_b <= desired_b
    if deposit.amount_a == desired_a:
        assert deposit.amount_b == quote(desired_a, reserve_a, reserve_b)
    else:
        assert deposit.amount_a == quote(desired_b, reserve_b, reserve_a)


@EXAMPLES
@given(
    last=st.integers(min_value=0, max_value=2**32 - 1),
    elapsed=st.integers(min_value=0, max_value=10**6),
    reserve0=reserves,
    reserve1=reserves,
)
def test_price_accumulators_survive_the_uint32_timestamp_wrap(
    last: int, elapsed: int, reserve0: int, reserve1: int
) -> None:
    before = PriceAccumulators(2**256 - 1, 0, last)
    after = price_accumulators_after(before, reserve0, reserve1, last + elapsed)
    assert after.block_timestamp_last == (last + elapsed) % 2**32
    assert after.price0_cumulative == (2**256 - 1 + (reserve1 << 112) // reserve0 * elapsed) % (
        2**256
    )
    assert after.price1_cumulative == (reserve0 << 112) // reserve1 * elapsed


def test_reserves_beyond_uint112_are_refused() -> None:
    with pytest.raises(MathRejected) as rejected:
        pair_mint(PairState(0, 0, 0), 2**112, 10**18)
    assert rejected.value.code is RejectCode.OUT_OF_DOMAIN


def test_router_refuses_a_deposit_below_the_minimum() -> None:
    with pytest.raises(MathRejected) as rejected:
        router_deposit_amounts(100, 500, 0, 250, 100, 200)
    assert rejected.value.code is RejectCode.SLIPPAGE
