"""Persisted views: projection state as plain SQLite tables in the log's own file.

The only module of `projections` that does I/O. For each projection P with tables T:

    view_<T>(<columns>)                 amounts as TEXT decimal strings (exact beyond 2**63)
    view_tracking(projection PK, version, seq, block, digest)
    view_state(projection PK, version, seq, state BLOB)        the snapshot the view came from
    snapshots(projection, version, seq, block, state BLOB)      every K events, for time travel

`write_view` replaces a projection's rows, its tracking row and its state in ONE transaction,
so a view is never ahead of or behind the `seq` it records, whatever moment a crash comes at.
Amounts are stored as TEXT because SQLite INTEGER stops at 2**63 - 1: read them exactly with
`CAST(amount AS INTEGER)` while they fit, or as `HUGEINT`/`DECIMAL(38,0)` in DuckDB.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlite_utils

from projections.base import Projection, Table

VIEWS_SCHEMA = """
CREATE TABLE IF NOT EXISTS view_tracking (
    projection TEXT PRIMARY KEY, version INTEGER NOT NULL, seq INTEGER NOT NULL,
    block INTEGER NOT NULL, digest TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS view_state (
    projection TEXT PRIMARY KEY, version INTEGER NOT NULL, seq INTEGER NOT NULL,
    state BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (
    projection TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL,
    block INTEGER NOT NULL, state BLOB NOT NULL, PRIMARY KEY (projection, version, seq));
CREATE INDEX IF NOT EXISTS idx_snapshots_block ON snapshots (projection, version, block);
"""


def ensure_schema(connection: sqlite3.Connection) -> None:
    """Create the view tables in one transaction: a crash leaves all of them or none."""
    connection.executescript(f"BEGIN IMMEDIATE;{VIEWS_SCHEMA}COMMIT;")


def _cell(value: Any) -> Any:
    # bool is an int too, but is stored as 0/1 like SQLite does itself.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _replace_table(db: sqlite_utils.Database, table: Table) -> None:
    name = f"view_{table.name}"
    existing = db[name]
    if existing.exists() and [column.name for column in existing.columns] != list(table.columns):
        # The projection's table changed shape (a new version): the view is a cache, rebuild it.
        db.execute(f"DROP TABLE [{name}]")
    if not db[name].exists():
        db[name].create(  # type: ignore[union-attr]
            dict.fromkeys(table.columns, str),
            pk=table.key_columns or None,
        )
    db.execute(f"DELETE FROM [{name}]")
    placeholders = ", ".join("?" for _ in table.columns)
    db.conn.executemany(
        f"INSERT INTO [{name}] VALUES ({placeholders})",
        ([_cell(value) for value in row] for row in table.rows),
    )


def write_view(
    connection: sqlite3.Connection, projection: Projection, seq: int, block: int
) -> None:
    """Replace the projection's view tables, tracking and state at `seq`, atomically."""
    db = sqlite_utils.Database(connection)
    state = projection.snapshot()
    tables = projection.tables()
    connection.execute("BEGIN IMMEDIATE")
    try:
        for table in tables:
            _replace_table(db, table)
        connection.execute(
            "INSERT OR REPLACE INTO view_tracking VALUES (?, ?, ?, ?, ?)",
            (projection.name, projection.version, seq, block, projection.digest()),
        )
        connection.execute(
            "INSERT OR REPLACE INTO view_state VALUES (?, ?, ?, ?)",
            (projection.name, projection.version, seq, state),
        )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def read_view_state(
    connection: sqlite3.Connection, projection: Projection
) -> tuple[int, bytes] | None:
    """The (seq, state) the projection's view was written at, if of its current version."""
    row = connection.execute(
        "SELECT seq, state FROM view_state WHERE projection = ? AND version = ?",
        (projection.name, projection.version),
    ).fetchone()
    return None if row is None else (int(row[0]), bytes(row[1]))


def write_snapshot(
    connection: sqlite3.Connection, projection: Projection, seq: int, block: int
) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?, ?, ?)",
        (projection.name, projection.version, seq, block, projection.snapshot()),
    )


def nearest_snapshot(
    connection: sqlite3.Connection, projection: Projection, block: int
) -> tuple[int, bytes] | None:
    """The latest snapshot of the projection's current version taken at or below `block`.

    Snapshots of another version are ignored (and so rebuilt), never used.
    """
    row = connection.execute(
        "SELECT seq, state FROM snapshots WHERE projection = ? AND version = ? AND block <= ? "
        "ORDER BY seq DESC LIMIT 1",
        (projection.name, projection.version, block),
    ).fetchone()
    return None if row is None else (int(row[0]), bytes(row[1]))


def latest_snapshot_seq(connection: sqlite3.Connection, projection: Projection) -> int:
    row = connection.execute(
        "SELECT max(seq) FROM snapshots WHERE projection = ? AND version = ?",
        (projection.name, projection.version),
    ).fetchone()
    return int(row[0] or 0)


def drop_view(connection: sqlite3.Connection, projection: Projection) -> None:
    """Forget a projection's view, state and snapshots (before a rebuild from scratch)."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        for table in ("view_tracking", "view_state", "snapshots"):
            connection.execute(f"DELETE FROM {table} WHERE projection = ?", (projection.name,))
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
