"""The SQLite log's schema (v3), how rows are stored in it, and the migrations from v1 and v2.

    events(seq INTEGER PK, block, ts_ms, stream_id, stream_version, type_id, version,
           payload TEXT JSON, event_id NULL-if-derived, idempotency_key, hash BLOB(32))
        idx_events_explicit_id  (event_id) WHERE NOT NULL  ids a writer chose (rare)
    streams(id INTEGER PK, name UNIQUE, top_version, first_seq, last_seq)
    event_types(id INTEGER PK, name UNIQUE)
    named_events  a view: the events with their stream and type names, ids and hex hashes
    log_head(id=1, seq, block, hash hex)                 moved in the same transaction
    idempotency(key PK, fingerprint, first_seq, last_seq, head_hash)

Why this shape (figures in bench/RESULTS.md, "A log whose cost stays flat"):

- *Stream versions live in `streams`, one row a stream, not in an index over every event.*
  v1's `UNIQUE(stream, stream_version)` took each insert at a random place of an index as big
  as the log (transfers go to per-account streams), so once it outgrew the page cache each
  batch dirtied about one index page an event and appends onto a 5M-event log ran at half the
  rate onto a 100k one. `bench/stream_versions.py` measured three options with the same rows
  (batches of 10,000, onto 100k and onto 2M rows, interleaved): the unique index, a
  non-unique `(stream, seq)` index (reads by stream stay indexed, but inserts are just as
  random), and the table. Only the table keeps the rate flat, and it is the smallest file.
  Uniqueness is kept by the one writer: `append` reads a stream's version from `streams`
  inside `BEGIN IMMEDIATE` (the write lock), gives the next one and moves the row in the same
  transaction, so two writer processes can neither skip nor repeat a version. A read of one
  stream scans only the seqs between its first and last record (`stream_span`): nothing at
  all for a stream with no records, such as the reorganisations every fold looks up.
- *No index on block.* Blocks never go down along seq (`append` refuses it, `verify` checks
  it), so the seq at a block is found by bisecting the seq key (`last_seq_at_block`, ~20
  probes), and a block-bounded read becomes a seq range; an index of every record's block
  (~12 bytes an event) answered nothing more.
- *Hashes stored once, as 32 bytes.* A record's `prev_hash` is its predecessor's `hash`, so
  only `hash` is kept; rows are read back with both as hex, exactly as before (what is hashed
  did not change: a log copied between stores keeps its head hash).
- *Streams and types by number, derived event ids not at all.* A record names its stream by
  the id of its `streams` row (1-3 bytes, not a ~20-byte name) and its type by the id of its
  `event_types` row (1 byte, not ~10: v3); `<stream>#<stream_version>` ids are rebuilt on
  read; only ids a writer chose are stored (and indexed, unique). To read the names in SQL,
  query the `named_events` view (`SELECT * FROM named_events WHERE type = 'Swapped'`), or
  join: `events JOIN streams ON streams.id = events.stream_id JOIN event_types ON
  event_types.id = events.type_id`.
- Payloads stay JSON text, readable with `json_extract`.

Migration v1 -> v2 copies the events into the new table in one transaction (a crash leaves
the v1 log as it was), after checking that every stored `prev_hash` is its predecessor's hash
(the one fact the dropped column held). Migration v2 -> v3 copies them again with their
types by id; a v1 log takes both steps in the same transaction. What is hashed never changed,
so a migrated log verifies to the same head hash.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from ledger.chain import GENESIS_HASH, Row
from ledger.errors import NotALedger, SchemaTooNew, StoreError, StoreIOError
from ledger.store import refuse_missing_tables
from projections.views import run_script

SCHEMA_VERSION = 3

EVENTS_TABLE = """
CREATE TABLE {name} (
    seq INTEGER PRIMARY KEY, block INTEGER NOT NULL, ts_ms INTEGER NOT NULL,
    stream_id INTEGER NOT NULL, stream_version INTEGER NOT NULL, {type_column} NOT NULL,
    version INTEGER NOT NULL, payload TEXT NOT NULL, event_id TEXT, idempotency_key TEXT,
    hash BLOB NOT NULL);
