"""Keeps projections' views, snapshots and digests in the log's own SQLite file.

    catch_up   fold the records after each view's recorded seq; snapshot every K records;
               write each view together with its seq (one transaction per view)
    rebuild    forget views and snapshots, then catch up from seq 1
    state_at   nearest snapshot at or below a block + the records after it up to that block
    digests    each projection's digest, now or at a block

Views and snapshots are caches of the log: any of them can be dropped and rebuilt. Snapshots
(and a rebuild's drop) are stored by a `BackgroundWriter`, in order, while the fold goes on;
views are written after it has stored everything queued.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from functools import partial
from itertools import islice

from events.record import Record
from ledger.background import BackgroundWriter
from ledger.reorg import Retractions, fold_canonical
from ledger.sqlite_store import SqliteStore
from projections import views
from projections.base import Projection
from projections.runtime import fold, make_projections

SNAPSHOT_EVERY_DEFAULT = 10_000
PROGRESS_STEP = 10_000
Progress = Callable[[int], None]


class Projector:
    """Projections over one SQLite log (see the module docstring)."""

    def __init__(
        self,
        store: SqliteStore,
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
        views.ensure_schema(store.connection)

    def _fresh(self) -> list[Projection]:
        return make_projections(self.names)

    def _restore_views(self, projections: list[Projection]) -> dict[int, list[Projection]]:
        """Restore each projection from its view state; group them by the seq they are at."""
        groups: dict[int, list[Projection]] = {}
        for projection in projections:
            saved = views.read_view_state(self.store.connection, projection)
            seq = 0
            if saved is not None:
                seq, state = saved
                projection.restore(state)
            groups.setdefault(seq, []).append(projection)
        return groups

    def catch_up(self, progress: Progress | None = None, *, flush_every: int = 0) -> int:
        """Bring every view up to the log head; return the head seq they are at.

        Args:
            progress: called with counts of records folded, for a progress bar.
            flush_every: also write the views every this many records (0: only at the end),
                so a long catch-up that is killed resumes from its last flush.
        """
        head = self.store.head()
        self.retractions = Retractions.load(self.store)
        groups = self._restore_views(self._fresh())
        if self.retractions:
            groups = self._roll_back(groups)
        # Views at different positions (a projection added to an existing log, say) are caught
        # up separately, each group from where it is, lowest first.
        for start_seq, projections in sorted(groups.items()):
            if start_seq < head.seq:
                last_snapshot = max(
                    views.latest_snapshot_seq(self.store.connection, p) for p in projections
                )
                with BackgroundWriter(self.store.path) as writer:
                    group = _CatchUpFold(
                        self, projections, last_snapshot, writer, progress, flush_every
                    )
                    self._fold_group(group, start_seq, head.seq)
        return head.seq

    def _roll_back(self, groups: dict[int, list[Projection]]) -> dict[int, list[Projection]]:
        """Views that folded records retracted since restart from a snapshot below them."""
        self.retractions.purge_snapshots(self.store.connection)
        result: dict[int, list[Projection]] = {}
        for seq, projections in groups.items():
            restart = self.retractions.rollback_seq(seq)
            if restart is None:
                result.setdefault(seq, []).extend(projections)
                continue
            for stale in projections:
                projection = make_projections([stale.name])[0]
                saved = views.snapshot_before_seq(self.store.connection, projection, restart)
                start = 0
                if saved is not None:
                    start = saved[0]
                    projection.restore(saved[1])
                result.setdefault(start, []).append(projection)
        return result

    def rebuild(self, progress: Progress | None = None) -> int:
        """Rebuild every view from seq 1 (versions changed, or a view is suspect).

        The old views and snapshots are dropped on the background writer, in one transaction
        as before, while the fold begins: every write of the rebuild is queued after it.
        """
        projections = self._fresh()
        head = self.store.head()
        self.retractions = Retractions.load(self.store)
        with BackgroundWriter(self.store.path) as writer:
            writer.submit(partial(views.drop_views, projections=projections))
            if head.seq > 0:
                group = _CatchUpFold(self, projections, 0, writer, progress, flush_every=0)
                self._fold_group(group, 0, head.seq)
        return head.seq

    def _fold_group(self, group: _CatchUpFold, start_seq: int, head_seq: int) -> None:
        """Fold the records after `start_seq` into the group; write its views at the end."""
        for batch in self.store.fold_batches(start_seq + 1, head_seq):
            group.fold_batch(self.retractions.keep(batch) if self.retractions else batch)
        if group.progress is not None:
            group.progress(group.count % PROGRESS_STEP)
        if group.last is not None:
            group.write_views(group.last)

    def state_at(self, block: int) -> list[Projection]:
        """Each projection's state after the last record of `block`."""
        retractions = Retractions.load(self.store)
        if retractions:
            return [self._canonical_at(p, block, retractions) for p in self._fresh()]
        projections = self._fresh()
        starts = []
        for projection in projections:
            saved = views.nearest_snapshot(self.store.connection, projection, block)
            if saved is not None:
                projection.restore(saved[1])
            starts.append(0 if saved is None else saved[0])
        if len(set(starts)) > 1:
            return [self._state_at_one(p, block) for p in self._fresh()]
        self._fold_up_to_block(starts[0] if starts else 0, block, projections)
        return projections

    def _canonical_at(
        self, projection: Projection, block: int, retractions: Retractions
    ) -> Projection:
        """The projection on the canonical chain at `block` (see `ledger.reorg`).

        Snapshots taken inside a retracted range before its retraction hold orphaned state; a
        catch-up deletes them, and until then they are passed over (this only reads).
        """
        saved = views.nearest_snapshot(self.store.connection, projection, block)
        while saved is not None and (restart := retractions.invalid_until(saved[0])) is not None:
            saved = views.snapshot_before_seq(self.store.connection, projection, restart)
        start = 0
        if saved is not None:
            projection.restore(saved[1])
            start = saved[0]
        fold_canonical(self.store.fold_batches(start + 1), retractions, block, [projection])
        return projection

    def _state_at_one(self, projection: Projection, block: int) -> Projection:
        saved = views.nearest_snapshot(self.store.connection, projection, block)
        start = 0
        if saved is not None:
            projection.restore(saved[1])
            start = saved[0]
        self._fold_up_to_block(start, block, [projection])
        return projection

    def _fold_up_to_block(self, after_seq: int, block: int, projections: list[Projection]) -> None:
        """Fold the records after `after_seq` up to the last one of `block`.

        The read is bounded by seq as well as by block, so its cost is the records folded and
        not the length of the log after them.
        """
        last_seq = self.store.last_seq_at_block(block)
        if last_seq <= after_seq:
            return
        for batch in self.store.fold_batches(after_seq + 1, last_seq, block):
            fold(batch, projections)

    def current(self) -> list[Projection]:
        """Each projection at the log head, caught up and restored from its view."""
        self.catch_up()
        projections = self._fresh()
        self._restore_views(projections)
        return projections

    def digests(self, block: int | None = None) -> dict[str, str]:
        projections = self.current() if block is None else self.state_at(block)
        return {projection.name: projection.digest() for projection in projections}


