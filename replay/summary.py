"""The summary of a replayed log: events by type, protocol outcomes, solvency, worst LTVs."""

from __future__ import annotations

from typing import Any

from events.fx import FxWalked
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from projections.base import Table
from projections.runtime import Shown
from replay.alphax_summary import alphax_graveyards, alphax_quotes
from replay.fx_summary import fxusd_peg
from replay.risk_chain import reserve_coverage, risk_chain


def table_dicts(table: Table) -> list[dict[str, Any]]:
    return [dict(zip(table.columns, row, strict=True)) for row in table.rows]


def summarise(store: SqliteStore, worst: int = 5) -> dict[str, Any]:
    """Events by type, the protocol outcomes, and the worst rows of each risk ranking."""
    head = store.head()
    summary: dict[str, Any] = {
        "head": {"seq": head.seq, "block": head.block, "hash": head.hash},
        "events_by_type": store.counts_by_type(),
    }
    projections = Projector(store).current()
    summary["protocol_outcomes"] = protocol_outcomes(store, projections)
    chain = risk_chain(store)
    if chain is not None:
        summary["alex_risk_chain"] = chain
    for projection in projections:
        ranking = getattr(projection, "at_risk", None)
        if callable(ranking):
            summary[f"{projection.name}_worst"] = table_dicts(ranking(worst))
    return summary


def protocol_outcomes(store: SqliteStore, projections: list[Shown]) -> dict[str, Any]:
    """The headline numbers a replay is run for: walks, dead strikes, bad debt, coverage, votes."""
    walks: dict[str, int] = {}
    bad_debt_raw = bonus_from_reserve_token = 0
    for record in store.read(ReadFilter(type="FxWalked")):
        event = record.event
        if isinstance(event, FxWalked):
            kind = "liquidations" if event.kind == "liquidate" else "rebalances"
            walks[kind] = walks.get(kind, 0) + 1
            walks[f"{kind}_ticks"] = walks.get(f"{kind}_ticks", 0) + len(event.movements)
            bad_debt_raw += event.bad_debt_raw
            bonus_from_reserve_token += event.bonus_from_reserve_token
    by_name = {projection.name: projection for projection in projections}
    markets = getattr(by_name.get("alphax_markets"), "markets", {})
    governance = by_name.get("governance")
    proposals = getattr(getattr(governance, "state", None), "proposals", {})
    block = store.head().block
    return {
        "fx_rebalances": walks.get("rebalances", 0),
        "fx_rebalanced_ticks": walks.get("rebalances_ticks", 0),
        "fx_liquidations": walks.get("liquidations", 0),
        "fx_liquidated_ticks": walks.get("liquidations_ticks", 0),
        "fx_bad_debt_raw": bad_debt_raw,
        "fx_bonus_from_reserve_token": bonus_from_reserve_token,
        "dead_strikes": sorted(
            f"{market_id} ({market.dead_side})"
            for market_id, market in markets.items()
            if market.dead_side
        ),
        "alphax_graveyards": alphax_graveyards(
            store, markets, getattr(by_name.get("pools"), "books", {})
        ),
        "alphax_quotes": alphax_quotes(
            markets, getattr(by_name.get("pools"), "books", {}), by_name.get("prices")
        ),
        "fxusd_peg": fxusd_peg(
            store,
            getattr(by_name.get("pools"), "books", {}),
            getattr(by_name.get("balances"), "decimals", {}),
        ),
        "reserve_coverage": reserve_coverage(by_name),
        "governance_outcomes": {
            proposal_id: f"{proposal.status_at(block)} (for {proposal.votes_for}, "
            f"against {proposal.votes_against}, {len(proposal.voters)} voters)"
            for proposal_id, proposal in sorted(proposals.items())
        },
    }


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
