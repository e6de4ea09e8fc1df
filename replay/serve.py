"""`defi-ledger serve`: the log in Datasette, described, in display units, with canned queries.

What the metadata says comes from the code: each view's title and description from its
projection, each column's meaning and unit from `projections.columns`. Internals (view state,
snapshots, tracking, the log head, idempotency keys) are hidden. The database page opens with
the views listed first (Datasette itself lists tables by name, so the log's `events` table
would come first). Exact numbers are sorted by their `<column>_key` (the only sortable form of
an amount); cells are shown in display units with their unit by the plugin
(`replay/datasette_plugin.py`), the raw text stays in the JSON.

Canned queries: balances at a block and a position's history (computed by the library through
SQL functions the plugin registers, exactly), a transaction's events (by the transaction an
import took them from: an EVM fact's provenance, a Stacks fact's event id; else by block),
reserve coverage over time.
"""

from __future__ import annotations

import html
import json
import re
import socket
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from events.reserve import reserve_key
from ledger.log_copy import copy_log
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from projections.columns import COLUMNS, EXACT_KINDS, unit_words
from projections.reserve import ReserveSolvency
from projections.runtime import make_projections
from projections.views import view_columns
from replay.units import percent_text

HIDDEN = ("view_state", "snapshots", "view_tracking", "log_head", "idempotency")

QUERIES: dict[str, dict[str, Any]] = {
    "balances_at_block": {
        "title": "Balances at a block",
        "description": "Every balance after the given block (state_at), amounts exact as text.",
        "sql": (
            "SELECT json_extract(value, '$.account') AS account, "
            "json_extract(value, '$.asset') AS asset, json_extract(value, '$.amount') AS amount "
            "FROM json_each(ledger_table_at(:block, 'balances', 'balances')) "
            "ORDER BY asset, dec_key(amount) DESC"
        ),
    },
    "position_history": {
        "title": "A position's history",
        "description": "The f(x) position's own events and every walk of its pool, in order.",
        "sql": (
            "SELECT seq, block, type, payload FROM named_events "
            "WHERE json_extract(payload, '$.pool_id') = :pool "
            "AND (json_extract(payload, '$.position_id') = CAST(:position AS INTEGER) "
            "OR type = 'FxWalked') ORDER BY seq"
        ),
    },
    "transaction_events": {
        "title": "A transaction's events",
        "description": "The facts an import took from one chain transaction (:tx, any case): "
        "an EVM fact names it in its provenance, a Stacks fact in its event id "
        "(stacks:<tx>:<index>) and its transaction's StacksTransactionImported in tx_id; with "
        ":tx empty, the events of a block (:block).",
        "sql": (
            "SELECT seq, block, stream, type, payload FROM named_events "
            "WHERE (:tx != '' AND ("
            "lower(json_extract(payload, '$.provenance.tx_hash')) = lower(:tx) "
            "OR lower(json_extract(payload, '$.tx_id')) = lower(:tx) "
            "OR lower(event_id) LIKE 'stacks:' || lower(:tx) || ':%')) "
            "OR (:tx = '' AND block = CAST(:block AS INTEGER)) ORDER BY seq"
        ),
    },
    "reserve_coverage_over_time": {
        "title": "Reserve coverage over time",
        "description": "After each reserve event: balance, shortfall outstanding and coverage "
        "(balance over outstanding), exact, computed by the reserve book itself.",
        "sql": (
            "SELECT json_extract(value, '$.seq') AS seq, json_extract(value, '$.block') AS block, "
            "json_extract(value, '$.type') AS type, json_extract(value, '$.balance') AS balance, "
            "json_extract(value, '$.outstanding') AS outstanding, "
            "json_extract(value, '$.coverage') AS coverage "
            "FROM json_each(ledger_reserve_series(:token))"
        ),
    },
}


def _column_text(table: str, name: str) -> str:
    described = COLUMNS.get(table, {}).get(name)
    if described is None:
        return ""
    if described.kind in EXACT_KINDS:
        unit = unit_words(table, name)
        return f"{described.doc} ({unit}; exact decimal text, sort by {name}_key)"
    return described.doc


def table_metadata() -> dict[str, dict[str, Any]]:
    tables: dict[str, dict[str, Any]] = {name: {"hidden": True} for name in HIDDEN}
    for projection in make_projections():
        for table in projection.tables():
            typed = view_columns(table)
            columns = {name: _column_text(table.name, name) for name, _ in typed}
            for name, _ in typed:
                if name.endswith("_key"):
                    columns[name] = f"sortable key of {name.removesuffix('_key')}"
            tables[f"view_{table.name}"] = {
                "title": f"{table.name} ({projection.name})",
                "description": f"The {projection.name} projection's {table.name} at the head.",
                "columns": columns,
                "sortable_columns": [
                    name
                    for name, _ in typed
                    if name.endswith("_key") or (table.name, name) not in _exact_columns()
                ],
            }
    tables["events"] = {
        "title": "events (the log)",
        "description": "Every record of the hash-chained log; payload is the event as JSON.",
    }
    return tables


