"""The engine: commands are checked against live state, become events, are appended, applied.

    engine = Engine(store)
    result = engine.execute([Transfer(asset="USDC", from_account="alice",
                                      to_account="bob", amount=5_000_000)], block=812)

A command's handler reads the live projections and the protocol math and returns the events
(every computed amount in them) or a `Rejected` with a named reason. A batch of commands is
all or nothing: each command sees the effects of the ones before it; if any is refused, or the
store refuses the append, nothing is appended and the live state is put back.

Facts from outside (`append`, importers, replays of recorded facts) come in through
`append_facts`. Every event, a handler's or an outsider's, passes the same admission check
against the live books (`ledger.admission.admit`) before it is applied.

The handler of each command type is found in one table, `ledger.commands.HANDLERS`.
"""

from __future__ import annotations

from collections.abc import Sequence

from events.base import Event, event_tag
from events.record import Record
from events.rejections import RejectCode
from ledger.admission import admit, validate_fact
from ledger.batch import Appended, Head, NewEvent, Rejected
from ledger.command import Command, Context, Emit, Executed, ProjectionT, reject
from ledger.commands import HANDLERS
from ledger.store import EventStore
from projections.base import Projection
from projections.contracts import MathRejected
from projections.routing import Router
from projections.runtime import fold, make_projections

__all__ = ["Command", "Context", "Emit", "Engine", "Executed"]


class Engine:
    """Turns commands into appended events over one store (see the module docstring)."""

    def __init__(
        self,
        store: EventStore,
        *,
        checkpoint_every: int = 50_000,
        checkpoint: tuple[int, list[bytes]] | None = None,
    ) -> None:
        """`checkpoint`, if given, is (seq, each projection's snapshot) taken earlier of this
        store's first seq records: the engine starts from it instead of folding them again."""
        self.store = store
        self.checkpoint_every = checkpoint_every
        self._checkpoint: tuple[int, list[bytes]] = checkpoint or (0, [])
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
                refused = admit(item.event, context)
                if refused is not None:
                    if batch:
                        self._reload()
                    return Rejected(code=refused.code, detail=refused.detail, index=index)
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
            self._appended(result, block, len(batch))
        return Executed(appended=result, events=[item.event for item in batch])

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
        try:
            return self._append_facts(batch, expected_head, idempotency_key)
        except BaseException:
            self._reload()
            raise

    def _append_facts(
        self, batch: Sequence[NewEvent], expected_head: int | None, idempotency_key: str | None
    ) -> Appended | Rejected:
        for index, item in enumerate(batch):
            refused = validate_fact(item, index)
            if refused is None:
                refused = admit(item.event, Context(item.block, self._by_type))
            if refused is not None:
                if index:
                    self._reload()
                return Rejected(code=refused.code, detail=refused.detail, index=index)
            stream = item.stream or item.event.default_stream()
            self._apply(item.event, stream, self.head.seq + index + 1, item.block, item.ts_ms or 0)
        result = self.store.append(
            batch, expected_head=expected_head, idempotency_key=idempotency_key
        )
        if isinstance(result, Rejected) or result.replayed:
            self._reload()
        else:
            self._appended(result, batch[-1].block, len(batch))
        return result

    def _appended(self, result: Appended, block: int, count: int) -> None:
        """Move the head past an appended batch; checkpoint the live state now and then."""
        self.head = Head(result.last_seq, block, result.head_hash)
        self._since_checkpoint += count
        if self._since_checkpoint >= self.checkpoint_every:
            self._checkpoint = (self.head.seq, [p.snapshot() for p in self.projections])
            self._since_checkpoint = 0

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
