"""Stored rows to records, read filters, and the idempotent-retry rule: shared by the stores."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import repeat
from typing import Any

import msgspec

from events.base import Event, event_type
from events.codec import DecodeCurrent, UnknownEventType, decode, decode_many, decoder_of
from events.record import Record
from events.rejections import RejectCode
from ledger.batch import Appended, AppendResult, Rejected
from ledger.chain import Row
from ledger.errors import IntegrityError, SchemaTooNew
from ledger.store import ReadFilter

#: A row as a fold reads it: the columns projections use (`ledger.sqlite_fold.FOLD_COLUMNS`).
#: The type is its name, or its id where the store keeps types by id (and passes their names).
FoldRow = tuple[int, int, Any, int, str]


#: What `decode` raises on a stored payload that is not its row's type and version: a broken
#: or foreign payload, an unknown type, a version no upcaster lifts from (`KeyError`).
UNDECODABLE = (msgspec.ValidationError, msgspec.DecodeError, UnknownEventType, KeyError)


def undecodable_detail(error: Exception) -> str:
    """What one of `UNDECODABLE` says (a `KeyError`'s text without the quotes `str` adds)."""
    return str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)


def stored_event(seq: int, tag: str, version: int, payload: str | bytes) -> Event:
    """The event a stored row holds, or the ledger error its row is.

    Raises:
        SchemaTooNew: the row's schema version is newer than this program's for its type (a
            newer defi-ledger wrote it, or the cell was edited: `verify` tells which).
        IntegrityError: the payload does not decode as its row's type and version (an
            unknown type, a version with no upcaster, a payload that is not that event): the
            log was edited or damaged after it was written, which `verify` pins down.
    """
    try:
        return decode(tag, version, payload)
    except UNDECODABLE as error:
        known = event_type(tag)
        if known is not None and version > known.schema_version:
            raise SchemaTooNew(
                f"record {seq} is {tag} v{version}, newer than this program's "
                f"v{known.schema_version}: upgrade defi-ledger (if no newer version wrote the "
                "log, run `defi-ledger verify` on it)"
            ) from error
        detail = undecodable_detail(error)
        raise IntegrityError(
            seq,
            f"its {tag} v{version} payload does not decode ({detail}); "
            "run `defi-ledger verify` on the log to check its chain",
        ) from error


#: The int columns of a full row and of a fold row, by place. SQLite keeps whatever a cell is
#: given: a block edited to text would reach the books as text.
_ROW_INTS = {1: "block", 2: "ts_ms", 4: "stream_version", 6: "version"}
_FOLD_ROW_INTS = {1: "block", 3: "version"}


def _check_ints(row: Sequence[Any], places: Mapping[int, str]) -> None:
    """Raise `IntegrityError` naming the row's seq if a cell that holds an int does not."""
    for place, name in places.items():
        if type(row[place]) is not int:
            raise IntegrityError(
                row[0],
                f"its {name} is {row[place]!r}, not an integer; run `defi-ledger verify` on the "
                "log to check its chain",
            )


def _ints_or_raise(*columns: Sequence[Any]) -> None:
    """Raise (any error: the rows are then read one by one, where the row is named) if a
    column of a batch holds anything but ints."""
    for column in columns:
        if not set(map(type, column)) <= {int}:
            raise ValueError("a non-integer cell")


def row_to_record(row: Row) -> Record:
    _check_ints(row, _ROW_INTS)
    seq, block, ts_ms, stream, stream_version, tag, version, payload, event_id, key, prev, hash_ = (
        row
    )
    return Record(
        seq,
        block,
        ts_ms,
        stream,
        stream_version,
        tag,
        version,
        event_id,
        key,
        prev,
        hash_,
        stored_event(seq, tag, version, payload),
    )


def fold_row_to_record(row: FoldRow, type_names: Mapping[int, str] | None = None) -> Record:
    """A fold row's record: what projections read, the rest 0, empty or None.

    `type_names`: the type names by id, for a row that holds its type's id.
    """
    _check_ints(row, _FOLD_ROW_INTS)
    seq, block, tag, version, payload = row
    if type_names is not None:
        tag = type_names[tag]
    event = stored_event(seq, tag, version, payload)
    return Record(seq, block, 0, "", 0, tag, version, "", None, "", "", event)


def events_of(tags: Sequence[str], versions: Sequence[int], payloads: Sequence[str]) -> list[Event]:
    """The decoded payloads of a batch: each through its (tag, version)'s decode function.

    A batch at current versions decodes in one call (`decode_many`). Otherwise each payload at
    its type's current version decodes straight through the codec's decoder for that type;
    anything else (an old version to upcast, an unknown tag) goes through `decode`, which
    upcasts or names the failure exactly as reading the row alone would.
    """
    many = decode_many(tags, versions, payloads)
    if many is not None:
        return many
    decoders: dict[tuple[str, int], DecodeCurrent] = {}
    events: list[Event] = []
    append = events.append
    for tag, version, payload in zip(tags, versions, payloads, strict=True):
        decode_one = decoders.get((tag, version))
        if decode_one is None:
            decode_one = decoders[tag, version] = decoder_of(tag, version)
        append(decode_one(payload))
    return events


