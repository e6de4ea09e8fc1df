"""Stored rows to records, read filters, and the idempotent-retry rule: shared by the stores."""

from __future__ import annotations

from events.codec import decode
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
