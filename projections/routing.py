"""Routing records to the projections that fold them, by event type.

A projection may say which event types it folds with `folds(event_type) -> bool`; the router
asks once per type and afterwards hands each record only to the projections that want it. A
projection without `folds` gets every record, which is always correct, only slower. With a
dozen projections and most events touching two or three, this is most of a fold's cost.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Protocol, runtime_checkable

from events.base import Event
from events.record import Record
from projections.base import Projection


@runtime_checkable
class Selective(Protocol):
    def folds(self, event_type: type[Event]) -> bool:
        """Whether records of `event_type` can change this projection's state."""
        ...


class Router:
    """Applies records to a fixed set of projections, each record only where it matters."""

    def __init__(self, projections: Sequence[Projection]) -> None:
        self.projections = list(projections)
        self._routes: dict[type[Event], list[Callable[[Record], None]]] = {}
        self._names: dict[type[Event], frozenset[str]] = {}

    def route(self, event_type: type[Event]) -> list[Callable[[Record], None]]:
        found = self._routes.get(event_type)
        if found is None:
            found = self._routes[event_type] = [
                projection.apply
                for projection in self.projections
                if not isinstance(projection, Selective) or projection.folds(event_type)
            ]
        return found

    def names(self, event_type: type[Event]) -> frozenset[str]:
        """The names of the projections a record of `event_type` goes to."""
        found = self._names.get(event_type)
        if found is None:
            found = self._names[event_type] = frozenset(
                projection.name
                for projection in self.projections
                if not isinstance(projection, Selective) or projection.folds(event_type)
            )
        return found

    def apply(self, record: Record) -> None:
        for apply in self._routes.get(type(record.event)) or self.route(type(record.event)):
            apply(record)


def event_types_in(module: ModuleType) -> frozenset[type[Event]]:
    """The event types a vocabulary module defines (for a projection's `folds`)."""
    return frozenset(
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, Event)
        and value.__module__ == module.__name__
    )