"""
#: The type column: v2 kept the name, v3 the id of its `event_types` row.
TYPE_V2, TYPE_V3 = "type TEXT", "type_id INTEGER"
TYPES_TABLE = "CREATE TABLE event_types (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
NAMED_EVENTS = """
CREATE VIEW named_events AS SELECT e.seq AS seq, e.block AS block, e.ts_ms AS ts_ms,
    s.name AS stream, e.stream_version AS stream_version, t.name AS type, e.version AS version,
    e.payload AS payload, coalesce(e.event_id, s.name || '#' || e.stream_version) AS event_id,
    e.idempotency_key AS idempotency_key, lower(hex(e.hash)) AS hash
FROM events AS e LEFT JOIN streams AS s ON s.id = e.stream_id
    LEFT JOIN event_types AS t ON t.id = e.type_id;
"""
STREAMS_TABLE = """
CREATE TABLE streams (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,
    top_version INTEGER NOT NULL, first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL);
"""
EVENTS_INDEXES = """
CREATE UNIQUE INDEX idx_events_explicit_id ON events (event_id) WHERE event_id IS NOT NULL;
"""
HEAD_TABLES = """
CREATE TABLE log_head (id INTEGER PRIMARY KEY, seq INTEGER, block INTEGER, hash TEXT);
CREATE TABLE idempotency (key TEXT PRIMARY KEY, fingerprint TEXT, first_seq INTEGER,
    last_seq INTEGER, head_hash TEXT);
