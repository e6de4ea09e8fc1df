"""Properties of ALEX 8-decimal fixed point (protocol-math.md 2.1): rounding pairs bracket
each other, signed division truncates like Clarity, and the pow error budget brackets the raw
power. Exact values come from the vectors; these tests check the shape everywhere else."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fixed_point import (
    EXP_ARGUMENT_SHORT_LIMIT,
    LN_ARGUMENT_SHORT_LIMIT,
    ONE_8,
    ConstantTable,
    div_down,
    div_up,
    exp_fixed,
    ln_fixed,
    mul_down,
    mul_up,
    pow_down,
    pow_fixed,
    pow_up,
    sub_fixed,
    trunc_div,
)

# Up to 1e18 each, so a product stays below Clarity's 2^128.
amounts = st.integers(min_value=0, max_value=10**18)
positive_amounts = st.integers(min_value=1, max_value=10**18)
# Bases and exponents where x^y stays inside the short table's exact domain.
pow_bases = st.integers(min_value=10**6, max_value=10**14)
pow_exponents = st.integers(min_value=0, max_value=2 * ONE_8)
FAST = settings(max_examples=200, deadline=None)


@given(amounts, amounts)
def test_mul_up_is_mul_down_or_one_more(a: int, b: int) -> None:
    down, up = mul_down(a, b), mul_up(a, b)
    assert down <= up <= down + 1
    assert (up == down) == ((a * b) % ONE_8 == 0)


@given(amounts, positive_amounts)
def test_div_up_is_div_down_or_one_more(a: int, b: int) -> None:
    down, up = div_down(a, b), div_up(a, b)
    assert down <= up <= down + 1
    assert down == a * ONE_8 // b


@given(st.integers(-(10**30), 10**30), st.integers(-(10**20), 10**20).filter(bool))
def test_trunc_div_rounds_toward_zero(numerator: int, denominator: int) -> None:
    exact = Fraction(numerator, denominator)
    quotient = trunc_div(numerator, denominator)
    assert abs(quotient) <= abs(exact) < abs(quotient) + 1
    assert quotient == 0 or (quotient > 0) == (exact > 0)


def test_trunc_div_differs_from_floor_on_negatives() -> None:
    assert trunc_div(-7, 2) == -3
    assert -7 // 2 == -4


@FAST
@given(pow_bases, pow_exponents)
def test_pow_error_budget_brackets_the_raw_power(base: int, exponent: int) -> None:
    raw = pow_fixed(base, exponent)
    assert pow_down(base, exponent) <= raw < pow_up(base, exponent)
    assert pow_up(base, exponent) - pow_down(base, exponent) <= 2 * (1 + mul_up(raw, 4))


@FAST
@given(pow_bases, pow_exponents)
def test_short_and_long_tables_agree_inside_the_short_domain(base: int, exponent: int) -> None:
    assert pow_fixed(base, exponent) == pow_fixed(base, exponent, ConstantTable.LONG)


# The contract's ln has no range reduction below 1, so accuracy holds from 0.5 upwards.
accurate_bases = st.integers(min_value=ONE_8 // 2, max_value=10**14)


@FAST
@given(accurate_bases)
def test_pow_one_is_close_to_the_base(base: int) -> None:
    # x^1 = exp(ln x): the series keep it within a few parts in 1e7.
    assert abs(pow_fixed(base, ONE_8) - base) <= base // 10**6 + 10


@FAST
@given(st.integers(min_value=ONE_8 // 2, max_value=10**12))
def test_pow_two_is_close_to_the_square(base: int) -> None:
    square = base * base // ONE_8
    assert abs(pow_fixed(base, 2 * ONE_8) - square) <= square // 10**6 + 10


@FAST
@given(accurate_bases)
def test_exp_inverts_ln(argument: int) -> None:
    assert abs(exp_fixed(ln_fixed(argument)) - argument) <= argument // 10**6 + 10


def test_ln_far_below_one_keeps_the_contracts_inaccuracy() -> None:
    # ln(0.01) is -4.605; the on-chain series without range reduction stops near -3.53.
    # Swaps only take powers of bases near 1 (or above 1), where this does not bite.
    assert -4 * ONE_8 < ln_fixed(ONE_8 // 100) < -3 * ONE_8


@FAST
@given(st.integers(min_value=ONE_8, max_value=10**12), pow_exponents)
def test_pow_is_monotone_in_the_base_above_one(base: int, exponent: int) -> None:
    assert pow_fixed(base + ONE_8, exponent) >= pow_fixed(base, exponent)


@given(st.integers(min_value=1, max_value=10**20))
def test_zero_exponent_leaks_the_error_budget(base: int) -> None:
    assert pow_up(base, 0) == ONE_8 + 5
    assert pow_down(base, 0) == ONE_8 - 5


def test_zero_base_is_zero() -> None:
    assert pow_fixed(0, ONE_8) == 0
    assert pow_down(0, ONE_8) == 0


def test_short_table_rejects_ln_arguments_beyond_its_exact_range() -> None:
    with pytest.raises(MathRejected) as caught:
        ln_fixed(LN_ARGUMENT_SHORT_LIMIT)
    assert caught.value.code is RejectCode.OUT_OF_DOMAIN
    assert ln_fixed(LN_ARGUMENT_SHORT_LIMIT, ConstantTable.LONG) > 0
    assert ln_fixed(LN_ARGUMENT_SHORT_LIMIT - 1) > 0


def test_short_table_rejects_exp_arguments_of_32_and_above() -> None:
    with pytest.raises(MathRejected) as caught:
        exp_fixed(EXP_ARGUMENT_SHORT_LIMIT)
    assert caught.value.code is RejectCode.OUT_OF_DOMAIN
    # The long table's row is e^32 x 1e8 itself; the short row would give a hundredth of it.
    assert exp_fixed(EXP_ARGUMENT_SHORT_LIMIT, ConstantTable.LONG) == 7896296018268069516100


@pytest.mark.parametrize(
    ("call", "arguments"),
    [
        (mul_down, (-1, 1)),
        (mul_up, (2**127, 4)),
        (mul_down, (2**64, 2**64)),
        (div_down, (1, 0)),
        (div_up, (5, 0)),
        (sub_fixed, (1, 2)),
        (pow_fixed, (2**127, 1)),
        (pow_fixed, (ONE_8, 2**126)),
        (exp_fixed, (-19 * ONE_8,)),
        (ln_fixed, (0,)),
    ],
)
def test_what_clarity_would_revert_is_rejected(call: object, arguments: tuple[int, ...]) -> None:
    assert callable(call)
    with pytest.raises(MathRejected) as caught:
        call(*arguments)
    assert caught.value.code is RejectCode.OUT_OF_DOMAIN


def test_division_of_zero_never_divides() -> None:
    # The contract returns 0 for a zero numerator before dividing, even by zero.
    assert div_down(0, 0) == 0
    assert div_up(0, 0) == 0
