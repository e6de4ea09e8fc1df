"""`verify --views`: every cached state beside the log, checked against a refold of the log.

Views and snapshots are caches: `state`, `digest`, `export` and time travel serve them instead
of folding the log. A cache that was edited by hand, damaged, or written by a faulty program
would be served as the truth, and the hash chain cannot see it (it covers records only). So
this refolds the log once, from seq 1, and at the seq of each stored state compares:

- the state's bytes with the digest stored beside them;
- the stored state, restored, with the refolded projection (by digest);
- for a view: its tracking digest, and its plain tables (`view_<table>`), row by row.

The first difference found (lowest seq) is what the CLI names. A PostgreSQL log's caches
(`ledger.pg_views`) are read the same way (a replica of the layout before their digests
checks each state against the refold alone).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any, Protocol

from ledger.sqlite_store import SqliteStore
from ledger.stores import LogStore
from projections import snapshot_states, views
from projections.base import Projection, tables_at
from projections.runtime import fold, make_books, make_projections


@dataclass(frozen=True)
class StoredState:
    """One cached state: a view's (`kind` "view") or a snapshot's."""

    seq: int
    projection: str
    kind: str
    state: bytes
    digest: str | None
    """The digest stored beside the state (None: written before states carried one)."""
    digest_kept: bool = True
    """Whether the store keeps a digest beside states at all (a PostgreSQL replica of the
    layout before digests does not)."""


@dataclass(frozen=True)
class ViewFinding:
    """A cached state that differs from the log."""

    seq: int
    projection: str
    kind: str
    detail: str

    def describe(self) -> str:
        return f"{self.kind} of {self.projection} at seq {self.seq}: {self.detail}"


class Caches(Protocol):
    """Where a log's cached states are read from (its SQLite file, or its PostgreSQL schema)."""

    def stored_states(self, projections: list[Projection]) -> list[StoredState]: ...

    def tracking(self, name: str) -> tuple[str, int] | None: ...

    def view_rows(self, name: str) -> list[tuple[Any, ...]] | str:
        """The rows of a view table, or why they cannot be read."""
        ...


class SqliteCaches:
    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        views.ensure_schema(connection)

    def stored_states(self, projections: list[Projection]) -> list[StoredState]:
        found: list[StoredState] = []
        for projection in projections:
            key = (projection.name, projection.version)
            rows = self.connection.execute(
                f"SELECT seq, state, {views.DIGEST_COLUMN} FROM view_state "
                "WHERE projection = ? AND version = ? ORDER BY seq",
                key,
            ).fetchall()
            found += [
                StoredState(int(seq), projection.name, "view", bytes(state), digest)
                for seq, state, digest in rows
            ]
            # A snapshot's digest is its key: its state is stored once, by content, compressed.
            snapshots = self.connection.execute(
                "SELECT s.seq, st.state, s.state_key FROM snapshots AS s"
                " LEFT JOIN snapshot_states AS st ON st.key = s.state_key"
                " WHERE s.projection = ? AND s.version = ? ORDER BY s.seq",
                key,
            ).fetchall()
            found += [
                StoredState(
                    int(seq),
                    projection.name,
                    "snapshot",
                    _inflated(self.connection, packed),
                    bytes(k).hex(),
                )
                for seq, packed, k in snapshots
            ]
        return found

    def tracking(self, name: str) -> tuple[str, int] | None:
        row = self.connection.execute(
            "SELECT digest, block FROM view_tracking WHERE projection = ?", (name,)
        ).fetchone()
        return None if row is None else (row[0], int(row[1]))

    def view_rows(self, name: str) -> list[tuple[Any, ...]] | str:
        try:
            return list(self.connection.execute(f"SELECT * FROM [{name}]").fetchall())
        except sqlite3.OperationalError as error:
            return str(error)