def rows_to_records(rows: Sequence[Row]) -> list[Record]:
    """`row_to_record` of each row, in one pass: the inner loop of every full read of the log."""
    if not rows:
        return []
    columns = list(zip(*rows, strict=True))
    _ints_or_raise(*(columns[place] for place in _ROW_INTS))
    events = events_of(columns[5], columns[6], columns[7])
    del columns[7]
    columns.append(events)  # type: ignore[arg-type]
    return list(map(Record, *columns))


def fold_rows_to_records(
    rows: Sequence[FoldRow], type_names: Mapping[int, str] | None = None
) -> list[Record]:
    """`fold_row_to_record` of each row, in one pass: the inner loop of every fold."""
    if not rows:
        return []
    seqs, blocks, tags, versions, payloads = zip(*rows, strict=True)
    _ints_or_raise(blocks, versions)
    if type_names is not None:
        tags = tuple(map(type_names.__getitem__, tags))
    return fold_records(seqs, blocks, tags, versions, events_of(tags, versions, payloads))


def fold_records(
    seqs: Iterable[int],
    blocks: Sequence[int],
    tags: Sequence[str],
    versions: Sequence[int],
    events: Sequence[Event],
) -> list[Record]:
    """Fold records of the columns a fold reads, the events decoded."""
    count = len(blocks)
    return list(
        map(
            Record,
            seqs,
            blocks,
            repeat(0, count),
            repeat("", count),
            repeat(0, count),
            tags,
            versions,
            repeat("", count),
            repeat(None, count),
            repeat("", count),
            repeat("", count),
            events,
        )
    )


def records_in_batches(
    rows: Sequence[Any],
    convert: Callable[[Sequence[Any]], list[Record]] = rows_to_records,
    convert_one: Callable[[Any], Record] = row_to_record,
) -> Iterator[list[Record]]:
    """The records of `rows` as one list (`convert`: full rows by default, or fold rows).

    If a row cannot be decoded, the records before it come as a list of their own and then
    the row's error is raised: what reading the rows one by one would give.
    """
    try:
        records = convert(rows)
    except Exception:
        decoded: list[Record] = []
        for row in rows:
            try:
                decoded.append(convert_one(row))
            except Exception:
                if decoded:
                    yield decoded
                raise
        raise  # decoding the rows one by one found no fault: the batch's error stands
    yield records


def row_matches(row: Row, where: ReadFilter) -> bool:
    """Whether a row passes the filter's block, stream and type bounds (seq is the caller's)."""
    if where.from_block is not None and row[1] < where.from_block:
        return False
    if where.to_block is not None and row[1] > where.to_block:
        return False
    if where.stream is not None and row[3] != where.stream:
        return False
    return where.type is None or row[5] == where.type


def check_idempotent_retry(
    key: str, batch_fingerprint: str, stored_fingerprint: str, original: Appended
) -> AppendResult:
    """A retry with the same key: the original result if the content matches, else refuse."""
    if batch_fingerprint != stored_fingerprint:
        return Rejected(
            code=RejectCode.IDEMPOTENCY_CONFLICT,
            detail=f"idempotency key {key!r} was used for a different batch",
        )
    return Appended(
        first_seq=original.first_seq,
        last_seq=original.last_seq,
        head_hash=original.head_hash,
        replayed=True,
    )


class BatchedReads:
    """The reads a store derives from its two batched reads, `row_batches` and `fold_batches`.

    Both database stores read in pages; one record (or row) at a time is the same pages,
    flattened, so it is written once here.
    """

    def row_batches(self, where: ReadFilter | None = None) -> Iterator[list[Row]]:
        raise NotImplementedError

    def fold_batches(
        self, from_seq: int = 1, to_seq: int | None = None, to_block: int | None = None
    ) -> Iterator[list[Record]]:
        raise NotImplementedError

    def rows(self, where: ReadFilter | None = None) -> Iterator[Row]:
        """Raw stored rows in seq order (payload undecoded): for verify, export and copies."""
        for batch in self.row_batches(where):
            yield from batch

    def read_batches(self, where: ReadFilter | None = None) -> Iterator[list[Record]]:
        """Records in seq order, a few thousand at a time: for folds over long stretches."""
        for batch in self.row_batches(where):
            yield from records_in_batches(batch)

    def read(self, where: ReadFilter | None = None) -> Iterator[Record]:
        for batch in self.read_batches(where):
            yield from batch

    def fold_records(
        self, from_seq: int = 1, to_seq: int | None = None, to_block: int | None = None
    ) -> Iterator[Record]:
        """`fold_batches`, one record at a time."""
        for batch in self.fold_batches(from_seq, to_seq, to_block):
            yield from batch
