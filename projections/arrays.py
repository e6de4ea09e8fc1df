"""The one door from exact amounts to numpy: lossy float64 values for display and analytics.

Amounts are Python ints in base units and may exceed 2**63 (numpy int64 overflows at about
9.2 ETH in wei), so numpy never sees them raw. Code that wants arrays calls the named
conversion here, which makes every place that gives up exactness easy to find by grep. The
result is for charts and quick analysis only: never sum it back into the books.

This is the only module of `projections` that may import numpy (`tests/test_architecture.py`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from projections.ratios import ratio_to_float


def amounts_to_float(
    amounts: Sequence[int | None], decimals: int | Sequence[int | None]
) -> npt.NDArray[np.float64]:
    """Amounts in base units as float64 whole units (amount / 10**decimals): LOSSY, display only.

    Each value is Python's correctly rounded int division, so it is the float64 nearest the
    exact quotient whatever the amount's size; about 15-16 significant digits survive. A
    quotient beyond float64's range (about 1.8e308 whole units) is +inf or -inf, never an
    error (`projections.ratios.ratio_to_float`): the exact amount is still the int.

    Args:
        amounts: Amounts in base units; None (no amount) becomes NaN.
        decimals: The asset scale: one for all amounts, or one per amount (None, for an asset
            whose decimals are unknown, gives NaN rather than a guess).

    Returns:
        A float64 array as long as `amounts`.
    """
    scales = [decimals] * len(amounts) if isinstance(decimals, int) else list(decimals)
    if len(scales) != len(amounts):
        raise ValueError(f"{len(amounts)} amounts but {len(scales)} decimals")
    values = np.full(len(amounts), np.nan, dtype=np.float64)
    for index, (amount, scale) in enumerate(zip(amounts, scales, strict=True)):
        if amount is None or scale is None:
            continue
        if scale < 0:
            raise ValueError(f"decimals cannot be negative, got {scale}")
        values[index] = ratio_to_float(amount, 10**scale)
    return values