"""

#: The log's own tables: the records and what their reads and appends rely on (views,
#: snapshots and their bookkeeping are caches, made again when missing).
LOG_TABLES = ("events", "streams", "event_types", "log_head", "idempotency")


def refuse_unless_log_file(path: Path) -> None:
    """The rule for opening a file without creating a log: it must hold one.

    A missing file is refused (`StoreIOError`), and so is an empty (0-byte) one (`NotALedger`),
    here, before SQLite touches it: connecting alone writes a header into an empty file. An
    SQLite database without the schema (`user_version` 0) is refused once open, before the
    file is turned to WAL (`schema_version`). A store that creates a log
    (`create=True`) takes a missing file or an existing empty one (nothing in it to lose, as
    `mktemp` leaves); logs of an older schema are migrated either way.
    """
    if not path.exists():
        raise StoreIOError(f"no ledger at {path}; create one with `defi-ledger init`")
    if path.is_file() and path.stat().st_size == 0:
        raise NotALedger(
            f"{path} is an empty file, not a defi-ledger log (it holds no schema); name the "
            "log's file, or create a log with `defi-ledger init`"
        )


def schema_version(connection: sqlite3.Connection, path: Path, *, creating: bool) -> int:
    """The file's log schema version, read without writing: a file that holds no log this
    program can open (and that is not to be created) is refused before anything is written."""
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"{path} has log schema v{version}; this defi-ledger reads up to "
            f"v{SCHEMA_VERSION}: upgrade it"
        )
    if version == SCHEMA_VERSION:
        check_log_tables(connection, path)
    if (
        version == 0
        and connection.execute(
            "SELECT count(*) FROM sqlite_master WHERE name = 'events'"
        ).fetchone()[0]
    ):
        raise NotALedger(f"{path} has an events table but no defi-ledger schema")
    if version == 0 and not creating:
        raise NotALedger(
            f"{path} is an SQLite database with no defi-ledger schema; name the log's file, or "
            "create a log with `defi-ledger init`"
        )
    return version


def check_log_tables(connection: sqlite3.Connection, path: Path) -> None:
    """Refuse a log that has lost one of its own tables (`StoreDamaged`)."""
    present = {name for (name,) in connection.execute("SELECT name FROM sqlite_master")}
    missing = [name for name in LOG_TABLES if name not in present]
    refuse_missing_tables(path, missing, LOG_TABLES)


#: A stored row's columns, in `StoredRow` order (`RowReader` makes `Row`s of them).
STORED_COLUMNS = (
    "seq, block, ts_ms, stream_id, stream_version, type_id, version, payload, event_id, "
    "idempotency_key, hash"
)
INSERT_ROW = "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?)"
NEW_STREAM = "INSERT INTO streams (name, top_version, first_seq, last_seq) VALUES (?, 0, ?, 0)"
MOVE_STREAM = "UPDATE streams SET top_version = ?, last_seq = ? WHERE id = ?"
#: A stored row: a `Row` without `prev_hash`, the stream and the type by their ids, the
#: derived id as None and the hash as bytes.
StoredRow = tuple[int, int, int, int, int, int, int, str, str | None, str | None, bytes]


def stored_rows(
    rows: Sequence[Row], ids: dict[str, int], type_ids: dict[str, int]
) -> list[StoredRow]:
    """The rows as the events table keeps them (see the module docstring)."""
    fromhex = bytes.fromhex
    return [
        (
            *row[:3],
            ids[row[3]],
            row[4],
            type_ids[row[5]],
            *row[6:8],
            None if row[8] == f"{row[3]}#{row[4]}" else row[8],
            row[9],
            fromhex(row[11]),
        )
        for row in rows
    ]


def insert_rows(
    connection: sqlite3.Connection,
    rows: Sequence[Row],
    ids: dict[str, int],
    type_ids: dict[str, int] | None = None,
) -> None:
    """Store chained rows and move their streams; inside the caller's transaction.

    `ids` and `type_ids` cache stream and type ids by name (ids never change once given);
    names missing from them are looked up, and new ones created, here (no `type_ids`: type
    ids are looked up for these rows alone).
    """
    type_ids = {} if type_ids is None else type_ids
    tops: dict[str, tuple[int, int]] = {}
    for seq, _, _, stream, version, tag, *_ in rows:
        if stream not in ids:
            ids[stream] = stream_id(connection, stream, seq, new=version == 1)
        if tag not in type_ids:
            type_ids[tag] = type_id(connection, tag)
        tops[stream] = (version, seq)
    connection.executemany(INSERT_ROW, stored_rows(rows, ids, type_ids))
    connection.executemany(
        MOVE_STREAM, [(version, seq, ids[stream]) for stream, (version, seq) in tops.items()]
    )


def stream_id(connection: sqlite3.Connection, name: str, first_seq: int, *, new: bool) -> int:
    """The id of a stream, created (starting at `first_seq`) if it has no records yet.

    `new`: the row being stored is the stream's first (its version is 1), so the stream has
    no row to look up and is inserted at once.
    """
    if not new:
        row = connection.execute("SELECT id FROM streams WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return int(row[0])
    cursor = connection.execute(NEW_STREAM, (name, first_seq))
    assert cursor.lastrowid is not None
    return cursor.lastrowid


def type_id(connection: sqlite3.Connection, name: str) -> int:
    """The id of an event type, given if no record had that type yet."""
    row = connection.execute("SELECT id FROM event_types WHERE name = ?", (name,)).fetchone()
    if row is not None:
        return int(row[0])
    cursor = connection.execute("INSERT INTO event_types (name) VALUES (?)", (name,))
    assert cursor.lastrowid is not None
    return cursor.lastrowid


class TypeNames(dict[int, str]):
    """Event type names by id, read from `event_types`; an id not there yet is looked up (a
    type first written since), and an id with no row (a tampered cell) reads as a name no
    event has, so decoding it fails by name, as an unknown type."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        super().__init__(connection.execute("SELECT id, name FROM event_types"))
        self.connection = connection

    def __missing__(self, key: int) -> str:
        found = self.connection.execute(
            "SELECT name FROM event_types WHERE id = ?", (key,)
        ).fetchone()
        if found is None:
            return f"<no type {key!r}>"
        self[key] = name = str(found[0])
        return name


