"""The PostgreSQL log's tables, created once, the SQL over them, and how a server is named.

Creating runs under a transaction-scoped advisory lock, so writer processes that open a new
log at the same moment create it once; everything is created in one transaction, so a log is
either complete or absent. Opening an existing log only reads, so it works on a replica.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg.conninfo import conninfo_to_dict

from events.rejections import RejectCode
from ledger.batch import NewEvent, Rejected
from ledger.errors import SchemaTooNew, StoreError, StoreIOError
from ledger.faults import read_only_message
from ledger.store import refuse_missing_tables

SCHEMA_VERSION = 1
#: Serialises schema creation between processes (any fixed number: it names the lock).
CREATE_LOCK_ID = 7305042715

SCHEMA_V1 = (
    """CREATE TABLE events (
        seq bigint PRIMARY KEY,
        block bigint NOT NULL,
        ts_ms bigint NOT NULL,
        stream text NOT NULL,
        stream_version bigint NOT NULL,
        type text NOT NULL,
        version integer NOT NULL,
        payload text NOT NULL,
        body jsonb NOT NULL,
        event_id text NOT NULL,
        idempotency_key text,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        UNIQUE (stream, stream_version)
    )""",
    "CREATE INDEX events_block ON events (block)",
    # Amounts as NUMERIC, exact at any size and sorting by value. A view, not a generated
    # column: computing the column on insert cost appends ~30% (measured, COPY of 50,000
    # rows), the view costs nothing until it is read.
    """CREATE VIEW event_amounts AS
        SELECT seq, block, stream, type, body,
            CASE WHEN jsonb_typeof(body -> 'amount') = 'number'
            THEN (body -> 'amount')::numeric END AS amount
        FROM events""",
    # Derived ids (`<stream>#<version>`) are unique through the stream index already.
    "CREATE UNIQUE INDEX events_explicit_id ON events (event_id) WHERE event_id NOT LIKE '%#%'",
    "CREATE TABLE log_head (id integer PRIMARY KEY, seq bigint NOT NULL, "
    "block bigint NOT NULL, hash text NOT NULL)",
    f"INSERT INTO log_head VALUES (1, 0, 0, '{'0' * 64}')",
    "CREATE TABLE idempotency (key text PRIMARY KEY, fingerprint text NOT NULL, "
    "first_seq bigint NOT NULL, last_seq bigint NOT NULL, head_hash text NOT NULL)",
    "CREATE TABLE log_schema (version integer NOT NULL)",
    f"INSERT INTO log_schema VALUES ({SCHEMA_VERSION})",
)


def create_schema(connection: psycopg.Connection[Any], create: bool) -> int | None:
    """The log's schema version, creating the log first if asked; None: no log and not asked.

    Opening an existing log only reads (so it works on a read-only replica); creating takes
    the lock and looks again. Raises `psycopg.Error` for anything the server refuses.
    """
    version = _version(connection)
    if version is not None or not create:
        return version
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (CREATE_LOCK_ID,))
        version = _version(connection)
        if version is not None:
            return version
        for statement in SCHEMA_V1:
            connection.execute(statement)
    return SCHEMA_VERSION


#: The log's own tables besides `log_schema` (which says a log is there at all).
LOG_TABLES = ("events", "log_head", "idempotency")


def missing_log_tables(connection: psycopg.Connection[Any]) -> list[str]:
    """The log's own tables the database no longer holds (dropped by hand, say)."""
    found = connection.execute(
        "SELECT " + ", ".join(f"to_regclass('{name}') IS NULL" for name in LOG_TABLES)
    ).fetchone()
    return [name for name, gone in zip(LOG_TABLES, found or (), strict=True) if gone]


def open_log(connection: psycopg.Connection[Any], url: str, create: bool) -> None:
    """Check that the database at `url` holds a log this program reads, whole (creating an
    empty one first if asked): `StoreError`, `SchemaTooNew` or `StoreDamaged` say why not."""
    where = describe_url(url)
    try:
        version = create_schema(connection, create)
    except NOT_WRITABLE as error:
        raise server_error(url, error) from error
    except psycopg.Error as error:
        raise StoreError(f"{where} cannot hold a defi-ledger log: {error}") from error
    if version is None:
        raise StoreError(f"no ledger at {where}; create one with `defi-ledger init`")
    if version > SCHEMA_VERSION:
        raise SchemaTooNew(
            f"{where} has log schema v{version}; this defi-ledger reads up to "
            f"v{SCHEMA_VERSION}: upgrade it"
        )
    try:
        missing = missing_log_tables(connection)
    except psycopg.Error as error:
        raise server_error(url, error) from error
    refuse_missing_tables(where, missing, LOG_TABLES)


