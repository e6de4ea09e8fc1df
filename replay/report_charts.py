"""The report's charts as data first (`Chart`), then as SVG files on one time axis.

Every time chart plots blocks on the x axis, spans the log's whole period, and carries the
dates on a second axis on top. Assets of different sizes share a chart only normalised (% of
their first or peak value), never on one raw scale. A chart with nothing to plot is not drawn:
`Chart.empty_reason` says in words why, and the page shows that sentence instead. Floats
appear here only, after the exact values are read (a chart is a picture, not a number).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from projections.ratios import ratio_to_float
from replay.moments import SEVERE
from replay.report_svg import chart_svg
from replay.timeline import Story

Point = tuple[float, float]


@dataclass
class Chart:
    name: str
    caption: str
    ylabel: str
    series: dict[str, list[Point]] = field(default_factory=dict)
    style: str = "line"
    """line, step, events (markers per category) or bars (x = category index)."""
    categories: list[str] = field(default_factory=list)
    empty_reason: str = ""

    def points(self) -> int:
        return sum(1 for pts in self.series.values() for _, y in pts if math.isfinite(y))

    def is_empty(self) -> bool:
        return self.points() == 0


def _ratio(value: int, base: int) -> float:
    """`value` as % of `base`, from the exact ints (inf past float's range); NaN without a base."""
    return ratio_to_float(100 * value, base) if base else float("nan")


def price_chart(story: Story) -> Chart:
    chart = Chart(
        "prices.svg", "Prices, % of their first value (one scale for every asset)", "% of start"
    )
    assets = sorted({a for s in story.samples for a in s.prices})
    for asset in assets:
        first = next(s.prices[asset] for s in story.samples if asset in s.prices)
        chart.series[asset] = [
            (s.block, _ratio(s.prices[asset][0] * first[1], first[0] * s.prices[asset][1]))
            for s in story.samples
            if asset in s.prices
        ]
    chart.empty_reason = "No prices were recorded in this log."
    return chart


def ltv_chart(story: Story) -> Chart:
    chart = Chart("fx_ltv.svg", "LTV of f(x) positions: 10th, 50th and 90th percentile", "LTV (%)")
    for label, q in (("p10", 10), ("p50", 50), ("p90", 90)):
        chart.series[label] = [
            (
                s.block,
                _ratio(s.ltvs_1e18[min(len(s.ltvs_1e18) - 1, len(s.ltvs_1e18) * q // 100)], 10**18),
            )
            for s in story.samples
            if s.ltvs_1e18
        ]
    chart.empty_reason = "No f(x) position had debt at any sampled block."
    return chart


def events_chart(story: Story) -> Chart:
    chart = Chart("events.svg", "When the protocol acted (one row per kind of moment)", "")
    chart.style = "events"
    labels = {
        "FxWalked:rebalance": "f(x) rebalance",
        "FxWalked:liquidation": "f(x) liquidation",
        "AlphaxStrikeLiquidated": "strike died",
        "ShortfallReported": "shortfall reported",
        "ShortfallCovered": "reserve covered",
        "EmergencyIssued": "emergency issue",
        "ReserveDebited": "reserve paid",
        "ProposalConcluded": "vote concluded",
        "ProposalExecuted": "proposal executed",
        "Staked": "stake",
        "StakingRewardClaimed": "reward claimed",
        "CollateralMinted": "CRP borrow",
        "FxPositionOperated": "f(x) position opened/changed",
    }
    for moment in story.moments:
        if moment.type not in SEVERE and moment.type not in labels:
            continue  # launches (pools, markets, proposals) are in the timeline, not here
        key = moment.type
        if key == "FxWalked":
            key += ":liquidation" if "liquidation" in moment.text else ":rebalance"
        chart.series.setdefault(labels[key], []).append((moment.block, 1.0))
    chart.categories = list(chart.series)
    chart.empty_reason = "No rebalance, liquidation, payout, vote, stake or borrow happened."
    return chart


def _of_peak(story: Story, attribute: str, changed_only: bool) -> dict[str, list[Point]]:
    series: dict[str, list[Point]] = {}
    names = sorted({n for s in story.samples for n in getattr(s, attribute)})
    for name in names:
        values = [(s.block, getattr(s, attribute).get(name, 0)) for s in story.samples]
        peak = max(v for _, v in values)
        if peak <= 0 or (changed_only and len({v for _, v in values}) == 1):
            continue
        series[name] = [(block, _ratio(value, peak)) for block, value in values]
    return series


def reserve_chart(story: Story) -> Chart:
    chart = Chart("reserve.svg", "Reserve pool balance per token, % of its peak", "% of peak")
    chart.series = _of_peak(story, "reserve", changed_only=False)
    chart.empty_reason = "The reserve pool never held anything in this log."
    return chart


def supply_chart(story: Story) -> Chart:
    chart = Chart(
        "supply.svg", "Supply of each asset whose supply changed, % of its peak", "% of peak"
    )
    chart.series = _of_peak(story, "supply", changed_only=True)
    chart.empty_reason = "No asset's supply changed after the first sample."
    return chart


def dead_strikes_chart(story: Story) -> Chart:
    chart = Chart("dead_strikes.svg", "AlphaX strike markets with a dead side", "dead markets")
    chart.style = "step"
    if any(path.kind == "strike" for path in story.paths.values()):
        chart.series["dead"] = [(s.block, float(s.dead_strikes)) for s in story.samples]
    chart.empty_reason = "This log has no AlphaX strike market."
    return chart


TIME_CHARTS = (
    price_chart,
    ltv_chart,
    events_chart,
    reserve_chart,
    supply_chart,
    dead_strikes_chart,
)


def time_charts(story: Story) -> list[Chart]:
    return [make(story) for make in TIME_CHARTS]


def draw(chart: Chart, story: Story, out: Path, time_axis: bool = True) -> None:
    """Write the chart's SVG file; only for a chart that has points."""
    samples = [(s.block, s.ts_ms) for s in story.samples] if time_axis else []
    (out / chart.name).write_text(chart_svg(chart, samples))
