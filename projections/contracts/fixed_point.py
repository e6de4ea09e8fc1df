"""ALEX 8-decimal fixed-point arithmetic: mul/div up and down, pow up and down, ln and exp.

Restated from protocol-math.md section 2.1 (`alexgo-io/alex-v1:clarity/contracts/lib/
math-fixed-point.clar` and the `math-log-exp` copy inlined in every pool and equation
contract). Every value is an int scaled by `ONE_8`; Clarity's unsigned ints are 128 bits
wide and its signed division truncates toward zero, so both are modelled here: an overflow or
a negative unsigned input is a revert (`OUT_OF_DOMAIN`), and signed steps use `trunc_div`.

Two constant tables exist on chain. `ConstantTable.SHORT` (the default) is what every
equation contract and swap path uses; its first two rows are scaled wrongly, so it is exact
only while ln arguments stay below `LN_ARGUMENT_SHORT_LIMIT` and exp arguments below 32e8,
and inputs outside that domain are rejected. `ConstantTable.LONG` is the
`fixed-weight-pool-v1-01` variant, correct over the whole contract domain.

Fast but bit-identical (each swap runs one ln and one exp): range checks inline, falling back
to the checked path only to raise; floor `//` where operands are non-negative (ln of z < 0 is
minus that of |z|); nested floor divisions merged; a series stops at its first 0 term; no row
walk below the smallest row; pow with exponent 1e8 skips L*1e8/1e8. The literal port lives in
`tests/projections/contracts/test_fixed_point_reference.py`, which checks these against it.
"""

from __future__ import annotations

from enum import Enum

from events.rejections import RejectCode
from projections.contracts import MathRejected

ONE_8 = 10**8
UINT128_LIMIT = 2**128
INT128_LIMIT = 2**127
MAX_POW_RELATIVE_ERROR = 4
EXPONENT_BOUND = 2**126 // ONE_8
NATURAL_EXPONENT_MAX = 69 * ONE_8
NATURAL_EXPONENT_MIN = -18 * ONE_8
LN_ARGUMENT_SHORT_LIMIT = 78962960182680695161
EXP_ARGUMENT_SHORT_LIMIT = 32 * ONE_8

# Rows x_k (x 1e8) and A_k shared by both tables, after the first two rows.
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


class ConstantTable(Enum):
    """Which on-chain copy of the ln/exp constant table to use (section 2.1 flag)."""

    SHORT = "short"
    """A_64 = e^64/1e8 and A_32 = e^32*1e6: equation contracts, swaps (the default)."""
    LONG = "long"
    """A_64 = e^64 and A_32 = e^32*1e8: `fixed-weight-pool-v1-01` only."""


_FIRST_ROWS: dict[ConstantTable, tuple[int, int]] = {
    ConstantTable.SHORT: (62351490808116168829, 78962960182680695161),
    ConstantTable.LONG: (6235149080811616882910000000, 7896296018268069516100),
}
_LN_ROWS: dict[ConstantTable, tuple[tuple[int, int], ...]] = {
    table: ((32 * ONE_8, second), *_SHARED_ROWS) for table, (_, second) in _FIRST_ROWS.items()
}
_SHORT_FIRST = _FIRST_ROWS[ConstantTable.SHORT][0]
_SHORT_ROWS = _LN_ROWS[ConstantTable.SHORT]
_SMALLEST_ROW_FACTOR = min(factor for _, factor in _SHARED_ROWS)
_SMALLEST_ROW_EXPONENT = min(exponent for exponent, _ in _SHARED_ROWS)
# Each exp term divides by 1e8 and then by d: one floor division by 1e8*d gives the same int.
_EXP_TERM_DIVISORS = tuple(ONE_8 * divisor for divisor in _SERIES_EXP_DIVISORS)
_ONE_8_SQUARED = ONE_8 * ONE_8


