"""Facts of any registered event type, built from the type's own fields.

Tests that must cover every event type (including ones added later) build their facts here
from `msgspec.inspect.type_info`, never from a hand-written list of types.
"""

from __future__ import annotations

from typing import Any

import msgspec
import msgspec.inspect as mi
from hypothesis import strategies as st

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


# -- random facts (hypothesis) ------------------------------------------------------------------


class Vocabulary(msgspec.Struct, frozen=True):
    """The names and amounts random facts draw from: those of some books, and a few more.

    `by_field` keeps the values each field name held (`pool_id`, `voter`, `amount`, ...), so
    a random fact often names a pool where a pool goes and an account where an account goes.
    """

    names: tuple[str, ...]
    amounts: tuple[int, ...]
    by_field: dict[str, tuple[Any, ...]]


def vocabulary_of(facts: list[Event]) -> Vocabulary:
    """Every string and int the facts hold (so random facts often name what exists), plus
    names that exist nowhere and amounts at the edges."""
    names: set[str] = {"nowhere", "issuer:USDC", "mallory"}
    amounts: set[int] = {0, 1, 2, 10**6, 10**18, 2**64, 2**96}
    by_field: dict[str, dict[str, Any]] = {}

    def collect(value: Any, field: str) -> None:
        if isinstance(value, bool):
            return
        if isinstance(value, str) and value:
            names.add(value)
            by_field.setdefault(field, {})[repr(value)] = value
        elif isinstance(value, int):
            amounts.add(value)
            by_field.setdefault(field, {})[repr(value)] = value
        elif isinstance(value, dict):
            by_field.setdefault(field, {})[repr(value)] = value
            for key, item in value.items():
                collect(item, key)
        elif isinstance(value, list | tuple):
            for item in value:
                collect(item, field)

    for fact in facts:
        collect(msgspec.to_builtins(fact), "")
    return Vocabulary(
        tuple(sorted(names)),
        tuple(sorted(amounts)),
        {field: tuple(values[key] for key in sorted(values)) for field, values in by_field.items()},
    )


def value_strategy(kind: mi.Type, words: Vocabulary, field: str = "") -> st.SearchStrategy[Any]:
    """Random values of a field's type, drawn mostly from `words`, within its constraints."""
    strategy = _any_value(kind, words, field)
    if isinstance(kind, mi.IntType | mi.StrType | mi.DictType) and words.by_field.get(field):
        seen = [value for value in words.by_field[field] if _fits(kind, value)]
        if seen:
            # Mostly a value this field held (so most facts name what exists), sometimes any.
            return st.one_of(*[st.sampled_from(seen)] * 9, strategy)
    return strategy


def _fits(kind: mi.IntType | mi.StrType | mi.DictType, value: Any) -> bool:
    if isinstance(kind, mi.DictType):
        return isinstance(value, dict)
    if isinstance(kind, mi.StrType):
        return isinstance(value, str) and len(value) >= (kind.min_length or 0)
    low, high = _int_range(kind)
    return isinstance(value, int) and low <= value <= high


def _int_range(kind: mi.IntType) -> tuple[int, int]:
    low = kind.ge if kind.ge is not None else -(2**70)
    low = kind.gt + 1 if kind.gt is not None else low
    high = kind.le if kind.le is not None else 2**100
    high = kind.lt - 1 if kind.lt is not None else high
    return low, high


def _any_value(kind: mi.Type, words: Vocabulary, field: str) -> st.SearchStrategy[Any]:
    if isinstance(kind, mi.IntType):
        low, high = _int_range(kind)
        known = [amount for amount in words.amounts if low <= amount <= high]
        return st.one_of(st.sampled_from(known or [low]), st.integers(max(low, -5), min(high, 50)))
    if isinstance(kind, mi.StrType):
        return st.sampled_from([name for name in words.names if _fits(kind, name)])
    if isinstance(kind, mi.BoolType):
        return st.booleans()
    if isinstance(kind, mi.LiteralType):
        return st.sampled_from(kind.values)
    if isinstance(kind, mi.UnionType):
        return st.one_of([value_strategy(member, words, field) for member in kind.types])
    if isinstance(kind, mi.NoneType):
        return st.none()
    if isinstance(kind, mi.StructType):  # built as itself: some nest as arrays (array_like)
        return fields_strategy(kind.cls, words).map(lambda fields: kind.cls(**fields))
    if isinstance(kind, mi.ListType | mi.VarTupleType):
        return st.lists(value_strategy(kind.item_type, words, field), max_size=3)
    if isinstance(kind, mi.DictType):
        keys = value_strategy(kind.key_type, words)
        return st.dictionaries(keys, value_strategy(kind.value_type, words), max_size=3)
    return st.one_of(st.sampled_from(words.amounts), st.sampled_from(words.names))


def fields_strategy(cls: type[Any], words: Vocabulary) -> st.SearchStrategy[dict[str, Any]]:
    info = mi.type_info(cls)
    assert isinstance(info, mi.StructType)
    return st.fixed_dictionaries(
        {field.name: value_strategy(field.type, words, field.name) for field in info.fields}
    )


def random_facts(
    cls: type[Event], words: Vocabulary, seen: list[Event]
) -> st.SearchStrategy[Event]:
    """Facts of `cls`: fields drawn at random, or a recorded fact of `cls` with a few fields
    redrawn (near misses: the same pool with another amount, another voter, ...)."""
    fresh = fields_strategy(cls, words)
    if seen:
        fields = fields_strategy(cls, words)
        redrawn = st.tuples(
            st.sampled_from(seen),
            fields,
            st.sets(st.sampled_from(list(cls.__struct_fields__)), max_size=3),
        ).map(
            lambda drawn: {
                **msgspec.structs.asdict(drawn[0]),
                **{name: drawn[1][name] for name in drawn[2]},
            }
        )
        fresh = st.one_of(fresh, redrawn)
    return fresh.map(lambda fields: msgspec.convert(fields, cls, from_attributes=False))
