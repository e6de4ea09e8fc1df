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
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_THRESHOLDS",
    "HOURS_PER_YEAR",
    "Calibration",
    "Exceedance",
    "FloatArray",
    "band_frequency",
    "crash_probability_per_hour",
    "historical_volatility_annual",
    "load_log_returns",
    "loss_exceedance_table",
    "wilson_interval",
]

FloatArray = npt.NDArray[np.float64]
HOURS_PER_YEAR = 8760
DEFAULT_THRESHOLDS: tuple[float, ...] = (0.0, 0.01, 0.025, 0.05, 0.10, 0.125, 0.15, 0.20, 0.25)
Calibration = Literal["band", "tail"]
"""What the crash multiplier multiplies: the white paper's band frequency, or the tail's."""


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


def band_frequency(returns: FloatArray, smallest_fall: float, largest_fall: float) -> float:
    """Share of hours whose simple return is a fall between the two sizes, both included.

    The white paper's calibration: "the probability of a sudden fall of -10% to -18% is a very
    low 0.017%" (per hour). ETH/USDT 2017-2025 has 13 such hours in 72,554: 0.0179%.

    Args:
        returns: Hourly log returns of the series.
        smallest_fall: The band's mildest fall (0.10 is -10%).
        largest_fall: The band's deepest fall (0.18 is -18%).
    """
    if not 0 < smallest_fall <= largest_fall < 1:
        raise ValueError(f"need 0 < {smallest_fall} <= {largest_fall} < 1 for a band of falls")
    simple = np.expm1(returns)
    inside = (simple <= -smallest_fall + 1e-12) & (simple >= -largest_fall - 1e-12)
    return int(np.count_nonzero(inside)) / returns.size


def crash_probability_per_hour(
    returns: FloatArray,
    crash_multiplier: float,
    crash_size: float,
    *,
    calibration: Calibration = "band",
    band: tuple[float, float] = (0.10, 0.18),
) -> tuple[float, float]:
    """Probability that a simulated hour is replaced by a crash, and the base frequency used.

    Args:
        returns: Hourly log returns of the series.
        crash_multiplier: k, how many times the base frequency f to inject.
        crash_size: The crash as a fall in price (0.20 is -20%).
        calibration: "band" (the white paper): f is `band_frequency(returns, *band)`, the
            series' share of -10%..-18% hours. "tail": f is the share of hours at or below the
            crash itself, floored at one per series length when the series has none.
        band: The band's (mildest, deepest) falls for the "band" calibration.

    Returns:
        (min(k * f, 1), f). The band calibration has no floor: a series without a band hour
        gives f = 0, and the run says so rather than invent a frequency.
    """
    if calibration == "band":
        base = band_frequency(returns, *band)
    else:
        crashes = int(np.count_nonzero(returns <= math.log1p(-crash_size)))
        base = max(crashes, 1) / returns.size
    return min(crash_multiplier * base, 1.0), base


def wilson_interval(successes: int, trials: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval for a binomial share (95% by default).

    Chosen over the normal approximation because it stays inside [0, 1] and is not empty at
    zero or all successes: 0 of 10,000 gives (0, 0.038%), the honest bound of a tail no path
    reached.
    """
    if trials <= 0:
        return 0.0, 1.0
    share = successes / trials
    z2 = z * z
    centre = (share + z2 / (2 * trials)) / (1 + z2 / trials)
    half = z * math.sqrt(share * (1 - share) / trials + z2 / (4 * trials * trials))
    half /= 1 + z2 / trials
    low = 0.0 if successes == 0 else max(centre - half, 0.0)  # exact ends, not rounding noise
    high = 1.0 if successes == trials else min(centre + half, 1.0)
    return low, high


@dataclass(frozen=True)
class Exceedance:
    """One row of the exceedance table: P(loss >= threshold) from `paths` simulated loans."""

    threshold: float
    probability: float
    count: int
    paths: int
    low: float
    """Wilson 95% interval, lower end."""
    high: float
    """Wilson 95% interval, upper end."""


def loss_exceedance_table(
    losses: FloatArray, thresholds: Sequence[float] = DEFAULT_THRESHOLDS
) -> list[Exceedance]:
    """Share of paths whose loss reaches each threshold, with its count and Wilson interval.

    Args:
        losses: Default losses as shares of collateral value.
        thresholds: Loss levels. A threshold of 0 reports P(loss > 0), the default probability,
            because P(loss >= 0) is always 1.

    Returns:
        One row per threshold, in the order given.
    """
    ordered = np.sort(losses)
    rows: list[Exceedance] = []
    for threshold in thresholds:
        below = int(np.searchsorted(ordered, threshold, side="right" if threshold == 0 else "left"))
        count = ordered.size - below
        low, high = wilson_interval(count, ordered.size)
        share = count / max(ordered.size, 1)
        rows.append(Exceedance(float(threshold), share, count, ordered.size, low, high))
    return rows
