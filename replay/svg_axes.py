"""The arithmetic of a chart's axes, apart from drawing: nice ticks, date ticks, decimation.

Value ticks step by 1, 2 or 5 x 10^k and cover the data (the lowest tick at or below the
smallest value, the highest at or above the largest). Date ticks fall on round UTC times
(whole minutes, hours, days, months or years), a handful over the span. Decimation keeps,
for every pixel column a line crosses, its first, lowest, highest and last point, so a
spike stays drawn however many points share the column.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

Point = tuple[float, float]

_MINUTE_MS = 60_000
_HOUR_MS = 60 * _MINUTE_MS
_DAY_MS = 24 * _HOUR_MS
_FIXED_STEPS_MS = (
    [m * _MINUTE_MS for m in (1, 2, 5, 10, 15, 30)]
    + [h * _HOUR_MS for h in (1, 2, 3, 6, 12)]
    + [d * _DAY_MS for d in (1, 2, 7, 14)]
)
_MONTH_STEPS = (1, 2, 3, 6, 12, 24, 60, 120, 240, 600, 1200)


def nice_step(span: float, count: int = 5) -> float:
    """The 1, 2 or 5 x 10^k step that cuts `span` into about `count` parts."""
    raw = span / max(count, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1.0, 2.0, 5.0):
        if raw <= factor * power * 1.0000001:
            return factor * power
    return 10.0 * power


def _widened(low: float, high: float) -> tuple[float, float]:
    """A range with some width: one value (or a span lost in float rounding) becomes a band."""
    if high - low > 1e-9 * max(abs(low), abs(high)) and high - low > 1e-250:
        return low, high
    pad = abs(low) * 0.1 if abs(low) > 1e-250 else 1.0
    return low - pad, high + pad


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Ticks a nice step apart, the first at or below `low` and the last at or above `high`."""
    low, high = _widened(low, high)
    step = nice_step(high - low, count)
    first, last = math.floor(low / step), math.ceil(high / step)
    first += _clean((first + 1) * step) <= low  # low / step may round down past a tick ...
    last -= _clean((last - 1) * step) >= high
    first -= _clean(first * step) > low  # ... or, for a tiny value, round to zero
    last += _clean(last * step) < high
    return [_clean(index * step) for index in range(first, last + 1)]


def inner_ticks(low: float, high: float, count: int = 6) -> list[float]:
    """Ticks a nice step apart inside [low, high] (for an axis whose range is given)."""
    low, high = _widened(low, high)
    step = nice_step(high - low, count)
    first, last = math.ceil(low / step), math.floor(high / step)
    first -= _clean((first - 1) * step) >= low
    last += _clean((last + 1) * step) <= high
    return [_clean(index * step) for index in range(first, last + 1)]


def _clean(value: float) -> float:
    """A tick value without the float noise of `index * step` (0.30000000000000004)."""
    return float(f"{value:.12g}") + 0.0  # `+ 0.0` turns -0.0 into 0.0


def tick_label(value: float, ticks: Sequence[float]) -> str:
    """A tick's text with as many decimals as the step needs: 0.5, 10, 1,000,000, 2e-05."""
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else abs(value) or 1.0
    if step < 1e-4 or max(abs(t) for t in ticks) >= 1e15:
        return f"{value:.3g}"
    decimals = max(0, -math.floor(math.log10(step) + 1e-9))
    return f"{value:,.{decimals}f}"


def decade_ticks(low: float, high: float) -> list[float]:
    """Powers of ten from the one at or below `low` to the one at or above `high` (log axis)."""
    first, last = math.floor(math.log10(low) + 1e-9), math.ceil(math.log10(high) - 1e-9)
    return [10.0**power for power in range(first, max(last, first + 1) + 1)]


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    return moment.replace(year=index // 12, month=index % 12 + 1, day=1)


def _month_ticks(start_ms: int, end_ms: int, months: int) -> list[int]:
    start = datetime.fromtimestamp(start_ms / 1000, UTC)
    month = start.year * 12 + start.month - 1
    moment = _add_months(datetime(2000, 1, 1, tzinfo=UTC), month - month % months - 2000 * 12)
    ticks = []
    while (stamp := int(moment.timestamp() * 1000)) <= end_ms:
        if stamp >= start_ms:
            ticks.append(stamp)
        moment = _add_months(moment, months)
    return ticks


def date_ticks(start_ms: int, end_ms: int, most: int = 6) -> list[int]:
    """Round UTC times within [start_ms, end_ms], at least two where the span allows, at most
    `most`: the smallest round step (a minute ... a century) that gives no more than `most`."""
    if end_ms <= start_ms:
        return []
    for step in _FIXED_STEPS_MS:
        first = -(-start_ms // step) * step
        if (end_ms - first) // step + 1 <= most:
            return list(range(first, end_ms + 1, step))
    for months in _MONTH_STEPS:
        ticks = _month_ticks(start_ms, end_ms, months)
        if len(ticks) <= most:
            return ticks
    return [start_ms, end_ms]


def date_label(stamp_ms: int) -> tuple[str, str]:
    """A date tick's two lines: the day and the time of day (UTC)."""
    moment = datetime.fromtimestamp(stamp_ms / 1000, UTC)
    return moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M")


def block_at(stamp_ms: int, samples: Sequence[tuple[int, int]]) -> float | None:
    """The block at a time, interpolated through (block, ts_ms) samples whose times rise;
    None outside the samples' time range."""
    stamps = [ts for _, ts in samples]
    index = bisect_left(stamps, stamp_ms)
    if index == len(stamps) or (index == 0 and stamps[0] != stamp_ms):
        return None
    if stamps[index] == stamp_ms:
        return float(samples[index][0])
    (b0, t0), (b1, t1) = samples[index - 1], samples[index]
    return b0 + (b1 - b0) * (stamp_ms - t0) / (t1 - t0)


def rising_times(samples: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The (block, ts_ms) samples whose time is later than every earlier one (and positive)."""
    kept: list[tuple[int, int]] = []
    for block, stamp in sorted(samples):
        if stamp > 0 and (not kept or stamp > kept[-1][1]):
            kept.append((block, stamp))
    return kept


def finite_runs(points: Sequence[Point]) -> list[list[Point]]:
    """The runs of points between non-finite ones (NaN or inf ends a line; the next starts)."""
    runs: list[list[Point]] = [[]]
    for x, y in points:
        if math.isfinite(x) and math.isfinite(y):
            runs[-1].append((x, y))
        elif runs[-1]:
            runs.append([])
    return [run for run in runs if run]


def decimate(points: Sequence[Point], column: Callable[[float], int]) -> list[Point]:
    """The points a line needs at the pixel width `column` gives: per run of points in one
    column, the first, the lowest, the highest and the last, in their order."""
    kept: list[Point] = []
    start = 0
    while start < len(points):
        end = start
        here = column(points[start][0])
        while end + 1 < len(points) and column(points[end + 1][0]) == here:
            end += 1
        group = range(start, end + 1)
        if len(group) <= 4:
            kept.extend(points[start : end + 1])
        else:
            low = min(group, key=lambda i: points[i][1])
            high = max(group, key=lambda i: points[i][1])
            kept.extend(points[i] for i in sorted({start, low, high, end}))
        start = end + 1
    return kept
