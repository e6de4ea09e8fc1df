"""Exact ints to one float: the quotient of two ints, correctly rounded, never a crash.

Amounts are ints of any size, so `float(amount)` or `100.0 * amount` raise OverflowError past
about 1.8e308. Python's `int / int` is exact until its single rounding (the float nearest the
true quotient), and fails only when that quotient is itself beyond float64's range; there it
is ±inf here, as IEEE 754 rounds an overflow. A float made here is for display and charts: the
exact value stays an int. Plain Python, no numpy (the report and the CLI load it).
"""

from __future__ import annotations

import math


def ratio_to_float(numerator: int, denominator: int) -> float:
    """`numerator / denominator` as the nearest float64; ±inf where that is beyond its range.

    E.g. (15, 10) -> 1.5; (10**400, 1) -> inf; (-(10**400), 3) -> -inf; (1, 10**400) -> 0.0.

    Raises:
        ZeroDivisionError: `denominator` is 0.
    """
    try:
        return numerator / denominator
    except OverflowError:
        return math.inf if (numerator < 0) == (denominator < 0) else -math.inf
