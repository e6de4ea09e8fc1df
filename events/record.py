"""A record of the log: an event with its position (seq, block), stream and hash chain link."""

from __future__ import annotations

import msgspec

from events.base import Event


class Record(msgspec.Struct, frozen=True, gc=False):
    """One appended event, as every reader of the log sees it.

    Fields may be given by keyword (as most callers do) or by position in the order below
    (the log's readers build millions of records positionally: it is the cheaper call).
    Records built for folds carry only what projections read (see `Projection.apply`): the
    engine leaves `event_id`, `prev_hash` and `hash` empty and `idempotency_key` None, and
    the SQLite log's fold read (`SqliteStore.fold_batches`) also leaves `ts_ms`, `stream`
    and `stream_version` out (0 or empty).
    """

    seq: int
    """Global position: gapless, from 1, assigned inside the write transaction."""
    block: int
    """Block height; never decreases along `seq`."""
    ts_ms: int
    """When it was recorded (ms since the epoch), from the store's injected clock."""
    stream: str
    """The stream it belongs to (`pool:ALEX-USDA`, `position:fx:17`, ...)."""
    stream_version: int
    """Position within the stream: gapless, from 1."""
    type: str
    """The event's tag."""
    version: int
    """The schema version the payload was written with."""
    event_id: str
    """Unique id of the event."""
    idempotency_key: str | None
    """The key of the batch it came in, if any."""
    prev_hash: str
    """Hash of the record before it (hex); zeros for the first."""
    hash: str
    """sha256(prev_hash bytes ‖ canonical record bytes), hex."""
    event: Event
    """The decoded event (upcast to the current schema)."""
