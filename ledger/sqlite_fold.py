"""The SQLite log's fold read: records carrying only what projections read, a range at a time.

A fold reads every record once, and Python's sqlite3 module costs for each value it hands
over (~0.14 us an int column a row, more for the tuple and the payload's string). So a range
of seqs comes back as one row: its seqs, blocks and kinds as JSON arrays and its payloads
joined by newlines, which msgspec decodes in a few calls (`events.codec.decode_lines`). A
kind is a row's type and version in one int (`FOLD_KIND`).

The seqs must be exactly the range, in order, for the range to be taken that way. A range
that is not (a gap in a damaged log, a `to_block` bound), or holds a kind that does not fit
the int, an old version to upcast or a payload that does not decode as its row's type, is read
again row by row, so its records and every error are exactly what reading the rows one by
one gives.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from functools import partial
from typing import Any

import msgspec

from events.base import Event
from events.codec import current_class, decode_block
from events.record import Record
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
) -> Iterator[list[Record]]:
    """The records from `from_seq` up to `to_seq` and `to_block`, a range at a time."""
    clauses = ["seq >= ?", "seq <= ?"]
    if to_block is not None:
        clauses.append("block <= ?")
    where = " AND ".join(clauses)
    by_range = (
        f"SELECT json_group_array(seq), json_group_array(block), json_group_array({FOLD_KIND}), "
        f"group_concat(payload, char(10)) FROM events WHERE {where}"
    )
    by_row = f"SELECT {FOLD_COLUMNS} FROM events WHERE {where} ORDER BY seq"
    last = _last_seq(connection, to_seq, to_block)
    names = TypeNames(connection)
    kinds = _Kinds(names)
    convert = partial(fold_rows_to_records, type_names=names)
    convert_one = partial(fold_row_to_record, type_names=names)
    for first in range(from_seq, last + 1, RANGE_ROWS):
        params = [first, min(last, first + RANGE_ROWS - 1)]
        if to_block is not None:
            params.append(to_block)
        records = _whole_range(connection.execute(by_range, params).fetchone(), params, kinds)
        if records is None:
            if rows := connection.execute(by_row, params).fetchall():
                yield from records_in_batches(rows, convert, convert_one)
        elif records:
            yield records


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
