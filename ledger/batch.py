"""What an append takes and returns, and the checks every store applies to a batch.

Both stores call `prepare`, so they accept and refuse exactly the same batches: a store only
supplies its head, its stream versions and its known event ids, and persists the rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from hashlib import sha256

import msgspec

from events.base import SQLITE_INT_MAX, Event, event_tag
from events.codec import DecodeCurrent, decoder_of, encode
from events.rejections import RejectCode
from ledger.chain import GENESIS_HASH, Row, header_encoder
from ledger.stored_text import names_fault, payload_fault


class NewEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event to append, with where it goes."""

    event: Event
    """The fact."""
    block: int
    """The block it happened in; never below the log head's block."""
    stream: str | None = None
    """Its stream; None means the event's default stream."""
    expected_version: int | None = None
    """The stream's version the writer last saw (0: a new stream); None skips the check."""
    event_id: str | None = None
    """A unique id; None derives `<stream>#<stream_version>`."""
    ts_ms: int | None = None
    """When it happened, if the writer knows (a chain timestamp); None uses the clock."""


class CheckedBatch(list[NewEvent]):
    """A batch whose events were encoded and checked as they were accepted, kept with those
    payloads (the engine's held events, see `ledger.admission.checked_payload`): `place`
    stores the bytes as they are instead of encoding and checking each event again."""

    def __init__(self) -> None:
        super().__init__()
        self.payloads: list[bytes] = []

    def add(self, items: Sequence[NewEvent], payloads: Sequence[bytes]) -> None:
        """Hold `items`, whose payloads are `payloads` (encoded and checked), in order."""
        if len(items) != len(payloads):
            raise ValueError(f"{len(items)} events with {len(payloads)} payloads")
        self.extend(items)
        self.payloads.extend(payloads)


class Head(msgspec.Struct, frozen=True):
    """The end of the log: last seq (0 when empty), its block and its hash."""

    seq: int
    block: int
    hash: str


EMPTY_HEAD = Head(0, 0, GENESIS_HASH)


class Appended(msgspec.Struct, frozen=True, kw_only=True):
    """A batch is in the log: seqs `first_seq..last_seq`, ending at `head_hash`."""

    first_seq: int
    last_seq: int
    head_hash: str
    replayed: bool = False
    """True when an idempotent retry returned the original result and appended nothing."""


class Rejected(msgspec.Struct, frozen=True, kw_only=True):
    """A batch was refused; nothing was appended."""

    code: RejectCode
    detail: str
    index: int | None = None
    """The position in the batch of the event at fault, if one is."""


AppendResult = Appended | Rejected


class StoreView(msgspec.Struct, frozen=True):
    """What `prepare` needs to know of the store, read inside the write transaction."""

    head: Head
    stream_version: Callable[[str], int]
    event_id_exists: Callable[[str], bool]


def validation_rejection(error: msgspec.ValidationError, index: int) -> Rejected:
    """Name the rule a payload broke: a negative amount, or another missing/mistyped field."""
    message = str(error)
    code = RejectCode.NEGATIVE_AMOUNT if ">= 0" in message else RejectCode.INVALID_FIELD
    return Rejected(code=code, detail=message, index=index)


def names_rejection(batch: Sequence[NewEvent], idempotency_key: str | None) -> Rejected | None:
    """The refusal of a batch whose stream, event id or idempotency key no store can keep
    (`ledger.stored_text`): every store asks this first, before its head or its keys, so a
    batch is refused for it the same way on each."""
    found = names_fault(batch, idempotency_key)
    if found is None:
        return None
    index, fault = found
    return Rejected(code=RejectCode.INVALID_FIELD, detail=fault, index=None if index < 0 else index)


def fingerprint(batch: Sequence[NewEvent]) -> str:
    """A digest of a batch's content, so a retry with the same key can be recognised."""
    digest = sha256()
    for item in batch:
        digest.update(
            encode(
                (
                    item.stream,
                    item.block,
                    item.expected_version,
                    item.event_id,
                    item.ts_ms,
                    event_tag(type(item.event)),
                )
            )
        )
        digest.update(encode(item.event))
    return digest.hexdigest()


#: An event placed in the log, before its hash: (seq, block, ts_ms, stream, stream_version,
#: type, version, payload bytes, event_id).
Placed = tuple[int, int, int, str, int, str, int, bytes, str]


def prepare(
    batch: Sequence[NewEvent],
    view: StoreView,
    now_ms: int,
    idempotency_key: str | None,
) -> list[Row] | Rejected:
    """Check a batch against the store and build its rows, hashes chained from the head."""
    if not batch:
        return Rejected(code=RejectCode.EMPTY_BATCH, detail="the batch has no events")
    placed = place(batch, view, now_ms)
    if isinstance(placed, Rejected):
        return placed
    return chain_rows(placed, view.head.hash, idempotency_key)


