"""Copy a log between stores (SQLite <-> PostgreSQL), row for row, checking the chain on the way.

The stored rows move as they are (payload bytes, timestamps, ids, hashes), so the copy has the
same head hash as its source, and old event versions stay as written rather than being upcast
and re-encoded. Each chunk is checked by a `ChainWalker` that starts from the destination's
head, then written in one transaction together with the idempotency keys whose batches end
in it; the destination's head must still be where the chunk starts, so a writer appending to
the destination meanwhile stops the copy instead of interleaving with it.

Resuming is the same call: the copy starts after the destination's head, once the source's
record at that seq is found to carry the same hash (the destination is a prefix of the source).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec

from events.rejections import RejectCode
from ledger.chain import ChainWalker, Row
from ledger.errors import IntegrityError, RejectedError, StoreError
from ledger.sqlite_schema import insert_rows
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from ledger.stored_text import row_fault

CHUNK_ROWS = 5_000
IDEMPOTENCY_COLUMNS = "key, fingerprint, first_seq, last_seq, head_hash"
#: One idempotency entry: key, fingerprint, first_seq, last_seq, head_hash.
Entry = tuple[str, str, int, int, str]
Progress = Callable[[int], None]


class CopyReport(msgspec.Struct, frozen=True, kw_only=True):
    """What one copy did: the rows it wrote, where it started and the head both now share."""

    copied: int
    resumed_after: int
    head_seq: int
    head_hash: str


def _entries(store: Any, low: int, high: int) -> list[Entry]:
    """The idempotency entries of batches ending in seqs `low..high`."""
    mark = "?" if isinstance(store, SqliteStore) else "%s"
    query = (
        f"SELECT {IDEMPOTENCY_COLUMNS} FROM idempotency WHERE last_seq BETWEEN {mark} AND {mark}"
    )
    return [tuple(row) for row in store.connection.execute(query, (low, high)).fetchall()]


def _check_head(store: Any, first: Row) -> None:
    head = store.head()
    if head.seq != first[0] - 1 or head.hash != first[10]:
        raise StoreError(
            f"the destination's head moved to seq {head.seq} during the copy: another writer "
            "is appending to it"
        )


def _write_sqlite(store: SqliteStore, rows: Sequence[Row], entries: list[Entry]) -> None:
    connection = store.connection
    connection.execute("BEGIN IMMEDIATE")
    try:
        _check_head(store, rows[0])
        insert_rows(connection, rows, {}, {})  # the log's own layout (streams, types by id)
        last = rows[-1]
        connection.execute(
            "UPDATE log_head SET seq = ?, block = ?, hash = ? WHERE id = 1",
            (last[0], last[1], last[11]),
        )
        connection.executemany("INSERT OR IGNORE INTO idempotency VALUES (?,?,?,?,?)", entries)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def _write_postgres(store: Any, rows: Sequence[Row], entries: list[Entry]) -> None:
    with store.connection.transaction():
        cursor = store.connection.cursor()
        cursor.execute("SELECT 1 FROM log_head WHERE id = 1 FOR UPDATE")
        _check_head(store, rows[0])
        store.write_rows(cursor, rows)
        if entries:
            cursor.executemany(
                "INSERT INTO idempotency VALUES (%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING", entries
            )


def _resume_point(source: Any, destination: Any) -> ChainWalker:
    """A walker placed at the destination's head, once the source is found to extend it."""
    head = destination.head()
    walker = ChainWalker()
    if head.seq == 0:
        return walker
    same = list(source.rows(ReadFilter(from_seq=head.seq, to_seq=head.seq)))
    if not same or same[0][11] != head.hash:
        raise IntegrityError(
            head.seq,
            "the destination is not a copy of the source's first records: its record "
            f"{head.seq} differs (or the source is shorter); copy into an empty log",
        )
    walker.expected_seq, walker.prev_hash, walker.prev_block = head.seq + 1, head.hash, head.block
    return walker


def copy_log(source: Any, destination: Any, progress: Progress | None = None) -> CopyReport:
    """Copy every record of `source` after `destination`'s head; see the module docstring.

    Raises `IntegrityError` at the first record of the source that breaks the chain (what
    comes before it is copied) or when the destination is not a prefix of the source.
    """
    walker = _resume_point(source, destination)
    start = walker.expected_seq - 1
    write = _write_sqlite if isinstance(destination, SqliteStore) else _write_postgres
    chunk: list[Row] = []
    for batch in source.row_batches(ReadFilter(from_seq=start + 1)):
        chunk.extend(batch)
        if len(chunk) >= CHUNK_ROWS:
            _copy_chunk(source, destination, walker, chunk, write, progress)
            chunk = []
    if chunk:
        _copy_chunk(source, destination, walker, chunk, write, progress)
    end = walker.expected_seq - 1
    head = source.head()
    if head.seq != end or head.hash != walker.prev_hash:
        raise IntegrityError(
            end + 1, f"the source's recorded head is seq {head.seq}, but its chain ends at {end}"
        )
    return CopyReport(
        copied=end - start, resumed_after=start, head_seq=end, head_hash=walker.prev_hash
    )


def _keepable(chunk: list[Row]) -> tuple[list[Row], RejectedError | None]:
    """The rows before the first one PostgreSQL cannot keep (`ledger.stored_text`: a record an
    SQLite log took before every store refused it), and the refusal naming that one."""
    for position, row in enumerate(chunk):
        fault = row_fault(row[3], row[8], row[7])
        if fault is not None:
            return chunk[:position], RejectedError(
                RejectCode.INVALID_FIELD,
                f"record {row[0]} of the source cannot be kept in PostgreSQL: {fault}; the "
                f"records before it are copied, and the log can stay in SQLite",
            )
    return chunk, None


def _copy_chunk(
    source: Any,
    destination: Any,
    walker: ChainWalker,
    chunk: list[Row],
    write: Callable[[Any, Sequence[Row], list[Entry]], None],
    progress: Progress | None,
) -> None:
    """Check a chunk against the chain, then write its sound part (all of it, or raise)."""
    if not isinstance(destination, SqliteStore):
        chunk, unkept = _keepable(chunk)
        if unkept is not None:
            _copy_chunk(source, destination, walker, chunk, write, progress)
            raise unkept
    before = (walker.expected_seq, walker.prev_hash, walker.prev_block)
    broken = walker.feed_many(chunk)
    sound = chunk if broken is None else [row for row in chunk if row[0] < broken.seq]
    if broken is not None:
        walker.expected_seq, walker.prev_hash, walker.prev_block = before
        walker.feed_many(sound)
    if sound:
        write(destination, sound, _entries(source, sound[0][0], sound[-1][0]))
        if progress is not None:
            progress(len(sound))
    if broken is not None:
        raise IntegrityError(broken.seq, broken.detail)
