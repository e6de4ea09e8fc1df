"""A small SVG renderer for the report's charts and the VaR chart: no plotting library.

`Svg` collects elements and writes a standalone file (with a `<title>` for screen readers);
`Frame` maps data to pixels (a linear or a log y axis); the `plot_*` functions draw a series
in a frame; `axes`, `date_axis` and `legend` draw the furniture. Every text from the log
goes through `_esc`, so a name such as `<script>`, `&` or `$x$` shows as written. Elements
carry a `class` (series, ytick, xtick, date, legend) that says what they are.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from itertools import pairwise

from replay.svg_axes import (
    Point,
    block_at,
    date_label,
    date_ticks,
    decimate,
    finite_runs,
    rising_times,
)

# Okabe and Ito's palette, which readers with any common colour blindness tell apart;
# past the eighth series the colours repeat, dashed.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
FONT = 11
CHAR_WIDTH = 0.6 * FONT
"""A sans-serif character's width, on average, for laying out text without measuring it."""


def colour(index: int) -> tuple[str, str]:
    """The colour and the dash pattern ("" for solid) of the `index`-th series."""
    return PALETTE[index % len(PALETTE)], "" if index < len(PALETTE) else "6 3"


def _esc(text: object) -> str:
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def text_width(text: str, size: float = FONT) -> float:
    return len(text) * 0.6 * size


@dataclass
class Svg:
    width: float
    height: float
    title: str
    parts: list[str] = field(default_factory=list)

    def line(
        self, x1: float, y1: float, x2: float, y2: float, stroke: str = "#000", **extra: str
    ) -> None:
        attributes = "".join(f' {key.replace("_", "-")}="{_esc(v)}"' for key, v in extra.items())
        self.parts.append(
            f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
            f'stroke="{stroke}"{attributes}/>'
        )

    def text(
        self,
        x: float,
        y: float,
        text: str,
        anchor: str = "middle",
        kind: str = "",
        rotate: float = 0,
        size: float = FONT,
    ) -> None:
        turn = f' transform="rotate({_num(rotate)} {_num(x)} {_num(y)})"' if rotate else ""
        css = f' class="{kind}"' if kind else ""
        self.parts.append(
            f'<text x="{_num(x)}" y="{_num(y)}" font-size="{_num(size)}" text-anchor="{anchor}"'
            f"{turn}{css}>{_esc(text)}</text>"
        )

    def raw(self, element: str) -> None:
        self.parts.append(element)

    def render(self) -> str:
        width, height = _num(self.width), _num(self.height)
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" font-family="sans-serif">\n'
            f"<title>{_esc(self.title)}</title>\n"
            f'<rect width="{width}" height="{height}" fill="#fff"/>\n'
            + "\n".join(self.parts)
            + "\n</svg>\n"
        )


@dataclass
class Frame:
    """The plot area in pixels and the data range it shows."""

    left: float
    top: float
    width: float
    height: float
    x_low: float
    x_high: float
    y_low: float
    y_high: float
    log_y: bool = False

    def px(self, x: float) -> float:
        return self.left + (x - self.x_low) / ((self.x_high - self.x_low) or 1.0) * self.width

    def py(self, y: float) -> float:
        low, high = self.y_low, self.y_high
        if self.log_y:
            y, low, high = math.log10(max(y, low)), math.log10(low), math.log10(high)
        return self.top + self.height - (y - low) / ((high - low) or 1.0) * self.height

    def column(self, x: float) -> int:
        return math.floor(self.px(x))


def _path_points(points: Sequence[Point]) -> str:
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in points)


def plot_line(
    svg: Svg, frame: Frame, name: str, points: Sequence[Point], index: int, step: bool = False
) -> None:
    """A polyline per run of finite points (a NaN or inf point leaves a gap)."""
    stroke, dash = colour(index)
    dashes = f' stroke-dasharray="{dash}"' if dash else ""
    for run in finite_runs(points):
        kept = decimate(run, frame.column)
        pixels = [(frame.px(x), frame.py(y)) for x, y in kept]
        if step:
            pixels = [p for a, b in pairwise(pixels) for p in (a, (b[0], a[1]))] + pixels[-1:]
        svg.raw(
            f'<polyline class="series" data-name="{_esc(name)}" fill="none" stroke="{stroke}" '
            f'stroke-width="1.5"{dashes} points="{_path_points(pixels)}"/>'
        )