def trunc_div(numerator: int, denominator: int) -> int:
    """numerator / denominator (non-zero) truncated toward zero, as Clarity's signed `/` does
    (Python's `//` floors)."""
    quotient = numerator // denominator
    # Floor and truncation differ only on an inexact negative quotient, by one.
    if quotient < 0 and quotient * denominator != numerator:
        return quotient + 1
    return quotient


def _reject(detail: str) -> MathRejected:
    return MathRejected(RejectCode.OUT_OF_DOMAIN, detail)


def _require_uint(value: int, name: str) -> None:
    # A Clarity uint outside [0, 2^128) is a runtime error, so the transaction reverts.
    if value < 0 or value >= UINT128_LIMIT:
        raise _reject(f"{name}={value} is outside the unsigned 128-bit range")


def _product_checked(a: int, b: int) -> int:
    _require_uint(a, "a")
    _require_uint(b, "b")
    product = a * b
    _require_uint(product, "a*b")
    return product


def sub_fixed(a: int, b: int) -> int:
    """a - b for unsigned a >= b; a negative result is a revert on chain (uint underflow)."""
    if b > a:
        raise _reject(f"{a} - {b} would underflow an unsigned int")
    return a - b


def mul_down(a: int, b: int) -> int:
    """Multiply two 8-decimal values, rounding down (in the pool's favour when paying out).

    Args:
        a: Non-negative 8-decimal value.
        b: Non-negative 8-decimal value.

    Returns:
        floor(a*b / 1e8).
    """
    if 0 <= a < UINT128_LIMIT and 0 <= b < UINT128_LIMIT:
        product = a * b
        if product < UINT128_LIMIT:
            return product // ONE_8
    return _product_checked(a, b) // ONE_8


def mul_up(a: int, b: int) -> int:
    """Multiply two 8-decimal values, rounding up (in the pool's favour when charging).

    Args:
        a: Non-negative 8-decimal value.
        b: Non-negative 8-decimal value.

    Returns:
        0 if a*b is 0, else 1 + floor((a*b - 1) / 1e8).
    """
    if 0 <= a < UINT128_LIMIT and 0 <= b < UINT128_LIMIT:
        product = a * b
        if product < UINT128_LIMIT:
            return 0 if product == 0 else 1 + (product - 1) // ONE_8
    return 1 + (_product_checked(a, b) - 1) // ONE_8  # raises: the product is out of range


def _inflated_checked(a: int, b: int) -> int:
    inflated = _product_checked(a, ONE_8)
    _require_uint(b, "b")
    if b == 0:
        raise _reject("division by zero")
    return inflated


def div_down(a: int, b: int) -> int:
    """Divide two 8-decimal values, rounding down.

    Args:
        a: Non-negative 8-decimal numerator.
        b: Positive 8-decimal denominator (ignored when a is 0, as on chain).

    Returns:
        0 if a is 0, else floor(a*1e8 / b).
    """
    if a == 0:
        return 0
    if a > 0 and 0 < b < UINT128_LIMIT:
        inflated = a * ONE_8
        if inflated < UINT128_LIMIT:
            return inflated // b
    return _inflated_checked(a, b) // b


def div_up(a: int, b: int) -> int:
    """Divide two 8-decimal values, rounding up.

    Args:
        a: Non-negative 8-decimal numerator.
        b: Positive 8-decimal denominator (ignored when a is 0, as on chain).

    Returns:
        0 if a is 0, else 1 + floor((a*1e8 - 1) / b).
    """
    if a == 0:
        return 0
    if a > 0 and 0 < b < UINT128_LIMIT:
        inflated = a * ONE_8
        if inflated < UINT128_LIMIT:
            return 1 + (inflated - 1) // b
    return 1 + (_inflated_checked(a, b) - 1) // b


def _ln_checked(argument: int, table: ConstantTable) -> None:
    if argument <= 0 or argument >= INT128_LIMIT:
        raise _reject(f"ln argument {argument} must be in (0, 2^127)")
    if table is ConstantTable.SHORT and argument >= LN_ARGUMENT_SHORT_LIMIT:
        raise _reject(f"ln argument {argument} is beyond the short constant table's exact range")


