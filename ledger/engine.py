"""The engine: commands are checked against live state, become events, are appended, applied.

    engine = Engine(store)
    result = engine.execute([Transfer(asset="USDC", from_account="alice",
                                      to_account="bob", amount=5_000_000)], block=812)

A command's handler reads the live projections and the protocol math and returns the events
(every computed amount in them) or a `Rejected` with a named reason. A batch of commands is
all or nothing: each command sees the effects of the ones before it; if any is refused, or the
store refuses the append, nothing is appended and the live state is put back.

Handlers are registered per command type with `@handles(CommandType)` in the modules that
`ledger.catalog` imports.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import msgspec

from events.base import Event, event_tag
from events.record import Record
from events.rejections import RejectCode
from ledger.batch import Appended, Head, NewEvent, Rejected
from ledger.store import EventStore
from projections.base import Projection
from projections.math import MathRejected
from projections.routing import Router
from projections.runtime import fold, make_projections


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

_HANDLERS: dict[type[Command], Handler] = {}


def handles(command_type: type[CommandT]) -> Callable[[Handler], Handler]:
    """Register the handler of one command type."""

    def decorate(handler: Handler) -> Handler:
        if command_type in _HANDLERS:
            raise ValueError(f"{command_type.__name__} has a handler already")
        _HANDLERS[command_type] = handler
        return handler

    return decorate


def command_types() -> dict[str, type[Command]]:
    """Every command the engine handles, by class name (scenario files name them so)."""
    import ledger.catalog  # noqa: F401  (registers every command handler)

    return {command_type.__name__: command_type for command_type in _HANDLERS}


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


class Engine:
    """Turns commands into appended events over one store (see the module docstring)."""

    def __init__(self, store: EventStore, *, checkpoint_every: int = 50_000) -> None:
        import ledger.catalog  # noqa: F401  (registers every command handler)

        self.store = store
        self.checkpoint_every = checkpoint_every
        self._checkpoint: tuple[int, list[bytes]] = (0, [])
        self._reload()

    def _reload(self) -> None:
        """Rebuild live state: the last checkpoint plus the store's records after it."""
        self.projections: list[Projection] = make_projections()
        seq, states = self._checkpoint
        for projection, state in zip(self.projections, states, strict=False):
            projection.restore(state)
        fold(self.store.fold_records(from_seq=seq + 1), self.projections)
        self.head = self.store.head()
        self._by_type = {type(projection): projection for projection in self.projections}
        self._router = Router(self.projections)
        self._since_checkpoint = 0

    def projection(self, projection_type: type[ProjectionT]) -> ProjectionT:
        return Context(self.head.block, self._by_type).get(projection_type)

    def _apply(self, event: Event, stream: str, seq: int, block: int, ts_ms: int) -> None:
        record = Record(
            seq=seq,
            block=block,
            ts_ms=ts_ms,
            stream=stream,
            stream_version=0,
            type=event_tag(type(event)),
            version=type(event).schema_version,
            event_id="",
            idempotency_key=None,
            prev_hash="",
            hash="",
            event=event,
        )
        self._router.apply(record)

    def execute(
        self, commands: Sequence[Command], *, block: int, idempotency_key: str | None = None
    ) -> Executed | Rejected:
        """Check, append and apply a batch of commands: all of it or none of it."""
        if block < self.head.block:
            return reject(
                RejectCode.BLOCK_ORDER,
                f"block {block} is below the log head's block {self.head.block}",
            )
        try:
            return self._execute(commands, block, idempotency_key)
        except BaseException:
            self._reload()  # a bug or an I/O error mid-batch: never keep half-applied state
            raise

    def _execute(
        self, commands: Sequence[Command], block: int, idempotency_key: str | None
    ) -> Executed | Rejected:
        context = Context(block, self._by_type)
        batch: list[NewEvent] = []
        # Projections see exactly the ts the store records, so a rebuild folds the same way.
        clock = getattr(self.store, "clock", None)
        ts_ms = clock.now_ms() if clock is not None else 0
        for index, command in enumerate(commands):
            emitted = self._run(command, context)
            if isinstance(emitted, Rejected):
                if batch:
                    self._reload()
                return Rejected(code=emitted.code, detail=emitted.detail, index=index)
            for item in emitted:
                stream = item.stream or item.event.default_stream()
                self._apply(item.event, stream, self.head.seq + len(batch) + 1, block, ts_ms)
                batch.append(NewEvent(event=item.event, block=block, stream=stream, ts_ms=ts_ms))
        if not batch:
            return reject(RejectCode.EMPTY_BATCH, "the commands produced no events")
        result = self.store.append(
            batch, expected_head=self.head.seq, idempotency_key=idempotency_key
        )
        if isinstance(result, Rejected) or result.replayed:
            self._reload()
            if isinstance(result, Rejected):
                return result
        else:
            self.head = Head(result.last_seq, block, result.head_hash)
            self._since_checkpoint += len(batch)
            if self._since_checkpoint >= self.checkpoint_every:
                self._checkpoint = (self.head.seq, [p.snapshot() for p in self.projections])
                self._since_checkpoint = 0
        return Executed(appended=result, events=[item.event for item in batch])

    def _run(self, command: Command, context: Context) -> list[Emit] | Rejected:
        handler = _HANDLERS.get(type(command))
        if handler is None:
            return reject(
                RejectCode.INVALID_PARAMETER, f"no handler for command {type(command).__name__}"
            )
        try:
            return handler(command, context)
        except MathRejected as error:
            return reject(error.code, error.detail)
