"""Batches from JSON lines: one event per line, the whole input one batch.

A line is an envelope around one event:

    {"block": 7, "event": {"type": "Minted", "asset": "USDC", "to_account": "alice",
     "amount": 5000000}, "stream": "asset:USDC", "event_id": "mint-7",
     "expected_version": 1, "ts_ms": 1700000000000}

Only `block` and `event` are required. A line is read strictly, because a lenient reader turns
ambiguous input into a fact nobody wrote: it must be UTF-8, nest at most
`NESTING_DEPTH_MAX` levels, give each key once (JSON parsers disagree on which of two values
wins), carry only fields its event type knows, and keep the ints SQLite stores as INTEGER
within `SQLITE_INT_MAX`. Every refusal names the line, the field and the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Annotated, Any

import msgspec

from events.base import SQLITE_INT_MAX, Event, event_type
from events.rejections import RejectCode
from ledger.batch import NewEvent, Rejected, validation_rejection

"""The largest int an SQLite INTEGER column holds: the limit of block, ts_ms and the like."""
NESTING_DEPTH_MAX = 32
"""How deeply a line may nest objects and arrays (an envelope and its event use 2 or 3)."""

StoredInt = Annotated[int, msgspec.Meta(ge=0, le=SQLITE_INT_MAX)]

# A JSON string token, and whether a colon follows it (then it is a key). Matched from the
# start of a line that parsed as JSON, strings are found exactly: outside them JSON has no `"`.
_STRING_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"(\s*:)?')


class _Envelope(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    block: StoredInt
    event: dict[str, Any]
    stream: str | None = None
    expected_version: StoredInt | None = None
    event_id: str | None = None
    ts_ms: StoredInt | None = None


class ParsedBatch(msgspec.Struct, frozen=True):
    """The batch, and for each event the input line it came from (1-based)."""

    events: list[NewEvent]
    line_numbers: list[int]


def _line_rejection(code: RejectCode, line_number: int, detail: str) -> Rejected:
    return Rejected(code=code, detail=f"line {line_number}: {detail}", index=line_number)


def _shape(value: Any, depth: int = 1) -> tuple[int, int]:
    """(deepest nesting, keys in all objects) of a decoded JSON value.

    Stops going down past `NESTING_DEPTH_MAX`: the answer is then "too deep" whatever lies
    below, and the walk never nears Python's own recursion limit.
    """
    if depth > NESTING_DEPTH_MAX:
        return depth, 0
    is_object = type(value) is dict
    deepest, keys = depth, len(value) if is_object else 0
    for item in value.values() if is_object else value:
        if type(item) is dict or type(item) is list:
            item_depth, item_keys = _shape(item, depth + 1)
            keys += item_keys
            if item_depth > deepest:
                deepest = item_depth
    return deepest, keys


def _duplicate_key(text: str) -> str | None:
    """The first key some object of `text` gives twice (only called when one does)."""
    found: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen and not found:
                found.append(key)
            seen.add(key)
        return dict(items)

    json.loads(text, object_pairs_hook=pairs)
    return found[0] if found else None


def _decode_strictly(text: str, line_number: int) -> Any:
    """The line's JSON value, or a rejection naming why it is not one unambiguous value."""
    try:
        raw = msgspec.json.decode(text)
    except RecursionError:
        return _line_rejection(
            RejectCode.NESTED_TOO_DEEP, line_number, f"nested deeper than {NESTING_DEPTH_MAX}"
        )
    except msgspec.DecodeError as error:
        return _line_rejection(RejectCode.MALFORMED_JSON, line_number, str(error))
    depth, keys = _shape(raw) if type(raw) is dict or type(raw) is list else (0, 0)
    if depth > NESTING_DEPTH_MAX:
        return _line_rejection(
            RejectCode.NESTED_TOO_DEEP,
            line_number,
            f"nested {depth} levels deep; the limit is {NESTING_DEPTH_MAX}",
        )
    # Every key token in the text against the keys the decoded objects hold: more tokens
    # than keys means an object gave a key twice (msgspec, like most parsers, keeps the last).
    # A line with no more colons than keys has no key twice, whatever its strings hold.
    if text.count(":") > keys:
        tokens = _STRING_TOKEN.findall(text)
        duplicated = len(tokens) - tokens.count("") != keys
    else:
        duplicated = False
    if duplicated:
        key = _duplicate_key(text)
        return _line_rejection(
            RejectCode.DUPLICATE_KEY, line_number, f"the key {key!r} is given twice"
        )
    return raw


_fields_of: dict[type[Event], frozenset[str]] = {}


def _unknown_fields(event: dict[str, Any], cls: type[Event]) -> Rejected | None:
    known = _fields_of.get(cls)
    if known is None:
        known = _fields_of[cls] = frozenset((*cls.__struct_fields__, "type"))
    if known.issuperset(event):
        return None
    unknown = sorted(key for key in event if key not in known)
    from difflib import get_close_matches

    fields = sorted(known - {"type"})
    close = get_close_matches(unknown[0], fields, n=1, cutoff=0.7)
    hint = f" (did you mean `{close[0]}`?)" if close else f"; known: {', '.join(fields)}"
    return Rejected(
        code=RejectCode.UNKNOWN_FIELD,
        detail=f"`$.event.{unknown[0]}` is not a field of {cls.__name__}{hint}",
    )


def _envelope_rejection(error: msgspec.ValidationError, line_number: int) -> Rejected:
    message = str(error)
    if f"<= {SQLITE_INT_MAX}" in message:
        return _line_rejection(
            RejectCode.INT_OUT_OF_RANGE,
            line_number,
            f"envelope: {message} (SQLite stores it as INTEGER, at most 2**63 - 1)",
        )
    if message.startswith("Object contains unknown field"):
        return _line_rejection(RejectCode.UNKNOWN_FIELD, line_number, f"envelope: {message}")
    rejection = validation_rejection(error, line_number)
    return _line_rejection(rejection.code, line_number, f"envelope: {message}")


def parse_line(line: str | bytes, line_number: int) -> NewEvent | Rejected:
    """One envelope line to a `NewEvent`, or the named reason it is not one."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as error:
            return _line_rejection(
                RejectCode.NOT_UTF8, line_number, f"byte {error.start + 1} is not UTF-8"
            )
    raw = _decode_strictly(line, line_number)
    if isinstance(raw, Rejected):
        return raw
    try:
        envelope = msgspec.convert(raw, _Envelope)
    except msgspec.ValidationError as error:
        return _envelope_rejection(error, line_number)
    tag = envelope.event.get("type")
    cls = event_type(tag) if isinstance(tag, str) else None
    if cls is None:
        return _line_rejection(
            RejectCode.UNKNOWN_EVENT_TYPE,
            line_number,
            f"unknown event type {tag!r} at `$.event.type`",
        )
    unknown = _unknown_fields(envelope.event, cls)
    if unknown is not None:
        return _line_rejection(unknown.code, line_number, unknown.detail)
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


def parse_lines(lines: Iterable[str | bytes]) -> ParsedBatch | Rejected:
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