def _ln_positive(value: int, table: ConstantTable) -> int:
    # `ln-priv` on a checked argument. Every row step keeps value positive, so truncation is
    # floor; below the smallest row factor no row can match and the walk is skipped.
    exponent_sum = 0
    if value >= _SMALLEST_ROW_FACTOR:
        if table is ConstantTable.SHORT:
            first_factor, rows = _SHORT_FIRST, _SHORT_ROWS
        else:
            first_factor, rows = _FIRST_ROWS[table][0], _LN_ROWS[table]
        # The first row stores a plain integer, so it is compared against A*1e8 and divides by A.
        if value >= first_factor * ONE_8:
            value //= first_factor
            exponent_sum = 64 * ONE_8
        for row_exponent, row_factor in rows:
            if value >= row_factor:
                value = value * ONE_8 // row_factor
                exponent_sum += row_exponent
    # z < 0 when value < 1e8: truncation is symmetric, so the series of z is minus that of |z|.
    z_numerator = (value - ONE_8) * ONE_8
    negative = z_numerator < 0
    z_term = (-z_numerator if negative else z_numerator) // (value + ONE_8)
    z_squared = z_term * z_term // ONE_8
    numerator = series_sum = z_term
    for divisor in _SERIES_LN_DIVISORS:
        numerator = numerator * z_squared // ONE_8
        if not numerator:
            break  # every later numerator is 0 too
        series_sum += numerator // divisor
    return exponent_sum - 2 * series_sum if negative else exponent_sum + 2 * series_sum


def ln_fixed(argument: int, table: ConstantTable = ConstantTable.SHORT) -> int:
    """Natural log of a positive 8-decimal value, exactly as the contract's `ln-priv`.

    Args:
        argument: Positive 8-decimal value below 2^127.
        table: Which on-chain constant table to use.

    Returns:
        ln(argument) as a signed 8-decimal int.
    """
    _ln_checked(argument, table)
    return _ln_positive(argument, table)


def _exp_positive(remainder: int, table: ConstantTable) -> int:
    # Every quantity here is non-negative, so the contract's truncating steps are floors.
    whole_factor = 1
    if remainder >= 64 * ONE_8:
        remainder -= 64 * ONE_8
        whole_factor = _FIRST_ROWS[table][0]
    product = ONE_8
    if remainder >= _SMALLEST_ROW_EXPONENT:
        rows = _SHORT_ROWS if table is ConstantTable.SHORT else _LN_ROWS[table]
        for row_exponent, row_factor in rows:
            if remainder >= row_exponent:
                remainder -= row_exponent
                product = product * row_factor // ONE_8
    series_sum = ONE_8 + remainder
    term = remainder
    for term_divisor in _EXP_TERM_DIVISORS:
        term = term * remainder // term_divisor
        if not term:
            break  # every later term is 0 too
        series_sum += term
    return product * series_sum // ONE_8 * whole_factor


def _exp_checked(argument: int, table: ConstantTable) -> None:
    if not NATURAL_EXPONENT_MIN <= argument <= NATURAL_EXPONENT_MAX:
        raise _reject(f"exp argument {argument} is outside [-18e8, 69e8]")
    if table is ConstantTable.SHORT and argument >= EXP_ARGUMENT_SHORT_LIMIT:
        raise _reject(f"exp argument {argument} is beyond the short constant table's range")


def exp_fixed(argument: int, table: ConstantTable = ConstantTable.SHORT) -> int:
    """e to a signed 8-decimal power, exactly as the contract's `exp-fixed`.

    Args:
        argument: Signed 8-decimal exponent in [-18e8, 69e8].
        table: Which on-chain constant table to use.

    Returns:
        e^argument as an 8-decimal int.
    """
    _exp_checked(argument, table)
    if argument < 0:
        return _ONE_8_SQUARED // _exp_positive(-argument, table)
    return _exp_positive(argument, table)