class RowReader:
    """Stored rows back into `Row`s: stream names, derived ids, `prev_hash`, hex hashes.

    Done in Python rather than in SQL (a join for the name, a subquery for the previous hash):
    a full read costs about half as much. Consecutive rows take their `prev_hash` from the row
    before; a row after a gap (a filtered read) looks it up.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.names: dict[int, str] = {}
        self.types = TypeNames(connection)
        self.last: tuple[int, str] = (-1, GENESIS_HASH)

    def name(self, stream_id: int) -> str:
        name = self.names.get(stream_id)
        if name is None:  # a stream created since the names were read
            self.names = dict(self.connection.execute("SELECT id, name FROM streams"))
            name = self.names.get(stream_id, f"<no stream {stream_id}>")
        return name

    def hash_before(self, seq: int) -> str:
        row = self.connection.execute("SELECT hash FROM events WHERE seq = ?", (seq - 1,))
        found = row.fetchone()
        return GENESIS_HASH if found is None else _hex(found[0])

    def rows(self, stored: Sequence[StoredRow]) -> list[Row]:
        names, types, rows = self.names, self.types, []
        last_seq, prev = self.last
        for seq, block, ts_ms, sid, version_in_stream, tid, version, payload, eid, key, h in stored:
            if seq != last_seq + 1:
                prev = self.hash_before(seq)
            name = names[sid] if sid in names else self.name(sid)
            hash_ = h.hex() if type(h) is bytes else _hex(h)
            event_id = eid or f"{name}#{version_in_stream}"
            tag = types[tid]
            row = (seq, block, ts_ms, name, version_in_stream, tag, version, payload, event_id)
            rows.append((*row, key, prev, hash_))
            last_seq, prev = seq, hash_
        self.last = (last_seq, prev)
        return rows


def _hex(value: object) -> str:
    """A stored hash as hex; a value of another type (a tampered cell) as its text."""
    return value.hex() if isinstance(value, bytes) else str(value)


def stream_span(connection: sqlite3.Connection, stream: str) -> tuple[int, int, int] | None:
    """A stream's id and the first and last seq of its records, or None if it has none."""
    row = connection.execute(
        "SELECT id, first_seq, last_seq FROM streams WHERE name = ?", (stream,)
    ).fetchone()
    return None if row is None else (int(row[0]), int(row[1]), int(row[2]))


def last_seq_at_block(connection: sqlite3.Connection, block: int) -> int:
    """The seq of the last record at or below `block` (0 if none), by bisecting the seq key.

    Blocks never decrease along seq, so the records at or below `block` are a prefix.
    """
    low, high = 0, connection.execute("SELECT max(seq) FROM events").fetchone()[0] or 0
    probe = "SELECT block FROM events WHERE seq >= ? ORDER BY seq LIMIT 1"
    while low < high:  # invariant: seq `low` is at or below `block`, seq `high + 1` above
        middle = (low + high + 1) // 2
        if connection.execute(probe, (middle,)).fetchone()[0] <= block:
            low = middle
        else:
            high = middle - 1
    return low


def blocks_by_time(connection: sqlite3.Connection, since_ms: int, before: bool) -> int | None:
    """The first block with a record at or after `since_ms`, or (`before`) the last block with
    a record before it; None when no record is there. Clocks may step back, so every record's
    `ts_ms` is read (there is no index on it), not a bisection of the seq key."""
    query = (
        "SELECT max(block) FROM events WHERE ts_ms < ?"
        if before
        else "SELECT min(block) FROM events WHERE ts_ms >= ?"
    )
    found = connection.execute(query, (since_ms,)).fetchone()[0]
    return None if found is None else int(found)


def seq_of_hash(connection: sqlite3.Connection, hash_hex: str) -> int | None:
    """The seq of the first record whose hash is `hash_hex` (None: the log holds none)."""
    row = connection.execute(
        "SELECT seq FROM events WHERE hash = ? ORDER BY seq LIMIT 1", (bytes.fromhex(hash_hex),)
    ).fetchone()
    return None if row is None else int(row[0])


