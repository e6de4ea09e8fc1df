"""Facts of any registered event type, built from the type's own fields.

Tests that must cover every event type (including ones added later) build their facts here
from `msgspec.inspect.type_info`, never from a hand-written list of types.
"""

from __future__ import annotations

from typing import Any

import msgspec
import msgspec.inspect as mi

import events  # noqa: F401  (the vocabulary: every event type is registered on import)
from events.base import Event, event_types


def all_event_types() -> dict[str, type[Event]]:
    """The event registry, by tag, in tag order."""
    return dict(sorted(event_types().items()))


def filler(kind: mi.Type, name: str, amount: int) -> Any:
    """One plain value of `kind`: every string is `name`, every number `amount`."""
    if isinstance(kind, mi.IntType):
        low = kind.ge if kind.ge is not None else amount
        high = kind.le if kind.le is not None else amount
        return min(max(amount, low), high)
    if isinstance(kind, mi.StrType):
        return name
    if isinstance(kind, mi.BoolType):
        return True
    if isinstance(kind, mi.LiteralType):
        return kind.values[0]
    if isinstance(kind, mi.UnionType):
        return filler(kind.types[0], name, amount)
    if isinstance(kind, mi.StructType):
        return plain_fields(kind.cls, name, amount)
    if isinstance(kind, mi.DictType | mi.ListType | mi.VarTupleType):
        return [] if not isinstance(kind, mi.DictType) else {}
    return amount


def plain_fields(cls: type[Any], name: str, amount: int) -> dict[str, Any]:
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    return {field.name: filler(field.type, name, amount) for field in info.fields if field.required}


def dangling_fact(cls: type[Event], name: str = "nowhere", amount: int = 7) -> Event:
    """A well-formed fact of `cls` whose every name (pool, proposal, account, ...) is `name`."""
    return msgspec.convert(plain_fields(cls, name, amount), cls)
