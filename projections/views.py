"""Persisted views: projection state as plain SQLite tables in the log's own file.

The only module of `projections` that does I/O. For each projection P with tables T:

    view_<T>(<columns>)                 amounts as TEXT decimal strings (exact beyond 2**63)
    view_tracking(projection PK, version, seq, block, digest)
    view_state(projection PK, version, seq, state BLOB, state_sha256)   the view's own state
    snapshots(projection, version, seq, block, state BLOB, state_sha256) every K events

Each stored state carries the sha256 of its bytes, written in the same statement; a state read
back whose bytes do not hash to it (a hand-edited row, a damaged page) raises `ViewMismatch`
rather than being served. A state stored before the column existed (NULL) is not trusted
either: it is treated as absent, and so refolded from the log.

`write_view` replaces a projection's rows, its tracking row and its state in ONE transaction,
so a view is never ahead of or behind the `seq` it records, whatever moment a crash comes at.
Amounts are stored as TEXT because SQLite INTEGER stops at 2**63 - 1: read them exactly with
`CAST(amount AS INTEGER)` while they fit, or as `HUGEINT`/`DECIMAL(38,0)` in DuckDB.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from hashlib import sha256
from typing import Any

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
DIGEST_COLUMN = "state_sha256"
"""The column, in `view_state` and `snapshots`, holding the sha256 (hex) of `state`."""


class ViewMismatch(ValueError):
    """A stored view state or snapshot does not match the digest stored with it."""


def ensure_schema(connection: sqlite3.Connection) -> None:
    """Create the view tables in one transaction: a crash leaves all of them or none.

    Files written before states carried their digest gain the column (NULL in old rows).
    """
    missing = [
        table
        for table in ("view_state", "snapshots")
        if (columns := _columns(connection, table)) is not None and DIGEST_COLUMN not in columns
    ]
    if (
        not missing
        and _columns(connection, "view_state") is not None
        and _columns(connection, "snapshots") is not None
    ):
        return
    alters = "".join(f"ALTER TABLE {table} ADD COLUMN {DIGEST_COLUMN} TEXT;" for table in missing)
    fresh = VIEWS_SCHEMA.replace(
        "state BLOB NOT NULL)", f"state BLOB NOT NULL, {DIGEST_COLUMN} TEXT)"
    ).replace("state BLOB NOT NULL, PRIMARY", f"state BLOB NOT NULL, {DIGEST_COLUMN} TEXT, PRIMARY")
    connection.executescript(f"BEGIN IMMEDIATE;{fresh}{alters}COMMIT;")


def state_digest(state: bytes) -> str:
    """The digest stored with a state: sha256 of its bytes (hex)."""
    return sha256(state).hexdigest()


def _checked(where: str, state: bytes, stored: str | None) -> bytes | None:
    """The state if it matches its stored digest; None if it has none (an old row)."""
    if stored is None:
        return None
    if state_digest(state) != stored:
        raise ViewMismatch(
            f"{where}: the stored state does not match its stored digest (edited or damaged); "
            "run `defi-ledger rebuild` to refold it from the log"
        )
    return state


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
    # Imported here: sqlite-utils pulls in pandas and pyarrow when they are installed (~90 MB
    # and ~0.4 s a process), which only creating a view's table needs.
    import sqlite_utils

    sqlite_utils.Database(connection)[name].create(  # type: ignore[union-attr]
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
    tables = projection.tables()
    connection.execute("BEGIN IMMEDIATE")
    try:
        for table in tables:
            _replace_table(connection, table)
        connection.execute(
            "INSERT OR REPLACE INTO view_tracking VALUES (?, ?, ?, ?, ?)",
            (projection.name, projection.version, seq, block, projection.digest()),
        )
        connection.execute(
            f"INSERT OR REPLACE INTO view_state (projection, version, seq, state, "
            f"{DIGEST_COLUMN}) VALUES (?, ?, ?, ?, ?)",
            (projection.name, projection.version, seq, state, state_digest(state)),
        )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def read_view_state(
    connection: sqlite3.Connection, projection: Projection
) -> tuple[int, bytes] | None:
    """The (seq, state) the projection's view was written at, if of its current version.

    Raises:
        ViewMismatch: the state does not match the digest stored with it.
    """
    row = connection.execute(
        f"SELECT seq, state, {DIGEST_COLUMN} FROM view_state WHERE projection = ? AND version = ?",
        (projection.name, projection.version),
    ).fetchone()
    if row is None:
        return None
    state = _checked(f"view {projection.name}", bytes(row[1]), row[2])
    return None if state is None else (int(row[0]), state)


def insert_snapshot(
    connection: sqlite3.Connection, name: str, version: int, seq: int, block: int, state: bytes
) -> None:
    """Store a projection's snapshot (`Projection.snapshot()` bytes) taken at `seq`."""
    connection.execute(
        f"INSERT OR REPLACE INTO snapshots (projection, version, seq, block, state, "
        f"{DIGEST_COLUMN}) VALUES (?, ?, ?, ?, ?, ?)",
        (name, version, seq, block, state, state_digest(state)),
    )


def nearest_snapshot(
    connection: sqlite3.Connection, projection: Projection, block: int
) -> tuple[int, bytes] | None:
    """The latest snapshot of the projection's current version taken at or below `block`.

    Snapshots of another version are ignored (and so rebuilt), never used. Found in two
    steps so that one snapshot is read, not all: asked for the state column, SQLite sorts
    every candidate row with its state in it (on a log of 1M events ~100 snapshots of ~2 MB,
    ~0.5 s a call); finding the seq first, then reading that one state by its primary key,
    costs ~1 ms.
    """
    key = (projection.name, projection.version)
    (seq,) = connection.execute(
        "SELECT max(seq) FROM snapshots WHERE projection = ? AND version = ? AND block <= ? "
        f"AND {DIGEST_COLUMN} IS NOT NULL",
        (*key, block),
    ).fetchone()
    if seq is None:
        return None
    state, stored = connection.execute(
        f"SELECT state, {DIGEST_COLUMN} FROM snapshots "
        "WHERE projection = ? AND version = ? AND seq = ?",
        (*key, seq),
    ).fetchone()
    checked = _checked(f"snapshot of {projection.name} at seq {seq}", bytes(state), stored)
    assert checked is not None
    return int(seq), checked


def latest_snapshot_seq(connection: sqlite3.Connection, projection: Projection) -> int:
    row = connection.execute(
        "SELECT max(seq) FROM snapshots WHERE projection = ? AND version = ?",
        (projection.name, projection.version),
    ).fetchone()
    return int(row[0] or 0)


def drop_views(connection: sqlite3.Connection, projections: Sequence[Projection]) -> None:
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
