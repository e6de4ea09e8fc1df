"""Keeps projections' views, snapshots and digests in the log's own SQLite file.

    catch_up   fold the records after each view's recorded seq; snapshot every K records;
               write each view together with its seq (one transaction per view)
    rebuild    forget views and snapshots, then catch up from seq 1
    state_at   nearest snapshot at or below a block + the records after it up to that block
    digests    each projection's digest, now or at a block

Views and snapshots are caches of the log: any of them can be dropped and rebuilt.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from events.record import Record
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from projections import views
from projections.base import Projection
from projections.runtime import fold, make_projections

SNAPSHOT_EVERY_DEFAULT = 10_000
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
        views.ensure_schema(store.connection)

    def _fresh(self) -> list[Projection]:
        return make_projections(self.names)

    def _restore_views(self, projections: list[Projection]) -> int:
        """Restore each projection from its view state; return the lowest seq they share."""
        positions = []
        for projection in projections:
            saved = views.read_view_state(self.store.connection, projection)
            if saved is None:
                positions.append(0)
                continue
            seq, state = saved
            projection.restore(state)
            positions.append(seq)
        if len(set(positions)) > 1:
            # Views at different positions are caught up separately, lowest first.
            for projection in projections:
                projection.restore(make_projections([projection.name])[0].snapshot())
            return 0
        return positions[0] if positions else 0

    def catch_up(self, progress: Progress | None = None, *, flush_every: int = 0) -> int:
        """Bring every view up to the log head; return the head seq they are at.

        Args:
            progress: called with counts of records folded, for a progress bar.
            flush_every: also write the views every this many records (0: only at the end),
                so a long catch-up that is killed resumes from its last flush.
        """
        projections = self._fresh()
        start_seq = self._restore_views(projections)
        head = self.store.head()
        if start_seq >= head.seq:
            return start_seq
        last_snapshot = max(
            (views.latest_snapshot_seq(self.store.connection, p) for p in projections),
            default=0,
        )
        state = {"last_snapshot": last_snapshot, "count": 0}

        def after(record: Record) -> None:
            state["count"] += 1
            if progress is not None and state["count"] % 10_000 == 0:
                progress(10_000)
            if flush_every and state["count"] % flush_every == 0:
                for projection in projections:
                    views.write_view(self.store.connection, projection, record.seq, record.block)
            if record.seq - state["last_snapshot"] >= self.snapshot_every:
                for projection in projections:
                    views.write_snapshot(
                        self.store.connection, projection, record.seq, record.block
                    )
                state["last_snapshot"] = record.seq

        records = self.store.read(ReadFilter(from_seq=start_seq + 1, to_seq=head.seq))
        last = fold(records, projections, after)
        if progress is not None:
            progress(state["count"] % 10_000)
        if last is not None:
            for projection in projections:
                views.write_view(self.store.connection, projection, last.seq, last.block)
        return head.seq

    def rebuild(self, progress: Progress | None = None) -> int:
        """Rebuild every view from seq 1 (versions changed, or a view is suspect)."""
        for projection in self._fresh():
            views.drop_view(self.store.connection, projection)
        return self.catch_up(progress)

    def state_at(self, block: int) -> list[Projection]:
        """Each projection's state after the last record of `block`."""
        projections = self._fresh()
        starts = []
        for projection in projections:
            saved = views.nearest_snapshot(self.store.connection, projection, block)
            if saved is not None:
                projection.restore(saved[1])
            starts.append(0 if saved is None else saved[0])
        if len(set(starts)) > 1:
            return [self._state_at_one(p, block) for p in self._fresh()]
        start = starts[0] if starts else 0
        fold(self.store.read(ReadFilter(from_seq=start + 1, to_block=block)), projections)
        return projections

    def _state_at_one(self, projection: Projection, block: int) -> Projection:
        saved = views.nearest_snapshot(self.store.connection, projection, block)
        start = 0
        if saved is not None:
            projection.restore(saved[1])
            start = saved[0]
        fold(self.store.read(ReadFilter(from_seq=start + 1, to_block=block)), [projection])
        return projection

    def current(self) -> list[Projection]:
        """Each projection at the log head, caught up and restored from its view."""
        self.catch_up()
        projections = self._fresh()
        self._restore_views(projections)
        return projections

    def digests(self, block: int | None = None) -> dict[str, str]:
        projections = self.current() if block is None else self.state_at(block)
        return {projection.name: projection.digest() for projection in projections}
