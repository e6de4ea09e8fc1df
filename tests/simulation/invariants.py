"""What must hold after every step of the simulation, whatever fault the step met.

- the chain verifies;
- every acknowledged batch is in the log whole, every batch whose fate is unknown (its writer
  was killed or failed) is there whole or not at all, and no other batch is there;
- the views and snapshots equal a refold of the log (`verify_views`);
- each output (a replayed log, a fork, an export set) is complete, or absent.
"""

from __future__ import annotations

import json
from pathlib import Path

from events.checkpoint import CheckpointRecorded
from ledger.chain import ChainWalker
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from replay.verify import verify_replay
from replay.verify_views import verify_views


class InvariantBroken(AssertionError):
    """An invariant failed; the message names the step, the operation and the invariant."""


def _batch_of(payload: str) -> str | None:
    memo = json.loads(payload).get("memo")
    if isinstance(memo, str) and memo.startswith("b") and ":" in memo:
        return memo.split(":", 1)[0]
    return None


class LogWatch:
    """Checks the log step after step, reading only what each step added.

    The faults the simulator injects strike writes in flight, never records at rest, so the
    records checked once stay checked: each step walks the chain on from the last verified
    record (whose hash must be unchanged) and counts the new records' batches. A full walk
    and a full count run as well every so often (`full=True`).
    """

    def __init__(self) -> None:
        self.walker = ChainWalker()
        self.counts: dict[str, int] = {}

    def check(
        self, store: SqliteStore, acked: dict[str, int], unsure: dict[str, int], *, full: bool
    ) -> list[str]:
        if full:
            report = store.verify()
            if not report.ok:
                return [f"the chain does not verify at seq {report.first_bad_seq}: {report.detail}"]
            self.walker, self.counts = ChainWalker(), {}
        problems = self._walk_on(store)
        return problems or self._check_batches(acked, unsure)

    def _walk_on(self, store: SqliteStore) -> list[str]:
        last_seq = self.walker.expected_seq - 1
        if last_seq:
            row = store.connection.execute(
                "SELECT lower(hex(hash)) FROM events WHERE seq = ?", (last_seq,)
            ).fetchone()
            if row is None or row[0] != self.walker.prev_hash:
                return [f"record {last_seq}, verified before, changed or vanished"]
        for batch in store.row_batches(ReadFilter(from_seq=last_seq + 1)):
            broken = self.walker.feed_many(batch)
            if broken is not None:
                return [f"the chain does not verify at seq {broken.seq}: {broken.detail}"]
            for row in batch:
                if row[5] == "Minted" and (name := _batch_of(row[7])) is not None:
                    self.counts[name] = self.counts.get(name, 0) + 1
        head = store.head()
        if head.seq != self.walker.expected_seq - 1 or head.hash != self.walker.prev_hash:
            return [f"the recorded head (seq {head.seq}) is not the chain's end"]
        return []

    def _check_batches(self, acked: dict[str, int], unsure: dict[str, int]) -> list[str]:
        counts, problems = self.counts, []
        for batch, size in acked.items():
            if counts.get(batch, 0) != size:
                problems.append(f"acknowledged batch {batch} has {counts.get(batch, 0)} of {size}")
        for batch, size in unsure.items():
            if counts.get(batch, 0) not in (0, size):
                problems.append(f"batch {batch} is there in part: {counts[batch]} of {size}")
        phantoms = sorted(set(counts) - set(acked) - set(unsure))
        if phantoms:
            problems.append(f"batches nobody wrote: {phantoms[:5]}")
        return problems


def check_views(store: SqliteStore) -> list[str]:
    return [finding.describe() for finding in verify_views(store)]


def replayed_rows(path: Path) -> list[tuple[object, ...]]:
    store = SqliteStore(path)
    try:
        return list(store.rows())
    finally:
        store.close()


def check_replayed(path: Path, expected: list[tuple[object, ...]] | None) -> list[str]:
    """A replayed log at `path` (if any) is whole: it verifies, ends at its `end` checkpoint
    and holds record for record the replay of the same scenario (its views, caches that the
    command writes after the log is in place, may stand anywhere)."""
    if not path.exists():
        return []
    store = SqliteStore(path)
    try:
        result = verify_replay(store)
        last = list(store.read())[-1:] if store.head().seq else []
        rows = list(store.rows())
    finally:
        store.close()
    problems = [] if result.ok else [f"replayed log {path.name} does not verify"]
    if (
        not last
        or not isinstance(last[0].event, CheckpointRecorded)
        or last[0].event.label != "end"
    ):
        problems.append(f"replayed log {path.name} does not end at its `end` checkpoint")
    if expected is not None and rows != expected:
        problems.append(f"replayed log {path.name} differs from the same scenario's replay")
    return problems


def check_fork(path: Path, parent: SqliteStore, at_block: int | None) -> list[str]:
    """A fork at `path` (if any) verifies and holds exactly the parent's records to its block."""
    if not path.exists() or at_block is None:
        return []
    child = SqliteStore(path)
    try:
        ok = child.verify().ok
        rows = list(child.rows())
    finally:
        child.close()
    expected = list(parent.rows(ReadFilter(to_block=at_block)))
    problems = [] if ok else [f"fork {path.name} does not verify"]
    if rows != expected:
        problems.append(
            f"fork {path.name} holds {len(rows)} records, not the {len(expected)} to block {at_block}"
        )
    return problems


def check_export(folder: Path, tables: set[str]) -> list[str]:
    """An export set at `folder` (if any) is whole: every table with its sidecar, one head."""
    if not folder.exists():
        return []
    names = {path.name for path in folder.iterdir()}
    expected = {f"{table}.csv" for table in tables} | {f"{table}.csv.meta.json" for table in tables}
    if names != expected:
        return [f"export {folder.name} holds {sorted(names)}, not {sorted(expected)}"]
    heads = set()
    for table in tables:
        meta = json.loads((folder / f"{table}.csv.meta.json").read_text())
        heads.add(meta["head_hash"])
        rows = (folder / f"{table}.csv").read_text().count("\n") - 1
        if rows != meta["rows"]:
            return [
                f"export {folder.name}: {table}.csv has {rows} rows, its sidecar says {meta['rows']}"
            ]
    return [] if len(heads) == 1 else [f"export {folder.name} mixes heads {sorted(heads)}"]