class _CatchUpFold:
    """One catch-up's fold: whole batches of records, cut exactly where `catch_up` has work.

    The work is what it was record by record: a progress tick every 10,000 records, the views
    every `flush_every` records, the snapshots once `snapshot_every` seqs have passed (taken
    here, stored by the background writer). Folding the records between those points with the
    plain `fold` loop keeps bookkeeping out of the per-record path.
    """

    def __init__(
        self,
        projector: Projector,
        projections: list[Projection],
        last_snapshot: int,
        writer: BackgroundWriter,
        progress: Progress | None,
        flush_every: int,
    ) -> None:
        self.connection = projector.store.connection
        self.snapshot_every = projector.snapshot_every
        self.projections = projections
        self.last_snapshot = last_snapshot
        self.writer = writer
        self.progress = progress
        self.flush_every = flush_every
        self.count = 0
        self.last: Record | None = None

    def fold_batch(self, records: list[Record]) -> None:
        start = 0
        while start < len(records):
            stop = self._next_stop(records, start)
            fold(islice(records, start, stop + 1), self.projections)
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
        snapshot_due = bisect_left(
            records, self.last_snapshot + self.snapshot_every, start, stop + 1, key=_seq_of
        )
        return min(stop, snapshot_due)

    def _after(self, record: Record) -> None:
        if self.progress is not None and self.count % PROGRESS_STEP == 0:
            self.progress(PROGRESS_STEP)
        if self.flush_every and self.count % self.flush_every == 0:
            self.write_views(record)
        if record.seq - self.last_snapshot >= self.snapshot_every:
            for projection in self.projections:
                # The state is taken here, at this seq; SQLite stores it on the writer.
                self.writer.submit(
                    partial(
                        views.insert_snapshot,
                        name=projection.name,
                        version=projection.version,
                        seq=record.seq,
                        block=record.block,
                        state=projection.snapshot(),
                    )
                )
            self.last_snapshot = record.seq

    def write_views(self, record: Record) -> None:
        """Write every view at `record`, after whatever the writer has queued (a drop)."""
        self.writer.drain()
        for projection in self.projections:
            views.write_view(self.connection, projection, record.seq, record.block)


def _seq_of(record: Record) -> int:
    return record.seq
