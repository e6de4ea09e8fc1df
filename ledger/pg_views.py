"""Persisted views on PostgreSQL: the same tables and guarantees as `projections.views`.

`Projector` uses this module in place of `projections.views` when its log is a PostgreSQL
one; every function has the same name and arguments. The tables live beside the log's:

    view_<T>(<columns>)                 every cell as text (amounts exact beyond 2**63, like
                                        SQLite's views; cast with ::numeric to sort or sum)
    view_tracking(projection PK, version, seq, block, digest)
    view_state(projection PK, version, seq, state BYTEA, state_sha256)
    snapshots(projection, version, seq, block, state BYTEA, state_sha256)
                                        PK(projection, version, seq)

`write_view` replaces a projection's rows, tracking and state in one transaction, so a view
and the seq it records move together (exactly once). PostgreSQL takes concurrent writers
itself, so writes run inline (`InlineWriter`) where SQLite hands them to a background thread.

Each state is stored with the sha256 of its bytes, as on SQLite, and checked against it before
it is restored: an edited state is refused by name (`ViewMismatch`, exit 3), never served.
Tables of the earlier layout gain the column once, filled with the digests of the states they
hold (`ensure_schema`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import sql

from ledger.pg_schema import LOG_TABLES
from projections.base import Projection, Table
from projections.snapshot_states import SnapshotState
from projections.views import DIGEST_COLUMN, checked_state, row_cells, state_digest, view_columns

Connection = psycopg.Connection[Any]

VIEWS_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS view_tracking (projection text PRIMARY KEY, "
    "version integer NOT NULL, seq bigint NOT NULL, block bigint NOT NULL, digest text NOT NULL)",
    "CREATE TABLE IF NOT EXISTS view_state (projection text PRIMARY KEY, "
    "version integer NOT NULL, seq bigint NOT NULL, state bytea NOT NULL, state_sha256 text)",
    "CREATE TABLE IF NOT EXISTS snapshots (projection text NOT NULL, version integer NOT NULL, "
    "seq bigint NOT NULL, block bigint NOT NULL, state bytea NOT NULL, state_sha256 text, "
    "PRIMARY KEY (projection, version, seq))",
    "CREATE INDEX IF NOT EXISTS snapshots_block ON snapshots (projection, version, block)",
    # Tables of the layout before digests: the column, and the digests of what they hold.
    *(
        f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {DIGEST_COLUMN} text"
        for table in ("view_state", "snapshots")
    ),
    *(
        f"UPDATE {table} SET {DIGEST_COLUMN} = encode(sha256(state), 'hex') "
        f"WHERE {DIGEST_COLUMN} IS NULL"
        for table in ("view_state", "snapshots")
    ),
)
#: Serialises creating the view tables between processes (a fixed number names the lock).
SCHEMA_LOCK_ID = 7305042717


def _have_tables(connection: Connection) -> bool:
    found = connection.execute("SELECT to_regclass('snapshots')").fetchone()
    return found is not None and found[0] is not None


def _have_digests(connection: Connection) -> bool:
    """Whether the view tables are there, each state with its digest column."""
    found = connection.execute(
        "SELECT count(*) FROM pg_attribute WHERE attname = %s AND NOT attisdropped "
        "AND attrelid IN (to_regclass('view_state'), to_regclass('snapshots'))",
        (DIGEST_COLUMN,),
    ).fetchone()
    return found is not None and found[0] == 2


def has_schema(connection: Connection) -> bool:
    """Whether the views' tables exist (a log nothing has projected yet has none)."""
    return _have_tables(connection)


def tracked_seqs(connection: Connection) -> dict[str, int]:
    """Each persisted view's seq (empty when the log has no views yet)."""
    if not _have_tables(connection):
        return {}
    rows = connection.execute("SELECT projection, seq FROM view_tracking").fetchall()
    return {str(name): int(seq) for name, seq in rows}


def read_only(connection: Connection) -> bool:
    """Whether nothing can be written here: a replica, or a read-only session."""
    row = connection.execute("SELECT current_setting('transaction_read_only')").fetchone()
    return row is not None and row[0] == "on"


def ensure_schema(connection: Connection) -> None:
    """Create the view tables once, in one transaction; where nothing can be written (a
    replica), the reads below find no views and snapshots instead."""
    if _have_digests(connection) or read_only(connection):
        return
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_ID,))
        for statement in VIEWS_SCHEMA:
            connection.execute(statement)


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)  # stored 0/1, as SQLite's views store it
    return None if value is None else str(value)


def _columns(connection: Connection, name: str) -> list[str] | None:
    rows = connection.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
        (name,),
    ).fetchall()
    return [row[0] for row in rows] or None