def _exact_columns() -> set[tuple[str, str]]:
    return {
        (table, name)
        for table, columns in COLUMNS.items()
        for name, described in columns.items()
        if described.kind in EXACT_KINDS
    }


def metadata(path: Path, label: str | None = None) -> dict[str, Any]:
    """Datasette metadata for the log at `path` (titled `label`, else the file's name)."""
    tables = table_metadata()
    database = path.stem
    views = sorted(name for name in tables if name.startswith("view_") and name not in HIDDEN)
    links = "".join(
        f'<li><a href="/{html.escape(database)}/{name}">{html.escape(tables[name]["title"])}</a>'
        f"</li>"
        for name in views
    )
    return {
        "title": f"defi-ledger: {label or path.name}",
        "description_html": "Projections of the log as views (amounts exact; sort by "
        "<code>*_key</code>), then the log itself.",
        "databases": {
            database: {
                "description_html": f"<p>Views first:</p><ul>{links}</ul>"
                f'<p>The log: <a href="/{html.escape(database)}/events">events</a>.</p>',
                "tables": tables,
                "queries": QUERIES,
            }
        },
    }


RESERVE_TYPES = (
    "ReserveCredited",
    "ReserveDebited",
    "ShortfallReported",
    "ShortfallCovered",
    "EmergencyIssued",
)


def _exact_json(rows: list[dict[str, Any]]) -> str:
    """Rows as JSON with every int as text (SQLite's json_extract would round big numbers)."""
    return json.dumps(
        [
            {
                k: str(v) if isinstance(v, int) and not isinstance(v, bool) else v
                for k, v in r.items()
            }
            for r in rows
        ]
    )


def table_at_json(path: str, block: int, projection: str, table: str) -> str:
    """A projection's table after `block`, as JSON rows (what `balances_at_block` reads)."""
    store = SqliteStore(Path(path))
    try:
        (state,) = Projector(store, [projection]).state_at(int(block))
    finally:
        store.close()
    for found in state.tables():
        if found.name == table:
            return _exact_json([dict(zip(found.columns, row, strict=True)) for row in found.rows])
    return "[]"


def reserve_series_json(path: str, token: str) -> str:
    """After each reserve event of the book `token` (`ETH`, or `fx:ETH` for the f(x) reserve):
    balance, outstanding shortfall and coverage."""
    book = ReserveSolvency()
    rows = []
    store = SqliteStore(Path(path))
    try:
        for kind in RESERVE_TYPES:
            for record in store.read(ReadFilter(type=kind)):
                rows.append(record)
    finally:
        store.close()
    out = []
    for record in sorted(rows, key=lambda r: r.seq):
        book.apply(record)
        reserve = book.books.get(token)
        event = record.event
        key = reserve_key(getattr(event, "token", ""), getattr(event, "reserve", ""))
        if reserve is None or key != token:
            continue
        coverage = reserve.coverage_bps()
        out.append(
            {
                "seq": record.seq,
                "block": record.block,
                "type": record.type,
                "balance": reserve.balance,
                "outstanding": reserve.outstanding,
                "coverage": "nothing outstanding"
                if coverage is None
                else percent_text(coverage, 10_000),
            }
        )
    return _exact_json(out)


def copy_to_serve(url: str, folder: Path) -> tuple[Path, int]:
    """The PostgreSQL log at `url` copied (`copy_log`, chain checked) into an SQLite file in
    `folder`, named after the database; the file and the head seq it was taken at."""
    from ledger.stores import open_postgres

    name = re.sub(r"[^A-Za-z0-9_-]", "_", urlsplit(url).path.strip("/")) or "ledger"
    path = folder / f"{name}.db"
    source = open_postgres(url)
    try:
        destination = SqliteStore(path, create=True)
        try:
            report = copy_log(source, destination)
        finally:
            destination.close()
    finally:
        source.close()
    return path, report.head_seq


def listen(host: str, port: int) -> socket.socket:
    """A socket listening on `host`:`port` (port 0: any free one), as the server would open it
    (IPv6 when the host has a colon); taken before any work, so an address that cannot be had
    (in use, not this machine's, no such host) is named at once. Raises `OSError`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen()
    except OSError:
        listener.close()
        raise
    return listener


def serve(path: Path, listener: socket.socket, label: str | None = None) -> None:
    """Bring the views up to the head, then serve the log on `listener` (from `listen`) until
    interrupted.

    `label` names a copy served in place of its source (read-only: Datasette opens it as
    immutable)."""
    import uvicorn
    from datasette.app import Datasette
    from datasette.plugins import pm

    from replay import datasette_plugin
    from replay.units import asset_decimals

    store = SqliteStore(path)
    try:
        Projector(store).catch_up()
        datasette_plugin.DECIMALS.update(asset_decimals(store))
    finally:
        store.close()
    if not pm.is_registered(datasette_plugin):
        pm.register(datasette_plugin, name="defi_ledger")
    app = Datasette(
        [] if label else [str(path)],
        immutables=[str(path)] if label else [],
        metadata=metadata(path, label),
        settings={"sql_time_limit_ms": 20_000, "default_page_size": 100},
    )
    config = uvicorn.Config(app.app(), log_level="warning")
    uvicorn.Server(config).run(sockets=[listener])
