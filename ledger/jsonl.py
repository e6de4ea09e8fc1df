"""Batches from JSON lines: one event per line, the whole input one batch.

A line is an envelope around one event:

    {"block": 7, "event": {"type": "Minted", "asset": "USDC", "to_account": "alice",
     "amount": 5000000}, "stream": "asset:USDC", "event_id": "mint-7",
     "expected_version": 1, "ts_ms": 1700000000000}

Only `block` and `event` are required. Every refusal names the line, the field and the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

import msgspec

from events.base import event_type
from events.rejections import RejectCode
from ledger.batch import NewEvent, Rejected, validation_rejection


class _Envelope(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    block: Annotated[int, msgspec.Meta(ge=0)]
    event: dict[str, Any]
    stream: str | None = None
    expected_version: Annotated[int, msgspec.Meta(ge=0)] | None = None
    event_id: str | None = None
    ts_ms: int | None = None


class ParsedBatch(msgspec.Struct, frozen=True):
    """The batch, and for each event the input line it came from (1-based)."""

    events: list[NewEvent]
    line_numbers: list[int]


def _line_rejection(code: RejectCode, line_number: int, detail: str) -> Rejected:
    return Rejected(code=code, detail=f"line {line_number}: {detail}", index=line_number)


def parse_line(text: str, line_number: int) -> NewEvent | Rejected:
    """One envelope line to a `NewEvent`, or the named reason it is not one."""
    try:
        raw = msgspec.json.decode(text)
    except msgspec.DecodeError as error:
        return _line_rejection(RejectCode.MALFORMED_JSON, line_number, str(error))
    try:
        envelope = msgspec.convert(raw, _Envelope)
    except msgspec.ValidationError as error:
        rejection = validation_rejection(error, line_number)
        return _line_rejection(rejection.code, line_number, f"envelope: {error}")
    tag = envelope.event.get("type")
    cls = event_type(tag) if isinstance(tag, str) else None
    if cls is None:
        return _line_rejection(
            RejectCode.UNKNOWN_EVENT_TYPE,
            line_number,
            f"unknown event type {tag!r} at `$.event.type`",
        )
    try:
        event = msgspec.convert(envelope.event, cls)
    except msgspec.ValidationError as error:
        rejection = validation_rejection(error, line_number)
        where = str(error).replace("`$", "`$.event")
        return _line_rejection(rejection.code, line_number, f"{tag}: {where}")
    return NewEvent(
        event=event,
        block=envelope.block,
        stream=envelope.stream,
        expected_version=envelope.expected_version,
        event_id=envelope.event_id,
        ts_ms=envelope.ts_ms,
    )


def parse_lines(lines: Iterable[str]) -> ParsedBatch | Rejected:
    """Parse every non-blank line; the first bad line rejects the whole input."""
    events: list[NewEvent] = []
    line_numbers: list[int] = []
    for line_number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        parsed = parse_line(text, line_number)
        if isinstance(parsed, Rejected):
            return parsed
        events.append(parsed)
        line_numbers.append(line_number)
    return ParsedBatch(events, line_numbers)
