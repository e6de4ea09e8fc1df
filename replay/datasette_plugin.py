"""The Datasette plugin `defi-ledger serve` registers: SQL functions and readable cells.

- `prepare_connection`: `dec_sum`, `dec_key`, `dec_units` (exact numbers, `replay/view_sql.py`)
  and `ledger_table_at(block, projection, table)`, `ledger_reserve_series(token)` (the library
  computing state at a block, exactly, for the canned queries).
- `render_cell`: amounts and fixed-point numbers of the views in display units with their
  unit (`replay/units.py`); `block` cells link to the events of that block, an f(x)
  position to its history, and an imported payload's transaction to its events.
"""

from __future__ import annotations

import json
from typing import Any

from datasette import hookimpl
from markupsafe import Markup, escape

from projections.columns import COLUMNS, EXACT_KINDS, ROW_UNITS, SCALE
from replay.serve import reserve_series_json, table_at_json
from replay.units import Units
from replay.view_sql import register_sql_functions

DECIMALS: dict[str, int] = {}
"""Each asset's decimals, read from the log by `serve` before the server starts."""


@hookimpl  # type: ignore[untyped-decorator]  # datasette ships no types
def prepare_connection(conn: Any, database: str, datasette: Any) -> None:
    register_sql_functions(conn)
    found = datasette.databases.get(database)
    path = getattr(found, "path", None)
    if path is None:  # the in-memory and internal databases have no log behind them
        return
    conn.create_function("ledger_table_at", 3, lambda block, p, t: table_at_json(path, block, p, t))
    conn.create_function("ledger_reserve_series", 1, lambda token: reserve_series_json(path, token))


def _link(href: str, text: str) -> Markup:
    return Markup(f'<a href="{escape(href)}">{escape(text)}</a>')


@hookimpl  # type: ignore[untyped-decorator]
def render_cell(
    row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any
) -> Markup | None:
    if table is None or value is None:
        return None
    base = f"/{database}"
    if column == "block" and isinstance(value, int):
        return _link(f"{base}/events?block={value}", str(value))
    if table == "view_fx_positions" and column == "position":
        pool = dict(zip(row.keys(), row, strict=True)).get("pool")
        return _link(f"{base}/position_history?pool={pool}&position={value}", str(value))
    if table in ("events", "named_events") and column == "payload" and isinstance(value, str):
        tx = _transaction(value)
        if tx is not None:
            href = f"{base}/transaction_events?tx={tx}&block="
            return Markup(f"{escape(value)}<br>") + _link(href, f"transaction {tx}")
    name = table.removeprefix("view_")
    described = COLUMNS.get(name, {}).get(column)
    if described is None:
        return None
    cells = {key: _maybe_int(item) for key, item in zip(row.keys(), row, strict=True)}  # a Row
    if (name, column) in ROW_UNITS or described.unit == SCALE:
        return Markup(escape(Units(DECIMALS).cell(name, column, cells)))
    if described.kind not in EXACT_KINDS or not isinstance(value, str):
        return None
    try:
        cells[column] = int(value)
    except ValueError:
        return None
    return Markup(escape(Units(DECIMALS).cell(name, column, cells)))


def _transaction(payload: str) -> str | None:
    """The chain transaction an imported payload names (an EVM fact's provenance, a Stacks
    transaction's `tx_id`), or None."""
    if "tx_hash" not in payload and "tx_id" not in payload:
        return None
    found = json.loads(payload)
    provenance = found.get("provenance") if isinstance(found, dict) else None
    tx = provenance.get("tx_hash") if isinstance(provenance, dict) else None
    tx = tx if tx is not None else found.get("tx_id") if isinstance(found, dict) else None
    return tx if isinstance(tx, str) else None


def _maybe_int(value: Any) -> Any:
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value
