"""The literal port of ALEX fixed point, kept as the reference the fast code must equal.

`projections.contracts.fixed_point` takes shortcuts (floor for truncation where operands are
non-negative, merged floor divisions, early series exits, skipped row walks, the exponent-1e8
fast path, inline range checks). Each is claimed bit-identical; these property tests check
the claim against this line-by-line restatement of protocol-math.md 2.1 over the whole
contract domain (results, and the same rejection for inputs outside it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts import fixed_point as fast
from projections.contracts.fixed_point import (
    EXP_ARGUMENT_SHORT_LIMIT,
    EXPONENT_BOUND,
    INT128_LIMIT,
    LN_ARGUMENT_SHORT_LIMIT,
    MAX_POW_RELATIVE_ERROR,
    NATURAL_EXPONENT_MAX,
    NATURAL_EXPONENT_MIN,
    ONE_8,
    UINT128_LIMIT,
    ConstantTable,
)

_SHARED_ROWS: tuple[tuple[int, int], ...] = (
    (16 * ONE_8, 888611052050787),
    (8 * ONE_8, 298095798704),
    (4 * ONE_8, 5459815003),
    (2 * ONE_8, 738905610),
    (ONE_8, 271828183),
    (ONE_8 // 2, 164872127),
    (ONE_8 // 4, 128402542),
    (ONE_8 // 8, 113314845),
    (ONE_8 // 16, 106449446),
)
_SERIES_LN_DIVISORS = (3, 5, 7, 9, 11)
_SERIES_EXP_DIVISORS = tuple(range(2, 13))


_FIRST_ROWS: dict[ConstantTable, tuple[int, int]] = {
    ConstantTable.SHORT: (62351490808116168829, 78962960182680695161),
    ConstantTable.LONG: (6235149080811616882910000000, 7896296018268069516100),
}


def ref_trunc_div(numerator: int, denominator: int) -> int:
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator >= 0) == (denominator > 0) else -quotient


def _ref_reject(detail: str) -> MathRejected:
    return MathRejected(RejectCode.OUT_OF_DOMAIN, detail)


def _ref_require_uint(value: int, name: str) -> None:
    # A Clarity uint outside [0, 2^128) is a runtime error, so the transaction reverts.
    if value < 0 or value >= UINT128_LIMIT:
        raise _ref_reject(f"{name}={value} is outside the unsigned 128-bit range")


def _ref_product_checked(a: int, b: int) -> int:
    _ref_require_uint(a, "a")
    _ref_require_uint(b, "b")
    product = a * b
    _ref_require_uint(product, "a*b")
    return product


def ref_sub_fixed(a: int, b: int) -> int:
    if b > a:
        raise _ref_reject(f"{a} - {b} would underflow an unsigned int")
    return a - b


def ref_mul_down(a: int, b: int) -> int:
    return _ref_product_checked(a, b) // ONE_8


def ref_mul_up(a: int, b: int) -> int:
    product = _ref_product_checked(a, b)
    return 0 if product == 0 else 1 + (product - 1) // ONE_8


def _ref_inflated_checked(a: int, b: int) -> int:
    inflated = _ref_product_checked(a, ONE_8)
    _ref_require_uint(b, "b")
    if b == 0:
        raise _ref_reject("division by zero")
    return inflated


def ref_div_down(a: int, b: int) -> int:
    if a == 0:
        return 0
    return _ref_inflated_checked(a, b) // b


def ref_div_up(a: int, b: int) -> int:
    if a == 0:
        return 0
    return 1 + (_ref_inflated_checked(a, b) - 1) // b


def ref_ln_fixed(argument: int, table: ConstantTable = ConstantTable.SHORT) -> int:
    if argument <= 0 or argument >= INT128_LIMIT:
        raise _ref_reject(f"ln argument {argument} must be in (0, 2^127)")
    if table is ConstantTable.SHORT and argument >= LN_ARGUMENT_SHORT_LIMIT:
        raise _ref_reject(
            f"ln argument {argument} is beyond the short constant table's exact range"
        )
    value = argument
    exponent_sum = 0
    first_factor, second_factor = _FIRST_ROWS[table]
    # The first row stores a plain integer, so it is compared against A*1e8 and divides by A.
    if value >= first_factor * ONE_8:
        value = ref_trunc_div(value, first_factor)
        exponent_sum += 64 * ONE_8
    for row_exponent, row_factor in ((32 * ONE_8, second_factor), *_SHARED_ROWS):
        if value >= row_factor:
            value = ref_trunc_div(value * ONE_8, row_factor)
            exponent_sum += row_exponent
    z_term = ref_trunc_div((value - ONE_8) * ONE_8, value + ONE_8)
    z_squared = ref_trunc_div(z_term * z_term, ONE_8)
    numerator = z_term
    series_sum = z_term
    for divisor in _SERIES_LN_DIVISORS:
        numerator = ref_trunc_div(numerator * z_squared, ONE_8)
        series_sum += ref_trunc_div(numerator, divisor)
    return exponent_sum + 2 * series_sum


def _ref_exp_positive(argument: int, table: ConstantTable) -> int:
    first_factor, second_factor = _FIRST_ROWS[table]
    remainder = argument
    whole_factor = 1
    if remainder >= 64 * ONE_8:
        remainder -= 64 * ONE_8
        whole_factor = first_factor
    product = ONE_8
    for row_exponent, row_factor in ((32 * ONE_8, second_factor), *_SHARED_ROWS):
        if remainder >= row_exponent:
            remainder -= row_exponent
            product = ref_trunc_div(product * row_factor, ONE_8)
    series_sum = ONE_8 + remainder
    term = remainder
    for divisor in _SERIES_EXP_DIVISORS:
        term = ref_trunc_div(ref_trunc_div(term * remainder, ONE_8), divisor)
        series_sum += term
    return ref_trunc_div(product * series_sum, ONE_8) * whole_factor


def ref_exp_fixed(argument: int, table: ConstantTable = ConstantTable.SHORT) -> int:
    if not NATURAL_EXPONENT_MIN <= argument <= NATURAL_EXPONENT_MAX:
        raise _ref_reject(f"exp argument {argument} is outside [-18e8, 69e8]")
    if table is ConstantTable.SHORT and argument >= EXP_ARGUMENT_SHORT_LIMIT:
        raise _ref_reject(f"exp argument {argument} is beyond the short constant table's range")
    if argument < 0:
        return ref_trunc_div(ONE_8 * ONE_8, _ref_exp_positive(-argument, table))
    return _ref_exp_positive(argument, table)


def ref_pow_fixed(base: int, exponent: int, table: ConstantTable = ConstantTable.SHORT) -> int:
    if base < 0 or base >= INT128_LIMIT:
        raise _ref_reject(f"pow base {base} is outside [0, 2^127)")
    if exponent < 0 or exponent >= EXPONENT_BOUND:
        raise _ref_reject(f"pow exponent {exponent} is outside [0, 2^126/1e8)")
    if exponent == 0:
        return ONE_8
    if base == 0:
        return 0
    log_times_exponent = ref_ln_fixed(base, table) * exponent
    if abs(log_times_exponent) >= INT128_LIMIT:
        raise _ref_reject("ln(base)*exponent overflows the signed 128-bit range")
    return ref_exp_fixed(ref_trunc_div(log_times_exponent, ONE_8), table)


def _ref_pow_error(raw: int) -> int:
    return 1 + ref_mul_up(raw, MAX_POW_RELATIVE_ERROR)


def ref_pow_down(base: int, exponent: int, table: ConstantTable = ConstantTable.SHORT) -> int:
    raw = ref_pow_fixed(base, exponent, table)
    error = _ref_pow_error(raw)
    return 0 if raw < error else raw - error


def ref_pow_up(base: int, exponent: int, table: ConstantTable = ConstantTable.SHORT) -> int:
    raw = ref_pow_fixed(base, exponent, table)
    return raw + _ref_pow_error(raw)


# ---- the optimised functions equal the reference, bit for bit and rejection for rejection


def _outcome(function: Callable[..., int], *arguments: Any) -> object:
    try:
        return function(*arguments)
    except MathRejected as error:
        return ("rejected", error.code, error.detail)
    except ZeroDivisionError:
        return ("zero division",)


def _same(optimised: Callable[..., int], reference: Callable[..., int], *arguments: Any) -> None:
    assert _outcome(optimised, *arguments) == _outcome(reference, *arguments), arguments


WIDE = settings(max_examples=1_500, deadline=None)
tables = st.sampled_from(list(ConstantTable))
# The whole uint range, a little past both ends, with weight near the interesting points.
uints = st.one_of(
    st.integers(-5, UINT128_LIMIT + 5),
    st.integers(0, 10**20),
    st.integers(ONE_8 - 10**6, ONE_8 + 10**6),
)
signed_wide = st.integers(-(2**140), 2**140)
# ln/pow bases: the whole (0, 2^127) domain, near 1e8 (where z changes sign), near each row.
ROW_FACTORS = [factor for _, factor in _SHARED_ROWS] + [
    factor for first, second in _FIRST_ROWS.values() for factor in (first * ONE_8, second)
]
ROW_EXPONENTS = [exponent for exponent, _ in _SHARED_ROWS] + [32 * ONE_8, 64 * ONE_8]
bases = st.one_of(
    st.integers(-2, INT128_LIMIT + 2),
    st.integers(1, 10**12),
    st.integers(ONE_8 - 10**7, ONE_8 + 10**7),
    st.builds(lambda f, d: max(f + d, 0), st.sampled_from(ROW_FACTORS), st.integers(-3, 3)),
)
exponents = st.one_of(
    st.integers(-2, EXPONENT_BOUND + 2),
    st.integers(0, 3 * ONE_8),
    st.just(ONE_8),
    st.integers(ONE_8 - 3, ONE_8 + 3),
)
exp_arguments = st.one_of(
    st.integers(-19 * ONE_8, 70 * ONE_8),
    st.integers(-(10**7), 10**7),
    st.builds(
        lambda x, d, s: s * (x + d),
        st.sampled_from(ROW_EXPONENTS),
        st.integers(-3, 3),
        st.sampled_from([1, -1]),
    ),
)


@WIDE
@given(signed_wide, signed_wide)
@example(-7, 2)
@example(7, -2)
@example(-1, 3)
@example(5, 0)
def test_trunc_div_equals_reference(numerator: int, denominator: int) -> None:
    _same(fast.trunc_div, ref_trunc_div, numerator, denominator)


@pytest.mark.parametrize(
    ("optimised", "reference"),
    [
        (fast.mul_down, ref_mul_down),
        (fast.mul_up, ref_mul_up),
        (fast.div_down, ref_div_down),
        (fast.div_up, ref_div_up),
        (fast.sub_fixed, ref_sub_fixed),
    ],
)
@WIDE
@given(a=uints, b=uints)
@example(a=0, b=0)
@example(a=2**127, b=2)
@example(a=2**64, b=2**64)
@example(a=UINT128_LIMIT // ONE_8, b=1)
def test_mul_div_equal_reference(
    optimised: Callable[[int, int], int], reference: Callable[[int, int], int], a: int, b: int
) -> None:
    _same(optimised, reference, a, b)


@WIDE
@given(bases, tables)
def test_ln_equals_reference_over_its_whole_domain(argument: int, table: ConstantTable) -> None:
    _same(fast.ln_fixed, ref_ln_fixed, argument, table)


@WIDE
@given(exp_arguments, tables)
def test_exp_equals_reference_over_its_whole_domain(argument: int, table: ConstantTable) -> None:
    _same(fast.exp_fixed, ref_exp_fixed, argument, table)


@WIDE
@given(bases, exponents, tables)
def test_pow_equals_reference_over_its_whole_domain(
    base: int, exponent: int, table: ConstantTable
) -> None:
    _same(fast.pow_fixed, ref_pow_fixed, base, exponent, table)
    _same(fast.pow_up, ref_pow_up, base, exponent, table)
    _same(fast.pow_down, ref_pow_down, base, exponent, table)


@settings(max_examples=3_000, deadline=None)
@given(bases, tables)
def test_pow_fast_path_for_exponent_one_equals_the_full_series(
    base: int, table: ConstantTable
) -> None:
    # Equal weights give e = div_up(w, w) = 1e8 exactly: the fast path skips only L*1e8/1e8.
    _same(fast.pow_fixed, ref_pow_fixed, base, ONE_8, table)
    _same(fast.pow_up, ref_pow_up, base, ONE_8, table)
    _same(fast.pow_down, ref_pow_down, base, ONE_8, table)


def test_sweep_of_swap_bases_equals_reference() -> None:
    # Swap bases are B/(B+dx) just below 1e8, and B/(B-dx) just above: sweep both densely.
    for base in [*range(ONE_8 - 3_000_000, ONE_8 + 3_000_000, 997), 1, 2, 10**6, 10**14]:
        for exponent in (ONE_8, ONE_8 // 3, 3 * ONE_8, 42_857_143, 233_333_334):
            _same(fast.pow_fixed, ref_pow_fixed, base, exponent)


def test_every_row_boundary_equals_reference() -> None:
    for table in ConstantTable:
        for factor in ROW_FACTORS:
            for argument in range(max(factor - 2, 1), factor + 3):
                _same(fast.ln_fixed, ref_ln_fixed, argument, table)
        for exponent in ROW_EXPONENTS:
            for argument in range(exponent - 2, exponent + 3):
                _same(fast.exp_fixed, ref_exp_fixed, argument, table)
                _same(fast.exp_fixed, ref_exp_fixed, -argument, table)


def test_rejections_keep_code_and_detail() -> None:
    outcome = _outcome(fast.pow_fixed, INT128_LIMIT, ONE_8)
    assert outcome == _outcome(ref_pow_fixed, INT128_LIMIT, ONE_8)
    assert outcome == (
        "rejected",
        RejectCode.OUT_OF_DOMAIN,
        f"pow base {INT128_LIMIT} is outside [0, 2^127)",
    )