def plot_markers(svg: Svg, frame: Frame, points: Sequence[Point], index: int) -> None:
    stroke, _ = colour(index)
    for x, y in (p for run in finite_runs(points) for p in run):
        svg.raw(
            f'<circle cx="{_num(frame.px(x))}" cy="{_num(frame.py(y))}" r="3" fill="{stroke}"/>'
        )


def plot_bars(
    svg: Svg, frame: Frame, bars: Sequence[tuple[float, float, float]], index: int
) -> None:
    """Bars given as (left x, right x, height) from zero (or the bottom of a log axis)."""
    fill, _ = colour(index)
    base = frame.py(max(0.0, frame.y_low))
    for left, right, height in bars:
        if not math.isfinite(height):
            continue
        top = frame.py(height)
        svg.raw(
            f'<rect class="bar" x="{_num(frame.px(left))}" y="{_num(min(top, base))}" '
            f'width="{_num(frame.px(right) - frame.px(left))}" height="{_num(abs(base - top))}" '
            f'fill="{fill}"/>'
        )


def axes(
    svg: Svg,
    frame: Frame,
    x_ticks: Sequence[tuple[float, str]],
    y_ticks: Sequence[tuple[float, str]],
    labels: tuple[str, str],
) -> None:
    """The frame, its ticks with their labels, and the axis labels (x below, y at the left)."""
    left, top, right, bottom = (
        frame.left,
        frame.top,
        frame.left + frame.width,
        frame.top + frame.height,
    )
    svg.raw(
        f'<rect x="{_num(left)}" y="{_num(top)}" width="{_num(frame.width)}" '
        f'height="{_num(frame.height)}" fill="none" stroke="#000"/>'
    )
    for value, label in x_ticks:
        x = frame.px(value)
        svg.line(x, bottom, x, bottom + 4)
        svg.text(x, bottom + 16, label, kind="xtick")
    widest = 0.0
    for value, label in y_ticks:
        y = frame.py(value)
        svg.line(left - 4, y, left, y)
        svg.line(left, y, right, y, stroke="#ddd")
        svg.text(left - 6, y + 4, label, anchor="end", kind="ytick")
        widest = max(widest, text_width(label))
    xlabel, ylabel = labels
    if xlabel:
        svg.text(left + frame.width / 2, bottom + 34, xlabel, kind="xlabel")
    if ylabel:
        x = left - widest - 16
        svg.text(x, top + frame.height / 2, ylabel, kind="ylabel", rotate=-90)


def date_axis(svg: Svg, frame: Frame, samples: Sequence[tuple[int, int]]) -> None:
    """Dates (UTC) on top of a block axis, interpolated through (block, ts_ms) samples."""
    times = [(b, t) for b, t in rising_times(samples) if frame.x_low <= b <= frame.x_high]
    if len(times) < 2:
        return
    for stamp in date_ticks(times[0][1], times[-1][1]):
        block = block_at(stamp, times)
        if block is None:
            continue
        x = frame.px(block)
        svg.line(x, frame.top - 4, x, frame.top)
        day, hour = date_label(stamp)
        svg.raw(
            f'<text class="date" data-ts="{stamp}" x="{_num(x)}" y="{_num(frame.top - 22)}" '
            f'font-size="9" text-anchor="middle">{day}'
            f'<tspan x="{_num(x)}" dy="11">{hour}</tspan></text>'
        )


def legend(
    svg: Svg,
    x: float,
    y: float,
    names: Sequence[str],
    kind: str = "line",
    styles: Sequence[tuple[str, str]] = (),
) -> None:
    """One entry per name, stacked from (x, y) down, in the series' colours (or `styles`:
    a colour and a dash pattern per name)."""
    for index, name in enumerate(names):
        stroke, dash = styles[index] if styles else colour(index)
        row = y + 16 * index
        if kind == "bar":
            svg.raw(
                f'<rect x="{_num(x)}" y="{_num(row - 5)}" width="16" height="10" fill="{stroke}"/>'
            )
        else:
            svg.line(
                x,
                row,
                x + 16,
                row,
                stroke=stroke,
                stroke_width="2",
                stroke_dasharray=dash or "none",
            )
        svg.text(x + 22, row + 4, name, anchor="start", kind="legend")
