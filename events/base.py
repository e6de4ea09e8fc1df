"""The event base class, amount types, and the registry from tag to event type.

An event is a frozen, keyword-only, tagged `msgspec.Struct`: the tag (the class name) names the
fact, and `schema_version` says which shape of that fact the class is. Fields only ever gain new
members with defaults; a breaking change bumps `schema_version` and registers an upcaster from
the old shape (see `events.upcasting`). Registration is explicit (`@register`), so every event
type can be found by grep.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, ClassVar, TypeVar

import msgspec

#: The largest int an SQLite INTEGER holds (64-bit, signed): the bound of every int the log
#: stores in a column (block, ts_ms, versions) and of the ints its views keep as INTEGER.
SQLITE_INT_MAX = 2**63 - 1
#: An amount in an asset's base units: an int of any size, never negative.
Amount = Annotated[int, msgspec.Meta(ge=0)]
#: A block height.
Block = Annotated[int, msgspec.Meta(ge=0)]
#: A non-empty identifier (account, asset, pool, stream, ...).
Name = Annotated[str, msgspec.Meta(min_length=1)]


class Event(msgspec.Struct, frozen=True, kw_only=True, tag=True, tag_field="type"):
    """A fact the protocols can record. Subclasses are the vocabulary."""

    schema_version: ClassVar[int] = 1

    def default_stream(self) -> str:
        """The stream an event belongs to when its writer names none."""
        return "ledger"


EventT = TypeVar("EventT", bound=type[Event])

_EVENT_TYPES: dict[str, type[Event]] = {}
_listeners: list[Callable[[], None]] = []


def register(cls: EventT) -> EventT:
    """Add an event type to the vocabulary under its tag (the class name)."""
    tag = event_tag(cls)
    existing = _EVENT_TYPES.get(tag)
    if existing is not None and existing is not cls:
        raise ValueError(f"event tag {tag!r} is registered twice ({existing} and {cls})")
    _EVENT_TYPES[tag] = cls
    for listener in _listeners:
        listener()
    return cls


def event_tag(cls: type[Event]) -> str:
    tag: Any = cls.__struct_config__.tag
    if not isinstance(tag, str):
        raise TypeError(f"{cls.__name__} has no string tag")
    return tag


def event_type(tag: str) -> type[Event] | None:
    """The current event type registered under `tag`, or None."""
    return _EVENT_TYPES.get(tag)


def event_types() -> dict[str, type[Event]]:
    """A copy of the registry: tag -> current event type."""
    return dict(_EVENT_TYPES)


def on_registry_change(listener: Callable[[], None]) -> None:
    """Call `listener` whenever an event type is registered (the codec rebuilds its decoder)."""
    _listeners.append(listener)
