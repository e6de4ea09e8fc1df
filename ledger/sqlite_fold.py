"""The SQLite log's fold read: records carrying only what projections read, a range at a time.

A fold reads every record once, and Python's sqlite3 module costs for each value it hands
over (~0.14 us an int column a row, more for the tuple and the payload's string). So a range
of seqs comes back as one row: its seqs, blocks and kinds as JSON arrays and its payloads
joined by newlines, which msgspec decodes in a few calls (`events.codec.decode_block`). A
kind is a row's type and version in one int (`FOLD_KIND`).

The seqs must be exactly the range, in order, for the range to be taken that way. A range
that is not (a gap in a damaged log, a `to_block` bound), or holds a kind that does not fit
the int or a payload that does not decode as its row's type, is read again row by row, so its
records and every error are exactly what reading the rows one by one gives. Payloads of an old
version are decoded one by one from the joined text (`decode` upcasts them).
"""

from __future__ import annotations

import queue
import sqlite3
import threading
from collections.abc import Generator, Iterator
from contextlib import suppress
from functools import partial
from pathlib import Path
from typing import Any

import msgspec

from events.base import Event
from events.codec import current_class, decode_block
from events.record import Record
from ledger.faults import lock_timeout_s
from ledger.rows import (
    events_of,
    fold_records,
    fold_row_to_record,
    fold_rows_to_records,
    records_in_batches,
)
from ledger.sqlite_schema import TypeNames, last_seq_at_block

#: The columns a fold reads where a range is read row by row (`Projection.apply`).
FOLD_COLUMNS = "seq, block, type_id, version, payload"
#: Seqs a range holds: a batch of records.
RANGE_ROWS = 2000
#: Ranges a read must span to be read ahead on a thread (`fold_batches`).
READ_AHEAD_RANGES = 16

#: A row's type and version as one int, or NULL where they do not fit it.
FOLD_KIND = (
    "CASE WHEN type_id BETWEEN 0 AND 2147483647 AND version BETWEEN 0 AND 4294967295 "
    "THEN type_id * 4294967296 + version END"
)
_KIND_SHIFT = 2**32

_ints = msgspec.json.Decoder(list[int])


class _Kinds:
    """Per kind (`FOLD_KIND`): its type name, version, and the class its payloads decode as in
    one block (None: an unknown type or an old version, decoded one by one)."""

    def __init__(self, names: TypeNames) -> None:
        self.names = names
        self.tag: dict[int, str] = {}
        self.version: dict[int, int] = {}
        self.current: dict[int, type[Event] | None] = {}

    def learn(self, kinds: set[int]) -> bool:
        """Take in a range's kinds; whether all of them decode in one block."""
        for kind in kinds - self.tag.keys():
            type_id, version = divmod(kind, _KIND_SHIFT)  # a NULL kind (None) raises here
            tag = self.tag[kind] = self.names[type_id]
            self.version[kind] = version
            self.current[kind] = current_class(tag, version)
        return all(self.current[kind] is not None for kind in kinds)


def fold_batches(
    connection: sqlite3.Connection,
    from_seq: int = 1,
    to_seq: int | None = None,
    to_block: int | None = None,
    path: Path | None = None,
) -> Iterator[list[Record]]:
    """The records from `from_seq` up to `to_seq` and `to_block`, a range at a time.

    With the log's `path`, a read of `READ_AHEAD_RANGES` ranges or more (a rebuild, a long
    catch-up) reads them ahead on a thread of its own (`_ReadAhead`). A short one (`state_at`'s
    tail of at most one snapshot interval) does not: a new connection's empty page cache and
    the thread's waits for the GIL cost it more than the overlap saves (`bench/log_flat.py`).
    """
    clauses = ["seq >= ?", "seq <= ?"]
    if to_block is not None:
        clauses.append("block <= ?")
    where = " AND ".join(clauses)
    by_range = (
        f"SELECT json_group_array(seq), json_group_array(block), json_group_array({FOLD_KIND}), "
        f"group_concat(payload, char(10)) FROM events WHERE {where}"
    )
    last = _last_seq(connection, to_seq, to_block)
    ranges = [
        [first, min(last, first + RANGE_ROWS - 1), *([] if to_block is None else [to_block])]
        for first in range(from_seq, last + 1, RANGE_ROWS)
    ]
    if path is not None and len(ranges) >= READ_AHEAD_RANGES:
        rows: Iterator[Any] = _ReadAhead(path, by_range, ranges)
    else:
        rows = (connection.execute(by_range, params).fetchone() for params in ranges)
    by_row = f"SELECT {FOLD_COLUMNS} FROM events WHERE {where} ORDER BY seq"
    return _Batches(_records(connection, by_row, ranges, rows), rows)


class _Batches(Iterator[list[Record]]):
    """The batches of one fold read; `close` also stops its read-ahead, even if no batch was
    taken (a generator never started runs no cleanup when closed: the reader would wait
    `_ReadAhead.IDLE_S` before it stopped)."""

    def __init__(self, records: Generator[list[Record], None, None], rows: Iterator[Any]) -> None:
        self.records, self.rows = records, rows

    def __next__(self) -> list[Record]:
        return next(self.records)

    def close(self) -> None:
        self.records.close()
        if isinstance(self.rows, _ReadAhead):
            self.rows.close()

    def __del__(self) -> None:
        if isinstance(self.rows, _ReadAhead):
            self.rows.stop.set()  # dropped unread: the reader stops at its next hand-over


