"""The PostgreSQL log's tables, created once, and how a server is named in messages.

Creating runs under a transaction-scoped advisory lock, so writer processes that open a new
log at the same moment create it once; everything is created in one transaction, so a log is
either complete or absent. Opening an existing log only reads, so it works on a replica.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.conninfo import conninfo_to_dict

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
        amount numeric GENERATED ALWAYS AS (
            CASE WHEN jsonb_typeof(body -> 'amount') = 'number'
            THEN (body -> 'amount')::numeric END
        ) STORED,
        event_id text NOT NULL,
        idempotency_key text,
        prev_hash text NOT NULL,
        hash text NOT NULL,
        UNIQUE (stream, stream_version)
    )""",
    "CREATE INDEX events_block ON events (block)",
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


def _version(connection: psycopg.Connection[Any]) -> int | None:
    found = connection.execute("SELECT to_regclass('log_schema')").fetchone()
    if found is None or found[0] is None:
        return None
    row = connection.execute("SELECT version FROM log_schema").fetchone()
    return int(row[0]) if row else 0


def describe_url(url: str) -> str:
    """The server and database a URL names, without its password (for messages)."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.Error:
        return "the PostgreSQL URL given"
    host = str(parts.get("host") or "localhost")
    port = f":{parts['port']}" if parts.get("port") else ""
    user = f"{parts['user']}@" if parts.get("user") else ""
    database = parts.get("dbname") or ""
    if host.startswith("/"):  # a Unix socket directory
        return f"postgresql://{user}/{database}?host={host}"
    return f"postgresql://{user}{host}{port}/{database}"
