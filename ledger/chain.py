"""The hash chain: each record's hash covers the previous hash and its canonical bytes.

    hash = sha256(prev_hash_hex ‖ header ‖ payload)
    header = JSON [seq, block, ts_ms, stream, stream_version, type, version, event_id, key]

The header is encoded by the one codec, so it is unambiguous whatever the names contain. An
audit report quotes the hash at its block, which ties it to exactly that prefix of the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

import msgspec

GENESIS_HASH = "0" * 64

#: Encodes the header of a record's hash (see the module docstring).
header_encoder = msgspec.json.Encoder()

#: A stored row, in column order: what both stores keep and `verify` walks.
Row = tuple[int, int, int, str, int, str, int, str, str, str | None, str, str]


def record_hash(
    prev_hash: str,
    seq: int,
    block: int,
    ts_ms: int,
    stream: str,
    stream_version: int,
    type_tag: str,
    version: int,
    event_id: str,
    idempotency_key: str | None,
    payload: str,
) -> str:
    """The chain hash of one record (hex)."""
    header = header_encoder.encode(
        (seq, block, ts_ms, stream, stream_version, type_tag, version, event_id, idempotency_key)
    )
    return sha256(b"".join((prev_hash.encode(), header, payload.encode()))).hexdigest()


def row_hashes(rows: Sequence[Row]) -> list[str]:
    """`record_hash` of each row, computed in one pass (what `verify` spends its time on)."""
    encode = header_encoder.encode
    join = b"".join
    return [
        sha256(
            join(
                (
                    prev_hash.encode(),
                    encode((seq, block, ts_ms, stream, version_in_stream, tag, version, id_, key)),
                    payload.encode(),
                )
            )
        ).hexdigest()
        for (
            seq,
            block,
            ts_ms,
            stream,
            version_in_stream,
            tag,
            version,
            payload,
            id_,
            key,
            prev_hash,
            _,
        ) in rows
    ]


class ChainBreak(msgspec.Struct, frozen=True):
    """Where and why a walk of the chain first failed."""

    seq: int
    detail: str


class ChainWalker:
    """Checks rows in seq order; `feed` and `feed_many` return the first break, if any."""

    def __init__(self) -> None:
        self.expected_seq = 1
        self.prev_hash = GENESIS_HASH
        self.prev_block = 0

    def feed_many(self, rows: Sequence[Row]) -> ChainBreak | None:
        """Check a run of consecutive rows: the same verdict as feeding them one by one.

        The whole run is checked with list operations first; only a run with a fault in it is
        walked row by row, so the break is named exactly as `feed` names it.
        """
        if rows and self._run_is_sound(rows):
            last = rows[-1]
            self.expected_seq = last[0] + 1
            self.prev_hash = last[11]
            self.prev_block = last[1]
            return None
        for row in rows:
            broken = self.feed(row)
            if broken is not None:
                return broken
        return None

    def _run_is_sound(self, rows: Sequence[Row]) -> bool:
        try:
            hashes = [row[11] for row in rows]
            blocks = [row[1] for row in rows]
            return (
                [row[0] for row in rows]
                == list(range(self.expected_seq, self.expected_seq + len(rows)))
                and rows[0][10] == self.prev_hash
                and [row[10] for row in rows[1:]] == hashes[:-1]
                and blocks[0] >= self.prev_block
                and blocks == sorted(blocks)
                and row_hashes(rows) == hashes
            )
        except Exception:  # a value of the wrong type: `feed` names the row it is in
            return False

    def feed(self, row: Row) -> ChainBreak | None:
        """The break at this row, if the chain breaks there (a value of the wrong type in it,
        put there by hand, breaks it too: a finding, not a crash)."""
        try:
            return self._feed(row)
        except (TypeError, ValueError, AttributeError) as error:
            detail = f"the record cannot be read: {type(error).__name__}: {error}"
            return ChainBreak(self.expected_seq, detail)

    def _feed(self, row: Row) -> ChainBreak | None:
        seq, block, ts_ms, stream, version_in_stream, tag, version, payload, event_id, key = row[
            :10
        ]
        prev_hash, stored_hash = row[10], row[11]
        if seq != self.expected_seq:
            return ChainBreak(self.expected_seq, f"record {self.expected_seq} is missing")
        if prev_hash != self.prev_hash:
            return ChainBreak(seq, "prev_hash does not match the previous record's hash")
        if block < self.prev_block:
            return ChainBreak(seq, f"block {block} is below the previous block {self.prev_block}")
        computed = record_hash(
            prev_hash,
            seq,
            block,
            ts_ms,
            stream,
            version_in_stream,
            tag,
            version,
            event_id,
            key,
            payload,
        )
        if computed != stored_hash:
            return ChainBreak(seq, "stored hash does not match the record's contents")
        self.expected_seq = seq + 1
        self.prev_hash = stored_hash
        self.prev_block = block
        return None