def create(connection: sqlite3.Connection) -> None:
    """A new, empty log at the current schema (inside the caller's transaction)."""
    events = EVENTS_TABLE.format(name="events", type_column=TYPE_V3)
    for script in (events, EVENTS_INDEXES, STREAMS_TABLE, TYPES_TABLE, HEAD_TABLES, NAMED_EVENTS):
        run_script(connection, script)
    connection.execute("INSERT INTO log_head VALUES (1, 0, 0, ?)", (GENESIS_HASH,))


def migrate_1_to_2(connection: sqlite3.Connection) -> None:
    """Copy a v1 log into the v2 tables (inside the caller's transaction)."""
    broken = connection.execute(
        "SELECT min(e.seq) FROM events AS e LEFT JOIN events AS p ON p.seq = e.seq - 1"
        " WHERE e.prev_hash IS NOT coalesce(p.hash, ?)",
        (GENESIS_HASH,),
    ).fetchone()[0]
    if broken is not None:
        raise StoreError(
            f"cannot upgrade the log: the prev_hash of seq {broken} is not the hash before it "
            "(run `verify` with the version that wrote it)"
        )
    connection.create_function("defi_unhex", 1, _unhex, deterministic=True)
    run_script(connection, STREAMS_TABLE)
    connection.execute(
        "INSERT INTO streams (name, top_version, first_seq, last_seq)"
        " SELECT stream, max(stream_version), min(seq), max(seq) FROM events GROUP BY stream"
    )
    run_script(connection, EVENTS_TABLE.format(name="events_v2", type_column=TYPE_V2))
    connection.execute(
        "INSERT INTO events_v2 SELECT seq, block, ts_ms, streams.id, stream_version, type,"
        " version, payload, nullif(event_id, stream || '#' || stream_version),"
        " idempotency_key, defi_unhex(hash)"
        " FROM events JOIN streams ON streams.name = events.stream ORDER BY seq"
    )
    connection.execute("DROP TABLE events")
    connection.execute("ALTER TABLE events_v2 RENAME TO events")
    run_script(connection, EVENTS_INDEXES)


def migrate_2_to_3(connection: sqlite3.Connection) -> None:
    """Copy a v2 log into the v3 events table, types by id (inside the caller's transaction).

    Types are numbered in the order the log first used them.
    """
    run_script(connection, TYPES_TABLE)
    connection.execute(
        "INSERT INTO event_types (name) SELECT type FROM events GROUP BY type ORDER BY min(seq)"
    )
    run_script(connection, EVENTS_TABLE.format(name="events_v3", type_column=TYPE_V3))
    connection.execute(
        "INSERT INTO events_v3 SELECT seq, block, ts_ms, stream_id, stream_version,"
        " event_types.id, version, payload, event_id, idempotency_key, hash"
        " FROM events JOIN event_types ON event_types.name = events.type ORDER BY seq"
    )
    connection.execute("DROP TABLE events")
    connection.execute("ALTER TABLE events_v3 RENAME TO events")
    run_script(connection, EVENTS_INDEXES)
    run_script(connection, NAMED_EVENTS)


def _unhex(text: object) -> bytes:
    if not isinstance(text, str) or len(text) != 64:
        raise ValueError(f"a stored hash is not 64 hex digits: {text!r}")
    return bytes.fromhex(text)


MIGRATIONS = {2: migrate_1_to_2, 3: migrate_2_to_3}


def migrate(connection: sqlite3.Connection, version: int) -> None:
    """Bring a log of an older schema (or a new file: version 0) to the current one, in one
    transaction."""
    if version == SCHEMA_VERSION:
        return
    connection.execute("BEGIN IMMEDIATE")
    try:
        if version == 0:
            create(connection)  # a new log starts at the current schema
        else:
            for step in range(version + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[step](connection)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
