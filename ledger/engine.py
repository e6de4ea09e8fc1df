"""The engine: commands are checked against live state, become events, are appended, applied.

    engine = Engine(store)
    result = engine.execute([Transfer(asset="USDC", from_account="alice",
                                      to_account="bob", amount=5_000_000)], block=812)

A command's handler reads the live projections and the protocol math and returns the events
(every computed amount in them) or a `Rejected` with a named reason. A batch of commands is
all or nothing: each command sees the effects of the ones before it; if any is refused, or the
store refuses the append, nothing is appended and the live state is put back: from a snapshot
of the books taken before a batch of several commands (a single command's events are applied
only once its handler has accepted it), or else from the engine's last checkpoint plus the
records after it.

The live state is one set of `Books`, folded by the same loop as every other path.

Facts from outside (`append`, importers, replays of recorded facts) come in through
`append_facts`. Every event, a handler's or an outsider's, passes the same admission check
against the live books (`ledger.admission.admit`) before it is applied.

Inside `deferred()` (a replay's run of steps) an accepted command's events are applied at once
but held, and appended as one batch when it ends: a refused command's events are never held,
so it still appends nothing, and the log's bytes are the same as one append per command.

The handler of each command type is found in one table, `ledger.commands.HANDLERS`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import cast

from events.base import Event, event_tag
from events.record import Record
from events.rejections import RejectCode
from ledger.admission import admit, checked_payload
from ledger.batch import Appended, CheckedBatch, Head, NewEvent, Rejected
from ledger.command import Command, Context, Emit, Executed, ProjectionT, reject
from ledger.commands import HANDLERS
from ledger.errors import StoreError
from ledger.reorg import Retractions
from ledger.store import EventStore
from projections.base import Projection
from projections.books import Books
from projections.contracts import MathRejected
from projections.runtime import READ_MODELS, make_books

__all__ = ["Command", "Context", "Emit", "Engine", "Executed"]

_READ_MODEL_MAKERS: dict[object, Callable[[Books], object]] = {
    spec.make: spec.make for spec in READ_MODELS.values()
}


class Engine:
    """Turns commands into appended events over one store (see the module docstring)."""

    def __init__(
        self,
        store: EventStore,
        *,
        checkpoint_every: int = 50_000,
        start: tuple[int, int, dict[str, bytes]] | None = None,
    ) -> None:
        """`start`: (seq, block, books' states) to begin from instead of folding from seq 1.

        A what-if run many times from one fork point restores the fork's books this way, over
        a store that holds the records from that seq on, rather than refolding the log.
        """
        self.store = store
        self.checkpoint_every = checkpoint_every
        self._checkpoint: tuple[int, int, dict[str, bytes]] | None = start
        self._pending: CheckedBatch | None = None
        """Inside `deferred`: the accepted events not yet appended (the head counts them),
        with their payloads, encoded and checked as they were accepted."""
        self.books: Books = make_books()
        self._reload()

    @property
    def projections(self) -> list[Projection]:
        """The live books, in fold order."""
        return self.books.books

    def reload(self) -> None:
        """Rebuild live state from the store (after the caller rolled back a transaction).

        Events held by `deferred` and not yet appended are dropped with the rest."""
        self._reload()

    def _reload(self) -> None:
        """Rebuild live state: the last checkpoint plus the store's records after it."""
        if self._pending is not None:
            self._pending = CheckedBatch()
        head = self.store.head()
        if self._checkpoint is not None and self._checkpoint[0] > head.seq:
            self._checkpoint = None  # taken over events a rolled-back transaction took back
        self.books = make_books()
        if self._checkpoint is not None:
            seq, block, states = self._checkpoint
            self.books.restore(states, seq, block)
        self._fold_store(self.books.position.seq + 1)
        self.head = self.store.head()
        self._since_checkpoint = 0

    def _fold_store(self, from_seq: int) -> None:
        """Fold the store's records from `from_seq` on, less those a reorganisation retracted
        (as the projector's folds do: the books are those of the canonical chain)."""
        records: Iterable[Record] = self.store.fold_records(from_seq=from_seq)
        retractions = Retractions.load(self.store)
        if retractions:
            records = (record for record in records if not retractions.is_retracted(record))
        self.books.fold(records)

    @contextmanager
    def deferred(self) -> Iterator[None]:
        """Hold the events of the commands executed inside, and append them as one batch at
        the end (see the module docstring). A store that refuses that batch raises
        `StoreError`, as does any error inside: the held events are dropped and the books
        rebuilt from the store."""
        if self._pending is not None:
            raise RuntimeError("Engine.deferred does not nest")
        self._pending = CheckedBatch()
        try:
            yield
            self.flush()
        except BaseException:
            self._reload()
            raise
        finally:
            self._pending = None

    def flush(self) -> None:
        """Append the events `deferred` holds now (nothing outside it, or when none are held)."""
        pending = self._pending
        if not pending:
            return
        self._pending = CheckedBatch()
        result = self.store.append(pending, expected_head=self.head.seq - len(pending))
        if isinstance(result, Rejected) or result.last_seq != self.head.seq:
            self._reload()
            raise StoreError(f"the log refused {len(pending)} accepted events: {result}")
        self.head = Head(result.last_seq, self.head.block, result.head_hash)

    def projection(self, projection_type: type[ProjectionT]) -> ProjectionT:
        """A live book, or a read model built over the live books."""
        book = self.books.by_type.get(projection_type)
        if book is not None:
            return cast(ProjectionT, book)
        make = _READ_MODEL_MAKERS.get(projection_type)
        if make is not None:
            return cast(ProjectionT, make(self.books))
        return Context(self.head.block, self.books.by_type).get(projection_type)

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
        self.books.apply(record)

    def execute(
        self, commands: Sequence[Command], *, block: int, idempotency_key: str | None = None
    ) -> Executed | Rejected:
        """Check, append and apply a batch of commands: all of it or none of it."""
        if block < self.head.block:
            return reject(
                RejectCode.BLOCK_ORDER,
                f"block {block} is below the log head's block {self.head.block}",
            )
        if idempotency_key is not None:
            self.flush()  # a keyed batch is answered by the store: it goes there at once
        # Several commands: the first ones' events are live before a later one may be refused.
        saved = (self.books.snapshot(), self.head) if len(commands) > 1 else None
        try:
            outcome, undo = self._execute(commands, block, idempotency_key)
        except BaseException:
            self._put_back(saved)  # a bug or an I/O error mid-batch: no half-applied state
            raise
        if undo:
            self._put_back(saved)
        return outcome

    def _put_back(self, saved: tuple[dict[str, bytes], Head] | None) -> None:
        """Undo a batch: restore the books from before it, then fold what the store has since.

        Without a snapshot (a single command), the last checkpoint plus the records after it.
        The store's records are folded either way: another writer may have appended.
        """
        self.flush()  # the commands accepted before this batch are kept
        if saved is None:
            self._reload()
            return
        states, head = saved
        self.books.restore(states, head.seq, head.block)
        self._fold_store(head.seq + 1)
        self.head = self.store.head()

    def _execute(
        self, commands: Sequence[Command], block: int, idempotency_key: str | None
    ) -> tuple[Executed | Rejected, bool]:
        """The batch's outcome, and whether the live books must be put back."""
        context = Context(block, self.books.by_type)
        batch: list[NewEvent] = []
        # Projections see exactly the ts the store records, so a rebuild folds the same way.
        clock = getattr(self.store, "clock", None)
        ts_ms = clock.now_ms() if clock is not None else 0
        for index, command in enumerate(commands):
            emitted = self._run(command, context)
            if isinstance(emitted, Rejected):
                refused = Rejected(code=emitted.code, detail=emitted.detail, index=index)
                return refused, bool(batch)
            for item in emitted:
                inadmissible = admit(item.event, context)
                if inadmissible is not None:
                    refused = Rejected(
                        code=inadmissible.code, detail=inadmissible.detail, index=index
                    )
                    return refused, bool(batch)
                stream = item.stream or item.event.default_stream()
                self._apply(item.event, stream, self.head.seq + len(batch) + 1, block, ts_ms)
                batch.append(NewEvent(event=item.event, block=block, stream=stream, ts_ms=ts_ms))
        if not batch:
            return reject(RejectCode.EMPTY_BATCH, "the commands produced no events"), False
        if self._pending is not None and idempotency_key is None:
            return self._hold(batch, block)
        result = self.store.append(
            batch, expected_head=self.head.seq, idempotency_key=idempotency_key
        )
        if isinstance(result, Rejected):
            return result, True
        if result.replayed:
            return Executed(appended=result, events=[item.event for item in batch]), True
        self._appended(result, block, len(batch))
        return Executed(appended=result, events=[item.event for item in batch]), False

    def _hold(self, batch: list[NewEvent], block: int) -> tuple[Executed | Rejected, bool]:
        """Inside `deferred`: keep an accepted batch for the append at the end.

        Each event is first checked as the store checks it (its payload's constraints, ints
        the log can store), so a batch the store would refuse is refused now, on its own; the
        payloads are held with the events, so the append does not encode and check again."""
        payloads: list[bytes] = []
        for index, item in enumerate(batch):
            checked = checked_payload(item, index)
            if isinstance(checked, Rejected):
                return checked, True
            payloads.append(checked)
        assert self._pending is not None
        self._pending.add(batch, payloads)
        held = Appended(
            first_seq=self.head.seq + 1, last_seq=self.head.seq + len(batch), head_hash=""
        )
        self._appended(held, block, len(batch))
        return Executed(appended=held, events=[item.event for item in batch]), False

    def _appended(self, result: Appended, block: int, count: int) -> None:
        """Move the head past an appended batch; checkpoint the live books now and then."""
        self.head = Head(result.last_seq, block, result.head_hash)
        self._since_checkpoint += count
        if self._since_checkpoint >= self.checkpoint_every:
            self._checkpoint = (self.head.seq, self.head.block, self.books.snapshot())
            self._since_checkpoint = 0

    def append_facts(
        self,
        batch: Sequence[NewEvent],
        *,
        expected_head: int | None = None,
        idempotency_key: str | None = None,
    ) -> Appended | Rejected:
        """Admit, apply and append recorded facts as one batch: all of it or none of it.

        Each fact is checked against the books as the facts before it in the batch left them;
        the first one refused names its index, and nothing is appended.
        """
        self.flush()  # facts from outside go to the store at once, after what is held
        if idempotency_key is not None:
            # A retry of a batch the log holds already is answered from the key alone: an
            # expected head of -1 never matches, so this asks and cannot append.
            answer = self.store.append(batch, expected_head=-1, idempotency_key=idempotency_key)
            if isinstance(answer, Appended) or answer.code is RejectCode.IDEMPOTENCY_CONFLICT:
                return answer
        if expected_head is not None and expected_head != self.head.seq:
            return reject(
                RejectCode.HEAD_CONFLICT, f"log head is {self.head.seq}, expected {expected_head}"
            )
        saved = (self.books.snapshot(), self.head) if len(batch) > 1 else None
        try:
            outcome, undo = self._append_facts(batch, expected_head, idempotency_key)
        except BaseException:
            self._put_back(saved)
            raise
        if undo:
            self._put_back(saved)
        return outcome

    def _append_facts(
        self, batch: Sequence[NewEvent], expected_head: int | None, idempotency_key: str | None
    ) -> tuple[Appended | Rejected, bool]:
        """The batch's outcome, and whether the live books must be put back."""
        checked = CheckedBatch()
        for index, item in enumerate(batch):
            payload = checked_payload(item, index)
            refused = payload if isinstance(payload, Rejected) else None
            if refused is None:
                refused = admit(item.event, Context(item.block, self.books.by_type))
            if refused is not None:
                return Rejected(code=refused.code, detail=refused.detail, index=index), index > 0
            assert isinstance(payload, bytes)
            checked.add([item], [payload])
            stream = item.stream or item.event.default_stream()
            self._apply(item.event, stream, self.head.seq + index + 1, item.block, item.ts_ms or 0)
        result = self.store.append(
            checked, expected_head=expected_head, idempotency_key=idempotency_key
        )
        if isinstance(result, Rejected) or result.replayed:
            return result, True
        self._appended(result, batch[-1].block, len(batch))
        return result, False

    def _run(self, command: Command, context: Context) -> list[Emit] | Rejected:
        handler = HANDLERS.get(type(command))
        if handler is None:
            return reject(
                RejectCode.INVALID_PARAMETER, f"no handler for command {type(command).__name__}"
            )
        try:
            return handler(command, context)
        except MathRejected as error:
            return reject(error.code, error.detail)
