"""Presentation of a black-swan VaR run: the exceedance table as text and an SVG chart.

Kept apart from `replay.var` so that the simulation imports no drawing code. The chart is
two panels drawn by `replay.svg_chart`: the histogram of the defaulted paths' losses, and
the exceedance curve P(loss >= x) on a log axis with the white paper's headline marked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from replay.outputs import write_whole
from replay.svg_axes import decade_ticks, nice_ticks, tick_label
from replay.svg_chart import Frame, Svg, axes, colour, legend, plot_bars, plot_line, plot_markers
from replay.var import VarResult
from replay.var_series import FloatArray, loss_exceedance_table

__all__ = ["format_exceedance_table", "write_chart"]

# The ALEX white paper's headline: under 1% chance of a default of 12.5% of collateral value.
_HEADLINE_LOSS = 0.125
_HEADLINE_PROBABILITY = 0.01


def format_exceedance_table(result: VarResult) -> str:
    """Render P(loss >= x) as a fixed-width text table, with the scenario on the first line.

    Args:
        result: A finished run.

    Returns:
        Lines of text without a trailing newline. The 0% row reads P(loss > 0).
    """
    parameters = result.parameters
    lines = [
        f"LTV {parameters.ltv:.0%}, crash -{parameters.crash_size:.0%} at "
        f"{parameters.crash_multiplier:g}x (p = {result.crash_probability:.4%} per hour), "
        f"settled at {parameters.settlement}, "
        f"{parameters.paths} paths x {parameters.horizon_hours} h, seed {parameters.seed}",
        f"{'loss >= x':>10}  {'P':>8}  {'paths':>7}  {'95% Wilson interval':>21}",
    ]
    for row in result.exceedance:
        label = "> 0%" if row.threshold == 0 else f"{row.threshold:.1%}"
        interval = f"[{row.low:.3%}, {row.high:.3%}]"
        lines.append(f"{label:>10}  {row.probability:>8.3%}  {row.count:>7}  {interval:>21}")
    return "\n".join(lines)


_PANEL_WIDTH, _PANEL_HEIGHT, _TOP = 440.0, 320.0, 60.0


def _labelled(ticks: list[float]) -> list[tuple[float, str]]:
    return [(value, tick_label(value, ticks)) for value in ticks]


def _histogram(svg: Svg, defaulted: FloatArray, total: int) -> None:
    """Forty bins of the defaulted paths' losses (% of collateral), or words if none."""
    title = f"{defaulted.size} defaults in {total} paths"
    svg.text(80 + _PANEL_WIDTH / 2, _TOP - 12, title, kind="panel-title")
    if not defaulted.size:
        frame = Frame(80, _TOP, _PANEL_WIDTH, _PANEL_HEIGHT, 0.0, 1.0, 0.0, 1.0)
        axes(svg, frame, [], [], ("default loss, % of collateral", "paths"))
        svg.text(80 + _PANEL_WIDTH / 2, _TOP + _PANEL_HEIGHT / 2, "no defaults")
        return
    counts, edges = np.histogram(defaulted, bins=40)
    x_ticks = nice_ticks(float(edges[0]), float(edges[-1]))
    y_ticks = nice_ticks(0.0, float(counts.max()))
    frame = Frame(80, _TOP, _PANEL_WIDTH, _PANEL_HEIGHT, x_ticks[0], x_ticks[-1], 0.0, y_ticks[-1])
    axes(
        svg,
        frame,
        _labelled(x_ticks),
        _labelled(y_ticks),
        ("default loss, % of collateral", "paths"),
    )
    bars = [
        (float(a), float(b), float(c))
        for a, b, c in zip(edges[:-1], edges[1:], counts, strict=True)
    ]
    plot_bars(svg, frame, bars, 3)


def _reference(svg: Svg, frame: Frame, x: float | None, y: float | None, dash: str) -> None:
    """A grey dashed line across the frame at x (vertical) or y (horizontal)."""
    if x is not None:
        svg.line(
            frame.px(x),
            frame.top,
            frame.px(x),
            frame.top + frame.height,
            stroke="#777",
            stroke_dasharray=dash,
        )
    if y is not None:
        svg.line(
            frame.left,
            frame.py(y),
            frame.left + frame.width,
            frame.py(y),
            stroke="#777",
            stroke_dasharray=dash,
        )


def _exceedance(svg: Svg, result: VarResult, losses_percent: FloatArray) -> None:
    """P(loss >= x) over x, on a log axis whose floor (half of one path) stands for zero."""
    left = 80 + _PANEL_WIDTH + 120
    ceiling = max(float(losses_percent[-1]) if losses_percent.size else 0.0, 30.0)
    grid = np.linspace(0.0, ceiling, 601)
    rows = loss_exceedance_table(result.losses, [float(x) for x in grid / 100])
    floor = 1 / max(losses_percent.size, 1) / 2
    x_ticks = nice_ticks(0.0, ceiling)
    decades = [d for d in decade_ticks(floor, 1.0) if d >= floor]
    frame = Frame(left, _TOP, _PANEL_WIDTH, _PANEL_HEIGHT, 0.0, x_ticks[-1], floor, 1.0, log_y=True)
    labels = ("loss x, % of collateral", "P(loss >= x); at 0: P(loss > 0)")
    axes(svg, frame, _labelled(x_ticks), [(d, f"{d:g}") for d in decades], labels)
    svg.text(left + _PANEL_WIDTH / 2, _TOP - 12, "exceedance", kind="panel-title")
    curve = [(float(x), max(row.probability, floor)) for x, row in zip(grid, rows, strict=True)]
    plot_line(svg, frame, "P(loss >= x)", curve, 0, step=True)
    table = [(row.threshold * 100, max(row.probability, floor)) for row in result.exceedance]
    plot_markers(svg, frame, table, 0)
    _reference(svg, frame, _HEADLINE_LOSS * 100, None, "6 3")
    _reference(svg, frame, None, _HEADLINE_PROBABILITY, "2 3")
    names = ["P(loss >= x); dots: table thresholds", "12.5% loss", "1% (white paper)"]
    styles = [colour(0), ("#777", "6 3"), ("#777", "2 3")]
    legend(svg, left + _PANEL_WIDTH - 220, _TOP + 14, names, styles=styles)


def write_chart(result: VarResult, path: Path) -> None:
    """Write an SVG with the loss histogram of defaulted paths and the exceedance curve.

    Args:
        result: A finished run.
        path: Where to write the SVG (a missing folder is made).
    """
    parameters = result.parameters
    title = (
        f"CRP black-swan VaR: LTV {parameters.ltv:.0%}, -{parameters.crash_size:.0%} hourly "
        f"crashes at {parameters.crash_multiplier:g}x, seed {parameters.seed}"
    )
    svg = Svg(80 + 2 * _PANEL_WIDTH + 140, _TOP + _PANEL_HEIGHT + 50, title)
    svg.text(svg.width / 2, 20, title, kind="title", size=13)
    losses_percent = np.sort(result.losses) * 100
    _histogram(svg, losses_percent[losses_percent > 0], losses_percent.size)
    _exceedance(svg, result, losses_percent)
    write_whole(path, svg.render())