def _replace_table(connection: Connection, table: Table) -> None:
    name = f"view_{table.name}"
    identifier = sql.Identifier(name)
    wanted = [column for column, _kind in view_columns(table)]
    columns = _columns(connection, name)
    if columns is not None and columns != wanted:
        connection.execute(sql.SQL("DROP TABLE {}").format(identifier))
        columns = None
    if columns is None:
        definitions = [sql.SQL("{} text").format(sql.Identifier(c)) for c in wanted]
        if table.key_columns:
            keys = sql.SQL(", ").join(map(sql.Identifier, table.key_columns))
            definitions.append(sql.SQL("PRIMARY KEY ({})").format(keys))
        connection.execute(
            sql.SQL("CREATE TABLE {} ({})").format(identifier, sql.SQL(", ").join(definitions))
        )
    connection.execute(sql.SQL("DELETE FROM {}").format(identifier))
    cursor = connection.cursor()
    with cursor.copy(sql.SQL("COPY {} FROM STDIN").format(identifier)) as copy:
        cells = row_cells(table)  # the same cells as SQLite's views, `<column>_key`s included
        for row in table.rows:
            copy.write_row(tuple(map(_cell, cells(row))))


def write_view(connection: Connection, projection: Projection, seq: int, block: int) -> None:
    """Replace the projection's view tables, tracking and state at `seq`, atomically."""
    state = projection.snapshot()
    tables = projection.tables()
    with connection.transaction():
        for table in tables:
            _replace_table(connection, table)
        _track(connection, projection.name, projection.version, seq, block, projection.digest())
        connection.execute(
            f"INSERT INTO view_state (projection, version, seq, state, {DIGEST_COLUMN}) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (projection) DO UPDATE SET "
            "version = excluded.version, seq = excluded.seq, state = excluded.state, "
            f"{DIGEST_COLUMN} = excluded.{DIGEST_COLUMN}",
            (projection.name, projection.version, seq, state, state_digest(state)),
        )


def _track(
    connection: Connection, name: str, version: int, seq: int, block: int, digest: str
) -> None:
    connection.execute(
        "INSERT INTO view_tracking VALUES (%s, %s, %s, %s, %s) ON CONFLICT (projection) "
        "DO UPDATE SET version = excluded.version, seq = excluded.seq, "
        "block = excluded.block, digest = excluded.digest",
        (name, version, seq, block, digest),
    )


def read_view_state(
    connection: Connection, projection: Projection
) -> tuple[int, bytes, int] | None:
    """The (seq, state, block) the projection's view was written at, if of its version.

    Raises:
        ViewMismatch: the state does not match the digest stored with it.
    """
    if not _have_digests(connection):
        return None  # no views yet, or a replica of the layout before digests: refolded
    row = connection.execute(
        f"SELECT s.seq, s.state, t.block, s.{DIGEST_COLUMN} FROM view_state AS s"
        " JOIN view_tracking AS t ON t.projection = s.projection"
        " WHERE s.projection = %s AND s.version = %s",
        (projection.name, projection.version),
    ).fetchone()
    if row is None:
        return None
    state = checked_state(f"view {projection.name}", bytes(row[1]), row[3])
    return None if state is None else (int(row[0]), state, int(row[2]))


def write_read_model_view(
    connection: Connection, name: str, tables: list[Table], seq: int, block: int
) -> None:
    """Replace a read model's view tables and tracking row at `seq` (no state of its own)."""
    with connection.transaction():
        for table in tables:
            _replace_table(connection, table)
        _track(connection, name, 0, seq, block, "")


def insert_snapshot(
    connection: Connection, name: str, version: int, seq: int, block: int, state: SnapshotState
) -> None:
    """Store a projection's snapshot taken at `seq`, whole (its parts, if given, joined)."""
    state = state if isinstance(state, bytes) else b"".join(state)
    connection.execute(
        f"INSERT INTO snapshots (projection, version, seq, block, state, {DIGEST_COLUMN}) "
        "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (projection, version, seq) "
        f"DO UPDATE SET state = excluded.state, {DIGEST_COLUMN} = excluded.{DIGEST_COLUMN}",
        (name, version, seq, block, state, state_digest(state)),
    )


def nearest_snapshot(
    connection: Connection, projection: Projection, block: int
) -> tuple[int, bytes, int] | None:
    """The latest (seq, state, block) of the projection's version at or below `block`."""
    return _snapshot(connection, projection, "block <= %s", block)


def snapshot_before_seq(
    connection: Connection, projection: Projection, seq: int
) -> tuple[int, bytes, int] | None:
    """The latest (seq, state, block) of the projection's version taken below `seq`."""
    return _snapshot(connection, projection, "seq < %s", seq)


def snapshot_seqs_around(
    connection: Connection, projection: Projection, block: int, seq: int | None
) -> tuple[int | None, int | None]:
    """The seqs of the projection's latest snapshot at or below `block` and of its first at
    or after `seq` (None: no such snapshot, or `seq` is None), states not read."""
    if not _have_digests(connection):
        return None, None
    key = (projection.name, projection.version)
    below = connection.execute(
        "SELECT max(seq) FROM snapshots WHERE projection = %s AND version = %s AND block <= %s",
        (*key, block),
    ).fetchone()
    above = None
    if seq is not None:
        above = connection.execute(
            "SELECT min(seq) FROM snapshots WHERE projection = %s AND version = %s AND seq >= %s",
            (*key, seq),
        ).fetchone()
    return _seq(below), _seq(above)


