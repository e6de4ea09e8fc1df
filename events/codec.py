"""The one codec: msgspec JSON with a deterministic field order and ints of any size.

The bytes `encode` writes are the bytes the log stores and hashes. JSON (not MessagePack) keeps
ints above 2**64 exact and lets any SQLite client read payloads with `json_extract`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, Union

import msgspec

from events.base import Event, event_type, event_types, on_registry_change
from events.upcasting import upcast

_encoder = msgspec.json.Encoder(order="deterministic")
_decoders: dict[str, msgspec.json.Decoder[Any]] = {}

#: Decodes a payload written at its type's current schema version.
DecodeCurrent = Callable[[bytes | str], Any]
_current: dict[str, tuple[int, DecodeCurrent]] = {}


class UnknownEventType(ValueError):
    """A payload names a tag that is not in the vocabulary."""


def encode(value: Any) -> bytes:
    """Canonical bytes of an event (or any msgspec-encodable value)."""
    return _encoder.encode(value)


def _decoder(tag: str) -> msgspec.json.Decoder[Any]:
    decoder = _decoders.get(tag)
    if decoder is None:
        cls = event_type(tag)
        if cls is None:
            raise UnknownEventType(f"unknown event type {tag!r}")
        decoder = msgspec.json.Decoder(cls)
        _decoders[tag] = decoder
    return decoder


def decoder_of(tag: str, version: int) -> DecodeCurrent:
    """What `decode(tag, version, payload)` does to a payload, looked up once for many."""
    entry = _current.get(tag)
    if entry is None and (cls := event_type(tag)) is not None:
        entry = _current[tag] = (cls.schema_version, _decoder(tag).decode)
    if entry is not None and entry[0] == version:
        return entry[1]
    return partial(decode, tag, version)


class _AnyEvent:
    """One decoder for every registered type, picked by each payload's own tag."""

    def __init__(self) -> None:
        types = event_types()
        self.decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(
            Union[tuple(types.values())]  # noqa: UP007 (a Union built at run time)
        )
        self.current = frozenset((tag, cls.schema_version) for tag, cls in types.items())
        self.classes = types


_any_event: list[_AnyEvent] = []


def decode_many(
    tags: Sequence[str], versions: Sequence[int], payloads: Sequence[str]
) -> list[Event] | None:
    """The events of many stored payloads in one call, or None where that cannot be done.

    Payloads at their types' current versions decode as one block of JSON lines through one
    decoder (`decode_lines`): several times less Python per payload than one call each. None
    means "decode them one by one" (`decode`): an old version to upcast, an unknown tag, a
    fault anywhere in the batch, or a payload whose own tag is not the stored one. So the
    events returned are exactly those `decode` would give, and every error is `decode`'s.
    """
    known = _known()
    if not known.current.issuperset(zip(tags, versions, strict=True)):
        return None
    classes = known.classes
    return decode_block("\n".join(payloads), [classes.get(tag) for tag in tags])


def current_class(tag: str, version: int) -> type[Event] | None:
    """The class a payload of `tag` written at `version` decodes as in `decode_block`; None
    for an unknown tag or a version `decode` upcasts."""
    known = _known()
    return known.classes[tag] if (tag, version) in known.current else None


def decode_block(lines: str, classes: list[type[Event] | None]) -> list[Event] | None:
    """Payloads joined by newlines, each of the class at its place in `classes` (`current_class`
    of its row: a None there matches nothing), in one call; None where they must go one by one
    (see `decode_many`)."""
    try:
        events: list[Event] = _known().decoder.decode_lines(lines)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    # A payload holding two JSON values (or a newline) changes the count; a payload whose tag
    # is not its row's decodes as another type: both go one by one, where `decode` refuses them.
    if len(events) != len(classes) or list(map(type, events)) != classes:
        return None
    return events


def _known() -> _AnyEvent:
    if not _any_event:
        _any_event.append(_AnyEvent())
    return _any_event[0]


def _forget_decoders() -> None:
    _decoders.clear()
    _current.clear()
    _any_event.clear()


on_registry_change(_forget_decoders)


def decode(tag: str, version: int, payload: bytes | str) -> Event:
    """Decode a stored payload written as `tag` at schema `version`, upcasting old shapes.

    Raises:
        UnknownEventType: the tag is not registered.
        msgspec.ValidationError: the payload does not fit the type.
    """
    entry = _current.get(tag)
    if entry is not None and entry[0] == version:
        event: Event = entry[1](payload)
        return event
    decoder = _decoder(tag)
    cls = event_type(tag)
    assert cls is not None
    if version == cls.schema_version:
        _current[tag] = (version, decoder.decode)
        event = decoder.decode(payload)
        return event
    if version > cls.schema_version:
        raise msgspec.ValidationError(
            f"{tag} payload has schema v{version}, newer than this program's "
            f"v{cls.schema_version}; upgrade defi-ledger"
        )
    raw = msgspec.json.decode(payload)
    if not isinstance(raw, dict):
        raise msgspec.ValidationError(f"{tag} payload is not a JSON object")
    lifted = upcast(tag, version, cls.schema_version, raw)
    return msgspec.convert(lifted, cls)