def _records(
    connection: sqlite3.Connection, by_row: str, ranges: list[list[int]], rows: Iterator[Any]
) -> Generator[list[Record], None, None]:
    """Each range's records: from its aggregate row where it is whole, else row by row."""
    names = TypeNames(connection)
    kinds = _Kinds(names)
    convert = partial(fold_rows_to_records, type_names=names)
    convert_one = partial(fold_row_to_record, type_names=names)
    try:
        for params, row in zip(ranges, rows, strict=True):
            records = None if row is None else _whole_range(row, params, kinds)
            if records is None:
                if found := connection.execute(by_row, params).fetchall():
                    yield from records_in_batches(found, convert, convert_one)
            elif records:
                yield records
    finally:
        if isinstance(rows, _ReadAhead):
            rows.close()


class _ReadAhead(Iterator[Any]):
    """The aggregate row of each range, read on a thread with its own connection, two ahead.

    SQLite builds a range's row inside one step, with the GIL released: the thread reads the
    next ranges while the caller decodes and folds this one, on the other core. Its connection
    sees what is committed; a range it reads otherwise (rows the caller's transaction has not
    committed) is not whole, so the caller reads it row by row on its own connection. If the
    thread cannot read at all, every range left comes as None: the same. A reader nobody takes
    rows from for `IDLE_S` stops by itself.
    """

    IDLE_S = 10.0

    def __init__(self, path: Path, sql: str, ranges: list[list[int]]) -> None:
        self.results: queue.Queue[Any] = queue.Queue(maxsize=2)
        self.left = len(ranges)
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self._work, args=(path, sql, ranges), name="ledger-fold-read-ahead", daemon=True
        )
        self.thread.start()

    def _work(self, path: Path, sql: str, ranges: list[list[int]]) -> None:
        try:
            reader = sqlite3.connect(str(path), isolation_level=None, timeout=lock_timeout_s())
            try:
                reader.execute("PRAGMA query_only = ON")
                for params in ranges:
                    if not self._put(reader.execute(sql, params).fetchone()):
                        return
            finally:
                reader.close()
        except Exception:  # the caller reads every range left on its own connection
            while self._put(None):
                pass

    def _put(self, row: Any) -> bool:
        """Hand a row over; False once the caller has stopped or gone."""
        waited = 0.0
        while not self.stop.is_set():
            try:
                self.results.put(row, timeout=0.05)
                return True
            except queue.Full:
                waited += 0.05
                if waited >= self.IDLE_S:
                    return False
        return False

    def __next__(self) -> Any:
        if not self.left:
            raise StopIteration
        self.left -= 1
        while True:
            try:
                return self.results.get(timeout=0.05)
            except queue.Empty:
                if not self.thread.is_alive():  # it stopped (idle too long): nothing more comes
                    with suppress(queue.Empty):
                        return self.results.get_nowait()
                    return None  # the caller reads this range itself

    def close(self) -> None:
        self.stop.set()
        while self.thread.is_alive():  # a `put` waiting for room sees `stop` within 0.05 s
            with suppress(queue.Empty):
                self.results.get(timeout=0.01)
        self.thread.join()


def _last_seq(connection: sqlite3.Connection, to_seq: int | None, to_block: int | None) -> int:
    """The last seq a fold up to `to_seq` and `to_block` reads (the log's last if neither
    bounds it)."""
    (last,) = connection.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
    if to_seq is not None:
        last = min(last, to_seq)
    if to_block is not None:
        last = min(last, last_seq_at_block(connection, to_block))
    return int(last)


def _whole_range(row: Any, params: list[int], kinds: _Kinds) -> list[Record] | None:
    """The records of a range read as one row, or None if it must be read row by row."""
    seqs, blocks, row_kinds, payloads = row
    first, last = params[0], params[1]
    try:
        if _ints.decode(seqs) != list(range(first, last + 1)):
            return None  # a gap, a block bound, or rows aggregated out of seq order
        row_kinds = _ints.decode(row_kinds)
        current = kinds.learn(set(row_kinds))
        tags = list(map(kinds.tag.__getitem__, row_kinds))
        versions = list(map(kinds.version.__getitem__, row_kinds))
        if current:
            events = decode_block(payloads, list(map(kinds.current.__getitem__, row_kinds)))
        else:  # old versions to upcast, or an unknown type: one by one
            events = _one_by_one(tags, versions, payloads)
        if events is None:
            return None
        return fold_records(range(first, last + 1), _ints.decode(blocks), tags, versions, events)
    except Exception:  # read again row by row, where the error is named
        return None


def _one_by_one(tags: list[str], versions: list[int], payloads: str) -> list[Any] | None:
    """Each payload through `decode` (upcasting), when the newlines split them back exactly:
    the store put one between each two, and a stored payload (compact JSON) holds none."""
    split = payloads.split("\n")
    if len(split) != len(tags):
        return None
    return events_of(tags, versions, split)