def pow_fixed(base: int, exponent: int, table: ConstantTable = ConstantTable.SHORT) -> int:
    """base^exponent for unsigned 8-decimal values via exp(exponent * ln(base)).

    Args:
        base: Non-negative 8-decimal base below 2^127.
        exponent: Non-negative 8-decimal exponent below 2^126/1e8.
        table: Which on-chain constant table to use.

    Returns:
        The raw (unadjusted) power; callers want `pow_down` or `pow_up`.
    """
    if base < 0 or base >= INT128_LIMIT:
        raise _reject(f"pow base {base} is outside [0, 2^127)")
    if exponent < 0 or exponent >= EXPONENT_BOUND:
        raise _reject(f"pow exponent {exponent} is outside [0, 2^126/1e8)")
    if exponent == 0:
        return ONE_8
    if base == 0:
        return 0
    _ln_checked(base, table)
    logarithm = _ln_positive(base, table)
    if exponent == ONE_8:
        # trunc(L*1e8 / 1e8) is L, and |L| < 2^40 keeps L*1e8 far inside the signed range.
        argument = logarithm
    else:
        log_times_exponent = logarithm * exponent
        if abs(log_times_exponent) >= INT128_LIMIT:
            raise _reject("ln(base)*exponent overflows the signed 128-bit range")
        if log_times_exponent >= 0:
            argument = log_times_exponent // ONE_8
        else:
            argument = -(-log_times_exponent // ONE_8)
    _exp_checked(argument, table)
    if argument < 0:
        return _ONE_8_SQUARED // _exp_positive(-argument, table)
    return _exp_positive(argument, table)


def _pow_error(raw: int) -> int:
    # 1 + mul_up(raw, 4); raw is never negative, so only the product's range needs a check.
    product = raw * MAX_POW_RELATIVE_ERROR
    if product < UINT128_LIMIT:
        return 1 if product == 0 else 2 + (product - 1) // ONE_8
    return 1 + mul_up(raw, MAX_POW_RELATIVE_ERROR)


def pow_down(base: int, exponent: int, table: ConstantTable = ConstantTable.SHORT) -> int:
    """A lower bound of base^exponent: the raw power minus the error budget, floored at 0.

    Args:
        base: Non-negative 8-decimal base.
        exponent: Non-negative 8-decimal exponent.
        table: Which on-chain constant table to use.

    Returns:
        raw - (1 + mul_up(raw, 4)), or 0 when that would be negative.
    """
    raw = pow_fixed(base, exponent, table)
    error = _pow_error(raw)
    return 0 if raw < error else raw - error


def pow_up(base: int, exponent: int, table: ConstantTable = ConstantTable.SHORT) -> int:
    """An upper bound of base^exponent: the raw power plus the error budget.

    Args:
        base: Non-negative 8-decimal base.
        exponent: Non-negative 8-decimal exponent.
        table: Which on-chain constant table to use.

    Returns:
        raw + 1 + mul_up(raw, 4).
    """
    raw = pow_fixed(base, exponent, table)
    return raw + _pow_error(raw)


__all__ = [
    "EXPONENT_BOUND",
    "EXP_ARGUMENT_SHORT_LIMIT",
    "INT128_LIMIT",
    "LN_ARGUMENT_SHORT_LIMIT",
    "MAX_POW_RELATIVE_ERROR",
    "NATURAL_EXPONENT_MAX",
    "NATURAL_EXPONENT_MIN",
    "ONE_8",
    "UINT128_LIMIT",
    "ConstantTable",
    "div_down",
    "div_up",
    "exp_fixed",
    "ln_fixed",
    "mul_down",
    "mul_up",
    "pow_down",
    "pow_fixed",
    "pow_up",
    "sub_fixed",
    "trunc_div",
]
