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
from collections.abc import Sequence
from typing import Any

from projections.base import Projection, Table, tables_at
from projections.sqlite_tables import database

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


def _columns(connection: sqlite3.Connection, name: str) -> list[str] | None:
    """The columns of table `name`, or None if there is no such table."""
    if (
        connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        is None
    ):
        return None
    return [row[1] for row in connection.execute(f"PRAGMA table_info([{name}])")]


def _create_table(connection: sqlite3.Connection, name: str, table: Table) -> None:
    database(connection)[name].create(
        dict.fromkeys(table.columns, str),
        pk=table.key_columns or None,
    )


def _replace_table(connection: sqlite3.Connection, table: Table) -> None:
    name = f"view_{table.name}"
    columns = _columns(connection, name)
    if columns is not None and columns != list(table.columns):
        # The projection's table changed shape (a new version): the view is a cache, rebuild it.
        connection.execute(f"DROP TABLE [{name}]")
        columns = None
    if columns is None:
        _create_table(connection, name, table)
    connection.execute(f"DELETE FROM [{name}]")
    placeholders = ", ".join("?" for _ in table.columns)
    connection.executemany(
        f"INSERT INTO [{name}] VALUES ({placeholders})",
        (tuple(map(_cell, row)) for row in table.rows),
    )


def write_view(
    connection: sqlite3.Connection, projection: Projection, seq: int, block: int
) -> None:
    """Replace the projection's view tables, tracking and state at `seq`, atomically."""
    state = projection.snapshot()
    tables = tables_at(projection, block)
    connection.execute("BEGIN IMMEDIATE")
    try:
        for table in tables:
            _replace_table(connection, table)
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
) -> tuple[int, bytes, int] | None:
    """The (seq, state, block) the projection's view was written at, if of its current version."""
    row = connection.execute(
        "SELECT s.seq, s.state, t.block FROM view_state AS s"
        " JOIN view_tracking AS t ON t.projection = s.projection"
        " WHERE s.projection = ? AND s.version = ?",
        (projection.name, projection.version),
    ).fetchone()
    return None if row is None else (int(row[0]), bytes(row[1]), int(row[2]))


def write_read_model_view(
    connection: sqlite3.Connection, name: str, tables: list[Table], seq: int, block: int
) -> None:
    """Replace a read model's view tables and tracking row at `seq`, atomically.

    A read model has no state or digest of its own (its tables are computed from the books):
    its tracking row says where its tables are, with an empty digest.
    """
    connection.execute("BEGIN IMMEDIATE")
    try:
        for table in tables:
            _replace_table(connection, table)
        connection.execute(
            "INSERT OR REPLACE INTO view_tracking VALUES (?, ?, ?, ?, ?)", (name, 0, seq, block, "")
        )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def insert_snapshot(
    connection: sqlite3.Connection, name: str, version: int, seq: int, block: int, state: bytes
) -> None:
    """Store a projection's snapshot (`Projection.snapshot()` bytes) taken at `seq`."""
    connection.execute(
        "INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?, ?, ?)",
        (name, version, seq, block, state),
    )


def nearest_snapshot(
    connection: sqlite3.Connection, projection: Projection, block: int
) -> tuple[int, bytes, int] | None:
    """The latest (seq, state, block) of the projection's current version at or below `block`.

    Snapshots of another version are ignored (and so rebuilt), never used. Found in two
    steps so that one snapshot is read, not all: asked for the state column, SQLite sorts
    every candidate row with its state in it (on a log of 1M events ~100 snapshots of ~2 MB,
    ~0.5 s a call); finding the seq first, then reading that one state by its primary key,
    costs ~1 ms.
    """
    key = (projection.name, projection.version)
    (seq,) = connection.execute(
        "SELECT max(seq) FROM snapshots WHERE projection = ? AND version = ? AND block <= ?",
        (*key, block),
    ).fetchone()
    if seq is None:
        return None
    state, at_block = connection.execute(
        "SELECT state, block FROM snapshots WHERE projection = ? AND version = ? AND seq = ?",
        (*key, seq),
    ).fetchone()
    return int(seq), bytes(state), int(at_block)


def snapshot_before_seq(
    connection: sqlite3.Connection, projection: Projection, seq: int
) -> tuple[int, bytes, int] | None:
    """The latest (seq, state, block) of the projection's current version taken below `seq`."""
    row = connection.execute(
        "SELECT seq, state, block FROM snapshots WHERE projection = ? AND version = ? AND seq < ?"
        " ORDER BY seq DESC LIMIT 1",
        (projection.name, projection.version, seq),
    ).fetchone()
    return None if row is None else (int(row[0]), bytes(row[1]), int(row[2]))


def latest_snapshot_seq(connection: sqlite3.Connection, projection: Projection) -> int:
    row = connection.execute(
        "SELECT max(seq) FROM snapshots WHERE projection = ? AND version = ?",
        (projection.name, projection.version),
    ).fetchone()
    return int(row[0] or 0)


def drop_views(connection: sqlite3.Connection, projections: Sequence[Any]) -> None:
    """Forget the projections' views, states and snapshots, in one transaction.

    One statement a table for all of them: a rebuild of every projection drops them together.
    """
    names = [projection.name for projection in projections]
    if not names:
        return
    marks = ", ".join("?" for _ in names)
    connection.execute("BEGIN IMMEDIATE")
    try:
        for table in ("view_tracking", "view_state", "snapshots"):
            connection.execute(f"DELETE FROM {table} WHERE projection IN ({marks})", names)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
