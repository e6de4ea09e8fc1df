"""The SVG charts, read back as XML: data maps to pixels in order, axes are nice and cover the
data, dates follow the samples, text shows as written, and no spike is lost to decimation."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay.report_charts import Chart
from replay.report_svg import PLOT_WIDTH, chart_svg
from replay.svg_axes import date_ticks, decimate, nice_ticks
from tests.replay.test_cli_log import run

SVG = "{http://www.w3.org/2000/svg}"
HOUR_MS = 3_600_000
START_MS = 1_614_556_800_000  # 2021-03-01 00:00 UTC

finite = st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)


def parsed(chart: Chart, samples: list[tuple[int, int]] | None = None) -> ElementTree.Element:
    return ElementTree.fromstring(chart_svg(chart, samples or []))


def of_class(root: ElementTree.Element, kind: str) -> list[ElementTree.Element]:
    return [element for element in root.iter() if element.get("class") == kind]


def polyline_points(element: ElementTree.Element) -> list[tuple[float, float]]:
    pairs = (pair.split(",") for pair in (element.get("points") or "").split())
    return [(float(x), float(y)) for x, y in pairs]


def number(label: str) -> float:
    return float(label.replace(",", ""))


def hourly(blocks: list[int]) -> list[tuple[int, int]]:
    return [(block, START_MS + index * HOUR_MS) for index, block in enumerate(blocks)]


@settings(max_examples=60, deadline=None)
@given(st.lists(finite, min_size=2, max_size=60))
def test_a_higher_value_is_higher_on_the_page_and_later_is_further_right(
    values: list[float],
) -> None:
    points = [(100.0 * index, value) for index, value in enumerate(values)]
    root = parsed(Chart("c.svg", "c", "y", {"s": points}))
    (line,) = of_class(root, "series")
    pixels = polyline_points(line)
    assert len(pixels) == len(points)
    xs = [x for x, _ in pixels]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)
    for (_, a), (_, pa) in zip(points, pixels, strict=True):
        for (_, b), (_, pb) in zip(points, pixels, strict=True):
            if a > b:
                assert pa <= pb  # the page's y grows downwards
    ticks = [number(t.text or "") for t in of_class(root, "ytick")]
    assert ticks[0] <= min(values) and ticks[-1] >= max(values)


@settings(max_examples=200, deadline=None)
@given(finite, finite, st.integers(2, 8))
def test_ticks_are_one_two_or_five_times_a_power_of_ten_and_cover_the_range(
    a: float, b: float, count: int
) -> None:
    low, high = min(a, b), max(a, b)
    ticks = nice_ticks(low, high, count)
    assert ticks[0] <= low and ticks[-1] >= high and len(ticks) >= 2
    steps = [t1 - t0 for t0, t1 in pairwise(ticks)]
    step = steps[0]
    assert all(math.isclose(s, step, rel_tol=1e-6) for s in steps)
    mantissa = step / 10 ** math.floor(math.log10(step))
    assert any(math.isclose(mantissa, m, rel_tol=1e-6) for m in (1, 2, 5, 10))
    assert len(ticks) <= 2 * count + 3


def test_tick_labels_are_nice_numbers_covering_the_data() -> None:
    points = [(float(block), 93.2 + block / 120) for block in range(0, 1200, 10)]
    root = parsed(
        Chart("c.svg", "c", "% of start", {"ETH": points}), hourly(list(range(0, 1200, 10)))
    )
    labels = [t.text or "" for t in of_class(root, "ytick")]
    assert labels == ["92", "94", "96", "98", "100", "102", "104"]
    blocks = [number(t.text or "") for t in of_class(root, "xtick")]
    assert blocks == sorted(blocks) and all(0 <= b <= 1190 for b in blocks) and len(blocks) >= 3
    assert [t.text for t in of_class(root, "xlabel")] == ["block"]
    assert [t.text for t in of_class(root, "ylabel")] == ["% of start"]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(1, 500), min_size=2, max_size=40),
    st.lists(st.integers(1, 48 * HOUR_MS), min_size=2, max_size=40),
)
def test_the_date_axis_is_in_order_and_within_the_samples_time(
    block_steps: list[int], time_steps: list[int]
) -> None:
    size = min(len(block_steps), len(time_steps))
    blocks = [sum(block_steps[:i]) for i in range(size)]
    stamps = [START_MS + sum(time_steps[:i]) for i in range(size)]
    samples = list(zip(blocks, stamps, strict=True))
    root = parsed(Chart("c.svg", "c", "y", {"s": [(float(b), 1.0) for b in blocks]}), samples)
    dates = of_class(root, "date")
    shown = [int(d.get("data-ts", "0")) for d in dates]
    assert shown == sorted(shown) and len(shown) == len(set(shown))
    assert all(stamps[0] <= stamp <= stamps[-1] for stamp in shown)
    assert 2 <= len(shown) <= 6 or stamps[-1] - stamps[0] < 2 * 60_000
    xs = [float(d.get("x", "0")) for d in dates]
    assert xs == sorted(xs)
    for element, stamp in zip(dates, shown, strict=True):
        text = " ".join(part.strip() for part in element.itertext())
        assert text == datetime.fromtimestamp(stamp / 1000, UTC).strftime("%Y-%m-%d %H:%M")


def test_date_ticks_fall_on_round_times() -> None:
    day = date_ticks(START_MS + 5 * 60_000, START_MS + 23 * HOUR_MS)
    assert [datetime.fromtimestamp(t / 1000, UTC).hour for t in day] == [6, 12, 18]
    year = date_ticks(START_MS, START_MS + 400 * 24 * HOUR_MS)
    months = [datetime.fromtimestamp(t / 1000, UTC).strftime("%Y-%m-%d") for t in year]
    assert months == ["2021-04-01", "2021-07-01", "2021-10-01", "2022-01-01", "2022-04-01"]


def test_names_from_the_log_show_as_written_one_legend_entry_per_series() -> None:
    names = ["<script>alert(1)</script>", "R&D", "$x^{2}$", '"quoted"', "_hidden"]
    chart = Chart("c.svg", "<b>caption</b> & co", "y", {n: [(0.0, 1.0), (1.0, 2.0)] for n in names})
    text = chart_svg(chart)
    assert "<script>" not in text and "<b>" not in text
    root = ElementTree.fromstring(text)
    assert root.findtext(f"{SVG}title") == "<b>caption</b> & co"
    assert [t.text for t in of_class(root, "legend")] == names
    assert [line.get("data-name") for line in of_class(root, "series")] == names
    colours = {line.get("stroke") for line in of_class(root, "series")}
    assert len(colours) == len(names)


def test_a_nan_or_inf_leaves_a_gap() -> None:
    points = [(0.0, 1.0), (1.0, 2.0), (2.0, math.nan), (3.0, 3.0), (4.0, math.inf), (5.0, 1.0)]
    root = parsed(Chart("c.svg", "c", "y", {"s": points}))
    assert [len(polyline_points(line)) for line in of_class(root, "series")] == [2, 1, 1]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 50), finite), min_size=1, max_size=300))
def test_decimation_keeps_each_pixel_columns_lowest_and_highest_point(
    raw: list[tuple[float, float]],
) -> None:
    points = sorted(raw, key=lambda point: point[0])
    kept = decimate(points, math.floor)
    columns: dict[int, list[float]] = {}
    for x, y in points:
        columns.setdefault(math.floor(x), []).append(y)
    kept_columns: dict[int, list[float]] = {}
    for x, y in kept:
        kept_columns.setdefault(math.floor(x), []).append(y)
    for column, ys in columns.items():
        assert min(ys) in kept_columns[column] and max(ys) in kept_columns[column]
    assert kept[0] == points[0] and kept[-1] == points[-1]
    iterator = iter(points)
    assert all(point in iterator for point in kept)  # kept is a subsequence, in order


def test_a_spike_among_many_points_is_still_drawn() -> None:
    points = [(float(i), math.sin(i / 500)) for i in range(200_000)]
    points[123_457] = (123_457.0, 40.0)
    points[7] = (7.0, -30.0)
    root = parsed(Chart("c.svg", "c", "y", {"s": points}))
    (line,) = of_class(root, "series")
    pixels = polyline_points(line)
    assert len(pixels) <= 4 * (PLOT_WIDTH + 1)
    ticks = [(number(t.text or ""), float(t.get("y", "0")) - 4) for t in of_class(root, "ytick")]
    (v0, p0), (v1, p1) = ticks[0], ticks[-1]

    def pixel(value: float) -> float:
        return p0 + (value - v0) * (p1 - p0) / (v1 - v0)

    ys = [y for _, y in pixels]
    assert min(ys) == pytest.approx(pixel(40.0), abs=0.11)
    assert max(ys) == pytest.approx(pixel(-30.0), abs=0.11)


def test_events_are_one_row_per_kind_named_on_the_y_axis() -> None:
    series = {"rebalance": [(10.0, 1.0), (30.0, 1.0)], "liquidation & <more>": [(20.0, 1.0)]}
    chart = Chart("e.svg", "e", "", dict(series), style="events", categories=list(series))
    root = parsed(chart, hourly([0, 50]))
    assert [t.text for t in of_class(root, "ytick")] == list(series)
    marks = [line for line in root.iter(f"{SVG}line") if line.get("stroke-width") == "1.5"]
    rows = {line.get("stroke"): set() for line in marks}
    for line in marks:
        rows[line.get("stroke")].add(line.get("y1"))
    assert len(marks) == 3 and len(rows) == 2 and all(len(ys) == 1 for ys in rows.values())
    assert of_class(root, "legend") == []


def test_bars_are_grouped_per_category() -> None:
    series = {"for": [(0.0, 300.0), (1.0, 100.0)], "against": [(0.0, 200.0), (1.0, 0.0)]}
    chart = Chart("b.svg", "b", "ALEX", series, style="bars", categories=["AGP-1", "AGP-2"])
    root = parsed(chart)
    bars = of_class(root, "bar")
    assert len(bars) == 4 and len({bar.get("fill") for bar in bars}) == 2
    assert [t.text for t in of_class(root, "xtick")] == ["AGP-1", "AGP-2"]
    heights = {bar.get("fill"): [] for bar in bars}
    for bar in bars:
        heights[bar.get("fill")].append(float(bar.get("height", "0")))
    for_bars, against_bars = heights.values()
    assert for_bars[0] > against_bars[0] > for_bars[1] > against_bars[1] == 0
    assert [t.text for t in of_class(root, "legend")] == ["for", "against"]


def test_an_empty_chart_is_not_drawn_and_the_page_says_why(tmp_path: Path) -> None:
    ledger = tmp_path / "ledger.db"
    assert run("init", str(ledger))[0] == 0
    lines = '{"block": 1, "event": {"type": "AssetRegistered", "asset": "A", "symbol": "A", "decimals": 6}}'
    assert run("append", str(ledger), "-", stdin=lines)[0] == 0
    assert run("report", str(ledger), "--out", str(tmp_path / "out"))[0] == 0
    page = (tmp_path / "out" / "index.html").read_text()
    assert not list((tmp_path / "out").glob("*.svg"))
    assert re.findall(r"<img ", page) == [] and "Nothing to plot: No prices were recorded" in page
