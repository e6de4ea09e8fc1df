"""Keeps projections' views, snapshots and digests beside the log (its SQLite file, or its
PostgreSQL schema through `ledger.pg_views`, which has the same functions).

    catch_up   fold the records after each view's recorded seq; snapshot every K records
               (2K for a book that folds backwards: `ledger.restore.snapshot_interval`);
               write each view together with its seq (one transaction per view)
    rebuild    forget views and snapshots, then catch up from seq 1
    state_at   nearest snapshot at or below a block + the records after it up to that block
               (or the one above, the records after the block undone: `ledger.restore`)
    digests    each projection's digest, now or at a block

Views and snapshots are caches of the log: any of them can be dropped and rebuilt. Snapshots
(and a rebuild's drop) are stored by a `BackgroundWriter`, in order, while the fold goes on;
views are written after it has stored everything queued. Every fold first reads the log's
reorganisations and skips the records they retract (`ledger.reorg`): a view that folded
records retracted since restarts from a snapshot below them, and time travel answers for the
canonical chain.
"""

from __future__ import annotations

import gc
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from functools import partial
from itertools import islice
from typing import TYPE_CHECKING, Any

from events.record import Record
from ledger.background import BackgroundWriter
from ledger.errors import StoreIOError
from ledger.faults import read_only_message
from ledger.reorg import Retractions, last_canonical_seq
from ledger.restore import restore_near, restore_stored, snapshot_interval
from ledger.sqlite_store import SqliteStore
from projections import views
from projections.base import Projection, snapshot_parts
from projections.books import Books
from projections.runtime import Shown, make_books, read_models, shown

if TYPE_CHECKING:
    from ledger.postgres_store import PostgresStore

SNAPSHOT_EVERY_DEFAULT = 7_000
"""Records between two snapshots (twice that for a book that folds backwards, `balances`:
`ledger.restore.snapshot_interval`). `state_at` folds up to this many after the snapshot it
restores (or undoes up to half as many); each snapshot costs its bytes in the file and its
encoding in a rebuild, on the fold's thread. On `bench/log_flat.py`'s log (50,000 balances) a
snapshot is ~566 KB once the accounts' parts are shared (`projections.snapshot_states`):
balances every 7,000 kept the file at ~289 bytes an event and a rebuild at 0.51-0.74 of the
bare fold; every 14,000, undone from above when nearer, 249 bytes an event and 0.84 at 5.1M
events, with a `state_at` p99 of 28.6 ms (29-39 ms at 7,000 over the rounds of the day
before; `bench/RESULTS.md`)."""
PROGRESS_STEP = 10_000
Progress = Callable[[int], None]
#: Books by the seq they are at (restored from a view or a snapshot), and the block there.
Starts = dict[int, tuple[int, list[Projection]]]
FoldBatch = Callable[[Books, list[Record]], None]


