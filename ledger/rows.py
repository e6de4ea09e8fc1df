"""Stored rows to records, read filters, and the idempotent-retry rule: shared by the stores."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from events.codec import current_decoders, decode
from events.record import Record
from events.rejections import RejectCode
from ledger.batch import Appended, AppendResult, Rejected
from ledger.chain import Row
from ledger.store import ReadFilter


def row_to_record(row: Row) -> Record:
    seq, block, ts_ms, stream, stream_version, tag, version, payload, event_id, key, prev, hash_ = (
        row
    )
    return Record(
        seq=seq,
        block=block,
        ts_ms=ts_ms,
        stream=stream,
        stream_version=stream_version,
        type=tag,
        version=version,
        event_id=event_id,
        idempotency_key=key,
        prev_hash=prev,
        hash=hash_,
        event=decode(tag, version, payload),
    )


def rows_to_records(rows: Iterable[Row]) -> list[Record]:
    """`row_to_record` of each row, in one loop: the inner loop of every read of the log.

    A payload at its type's current version decodes straight through the codec's decoder for
    that type; anything else (an old version to upcast, an unknown tag) goes through `decode`.
    """
    decoders = current_decoders()
    records: list[Record] = []
    append = records.append
    for (
        seq,
        block,
        ts_ms,
        stream,
        stream_version,
        tag,
        version,
        payload,
        event_id,
        key,
        prev,
        hash_,
    ) in rows:
        entry = decoders.get(tag)
        append(
            Record(
                seq=seq,
                block=block,
                ts_ms=ts_ms,
                stream=stream,
                stream_version=stream_version,
                type=tag,
                version=version,
                event_id=event_id,
                idempotency_key=key,
                prev_hash=prev,
                hash=hash_,
                event=(
                    entry[1](payload)
                    if entry is not None and entry[0] == version
                    else decode(tag, version, payload)
                ),
            )
        )
    return records


def records_in_batches(rows: Sequence[Row]) -> Iterator[list[Record]]:
    """The records of `rows` as one list.

    If a row cannot be decoded, the records before it come as a list of their own and then
    the row's error is raised: what reading the rows one by one would give.
    """
    try:
        records = rows_to_records(rows)
    except Exception:
        decoded: list[Record] = []
        for row in rows:
            try:
                decoded.append(row_to_record(row))
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
