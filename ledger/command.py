"""What a command is, and what its handler may read and return.

A handler reads the live books through its `Context` and the protocol math, and returns the
events to append (every computed amount in them, each as an `Emit`) or a `Rejected` with a named
reason. The table of handlers is `ledger.commands.HANDLERS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import msgspec

from events.base import Event
from events.rejections import RejectCode
from ledger.batch import Appended, Rejected


class Command(msgspec.Struct, frozen=True, kw_only=True):
    """Something a user asks the ledger to do; it may be refused."""


class Emit(msgspec.Struct, frozen=True):
    """An event a handler wants appended, and its stream (None: the event's default)."""

    event: Event
    stream: str | None = None


class Executed(msgspec.Struct, frozen=True, kw_only=True):
    """A batch of commands is in the log."""

    appended: Appended
    events: list[Event]


CommandT = TypeVar("CommandT", bound=Command)
ProjectionT = TypeVar("ProjectionT")
Handler = Callable[[Any, "Context"], "list[Emit] | Rejected"]


class Context:
    """What a handler may read: the block, and the live projections by type."""

    def __init__(self, block: int, projections: dict[type[Any], Any]) -> None:
        self.block = block
        self._projections = projections

    def get(self, projection_type: type[ProjectionT]) -> ProjectionT:
        found = self._projections.get(projection_type)
        if found is None:
            raise LookupError(f"no live {projection_type.__name__} projection in the engine")
        result: ProjectionT = found
        return result


def reject(code: RejectCode, detail: str) -> Rejected:
    return Rejected(code=code, detail=detail)
