"""Price series and loss statistics for the black-swan VaR of an ALEX CRP (`replay.var`).

Reads hourly log returns from a price CSV, measures the series' realised volatility (the
default sigma of the weight rule, protocol-math 2.6) and the frequency of crash hours, and
tabulates the simulated losses against thresholds. numpy floats, no ledger state; docs/var.md
has the long form.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_THRESHOLDS",
    "HOURS_PER_YEAR",
    "FloatArray",
    "crash_probability_per_hour",
    "historical_volatility_annual",
    "load_log_returns",
    "loss_exceedance_table",
]

FloatArray = npt.NDArray[np.float64]
HOURS_PER_YEAR = 8760
DEFAULT_THRESHOLDS: tuple[float, ...] = (0.0, 0.01, 0.025, 0.05, 0.10, 0.125, 0.15, 0.20, 0.25)


def load_log_returns(path: Path, *, step_seconds: int = 3600, invert: bool = False) -> FloatArray:
    """Read close prices from a price CSV and return log returns between adjacent candles.

    Gaps are skipped, not bridged: a return across a missing hour is a two-hour move, and
    sampling it as one hour would fatten the tail.

    Args:
        path: A `timestamp,open,high,low,close,volume` file with ISO UTC timestamps.
        step_seconds: Spacing of the candles to keep (3600 for hourly series).
        invert: Negate the returns: the price of the quote asset in the base asset.

    Returns:
        Log returns in time order.
    """
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader, [])]
        if "timestamp" not in header or "close" not in header:
            raise ValueError(f"{path}: expected a header with timestamp and close, got {header}")
        time_column, close_column = header.index("timestamp"), header.index("close")
        rows = [row for row in reader if len(row) > close_column and row[close_column].strip()]
    seconds = np.array([datetime.fromisoformat(row[time_column]).timestamp() for row in rows])
    closes = np.array([float(row[close_column]) for row in rows])
    if closes.size and closes.min() <= 0:
        raise ValueError(f"{path}: close prices must be positive")
    returns: FloatArray = np.diff(np.log(closes))[np.diff(seconds) == step_seconds]
    if returns.size < 2:
        raise ValueError(f"{path}: fewer than 2 returns {step_seconds}s apart; wrong series step?")
    return -returns if invert else returns


def historical_volatility_annual(returns: FloatArray) -> float:
    """Annualised standard deviation of hourly log returns: the default sigma of the rule."""
    return float(np.std(returns, ddof=1) * math.sqrt(HOURS_PER_YEAR))


def crash_probability_per_hour(
    returns: FloatArray, crash_multiplier: float, crash_size: float
) -> float:
    """Probability that a simulated hour is replaced by a crash.

    Args:
        returns: Hourly log returns of the series.
        crash_multiplier: How many times the historical frequency to inject.
        crash_size: The crash as a fall in price (0.20 is -20%).

    Returns:
        min(k * f, 1), f the share of hours at or below the crash. A series without one gets
        f = 1 / len(returns), one crash per series length, so k still scales something.
    """
    crashes = int(np.count_nonzero(returns <= math.log1p(-crash_size)))
    return min(crash_multiplier * max(crashes, 1) / returns.size, 1.0)


def loss_exceedance_table(
    losses: FloatArray, thresholds: Sequence[float] = DEFAULT_THRESHOLDS
) -> list[tuple[float, float]]:
    """Share of paths whose loss reaches each threshold.

    Args:
        losses: Default losses as shares of collateral value.
        thresholds: Loss levels. A threshold of 0 reports P(loss > 0), the default probability,
            because P(loss >= 0) is always 1.

    Returns:
        (threshold, probability) pairs in the order given.
    """
    ordered = np.sort(losses)
    rows: list[tuple[float, float]] = []
    for threshold in thresholds:
        below = int(np.searchsorted(ordered, threshold, side="right" if threshold == 0 else "left"))
        rows.append((float(threshold), (ordered.size - below) / max(ordered.size, 1)))
    return rows
