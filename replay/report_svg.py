"""A report `Chart` as a standalone SVG: lines and steps over blocks with the dates on top,
events as one row of ticks per kind, bars grouped per category.

The x axis of a time chart spans the samples' first to last block (the log's whole period);
the y axis has nice ticks that cover the data. Lines and steps get a legend on the right,
one entry per series; events name their rows on the y axis instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from replay.svg_axes import inner_ticks, nice_ticks, tick_label
from replay.svg_chart import (
    Frame,
    Svg,
    axes,
    colour,
    date_axis,
    legend,
    plot_bars,
    plot_line,
    text_width,
)

if TYPE_CHECKING:
    from replay.report_charts import Chart

PLOT_WIDTH, PLOT_HEIGHT = 700.0, 250.0
TOP = 48.0
"""Room above the plot for the two-line dates."""
LEGEND_ROW = 16.0


def _finite(chart: Chart) -> list[tuple[float, float]]:
    return [
        (x, y)
        for points in chart.series.values()
        for x, y in points
        if math.isfinite(x) and math.isfinite(y)
    ]


def _labelled(ticks: Sequence[float]) -> list[tuple[float, str]]:
    return [(value, tick_label(value, ticks)) for value in ticks]


def _x_range(chart: Chart, samples: Sequence[tuple[int, int]]) -> tuple[float, float]:
    if samples:
        return float(samples[0][0]), float(samples[-1][0])
    xs = [x for x, _ in _finite(chart)]
    return min(xs), max(xs)


def _events(svg: Svg, frame: Frame, chart: Chart) -> None:
    for row, name in enumerate(chart.categories):
        stroke, _ = colour(row)
        y = frame.py(row)
        for x, value in chart.series.get(name, []):
            if math.isfinite(x) and math.isfinite(value):
                svg.line(frame.px(x), y - 8, frame.px(x), y + 8, stroke=stroke, stroke_width="1.5")


def _bars(svg: Svg, frame: Frame, chart: Chart) -> None:
    width = 0.8 / max(len(chart.series), 1)
    for index, points in enumerate(chart.series.values()):
        left = [x - 0.4 + index * width for x, _ in points]
        plot_bars(
            svg, frame, [(a, a + width, y) for a, (_, y) in zip(left, points, strict=True)], index
        )


def chart_svg(chart: Chart, samples: Sequence[tuple[int, int]] = ()) -> str:
    """The chart as an SVG document; `samples` are the (block, ts_ms) of a time chart."""
    names = list(chart.series)
    values = [y for _, y in _finite(chart)] or [0.0]
    if chart.style == "events":
        ticks = [(float(row), name) for row, name in enumerate(chart.categories)]
        y_range = (-0.5, len(chart.categories) - 0.5)
        left = 24 + max((text_width(name) for name in chart.categories), default=0)
    else:
        low, high = min(values), max(values)
        if chart.style == "bars":
            low, high = min(low, 0.0), max(high, 0.0)
        spaced = nice_ticks(low, high)
        ticks, y_range = _labelled(spaced), (spaced[0], spaced[-1])
        left = 36 + max(text_width(label) for _, label in ticks)
    if chart.style == "bars":
        x_range = (-0.5, len(chart.categories) - 0.5)
        x_ticks = [(float(i), name) for i, name in enumerate(chart.categories)]
    else:
        x_range = _x_range(chart, samples)
        x_ticks = _labelled(inner_ticks(*x_range))
    legend_width = 0.0 if chart.style == "events" else 40 + max(map(text_width, names), default=0)
    slanted = chart.style == "bars" and sum(text_width(n) for _, n in x_ticks) > PLOT_WIDTH * 0.9
    bottom = 30 + (max(text_width(n) for _, n in x_ticks) * 0.5 if slanted else 16)
    frame = Frame(left, TOP, PLOT_WIDTH, PLOT_HEIGHT, *x_range, *y_range)
    height = max(TOP + PLOT_HEIGHT + bottom, TOP + LEGEND_ROW * len(names) + 10)
    svg = Svg(left + PLOT_WIDTH + legend_width + 10, height, chart.caption)
    axes(
        svg,
        frame,
        [] if slanted else x_ticks,
        ticks,
        ("" if chart.style == "bars" else "block", chart.ylabel),
    )
    if slanted:
        for value, name in x_ticks:
            x, y = frame.px(value), TOP + PLOT_HEIGHT + 14
            svg.text(x, y, name, anchor="end", kind="xtick", rotate=-30)
    if samples:
        date_axis(svg, frame, samples)
    if chart.style == "events":
        _events(svg, frame, chart)
    elif chart.style == "bars":
        _bars(svg, frame, chart)
    else:
        for index, (name, points) in enumerate(chart.series.items()):
            plot_line(svg, frame, name, points, index, step=chart.style == "step")
    if legend_width:
        kind = "bar" if chart.style == "bars" else "line"
        legend(svg, frame.left + PLOT_WIDTH + 20, TOP + 6, names, kind)
    return svg.render()
