"""The one codec: msgspec JSON with a deterministic field order and ints of any size.

The bytes `encode` writes are the bytes the log stores and hashes. JSON (not MessagePack) keeps
ints above 2**64 exact and lets any SQLite client read payloads with `json_extract`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import msgspec

from events.base import Event, event_type, on_registry_change
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


def _forget_decoders() -> None:
    _decoders.clear()
    _current.clear()


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