class Projector:
    """Books and read models over one log, SQLite or PostgreSQL (see the module docstring)."""

    def __init__(
        self,
        store: SqliteStore | PostgresStore,
        names: Sequence[str] | None = None,
        *,
        snapshot_every: int = SNAPSHOT_EVERY_DEFAULT,
    ) -> None:
        if snapshot_every < 1:
            raise ValueError("snapshot_every must be at least 1")
        self.store = store
        self.names = list(names) if names is not None else None
        self.snapshot_every = snapshot_every
        self.retractions = Retractions([])
        # A PostgreSQL log keeps its views beside it through `ledger.pg_views` (same API).
        self.views: Any = views
        #: On a read replica nothing is written: views are read, never caught up.
        self.read_only = False
        if not isinstance(store, SqliteStore):
            from ledger import pg_views

            self.views = pg_views
            self.read_only = pg_views.read_only(store.connection)
        self.views.ensure_schema(store.connection)

    def _writer(self) -> Any:
        """Where snapshots and drops are stored: a background thread for SQLite, inline for
        PostgreSQL (which takes concurrent writers itself)."""
        if isinstance(self.store, SqliteStore):
            return BackgroundWriter(self.store.path)
        return nullcontext(self.views.InlineWriter(self.store.connection))

    def _fresh(self) -> Books:
        return make_books(self.names)

    def _restore_views(self, books: Books) -> Starts:
        """Restore each book from its view state; group them by the seq they are at."""
        starts: Starts = {}
        for book in books:
            saved = self.views.read_view_state(self.store.connection, book)
            seq = block = 0
            if saved is not None:
                seq, state, block = saved
                restore_stored(book, state, "view state")
            starts.setdefault(seq, (block, []))[1].append(book)
        return starts

    def _fold_from(
        self,
        books: Books,
        starts: Starts,
        last_seq: int,
        fold_batch: Callable[[Books, list[Record]], None],
    ) -> None:
        """Fold every book from where it is up to `last_seq`, all of them by the end.

        Books at different positions (one added to an existing log, one of a new version) are
        folded in stages: the lowest alone up to the next one's position, then the two
        together, and so on, each record once per book. The books end as one set at one position.
        """
        stages = sorted(starts.items())
        active: list[Projection] = []
        for index, (seq, (block, group)) in enumerate(stages):
            active += group
            stage = books if len(active) == len(books) else Books(active)
            stage.position.seq, stage.position.block = seq, block
            stop = stages[index + 1][0] if index + 1 < len(stages) else last_seq
            if stop > seq:
                with gc_paused():
                    for batch in self.store.fold_batches(seq + 1, stop):
                        fold_batch(stage, batch)
        if len(stages) > 1:
            books.reattach()  # the staged sets pointed the books at positions of their own

    def catch_up(self, progress: Progress | None = None, *, flush_every: int = 0) -> int:
        """Bring every view up to the log head; return the head seq they are at.

        Args:
            progress: called with counts of records folded, for a progress bar.
            flush_every: also write the views every this many records (0: only at the end),
                so a long catch-up that is killed resumes from its last flush.
        """
        head = self.store.head()
        if self.read_only:
            return head.seq
        books = self._fresh()
        starts = self._restore_views(books)
        self.retractions = Retractions.load(self.store)
        if self.retractions:
            starts = self._roll_back(starts)
        if min(starts) < head.seq:
            connection = self.store.connection
            last_snapshot = {b.name: self.views.latest_snapshot_seq(connection, b) for b in books}
            with self._writer() as writer:
                group = _CatchUpFold(self, books, last_snapshot, writer, progress, flush_every)
                self._fold_from(books, starts, head.seq, self._skipping(group.fold_stage))
                group.finish()
        return head.seq

    def _skipping(self, fold_batch: FoldBatch) -> FoldBatch:
        """`fold_batch` on the records no reorganisation retracted."""
        if not self.retractions:
            return fold_batch
        keep = self.retractions.keep
        return lambda books, records: fold_batch(books, keep(records))

    def _roll_back(self, starts: Starts) -> Starts:
        """Books that folded records retracted since restart from a snapshot below them.

        Snapshots taken inside a retracted range before its retraction hold orphaned state:
        they are deleted here (a catch-up writes anyway).
        """
        if isinstance(self.store, SqliteStore):
            self.retractions.purge_snapshots(self.store.connection)
        else:
            self.views.purge_snapshots(self.store.connection, self.retractions.items)
        result: Starts = {}
        for seq, (block, group) in starts.items():
            restart = self.retractions.rollback_seq(seq)
            if restart is None:
                result.setdefault(seq, (block, []))[1].extend(group)
                continue
            for book in group:
                saved = self.views.snapshot_before_seq(self.store.connection, book, restart)
                at_seq = at_block = 0
                if saved is not None:
                    at_seq, state, at_block = saved
                    restore_stored(book, state, "snapshot")
                else:
                    book.restore(type(book)().snapshot())
                result.setdefault(at_seq, (at_block, []))[1].append(book)
        return result

    def rebuild(self, progress: Progress | None = None) -> int:
        """Rebuild every view from seq 1 (versions changed, or a view is suspect).

        The old views and snapshots are dropped on the background writer, in one transaction
        as before, while the fold begins: every write of the rebuild is queued after it.
        """
        if self.read_only:
            raise StoreIOError(read_only_message("this log"))
        books = self._fresh()
        head = self.store.head()
        with self._writer() as writer:
            dropped = [*books, *read_models(books, self.names)]
            writer.submit(partial(self.views.drop_views, projections=dropped))
            if head.seq > 0:
                self.retractions = Retractions.load(self.store)
                never = dict.fromkeys((book.name for book in books), 0)
                group = _CatchUpFold(self, books, never, writer, progress, flush_every=0)
                fold_stage = self._skipping(group.fold_stage)
                self._fold_from(books, {0: (0, list(books))}, head.seq, fold_stage)
                group.finish()
        return head.seq

    def books_at(self, block: int) -> Books:
        """The books after the last record of `block`: nearest snapshots plus the tail (or,
        for a book that folds backwards and is nearer the snapshot above, that snapshot with
        the records after the block undone: `ledger.restore.restore_near`).

        The read is bounded by seq as well as by block, so its cost is the records folded and
        not the length of the log after them.
        """
        books = self._fresh()
        retractions = Retractions.load(self.store)
        starts: Starts = {}
        if not retractions:
            # Blocks never decrease along seq: the records up to this seq are those of `block`
            # and below, so the read needs no block bound (and no second search for it).
            last_seq = self.store.last_seq_at_block(block)
            for book in books:
                seq, at_block = restore_near(self.store, self.views, book, block, last_seq)
                starts.setdefault(seq, (at_block, []))[1].append(book)
            self._fold_from(books, starts, last_seq, _fold_batch)
            return books
        for book in books:
            saved = self.views.nearest_snapshot(self.store.connection, book, block)
            # A snapshot of orphaned state a catch-up has not deleted yet is passed over.
            while saved is not None and (restart := retractions.invalid_until(saved[0])):
                saved = self.views.snapshot_before_seq(self.store.connection, book, restart)
            seq = at_block = 0
            if saved is not None:
                seq, state, at_block = saved
                restore_stored(book, state, "snapshot")
            starts.setdefault(seq, (at_block, []))[1].append(book)
        # The canonical chain: new blocks after a reorganisation sit at the head's block in
        # the log, so the last record of `block` is found by its chain block, not the log's.
        first = min(starts)
        last_seq = last_canonical_seq(self.store.fold_batches(first + 1), retractions, block, first)
        self.retractions = retractions
        self._fold_from(books, starts, last_seq, self._skipping(_fold_batch))
        return books

    def state_at(self, block: int) -> list[Shown]:
        """Each book (and read model) asked for, after the last record of `block`."""
        return shown(self.books_at(block), self.names)

    def current_books(self) -> Books:
        """The books at the log head, caught up and restored from their views (on a read
        replica: the nearest snapshots and the records after them, nothing written)."""
        if self.read_only:
            return self.books_at(self.store.head().block)
        self.catch_up()
        books = self._fresh()
        starts = self._restore_views(books)
        # Views are written one book per transaction: another writer may have been stopped
        # between two of them, so the lower ones are folded up to the highest.
        self._fold_from(books, starts, max(starts), _fold_batch)
        return books

    def current(self) -> list[Shown]:
        """Each book (and read model) asked for, at the log head."""
        return shown(self.current_books(), self.names)

    def digests(self, block: int | None = None) -> dict[str, str]:
        """Each book's digest (read models have none of their own), now or at a block."""
        books = self.current_books() if block is None else self.books_at(block)
        return books.digests()


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a fold runs, back as it was after.

    A fold allocates millions of short-lived objects (rows, events) and no cycles, so each
    collection the allocations trigger finds nothing to free: ~15% of a balances fold's CPU
    (`bench/projection_rebuild.py`). Reference counting frees everything as before.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _fold_batch(books: Books, records: list[Record]) -> None:
    books.fold(records)


