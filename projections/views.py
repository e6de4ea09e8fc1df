"""Persisted views: projection state as plain SQLite tables in the log's own file.

With `projections.snapshot_states` (how snapshot states are stored), the only module of
`projections` that does I/O. For each projection P with tables T:

    view_<T>(<columns>)                 typed by `projections.columns` (below)
    view_tracking(projection PK, version, seq, block, digest)
    view_state(projection PK, version, seq, state BLOB, state_sha256)   the view's own state
    snapshots(projection, version, seq, block, state_key)      every K events, for time travel
    snapshot_states(key PK, state BLOB)                         sha256(state) -> zstd(state)
    snapshot_parts(state_key, position, part_key)              a parted state's parts, in order

Each stored state carries the sha256 of its bytes, written in the same statement (a snapshot's
is its key: snapshot states are stored once each, by content, compressed, so a book that
did not change since its last snapshot adds a 40-byte row; a trigger drops a state when its
last snapshot goes); a state read back whose bytes do not hash to it (a hand-edited row, a
damaged page) raises `ViewMismatch` rather than being served. A view state stored before
its column existed (NULL) is not trusted either: it is treated as absent, and so refolded.

A book whose snapshot comes in parts (`projections.base.SnapshotsInParts`: balances' accounts
per asset, which change only when new accounts arrive) has each part stored the same way, by
its own sha256, and the state as the list of its parts' keys: a part that consecutive
snapshots share is kept once (`projections.snapshot_states`). A trigger drops a part when the
last state listing it goes.

`write_view` replaces a projection's rows, its tracking row and its state in ONE transaction,
so a view is never ahead of or behind the `seq` it records, whatever moment a crash comes at.

Column types. Names and statuses are TEXT; counts, blocks and flags INTEGER. Amounts and
fixed-point numbers can pass SQLite's INTEGER limit (2**63 - 1, about 9.22 ETH in wei), so they
are kept exact twice: `<c>` as decimal TEXT (what to read and print) and `<c>_key`, a TEXT whose
plain string order is the numeric order, for any size and sign (`sort_key`). So
`ORDER BY amount_key DESC` sorts by amount and `amount_key > sort_key(X)` compares with X.
Sums: the `dec_sum` aggregate (exact decimal text) on a connection given
`register_sql_functions`; in a plain sqlite3 client, the limb recipe of the README.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from hashlib import sha256
from typing import Any

from events.base import SQLITE_INT_MAX
from projections.base import Projection, Table, tables_at
from projections.columns import EXACT_KINDS, column
from projections.snapshot_states import SnapshotState, snapshot_state, store_snapshot
from projections.snapshot_states import ViewMismatch as ViewMismatch

VIEWS_SCHEMA = """
CREATE TABLE IF NOT EXISTS view_tracking (
    projection TEXT PRIMARY KEY, version INTEGER NOT NULL, seq INTEGER NOT NULL,
    block INTEGER NOT NULL, digest TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS view_state (
    projection TEXT PRIMARY KEY, version INTEGER NOT NULL, seq INTEGER NOT NULL,
    state BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS snapshots (
    projection TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL,
    block INTEGER NOT NULL, state_key BLOB NOT NULL, PRIMARY KEY (projection, version, seq));
CREATE INDEX IF NOT EXISTS idx_snapshots_block ON snapshots (projection, version, block);
CREATE INDEX IF NOT EXISTS idx_snapshots_state ON snapshots (state_key);
CREATE TABLE IF NOT EXISTS snapshot_states (key BLOB PRIMARY KEY, state BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS snapshot_parts (
    state_key BLOB NOT NULL, position INTEGER NOT NULL, part_key BLOB NOT NULL,
    PRIMARY KEY (state_key, position)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idx_snapshot_parts_part ON snapshot_parts (part_key);
CREATE TRIGGER IF NOT EXISTS snapshot_state_released AFTER DELETE ON snapshots
WHEN NOT EXISTS (SELECT 1 FROM snapshots WHERE state_key = old.state_key)
BEGIN
    DELETE FROM snapshot_parts WHERE state_key = old.state_key;
    DELETE FROM snapshot_states WHERE key = old.state_key
        AND NOT EXISTS (SELECT 1 FROM snapshot_parts WHERE part_key = old.state_key);
END;
CREATE TRIGGER IF NOT EXISTS snapshot_part_released AFTER DELETE ON snapshot_parts
WHEN NOT EXISTS (SELECT 1 FROM snapshot_parts WHERE part_key = old.part_key)
    AND NOT EXISTS (SELECT 1 FROM snapshots WHERE state_key = old.part_key)
BEGIN DELETE FROM snapshot_states WHERE key = old.part_key; END;
"""
OLD_TRIGGERS = ("snapshot_state_unused",)
"""Triggers of earlier layouts, dropped when a file is brought up (`ensure_schema`): the one
before parts deleted a state whatever listed it."""
DIGEST_COLUMN = "state_sha256"
"""The column of `view_state` holding the sha256 (hex) of `state` (a snapshot's is its key)."""


def ensure_schema(connection: sqlite3.Connection) -> None:
    """Create the view tables in one transaction: a crash leaves all of them or none.

    Files of earlier layouts are brought up in the same transaction: a view state written
    before states carried their digest gains the column (NULL: never served); snapshots
    stored inline are moved into the content-addressed store; a file from before parts gains
    their table and the triggers that keep them (its states stay as they are: whole).
    """
    view_state = _columns(connection, "view_state")
    snapshots = _columns(connection, "snapshots")
    state_columns = [name for name, _kind in view_state or []]
    inline = snapshots is not None and "state" in [name for name, _kind in snapshots]
    parts = _columns(connection, "snapshot_parts")
    current = view_state is not None and DIGEST_COLUMN in state_columns and parts is not None
    if current and snapshots and not inline:
        return
    with _transaction(connection):
        for trigger in OLD_TRIGGERS:
            connection.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        if inline:
            connection.execute("ALTER TABLE snapshots RENAME TO snapshots_inline")
            connection.execute("DROP INDEX IF EXISTS idx_snapshots_block")
        fresh = VIEWS_SCHEMA.replace(
            "    state BLOB NOT NULL);", f"    state BLOB NOT NULL, {DIGEST_COLUMN} TEXT);", 1
        )
        run_script(connection, fresh)
        if view_state is not None and DIGEST_COLUMN not in state_columns:
            connection.execute(f"ALTER TABLE view_state ADD COLUMN {DIGEST_COLUMN} TEXT")
        if inline:
            rows = connection.execute(
                "SELECT projection, version, seq, block, state FROM snapshots_inline"
            ).fetchall()
            for name, version, seq, block, state in rows:
                store_snapshot(connection, name, version, seq, block, bytes(state))
            connection.execute("DROP TABLE snapshots_inline")


def run_script(connection: sqlite3.Connection, script: str) -> None:
    """Each statement of `script` in turn, in the transaction open (`executescript` would
    commit it first). Statements are cut where SQLite says one is complete, so a trigger's
    body (statements between BEGIN and END) stays whole."""
    statement = ""
    for piece in script.split(";"):
        statement += piece + ";"
        if sqlite3.complete_statement(statement):
            connection.execute(statement)
            statement = ""
    if statement.strip(" \n;"):  # the last one, without its semicolon
        connection.execute(statement)


def state_digest(state: bytes) -> str:
    """The digest stored with a state: sha256 of its bytes (hex)."""
    return sha256(state).hexdigest()


def checked_state(where: str, state: bytes, stored: str | None) -> bytes | None:
    """The state if it matches its stored digest; None if it has none (an old row)."""
    if stored is None:
        return None
    if state_digest(state) != stored:
        raise ViewMismatch(
            f"{where}: the stored state does not match its stored digest (edited or damaged); "
            "run `defi-ledger rebuild` to refold it from the log"
        )
    return state


KEY_DIGITS = 4
"""The key's length field: integers of up to 9,999 digits."""


def sort_key(value: int) -> str:
    """A text whose string order is the integer order, for any size and sign.

    `p` + the digit count (4 digits) + the digits for n >= 0; `n` + (9999 - digit count) + the
    nines' complement of the digits for n < 0. 'n' < 'p' puts negatives first; among negatives
    more digits, then larger digits, come first once complemented. E.g. 0 -> p00010,
    1500 -> p00041500, -7 -> n99982.
    """
    digits = str(abs(value))
    if value >= 0:
        return f"p{len(digits):0{KEY_DIGITS}d}{digits}"
    complement = digits.translate(_NINES)
    return f"n{10**KEY_DIGITS - 1 - len(digits):0{KEY_DIGITS}d}{complement}"


_NINES = str.maketrans("0123456789", "9876543210")


def view_columns(table: Table) -> list[tuple[str, str]]:
    """The view's (column, SQLite type) pairs: exact numbers get a `<column>_key` beside them."""
    pairs: list[tuple[str, str]] = []
    for name in table.columns:
        kind = column(table.name, name).kind
        if kind in EXACT_KINDS:
            pairs += [(name, "TEXT"), (f"{name}_key", "TEXT")]
        elif kind in ("int", "bool"):
            # A lone INTEGER key would be the rowid, which holds int64s only: an int past 64
            # bits (kept as text, `row_cells`) would be refused. INT is the same affinity.
            pairs.append((name, "INT" if table.key_columns == (name,) else "INTEGER"))
        else:
            pairs.append((name, "TEXT"))
    return pairs


def row_cells(table: Table) -> Any:
    """Per column, how a value becomes the view's cell(s)."""
    exact = [column(table.name, name).kind in EXACT_KINDS for name in table.columns]

    def cells(row: tuple[Any, ...]) -> tuple[Any, ...]:
        out: list[Any] = []
        for value, is_exact in zip(row, exact, strict=True):
            if is_exact:
                number = value if isinstance(value, int) else None
                out += [str(value) if value is not None else None]
                out += [None if number is None else sort_key(number)]
            elif value is None or (
                isinstance(value, int) and -SQLITE_INT_MAX - 1 <= value <= SQLITE_INT_MAX
            ):
                out.append(value)  # bool is an int: stored as 0/1 like SQLite does itself
            else:  # text, or an int past SQLite's 64 bits (an oracle's scale of 1e30, say)
                out.append(str(value))
        return tuple(out)

    return cells


def _columns(connection: sqlite3.Connection, name: str) -> list[tuple[str, str]] | None:
    """The (column, declared type) pairs of table `name`, or None if there is no such table."""
    if (
        connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
        is None
    ):
        return None
    return [(row[1], row[2]) for row in connection.execute(f"PRAGMA table_info([{name}])")]


def _create_table(connection: sqlite3.Connection, name: str, table: Table) -> None:
    columns = [f"[{column_name}] {kind}" for column_name, kind in view_columns(table)]
    if table.key_columns:
        columns.append(f"PRIMARY KEY ({', '.join(f'[{key}]' for key in table.key_columns)})")
    connection.execute(f"CREATE TABLE [{name}] ({', '.join(columns)})")


def _replace_table(connection: sqlite3.Connection, table: Table) -> None:
    name = f"view_{table.name}"
    columns = _columns(connection, name)
    typed = view_columns(table)
    wanted = [name for name, _ in typed]
    if columns is not None and columns != typed:
        # The projection's table changed shape (a new version): the view is a cache, rebuild it.
        connection.execute(f"DROP TABLE [{name}]")
        columns = None
    if columns is None:
        _create_table(connection, name, table)
    connection.execute(f"DELETE FROM [{name}]")
    placeholders = ", ".join("?" for _ in wanted)
    cells = row_cells(table)
    connection.executemany(
        f"INSERT INTO [{name}] VALUES ({placeholders})", (cells(row) for row in table.rows)
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
            f"INSERT OR REPLACE INTO view_state (projection, version, seq, state, "
            f"{DIGEST_COLUMN}) VALUES (?, ?, ?, ?, ?)",
            (projection.name, projection.version, seq, state, state_digest(state)),
        )
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:  # an I/O error may have rolled it back already
            connection.execute("ROLLBACK")
        raise


def read_view_state(
    connection: sqlite3.Connection, projection: Projection
) -> tuple[int, bytes, int] | None:
    """The (seq, state, block) the projection's view was written at, if of its current version.

    Raises:
        ViewMismatch: the state does not match the digest stored with it.
    """
    row = connection.execute(
        f"SELECT s.seq, s.state, t.block, s.{DIGEST_COLUMN} FROM view_state AS s"
        " JOIN view_tracking AS t ON t.projection = s.projection"
        " WHERE s.projection = ? AND s.version = ?",
        (projection.name, projection.version),
    ).fetchone()
    if row is None:
        return None
    state = checked_state(f"view {projection.name}", bytes(row[1]), row[3])
    return None if state is None else (int(row[0]), state, int(row[2]))


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
        if connection.in_transaction:  # an I/O error may have rolled it back already
            connection.execute("ROLLBACK")
        raise


def insert_snapshot(
    connection: sqlite3.Connection,
    name: str,
    version: int,
    seq: int,
    block: int,
    state: SnapshotState,
) -> None:
    """Store a projection's snapshot taken at `seq` (whole, or in its parts)."""
    with _transaction(connection):
        store_snapshot(connection, name, version, seq, block, state)


@contextmanager
def _transaction(connection: sqlite3.Connection) -> Iterator[None]:
    """One write transaction: committed if the block ends, rolled back if it raises."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:  # an I/O error may have rolled it back already
            connection.execute("ROLLBACK")
        raise


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
    below, _ = snapshot_seqs_around(connection, projection, block, None)
    return None if below is None else snapshot_at(connection, projection, below)


def snapshot_seqs_around(
    connection: sqlite3.Connection, projection: Projection, block: int, seq: int | None
) -> tuple[int | None, int | None]:
    """The seqs of the projection's latest snapshot at or below `block` and of its first at
    or after `seq` (None: no such snapshot, or `seq` is None), states not read."""
    key = (projection.name, projection.version)
    (below,) = connection.execute(
        "SELECT max(seq) FROM snapshots WHERE projection = ? AND version = ? AND block <= ?",
        (*key, block),
    ).fetchone()
    above = None
    if seq is not None:
        (above,) = connection.execute(
            "SELECT min(seq) FROM snapshots WHERE projection = ? AND version = ? AND seq >= ?",
            (*key, seq),
        ).fetchone()
    return below, above


def snapshot_at(
    connection: sqlite3.Connection, projection: Projection, seq: int
) -> tuple[int, bytes, int]:
    """The (seq, state, block) of the projection's snapshot at `seq` (one that exists)."""
    state_key, at_block = connection.execute(
        "SELECT state_key, block FROM snapshots WHERE projection = ? AND version = ? AND seq = ?",
        (projection.name, projection.version, seq),
    ).fetchone()
    where = f"snapshot of {projection.name} at seq {seq}"
    return int(seq), snapshot_state(connection, state_key, where), int(at_block)


def snapshot_before_seq(
    connection: sqlite3.Connection, projection: Projection, seq: int
) -> tuple[int, bytes, int] | None:
    """The latest (seq, state, block) of the projection's current version taken below `seq`."""
    row = connection.execute(
        "SELECT seq, state_key, block FROM snapshots"
        " WHERE projection = ? AND version = ? AND seq < ? ORDER BY seq DESC LIMIT 1",
        (projection.name, projection.version, seq),
    ).fetchone()
    if row is None:
        return None
    where = f"snapshot of {projection.name} at seq {row[0]}"
    return int(row[0]), snapshot_state(connection, row[1], where), int(row[2])


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
        if connection.in_transaction:  # an I/O error may have rolled it back already
            connection.execute("ROLLBACK")
        raise
