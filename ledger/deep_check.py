"""`verify --deep`: what the hash chain cannot see, checked without trusting the file.

The chain walk reads every record, but only through the table's own b-tree: damage in an
index, in free pages or in the view tables passes it, and damaged pages of the table end the
walk with an SQLite error. This adds SQLite's `PRAGMA integrity_check` (every page, every
index against its table) and decodes every payload with the one codec, and names the first
record that cannot be read, instead of failing with the first exception.

On PostgreSQL the server checks its own pages (data checksums, `amcheck`), so the deep check
there decodes every payload and compares each record's `jsonb` copy (what SQL queries and
`event_amounts` read) with the canonical bytes the chain covers: an edited `body` is named.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any

from events.codec import decode
from ledger.rows import UNDECODABLE, undecodable_detail
from ledger.sqlite_schema import TypeNames
from ledger.sqlite_store import SqliteStore
from ledger.stores import LogStore

INTEGRITY_MESSAGES_MAX = 20
"""How many of SQLite's integrity messages are kept (the first is what matters)."""


def integrity_messages(store: SqliteStore) -> list[str]:
    """SQLite's own check of every page and index: empty when the file is sound."""
    try:
        rows = store.connection.execute(
            f"PRAGMA integrity_check({INTEGRITY_MESSAGES_MAX})"
        ).fetchall()
    except sqlite3.DatabaseError as error:
        return [f"integrity_check cannot run: {error}"]
    messages = [str(row[0]) for row in rows]
    return [] if messages == ["ok"] else messages


def _first_undecodable(rows: Iterable[tuple[Any, ...]]) -> tuple[int, str] | None:
    """The first gap or undecodable payload in (seq, type, version, payload) rows, in order."""
    expected = 1
    for seq, tag, version, payload in rows:
        if seq != expected:
            return expected, f"record {expected} is missing (the next readable is {seq})"
        try:
            decode(tag, version, payload)
        except UNDECODABLE as error:
            return seq, f"the payload does not decode: {undecodable_detail(error)}"
        except (TypeError, ValueError, AttributeError) as error:
            return seq, f"the row holds values of the wrong type: {error}"
        expected = seq + 1
    return None


def first_unreadable_record(store: SqliteStore) -> tuple[int, str] | None:
    """The first seq whose row cannot be read or whose payload does not decode, and why."""
    read: list[int] = []

    def rows() -> Iterator[tuple[Any, ...]]:
        names = TypeNames(store.connection)
        for seq, type_id, version, payload in store.connection.execute(
            "SELECT seq, type_id, version, payload FROM events ORDER BY seq"
        ):
            read.append(seq)
            yield seq, names[type_id], version, payload

    try:
        return _first_undecodable(rows())
    except sqlite3.DatabaseError as error:
        return (read[-1] + 1 if read else 1), f"the record cannot be read: {error}"


def _postgres_findings(store: Any) -> list[str]:
    """Every payload decodes, and every record's jsonb is its payload (see the docstring)."""
    from ledger.pg_schema import first_body_mismatch

    unreadable = _first_undecodable(
        (row[0], row[5], row[6], row[7]) for batch in store.row_batches() for row in batch
    )
    if unreadable is not None:
        return [f"first unreadable record: seq {unreadable[0]}: {unreadable[1]}"]
    mismatch = first_body_mismatch(store.connection)
    if mismatch is None:
        return []
    return [
        f"record {mismatch}: its jsonb body differs from the payload the chain covers "
        "(SQL over `body` and `event_amounts` would read edited values)"
    ]


def deep_findings(store: LogStore) -> list[str]:
    """Every finding of the deep check, in the order to report them (empty: all sound)."""
    if not isinstance(store, SqliteStore):
        return _postgres_findings(store)
    findings = [f"SQLite integrity_check: {message}" for message in integrity_messages(store)]
    unreadable = first_unreadable_record(store)
    if unreadable is not None:
        seq, detail = unreadable
        findings.insert(0, f"first unreadable record: seq {seq}: {detail}")
    return findings
