"""The text a log keeps: one rule for a batch's names and fields, applied by every store.

PostgreSQL's text and jsonb cannot hold U+0000, and one entry of a PostgreSQL index holds at
most about 2,700 bytes, so a longer stream, event id, idempotency key or view key (an account,
an asset, a pool: any field may become one) fails the write there or leaves the views behind
the log for good; SQLite holds both. So every store refuses both, by name and before anything
is written: a batch one store takes every store takes, and `copy` moves any log whole.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from ledger.batch import NewEvent

#: The most UTF-8 bytes a name or a text field may take: three such keys and a number fit one
#: PostgreSQL index entry (2,704 bytes) with room to spare.
TEXT_BYTES_MAX = 512


def text_fault(text: str) -> str | None:
    """Why a store cannot keep `text` (None: it can)."""
    if "\x00" in text:
        return "holds the NUL character (U+0000), which PostgreSQL cannot store in text"
    if len(text) * 4 > TEXT_BYTES_MAX and len(text.encode()) > TEXT_BYTES_MAX:
        return (
            f"is {len(text.encode()):,} bytes long (UTF-8); names and text fields take at most "
            f"{TEXT_BYTES_MAX} bytes, so that every store can index them"
        )
    return None


def _shown(text: str) -> str:
    """A name as a message quotes it: its start, where it is long."""
    return repr(text) if len(text) <= 40 else f"{text[:40]!r}..."


def names_fault(batch: Sequence[NewEvent], idempotency_key: str | None) -> tuple[int, str] | None:
    """The first stream, event id or idempotency key of a batch that no store can keep: the
    index of its event (-1 for the key) and what is wrong with it."""
    if idempotency_key is not None and (fault := text_fault(idempotency_key)) is not None:
        return -1, f"the idempotency key {_shown(idempotency_key)} {fault}"
    for index, item in enumerate(batch):
        try:
            stream = item.stream or item.event.default_stream()
        except Exception:  # a malformed event: `place` refuses it by name
            continue
        if (fault := text_fault(stream)) is not None:
            return index, f"stream {_shown(stream)} {fault}"
        if item.event_id is not None and (fault := text_fault(item.event_id)) is not None:
            return index, f"event id {_shown(item.event_id)} {fault}"
    return None


def payload_fault(payload: bytes) -> str | None:
    """What no store can keep of an encoded event's texts (a field, or a key of a map in one).

    Most payloads are answered without decoding them. Without a backslash, a payload has no
    escape (so no U+0000, which the codec writes as one), each string in it is exactly the
    bytes between two quotes, and its UTF-8 is those bytes: when no run between quotes is
    longer than the limit, no text is (imported facts, whose hashes make them longer than the
    limit, are checked so at a fraction of a decode)."""
    if b"\\" not in payload and max(map(len, payload.split(b'"'))) <= TEXT_BYTES_MAX:
        return None
    for path, text in _texts(msgspec.json.decode(payload), ""):
        fault = text_fault(text)
        if fault is not None:
            return f"field `{path or 'event'}` {fault}"
    return None


def row_fault(stream: str, event_id: str, payload: str) -> str | None:
    """What no store can keep of a stored record (one a log took before this rule)."""
    for what, text in (("stream", stream), ("event id", event_id)):
        if (fault := text_fault(text)) is not None:
            return f"{what} {_shown(text)} {fault}"
    return payload_fault(payload.encode())


def _texts(value: object, path: str) -> Iterator[tuple[str, str]]:
    """Every string in a decoded payload, keys included, with where it stands."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            yield inner, str(key)
            yield from _texts(item, inner)
    elif isinstance(value, list):
        for position, item in enumerate(value):
            yield from _texts(item, f"{path}[{position}]")
