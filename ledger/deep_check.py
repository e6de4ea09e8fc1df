"""`verify --deep`: what the hash chain cannot see, checked without trusting the file.

The chain walk reads every record, but only through the table's own b-tree: damage in an
index, in free pages or in the view tables passes it, and damaged pages of the table end the
walk with an SQLite error. This adds SQLite's `PRAGMA integrity_check` (every page, every
index against its table) and decodes every payload with the one codec, and names the first
record that cannot be read, instead of failing with the first exception.
"""

from __future__ import annotations

import sqlite3

import msgspec

from events.codec import UnknownEventType, decode
from ledger.sqlite_schema import TypeNames
from ledger.sqlite_store import SqliteStore

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


def first_unreadable_record(store: SqliteStore) -> tuple[int, str] | None:
    """The first seq whose row cannot be read or whose payload does not decode, and why."""
    expected = 1
    try:
        names = TypeNames(store.connection)
        cursor = store.connection.execute(
            "SELECT seq, type_id, version, payload FROM events ORDER BY seq"
        )
        for seq, type_id, version, payload in cursor:
            if seq != expected:
                return expected, f"record {expected} is missing (the next readable is {seq})"
            try:
                decode(names[type_id], version, payload)
            except (msgspec.ValidationError, msgspec.DecodeError, UnknownEventType) as error:
                return seq, f"the payload does not decode: {error}"
            except (TypeError, ValueError, AttributeError) as error:
                return seq, f"the row holds values of the wrong type: {error}"
            expected = seq + 1
    except sqlite3.DatabaseError as error:
        return expected, f"the record cannot be read: {error}"
    return None


def deep_findings(store: SqliteStore) -> list[str]:
    """Every finding of the deep check, in the order to report them (empty: all sound)."""
    findings = [f"SQLite integrity_check: {message}" for message in integrity_messages(store)]
    unreadable = first_unreadable_record(store)
    if unreadable is not None:
        seq, detail = unreadable
        findings.insert(0, f"first unreadable record: seq {seq}: {detail}")
    return findings