class _CatchUpFold:
    """One catch-up's fold: whole batches of records, cut exactly where `catch_up` has work.

    The work is what it was record by record: a progress tick every 10,000 records, the views
    every `flush_every` records, each book's snapshot once its interval has passed since its
    last (`ledger.restore.snapshot_interval`; taken here, stored by the background writer).
    Folding the records between those points with the plain `Books.fold` loop keeps
    bookkeeping out of the per-record path.
    """

    def __init__(
        self,
        projector: Projector,
        books: Books,
        last_snapshot: dict[str, int],
        writer: Any,
        progress: Progress | None,
        flush_every: int,
    ) -> None:
        self.connection = projector.store.connection
        self.views = projector.views
        self.names = projector.names
        self.books = books
        self.stage = books
        self.interval = {b.name: snapshot_interval(b, projector.snapshot_every) for b in books}
        self.due = {name: last_snapshot[name] + self.interval[name] for name in self.interval}
        """Each book's next snapshot: the first record at or after this seq."""
        self.writer = writer
        self.progress = progress
        self.flush_every = flush_every
        self.count = 0
        self.last: Record | None = None

    def fold_stage(self, stage: Books, records: list[Record]) -> None:
        """Fold one batch into `stage` (all the books, or those at the lowest position)."""
        self.stage = stage
        start = 0
        while start < len(records):
            stop = self._next_stop(records, start)
            stage.fold(islice(records, start, stop + 1))
            self.count += stop + 1 - start
            self.last = records[stop]
            self._after(records[stop])
            start = stop + 1

    def _next_stop(self, records: list[Record], start: int) -> int:
        """The index of the next record after which there is work (or the batch's last)."""
        stop = len(records) - 1
        if self.progress is not None:
            stop = min(stop, start + PROGRESS_STEP - 1 - self.count % PROGRESS_STEP)
        if self.flush_every:
            stop = min(stop, start + self.flush_every - 1 - self.count % self.flush_every)
        due = min(self.due[book.name] for book in self.stage)
        return min(stop, bisect_left(records, due, start, stop + 1, key=_seq_of))

    def _after(self, record: Record) -> None:
        if self.progress is not None and self.count % PROGRESS_STEP == 0:
            self.progress(PROGRESS_STEP)
        if self.flush_every and self.count % self.flush_every == 0 and self.stage is self.books:
            self.write_views(record)
        for book in self.stage:
            if record.seq < self.due[book.name]:
                continue
            # The state is taken here, at this seq; SQLite stores it on the writer.
            self.writer.submit(
                partial(
                    self.views.insert_snapshot,
                    name=book.name,
                    version=book.version,
                    seq=record.seq,
                    block=record.block,
                    state=snapshot_parts(book),
                )
            )
            self.due[book.name] = record.seq + self.interval[book.name]

    def finish(self) -> None:
        """Report the last progress, and write every view at the last record folded."""
        if self.progress is not None:
            self.progress(self.count % PROGRESS_STEP)
        if self.last is not None:
            self.write_views(self.last)

    def write_views(self, record: Record) -> None:
        """Write every view at `record`, after whatever the writer has queued (a drop)."""
        self.writer.drain()
        for book in self.books:
            self.views.write_view(self.connection, book, record.seq, record.block)
        for model in read_models(self.books, self.names):
            self.views.write_read_model_view(
                self.connection, model.name, model.tables(), record.seq, record.block
            )


def _seq_of(record: Record) -> int:
    return record.seq