def holds_log(url: str) -> bool:
    """Whether the database at `url` holds a log (of any schema version) yet."""
    try:
        with psycopg.connect(url) as connection:
            return _version(connection) is not None
    except psycopg.Error as error:
        raise server_error(url, error, f"cannot connect to {describe_url(url)}") from error


def _version(connection: psycopg.Connection[Any]) -> int | None:
    found = connection.execute("SELECT to_regclass('log_schema')").fetchone()
    if found is None or found[0] is None:
        return None
    row = connection.execute("SELECT version FROM log_schema").fetchone()
    return int(row[0]) if row else 0


def describe_url(url: str) -> str:
    """The server, database and session options a URL names, without its password (for
    messages): the options stay, since a `search_path` among them picks the log, one of
    several in a database (as a file's path names an SQLite log)."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.Error:
        return "the PostgreSQL URL given"
    host = str(parts.get("host") or "localhost")
    port = f":{parts['port']}" if parts.get("port") else ""
    user = f"{parts['user']}@" if parts.get("user") else ""
    database = parts.get("dbname") or ""
    query = [f"host={host}"] if host.startswith("/") else []  # a Unix socket directory
    if parts.get("options"):
        query.append(f"options={quote(str(parts['options']))}")
    where = f"/{database}" if host.startswith("/") else f"{host}{port}/{database}"
    return f"postgresql://{user}{where}" + (f"?{'&'.join(query)}" if query else "")


#: What the server says when this session may not write: a replica or a read-only session,
#: or a role without the privilege (SQLite's read-only file, in PostgreSQL's terms).
NOT_WRITABLE = (psycopg.errors.ReadOnlySqlTransaction, psycopg.errors.InsufficientPrivilege)


def server_error(url: str, error: psycopg.Error, what: str = "") -> StoreError:
    """A psycopg error as the ledger's: a connection refused or lost (`OperationalError`), or
    a log this session may not write, is the environment's (`StoreIOError`, exit 4, as an
    SQLite file that is read-only); anything else the server refused is not."""
    where = what or describe_url(url)
    if isinstance(error, NOT_WRITABLE):
        return StoreIOError(f"{read_only_message(where)} [{error}]")
    kind = StoreIOError if isinstance(error, psycopg.OperationalError) else StoreError
    return kind(f"{where}: {error}")


ROW_COLUMNS = (
    "seq, block, ts_ms, stream, stream_version, type, version, payload, event_id, "
    "idempotency_key, prev_hash, hash"
)
FOLD_COLUMNS = "seq, block, type, version, payload"
COPY_EVENTS = (
    "COPY events (seq, block, ts_ms, stream, stream_version, type, version, payload, body, "
    "event_id, idempotency_key, prev_hash, hash) FROM STDIN"
)
INSERT_EVENT = (
    "INSERT INTO events (seq, block, ts_ms, stream, stream_version, type, version, payload, "
    "body, event_id, idempotency_key, prev_hash, hash) "
    "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s::jsonb,%s,%s,%s,%s)"
)
#: Batches at least this long go in with COPY; shorter ones with one pipelined INSERT each
#: (COPY costs an extra round trip to start).
COPY_FROM_ROWS = 8
READ_BATCH_ROWS = 2000
#: How the head is locked: the row lock is used (see the module docstring); the other two are
#: kept for `bench/store_writers.py`, which measures them.
HEAD_LOCKS = {
    "row": ("SELECT seq, block, hash FROM log_head WHERE id = 1 FOR UPDATE",),
    "table": (
        "LOCK TABLE log_head IN EXCLUSIVE MODE",
        "SELECT seq, block, hash FROM log_head WHERE id = 1",
    ),
    "advisory": (
        "SELECT pg_advisory_xact_lock(7305042716)",
        "SELECT seq, block, hash FROM log_head WHERE id = 1",
    ),
}


def streams_of(batch: Sequence[NewEvent]) -> list[str]:
    """The streams a batch writes to, where they can be named before validation."""
    streams: set[str] = set()
    for item in batch:
        try:
            streams.add(item.stream or item.event.default_stream())
        except Exception:  # a malformed event: `prepare` refuses it by name
            continue
    return sorted(streams)


def nul_rejection(where: str) -> Rejected:
    """The refusal of a batch with U+0000 in it, which SQLite would store and PostgreSQL cannot."""
    return Rejected(
        code=RejectCode.INVALID_FIELD,
        detail=f"PostgreSQL text and jsonb cannot hold the NUL character (U+0000), which {where} "
        "of this batch contains",
    )


def first_body_mismatch(connection: psycopg.Connection[Any]) -> int | None:
    """The first seq whose `body` (jsonb) is not its `payload` read as JSON (None: all match)."""
    row = connection.execute(
        "SELECT seq FROM events WHERE body IS DISTINCT FROM payload::jsonb ORDER BY seq LIMIT 1"
    ).fetchone()
    return None if row is None else int(row[0])
