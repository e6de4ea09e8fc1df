"""The hash chain: each record's hash covers the previous hash and its canonical bytes.

    hash = sha256(prev_hash_hex ‖ header ‖ payload)
    header = JSON [seq, block, ts_ms, stream, stream_version, type, version, event_id, key]

The header is encoded by the one codec, so it is unambiguous whatever the names contain. An
audit report quotes the hash at its block, which ties it to exactly that prefix of the log.
"""

from __future__ import annotations

from hashlib import sha256

import msgspec

GENESIS_HASH = "0" * 64

_header_encoder = msgspec.json.Encoder()

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
    header = _header_encoder.encode(
        (seq, block, ts_ms, stream, stream_version, type_tag, version, event_id, idempotency_key)
    )
    return sha256(b"".join((prev_hash.encode(), header, payload.encode()))).hexdigest()


class ChainBreak(msgspec.Struct, frozen=True):
    """Where and why a walk of the chain first failed."""

    seq: int
    detail: str


class ChainWalker:
    """Checks rows one at a time, in seq order; `feed` returns the first break, if any."""

    def __init__(self) -> None:
        self.expected_seq = 1
        self.prev_hash = GENESIS_HASH
        self.prev_block = 0

    def feed(self, row: Row) -> ChainBreak | None:
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