def place(batch: Sequence[NewEvent], view: StoreView, now_ms: int) -> list[Placed] | Rejected:
    """Validate each event and give it its seq, stream version and id, in batch order.

    Every check runs on every event, in the order a reader of the rules would expect (payload,
    block, stream version, id), so the first event at fault is the one named.
    """
    placed: list[Placed] = []
    versions: dict[str, int] = {}
    chosen_ids: set[str] = set()
    types: dict[type[Event], tuple[str, int, DecodeCurrent]] = {}
    prev_block, seq = view.head.block, view.head.seq
    checked = batch.payloads if isinstance(batch, CheckedBatch) else None
    if checked is not None and len(checked) != len(batch):
        checked = None  # the list was changed after it was checked: check it all again
    for index, item in enumerate(batch):
        event = item.event
        known = types.get(type(event))
        if known is None:
            known = types[type(event)] = _type_facts(type(event))
        tag, version, validate = known
        if checked is not None:
            payload = checked[index]
        else:
            payload = encode(event)
            try:
                # msgspec checks types and constraints only when decoding: an event built in
                # Python with a negative amount is caught here, before it reaches the log.
                validate(payload)
            except msgspec.ValidationError as error:
                return validation_rejection(error, index)
        fault = payload_fault(payload)
        if fault is not None:
            return Rejected(code=RejectCode.INVALID_FIELD, detail=fault, index=index)
        block = item.block
        rejected = _column_int_rejection(item, index)
        if rejected is not None:
            return rejected
        if block < prev_block:
            return Rejected(
                code=RejectCode.BLOCK_ORDER,
                detail=f"block {block} is below block {prev_block} before it",
                index=index,
            )
        stream = item.stream or event.default_stream()
        current = versions[stream] if stream in versions else view.stream_version(stream)
        if item.expected_version is not None and item.expected_version != current:
            return _version_conflict(stream, current, item.expected_version, index)
        stream_version = versions[stream] = current + 1
        event_id = item.event_id
        if not event_id:
            # Derived ids cannot collide: the version after the last '#' makes them unique,
            # and a chosen id never contains '#'.
            event_id = f"{stream}#{stream_version}"
        else:
            rejected = _chosen_id_rejection(event_id, chosen_ids, view, index)
            if rejected is not None:
                return rejected
            chosen_ids.add(event_id)
        seq += 1
        ts_ms = now_ms if item.ts_ms is None else item.ts_ms
        placed.append((seq, block, ts_ms, stream, stream_version, tag, version, payload, event_id))
        prev_block = block
    return placed


def _column_int_rejection(item: NewEvent, index: int) -> Rejected | None:
    """A block or ts_ms past what a store's integer column holds (SQLite's INTEGER and
    PostgreSQL's bigint alike), from a caller the JSON reader did not check."""
    for field, value in (("block", item.block), ("ts_ms", item.ts_ms)):
        if value is not None and value > SQLITE_INT_MAX:
            return Rejected(
                code=RejectCode.INT_OUT_OF_RANGE,
                detail=f"{field} {value} is past 2**63 - 1, the most a store's integer holds",
                index=index,
            )
    return None


def _type_facts(event_class: type[Event]) -> tuple[str, int, DecodeCurrent]:
    """An event type's tag, schema version and the decoder that validates its payloads."""
    tag = event_tag(event_class)
    return tag, event_class.schema_version, decoder_of(tag, event_class.schema_version)


def chain_rows(placed: list[Placed], prev_hash: str, idempotency_key: str | None) -> list[Row]:
    """The stored rows of placed events, each hash covering the one before (see `chain`)."""
    rows: list[Row] = []
    append = rows.append
    encode_header = header_encoder.encode
    join = b"".join
    prev_hash_bytes = prev_hash.encode()
    for seq, block, ts_ms, stream, stream_version, tag, version, payload, event_id in placed:
        header = encode_header(
            (seq, block, ts_ms, stream, stream_version, tag, version, event_id, idempotency_key)
        )
        row_hash = sha256(join((prev_hash_bytes, header, payload))).hexdigest()
        append(
            (
                seq,
                block,
                ts_ms,
                stream,
                stream_version,
                tag,
                version,
                payload.decode(),
                event_id,
                idempotency_key,
                prev_hash,
                row_hash,
            )
        )
        prev_hash, prev_hash_bytes = row_hash, row_hash.encode()
    return rows


def _version_conflict(stream: str, current: int, expected: int, index: int) -> Rejected:
    return Rejected(
        code=RejectCode.STREAM_VERSION_CONFLICT,
        detail=f"stream {stream!r} is at version {current}, expected {expected}",
        index=index,
    )


def _chosen_id_rejection(
    event_id: str, chosen_ids: set[str], view: StoreView, index: int
) -> Rejected | None:
    """Why an id the writer chose cannot be used: the derived-id marker, or already taken."""
    if "#" in event_id:
        return Rejected(
            code=RejectCode.INVALID_FIELD,
            detail=f"event id {event_id!r} contains '#', which is kept for derived "
            "ids (<stream>#<version>)",
            index=index,
        )
    if event_id in chosen_ids or view.event_id_exists(event_id):
        return Rejected(
            code=RejectCode.DUPLICATE,
            detail=f"event id {event_id!r} is already in the log",
            index=index,
        )
    return None
