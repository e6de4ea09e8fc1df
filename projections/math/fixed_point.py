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
"""

from __future__ import annotations

from enum import Enum

from events.rejections import RejectCode
from projections.math import MathRejected

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


def trunc_div(numerator: int, denominator: int) -> int:
    """Divide and truncate toward zero, as Clarity's signed `/` does (Python's `//` floors).

    Args:
        numerator: Any int.
        denominator: A non-zero int.

    Returns:
        The quotient rounded toward zero.
    """
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator >= 0) == (denominator > 0) else -quotient


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
    """Subtract unsigned values; a negative result is a revert on chain (uint underflow).

    Args:
        a: Non-negative minuend.
        b: Non-negative subtrahend, at most `a`.

    Returns:
        a - b.
    """
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
    return _product_checked(a, b) // ONE_8


def mul_up(a: int, b: int) -> int:
    """Multiply two 8-decimal values, rounding up (in the pool's favour when charging).

    Args:
        a: Non-negative 8-decimal value.
        b: Non-negative 8-decimal value.

    Returns:
        0 if a*b is 0, else 1 + floor((a*b - 1) / 1e8).
    """
    product = _product_checked(a, b)
    return 0 if product == 0 else 1 + (product - 1) // ONE_8


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
    return 1 + (_inflated_checked(a, b) - 1) // b


def ln_fixed(argument: int, table: ConstantTable = ConstantTable.SHORT) -> int:
    """Natural log of a positive 8-decimal value, exactly as the contract's `ln-priv`.

    Args:
        argument: Positive 8-decimal value below 2^127.
        table: Which on-chain constant table to use.

    Returns:
        ln(argument) as a signed 8-decimal int.
    """
    if argument <= 0 or argument >= INT128_LIMIT:
        raise _reject(f"ln argument {argument} must be in (0, 2^127)")
    if table is ConstantTable.SHORT and argument >= LN_ARGUMENT_SHORT_LIMIT:
        raise _reject(f"ln argument {argument} is beyond the short constant table's exact range")
    value = argument
    exponent_sum = 0
    first_factor, second_factor = _FIRST_ROWS[table]
    # The first row stores a plain integer, so it is compared against A*1e8 and divides by A.
    if value >= first_factor * ONE_8:
        value = trunc_div(value, first_factor)
        exponent_sum += 64 * ONE_8
    for row_exponent, row_factor in ((32 * ONE_8, second_factor), *_SHARED_ROWS):
        if value >= row_factor:
            value = trunc_div(value * ONE_8, row_factor)
            exponent_sum += row_exponent
    z_term = trunc_div((value - ONE_8) * ONE_8, value + ONE_8)
    z_squared = trunc_div(z_term * z_term, ONE_8)
    numerator = z_term
    series_sum = z_term
    for divisor in _SERIES_LN_DIVISORS:
        numerator = trunc_div(numerator * z_squared, ONE_8)
        series_sum += trunc_div(numerator, divisor)
    return exponent_sum + 2 * series_sum


def _exp_positive(argument: int, table: ConstantTable) -> int:
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
            product = trunc_div(product * row_factor, ONE_8)
    series_sum = ONE_8 + remainder
    term = remainder
    for divisor in _SERIES_EXP_DIVISORS:
        term = trunc_div(trunc_div(term * remainder, ONE_8), divisor)
        series_sum += term
    return trunc_div(product * series_sum, ONE_8) * whole_factor


def exp_fixed(argument: int, table: ConstantTable = ConstantTable.SHORT) -> int:
    """e to a signed 8-decimal power, exactly as the contract's `exp-fixed`.

    Args:
        argument: Signed 8-decimal exponent in [-18e8, 69e8].
        table: Which on-chain constant table to use.

    Returns:
        e^argument as an 8-decimal int.
    """
    if not NATURAL_EXPONENT_MIN <= argument <= NATURAL_EXPONENT_MAX:
        raise _reject(f"exp argument {argument} is outside [-18e8, 69e8]")
    if table is ConstantTable.SHORT and argument >= EXP_ARGUMENT_SHORT_LIMIT:
        raise _reject(f"exp argument {argument} is beyond the short constant table's range")
    if argument < 0:
        return trunc_div(ONE_8 * ONE_8, _exp_positive(-argument, table))
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
    log_times_exponent = ln_fixed(base, table) * exponent
    if abs(log_times_exponent) >= INT128_LIMIT:
        raise _reject("ln(base)*exponent overflows the signed 128-bit range")
    return exp_fixed(trunc_div(log_times_exponent, ONE_8), table)


def _pow_error(raw: int) -> int:
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
