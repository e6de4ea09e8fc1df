"""The summary of a replayed log: events by type, protocol outcomes, solvency, worst LTVs."""

from __future__ import annotations

from typing import Any

from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from projections.base import Table

OUTCOME_WORDS = (
    "Rebalanced",
    "Liquidated",
    "Dead",
    "Graveyard",
    "Redeemed",
    "Concluded",
    "Vetoed",
    "Shortfall",
    "Emergency",
)


def table_dicts(table: Table) -> list[dict[str, Any]]:
    return [dict(zip(table.columns, row, strict=True)) for row in table.rows]


def summarise(store: SqliteStore, worst: int = 5) -> dict[str, Any]:
    """Events by type, the protocol outcomes among them, and each projection's headline."""
    counts = store.counts_by_type()
    head = store.head()
    summary: dict[str, Any] = {
        "head": {"seq": head.seq, "block": head.block, "hash": head.hash},
        "events_by_type": counts,
        "outcomes": {
            tag: count
            for tag, count in counts.items()
            if any(word in tag for word in OUTCOME_WORDS)
        },
    }
    for projection in Projector(store).current():
        ranking = getattr(projection, "at_risk", None)
        if callable(ranking):
            summary[f"{projection.name}_worst"] = table_dicts(ranking(worst))
        elif projection.name in ("reserve_solvency", "governance"):
            summary[projection.name] = {
                table.name: table_dicts(table) for table in projection.tables()
            }
        headline = getattr(projection, "summary", None)
        if callable(headline):
            summary[f"{projection.name}_summary"] = headline()
    return summary


def render_summary(summary: dict[str, Any]) -> list[str]:
    lines = [
        f"head: seq {summary['head']['seq']}, block {summary['head']['block']}, "
        f"hash {summary['head']['hash']}",
        "events by type:",
    ]
    lines += [f"  {tag:<32} {count}" for tag, count in summary["events_by_type"].items()]
    for key, value in summary.items():
        if key in ("head", "events_by_type"):
            continue
        if isinstance(value, dict):
            lines.append(f"{key}:")
            lines += [f"  {name}: {item}" for name, item in value.items()]
        elif isinstance(value, list):
            lines.append(f"{key}:")
            lines += [f"  {item}" for item in value]
        else:
            lines.append(f"{key}: {value}")
    return lines
