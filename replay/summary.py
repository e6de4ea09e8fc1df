"""The summary of a replayed log: events by type, protocol outcomes, solvency, worst LTVs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from events.fx import FxWalked
from events.reserve import reserve_token
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from ledger.store import EventStore, ReadFilter
from projections.base import Table
from projections.runtime import Shown
from replay.alphax_summary import alphax_graveyards, alphax_quotes, graveyard_text, quote_text
from replay.fx_summary import fxusd_peg, peg_lines
from replay.risk_chain import chain_lines, reserve_coverage, risk_chain
from replay.units import Units, amount_text, asset_decimals, percent_text

if TYPE_CHECKING:
    from ledger.postgres_store import PostgresStore


def table_dicts(table: Table) -> list[dict[str, Any]]:
    return [dict(zip(table.columns, row, strict=True)) for row in table.rows]


def summarise(store: SqliteStore | PostgresStore, worst: int = 5) -> dict[str, Any]:
    """Events by type, the protocol outcomes, and the worst rows of each risk ranking."""
    head = store.head()
    summary: dict[str, Any] = {
        "head": {"seq": head.seq, "block": head.block, "hash": head.hash},
        "events_by_type": store.counts_by_type(),
        "asset_decimals": asset_decimals(store),
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


def protocol_outcomes(store: EventStore, projections: list[Shown]) -> dict[str, Any]:
    """The headline numbers a replay is run for: walks, dead strikes, bad debt, coverage, votes."""
    walks: dict[str, int] = {}
    bad_debt_raw = bonus_from_reserve_token = 0
    debt_asset = collateral_asset = ""
    for record in store.read(ReadFilter(type="FxWalked")):
        event = record.event
        if isinstance(event, FxWalked):
            kind = "liquidations" if event.kind == "liquidate" else "rebalances"
            walks[kind] = walks.get(kind, 0) + 1
            walks[f"{kind}_ticks"] = walks.get(f"{kind}_ticks", 0) + len(event.movements)
            bad_debt_raw += event.bad_debt_raw
            bonus_from_reserve_token += event.bonus_from_reserve_token
            debt_asset, collateral_asset = event.debt_asset, event.collateral_asset
    by_name = {projection.name: projection for projection in projections}
    markets = getattr(by_name.get("alphax_markets"), "markets", {})
    governance = by_name.get("governance")
    proposals = getattr(getattr(governance, "state", None), "proposals", {})
    block = store.head().block
    decimals = asset_decimals(store)
    return {
        "fx_rebalances": walks.get("rebalances", 0),
        "fx_rebalanced_ticks": walks.get("rebalances_ticks", 0),
        "fx_liquidations": walks.get("liquidations", 0),
        "fx_liquidated_ticks": walks.get("liquidations_ticks", 0),
        "fx_bad_debt_raw": bad_debt_raw,
        "fx_bonus_from_reserve_token": bonus_from_reserve_token,
        "fx_debt_asset": debt_asset,
        "fx_collateral_asset": collateral_asset,
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
            proposal_id: f"{proposal.status_at(block)} "
            f"(for {amount_text(proposal.votes_for, 'ALEX', decimals)}, "
            f"against {amount_text(proposal.votes_against, 'ALEX', decimals)}, "
            f"{len(proposal.voters)} voters)"
            for proposal_id, proposal in sorted(proposals.items())
        },
    }


def render_summary(summary: dict[str, Any]) -> list[str]:
    """The summary as lines a person reads: amounts in display units with their unit."""
    decimals = summary.get("asset_decimals", {})
    lines = [
        f"head: seq {summary['head']['seq']}, block {summary['head']['block']}, "
        f"hash {summary['head']['hash']}",
        "events by type:",
    ]
    lines += [f"  {tag:<32} {count}" for tag, count in summary["events_by_type"].items()]
    for key, value in summary.items():
        if key in ("head", "events_by_type", "asset_decimals"):
            continue
        if key == "protocol_outcomes":
            lines += _outcome_lines(value, decimals)
        elif key == "alex_risk_chain":
            lines += [f"{key}:", *chain_lines(value, decimals)]
        elif key.endswith("_worst"):
            lines.append(f"{key}:")
            lines += [f"  {_row_text(row, decimals)}" for row in value]
        elif isinstance(value, dict):
            lines.append(f"{key}:")
            lines += [f"  {name}: {item}" for name, item in value.items()]
        elif isinstance(value, list):
            lines.append(f"{key}:")
            lines += [f"  {item}" for item in value]
        else:
            lines.append(f"{key}: {value}")
    return _none_when_empty(lines)


def _none_when_empty(lines: list[str]) -> list[str]:
    """A heading with nothing under it (no refusals, no votes) says so: `refusals: none`."""
    following = [*lines[1:], ""]
    return [
        f"{line} none" if line.endswith(":") and not after.startswith("  ") else line
        for line, after in zip(lines, following, strict=True)
    ]


def _row_text(row: dict[str, Any], decimals: dict[str, int]) -> str:
    return Units(decimals, places=4).row_text("positions_at_risk", row)


def _outcome_lines(outcomes: dict[str, Any], decimals: dict[str, int]) -> list[str]:
    debt, collateral = outcomes.get("fx_debt_asset") or "fxUSD", outcomes.get("fx_collateral_asset")
    shown = {
        "fx_bad_debt_raw": amount_text(outcomes["fx_bad_debt_raw"], debt, {debt: 18}, 4),
        "fx_bonus_from_reserve_token": amount_text(
            outcomes["fx_bonus_from_reserve_token"], collateral or "?", decimals, 4
        ),
    }
    lines = []
    for key, value in outcomes.items():
        if key in ("fx_debt_asset", "fx_collateral_asset"):
            continue
        if key == "reserve_coverage":
            lines.append(f"{key}:")
            lines += [
                f"  {token}: {_coverage(token, book, decimals)}" for token, book in value.items()
            ]
        elif key == "alphax_graveyards":
            lines.append(f"{key}:")
            lines += [f"  {graveyard_text(name, found, decimals)}" for name, found in value.items()]
        elif key == "fxusd_peg" and value:
            lines += [f"{key}:", *peg_lines(value, decimals)]
        elif key == "alphax_quotes":
            lines.append(f"{key}:")
            lines += [f"  {quote_text(row)}" for row in value] or ["  none"]
        elif isinstance(value, dict):
            lines.append(f"{key}:")
            lines += [f"  {name}: {item}" for name, item in value.items()]
        elif isinstance(value, list):
            lines.append(f"{key}: {', '.join(map(str, value)) or 'none'}")
        else:
            lines.append(f"{key}: {shown.get(key, value)}")
    return lines


def _coverage(key: str, book: dict[str, Any], decimals: dict[str, int]) -> str:
    """One reserve book (`<token>` or `<reserve>:<token>`), in its token's display units."""

    def amount(name: str, asset: str = reserve_token(key)) -> str:
        return amount_text(book[name], asset, decimals, 4)

    coverage = book["coverage_bps"]
    covered = "nothing outstanding" if coverage is None else percent_text(coverage, 10_000)
    return (
        f"balance {amount('balance')}, shortfalls covered {amount('shortfalls_covered')}, "
        f"outstanding {amount('shortfall_outstanding')}, coverage {covered}, "
        f"emergency issue {amount('emergency_alex_issued', 'ALEX')}"
    )
