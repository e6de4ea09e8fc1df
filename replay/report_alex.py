"""The report's ALEX panels: staking cycles, governance votes and the reserve's flows.

Shown for logs that have ALEX staking or governance in them; bars per cycle or proposal, in
ALEX display units (one asset, one scale), and the reserve's inflows and outflows as a table.
"""

from __future__ import annotations

from typing import Any

from projections.ratios import ratio_to_float
from replay.report_charts import Chart
from replay.timeline import Story
from replay.timeline import table_rows as _rows
from replay.units import amount_text


def _display(value: int, asset: str, story: Story) -> float:
    """For bar heights only (a picture): the exact value is in the page's tables."""
    return ratio_to_float(value, 10 ** story.decimals.get(asset, 0))


def is_alex_log(story: Story) -> bool:
    return bool(
        _rows(story.final.get("alex_staking"), "staking_cycles")
        or _rows(story.final.get("governance"), "governance")
    )


def _bars(
    chart: Chart, story: Story, rows: list[dict[str, Any]], bars: tuple[tuple[str, str], ...]
) -> Chart:
    """Bars per row (label -> column), in ALEX display units."""
    chart.style = "bars"
    for label, column in bars:
        chart.series[label] = [
            (float(i), _display(row[column], "ALEX", story)) for i, row in enumerate(rows)
        ]
    return chart


def staking_chart(story: Story) -> Chart:
    cycles = _rows(story.final.get("alex_staking"), "staking_cycles")
    chart = Chart("alex_staking.svg", "ALEX staking: staked and emitted per cycle", "ALEX")
    chart.categories = [f"{row['token']} c{row['cycle']}" for row in cycles]
    chart.empty_reason = "No staking cycle was fixed in this log."
    return _bars(chart, story, cycles, (("staked", "staked_total"), ("emission", "emission")))


def governance_chart(story: Story) -> Chart:
    proposals = _rows(story.final.get("governance"), "governance")
    chart = Chart("alex_governance.svg", "ALEX governance: votes per proposal", "ALEX")
    chart.categories = [f"{row['proposal_id']} ({row['status']})" for row in proposals]
    chart.empty_reason = "No proposal was added in this log."
    return _bars(chart, story, proposals, (("for", "votes_for"), ("against", "votes_against")))


def reserve_flows(story: Story) -> list[tuple[str, str, str]]:
    """(direction, source or reason, amount in display units) for the reserve's flows."""
    reserve = story.final.get("reserve_solvency")
    rows = [
        ("in", str(row["source"]), amount_text(row["amount"], row["token"], story.decimals, 4))
        for row in _rows(reserve, "reserve_inflows")
    ]
    rows += [
        ("out", str(row["reason"]), amount_text(row["amount"], row["token"], story.decimals, 4))
        for row in _rows(reserve, "reserve_outflows")
    ]
    return rows
