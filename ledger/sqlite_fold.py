"""The SQLite log's fold read: records carrying only what projections read, by ranges of seq.

A fold reads every record of a range once, so each column it fetches costs: Python's sqlite3
module spends ~0.14 us a row on an int column (`bench/projection_rebuild.py`). A range that
comes back whole (as many rows as seqs, as in any log that is not damaged) needs no seq
column, and each row's type and version come as one int (`FOLD_KIND`): three columns where
there were five. A range that does not (a gap in a damaged log, a `to_block` bound, a type or
version that does not fit the int, a row that cannot be decoded) is read again with all five,
so its records and every error are exactly what reading the rows one by one gives.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from functools import partial

from events.record import Record
from ledger.rows import (
    fold_range_to_records,
    fold_row_to_record,
    fold_rows_to_records,
    records_in_batches,
)
from ledger.sqlite_schema import FOLD_KIND, TypeNames, TypeVersions, last_seq_at_block

#: The columns a fold reads where a range must be read row by row (`Projection.apply`).
FOLD_COLUMNS = "seq, block, type_id, version, payload"
#: Seqs a range holds: a batch of records.
RANGE_ROWS = 2000


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
    by_range = f"SELECT block, {FOLD_KIND}, payload FROM events WHERE {where} ORDER BY seq"
    by_row = f"SELECT {FOLD_COLUMNS} FROM events WHERE {where} ORDER BY seq"
    last = _last_seq(connection, to_seq, to_block)
    names = TypeNames(connection)
    kinds = TypeVersions(names)
    convert = partial(fold_rows_to_records, type_names=names)
    convert_one = partial(fold_row_to_record, type_names=names)
    for first in range(from_seq, last + 1, RANGE_ROWS):
        params = [first, min(last, first + RANGE_ROWS - 1)]
        if to_block is not None:
            params.append(to_block)
        records = _whole_range(connection.execute(by_range, params).fetchall(), params, kinds)
        if records is None:
            rows = connection.execute(by_row, params).fetchall()
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


def _whole_range(
    rows: list[tuple[int, int, str]], params: list[int], kinds: TypeVersions
) -> list[Record] | None:
    """The records of a range read without seqs, or None if it must be read with them: rows
    are missing (a gap, a block bound), a kind is NULL (`TypeVersions` raises on it), or a row
    cannot be decoded (the read with seqs names the row and the error)."""
    first, last = params[0], params[1]
    if len(rows) != last - first + 1:
        return None
    try:
        return fold_range_to_records(rows, first, kinds)
    except Exception:  # read again with seqs, where the error is named
        return None