class PostgresCaches:
    def __init__(self, connection: Any) -> None:
        from ledger import pg_views

        self.connection = connection
        self.pg_views = pg_views

    def stored_states(self, projections: list[Projection]) -> list[StoredState]:
        found: list[StoredState] = []
        for projection in projections:
            name = projection.name
            view, snapshots, kept = self.pg_views.stored_states(
                self.connection, name, projection.version
            )
            for kind, rows in (("view", view), ("snapshot", snapshots)):
                found += [
                    StoredState(seq, name, kind, state, digest, kept) for seq, state, digest in rows
                ]
        return found

    def tracking(self, name: str) -> tuple[str, int] | None:
        found: tuple[str, int] | None = self.pg_views.tracking(self.connection, name)
        return found

    def view_rows(self, name: str) -> list[tuple[Any, ...]] | str:
        rows: list[tuple[Any, ...]] | None = self.pg_views.view_rows(self.connection, name)
        return "there is no such table" if rows is None else rows


def _inflated(connection: sqlite3.Connection, packed: bytes | None) -> bytes:
    """A snapshot's state (its parts joined); empty when it, or a part, is missing or damaged
    (its digest then differs)."""
    if packed is None:
        return b""
    try:
        return snapshot_states.stored_bytes(connection, bytes(packed))
    except ValueError:
        return b""


def _text(value: object) -> str | None:
    """A cell as the view table holds it (TEXT): ints as decimal strings, bools as 0/1."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(int(value))
    return str(value)


def _view_tables_finding(caches: Caches, refolded: Projection, block: int) -> str | None:
    for table in tables_at(refolded, block):
        name = f"view_{table.name}"
        stored = caches.view_rows(name)
        if isinstance(stored, str):
            return f"table {name} cannot be read: {stored}"
        cells = views.row_cells(table)  # as the view holds them: `<column>_key`s included
        expected = sorted(
            (tuple(_text(cell) for cell in cells(row)) for row in table.rows), key=repr
        )
        actual = sorted((tuple(_text(cell) for cell in row) for row in stored), key=repr)
        if actual != expected:
            extra = [row for row in actual if row not in expected][:1]
            missing = [row for row in expected if row not in actual][:1]
            return (
                f"table {name} differs from a refold (first row only in the view: "
                f"{extra[0] if extra else '-'}; first row only in the refold: "
                f"{missing[0] if missing else '-'})"
            )
    return None


def _compare(caches: Caches, stored: StoredState, refolded: Projection) -> str | None:
    if stored.digest_kept and stored.digest is None:
        return None  # written before states carried a digest: never served (see views)
    if stored.digest is not None and views.state_digest(stored.state) != stored.digest:
        return "the stored state does not match the digest stored with it"
    restored = make_books([stored.projection]).by_name[stored.projection]
    try:
        restored.restore(stored.state)
        digest = restored.digest()
    except Exception as error:  # a state that cannot be read is a finding, not a crash
        return f"the stored state cannot be read: {type(error).__name__}: {error}"
    if digest != refolded.digest():
        return f"digest {digest} differs from the refold's {refolded.digest()}"
    if stored.kind != "view":
        return None
    row = caches.tracking(stored.projection)
    if row is None or row[0] != digest:
        return f"view_tracking says digest {row[0] if row else None}, the state is {digest}"
    return _view_tables_finding(caches, refolded, row[1])


def verify_views(store: LogStore) -> list[ViewFinding]:
    """Every persisted view and snapshot that differs from a refold, lowest seq first."""
    caches: Caches = (
        SqliteCaches(store.connection)
        if isinstance(store, SqliteStore)
        else PostgresCaches(store.connection)
    )
    refolded = make_projections()
    by_name = {projection.name: projection for projection in refolded}
    head_seq = store.head().seq
    findings: list[ViewFinding] = []
    position = 0
    stored_states = caches.stored_states(refolded)
    for stored in sorted(stored_states, key=lambda item: (item.seq, item.projection, item.kind)):
        if stored.seq > head_seq:
            findings.append(
                ViewFinding(
                    stored.seq,
                    stored.projection,
                    stored.kind,
                    f"ahead of the log head (seq {head_seq})",
                )
            )
            continue
        if stored.seq > position:
            fold(store.fold_records(position + 1, stored.seq), refolded)
            position = stored.seq
        detail = _compare(caches, stored, by_name[stored.projection])
        if detail is not None:
            findings.append(ViewFinding(stored.seq, stored.projection, stored.kind, detail))
    return findings