def _seq(row: Any) -> int | None:
    return None if row is None or row[0] is None else int(row[0])


def snapshot_at(
    connection: Connection, projection: Projection, seq: int
) -> tuple[int, bytes, int] | None:
    """The (seq, state, block) of the projection's snapshot at `seq` (None: its state no
    longer matches its digest, and it is refolded)."""
    return _snapshot(connection, projection, "seq = %s", seq)


def _snapshot(
    connection: Connection, projection: Projection, bound: str, value: int
) -> tuple[int, bytes, int] | None:
    if not _have_digests(connection):
        return None  # no views yet, or a replica of the layout before digests: refolded
    row = connection.execute(
        f"SELECT seq, state, block, {DIGEST_COLUMN} FROM snapshots "
        f"WHERE projection = %s AND version = %s AND {bound} ORDER BY seq DESC LIMIT 1",
        (projection.name, projection.version, value),
    ).fetchone()
    if row is None:
        return None
    where = f"snapshot of {projection.name} at seq {row[0]}"
    state = checked_state(where, bytes(row[1]), row[3])
    return None if state is None else (int(row[0]), state, int(row[2]))


def purge_snapshots(connection: Connection, retracted: Sequence[Any]) -> None:
    """Delete snapshots taken between a retracted range's start and its retraction
    (`ledger.reorg.Retractions.purge_snapshots`, here)."""
    for item in retracted:
        connection.execute(
            "DELETE FROM snapshots WHERE seq >= %s AND seq < %s", (item.from_seq, item.seq)
        )


def latest_snapshot_seq(connection: Connection, projection: Projection) -> int:
    if not _have_tables(connection):
        return 0
    row = connection.execute(
        "SELECT max(seq) FROM snapshots WHERE projection = %s AND version = %s",
        (projection.name, projection.version),
    ).fetchone()
    return int(row[0] or 0) if row else 0


def drop_views(connection: Connection, projections: Sequence[Any]) -> None:
    """Forget the projections' views, states and snapshots, in one transaction."""
    names = [projection.name for projection in projections]
    if not names:
        return
    with connection.transaction():
        for table in ("view_tracking", "view_state", "snapshots"):
            connection.execute(
                sql.SQL("DELETE FROM {} WHERE projection = ANY(%s)").format(sql.Identifier(table)),
                (names,),
            )


def drop_unused_log(connection: Connection) -> bool:
    """Drop the log here, its views too, if it holds no record: one a command created and then
    wrote nothing into goes, as such an SQLite file is removed. False: it holds records now."""
    with connection.transaction():
        head = connection.execute("SELECT seq FROM log_head WHERE id = 1 FOR UPDATE").fetchone()
        if head is None or head[0] != 0:
            return False
        views = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
            "AND tablename LIKE 'view\\_%'"
        ).fetchall()
        tables = [*LOG_TABLES, "log_schema", "snapshots", *(row[0] for row in views)]
        connection.execute(
            sql.SQL("DROP TABLE IF EXISTS {} CASCADE").format(
                sql.SQL(", ").join(map(sql.Identifier, tables))
            )
        )
    return True


class InlineWriter:
    """`BackgroundWriter`'s interface, writing each task at once on the store's connection."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def submit(self, task: Callable[[Connection], object]) -> None:
        task(self.connection)

    def drain(self) -> None:
        return None


StoredRow = tuple[int, bytes, str | None]
"""A stored state's (seq, state, digest stored beside it)."""


def stored_states(
    connection: Connection, name: str, version: int
) -> tuple[list[StoredRow], list[StoredRow], bool]:
    """The (seq, state, digest) of the projection's view and of each of its snapshots, by
    seq, for `verify --views`, and whether the tables keep digests (a replica of the layout
    before them does not: its states are checked against the refold alone)."""
    if not _have_tables(connection):
        return [], [], True
    kept = _have_digests(connection)
    digest = DIGEST_COLUMN if kept else "NULL"
    key = (name, version)
    found = [
        connection.execute(
            f"SELECT seq, state, {digest} FROM {table} WHERE projection = %s AND version = %s "
            "ORDER BY seq",
            key,
        ).fetchall()
        for table in ("view_state", "snapshots")
    ]
    view, snapshots = (
        [(int(seq), bytes(state), stored) for seq, state, stored in rows] for rows in found
    )
    return view, snapshots, kept


def tracking(connection: Connection, name: str) -> tuple[str, int] | None:
    """The digest and block `view_tracking` records for a projection's view."""
    row = connection.execute(
        "SELECT digest, block FROM view_tracking WHERE projection = %s", (name,)
    ).fetchone()
    return None if row is None else (str(row[0]), int(row[1]))


def view_rows(connection: Connection, name: str) -> list[tuple[Any, ...]] | None:
    """Every row of view table `name` (None: there is no such table)."""
    if _columns(connection, name) is None:
        return None
    return connection.execute(sql.SQL("SELECT * FROM {}").format(sql.Identifier(name))).fetchall()
