"""Reorganisations: which records a fold skips, and what the canonical chain was at a block.

Design. The log stays append-only: a reorganisation appends a `BlocksRetracted` (stream
`chain:reorgs`) naming the fork block and a seq range, then the new blocks. A record is
retracted when it is a fact of that chain, its seq is in the range and its provenance block is
at or above the fork. Every fold learns the retractions *before* it folds: `Retractions.load`
reads them in one index probe (their own stream), and folds drop retracted records from each
batch (`keep`). So a fold never has to undo anything:

- the projector's catch-up rolls a view that had folded records now retracted back to its
  latest snapshot below the range (snapshots taken inside the range before the retraction
  are deleted: they hold orphaned state; time travel, which only reads, passes over them)
  and refolds from there, skipping them;
- records after a reorganisation keep the log's blocks non-decreasing: a new block below the
  head is appended at the head's block, and its own block is in its provenance. So the
  canonical chain at block t is the non-retracted records up to the last whose *chain* block
  (`chain_block`) is at most t (they are in chain-block order along seq, so
  `last_canonical_seq` finds it in one forward read); time travel folds exactly those, from
  the nearest valid snapshot at or below t.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

import msgspec

from events.chain import REORG_STREAM, BlocksImported, BlocksRetracted, provenance_of
from events.record import Record
from ledger.store import EventStore, ReadFilter


class Retraction(msgspec.Struct, frozen=True):
    seq: int
    block: int
    chain_id: int
    fork_block: int
    from_seq: int
    to_seq: int


class Retractions:
    """Every `BlocksRetracted` in a log, and the test of a record against them."""

    def __init__(self, found: Sequence[Retraction]) -> None:
        self.items = list(found)
        self.low = min((item.from_seq for item in self.items), default=0)
        self.high = max((item.to_seq for item in self.items), default=-1)

    @classmethod
    def load(cls, store: EventStore) -> Retractions:
        found = []
        for record in store.read(ReadFilter(stream=REORG_STREAM)):
            event = record.event
            if isinstance(event, BlocksRetracted):
                found.append(
                    Retraction(
                        record.seq,
                        record.block,
                        event.chain_id,
                        event.fork_block,
                        event.from_seq,
                        event.to_seq,
                    )
                )
        return cls(found)

    def __bool__(self) -> bool:
        return bool(self.items)

    def is_retracted(self, record: Record) -> bool:
        if not self.low <= record.seq <= self.high:
            return False
        provenance = provenance_of(record.event)
        if provenance is None:
            return False
        return any(
            item.from_seq <= record.seq <= item.to_seq
            and provenance.chain_id == item.chain_id
            and provenance.block >= item.fork_block
            for item in self.items
        )

    def keep(self, records: Iterable[Record]) -> list[Record]:
        """The records that are not retracted (all of them when there is no retraction)."""
        if not self.items:
            return list(records)
        return [record for record in records if not self.is_retracted(record)]

    def purge_snapshots(self, connection: sqlite3.Connection) -> None:
        """Delete snapshots taken between a retracted range's start and its retraction."""
        for item in self.items:
            connection.execute(
                "DELETE FROM snapshots WHERE seq >= ? AND seq < ?", (item.from_seq, item.seq)
            )

    def invalid_until(self, snapshot_seq: int) -> int | None:
        """For a snapshot taken inside a retracted range before its retraction: the range's
        first seq (a valid snapshot lies below it); None for a valid snapshot."""
        return self.rollback_seq(snapshot_seq)

    def rollback_seq(self, view_seq: int) -> int | None:
        """Where a view at `view_seq` must restart from, if it folded records retracted since."""
        starts = [item.from_seq for item in self.items if item.from_seq <= view_seq < item.seq]
        return min(starts) if starts else None


def chain_block(record: Record) -> int | None:
    """The block a record belongs to on its chain; None for block bookkeeping (no position)."""
    provenance = provenance_of(record.event)
    if provenance is not None:
        return provenance.block
    if isinstance(record.event, BlocksImported | BlocksRetracted):
        return None
    return record.block


def last_canonical_seq(
    batches: Iterable[list[Record]], retractions: Retractions, block: int, after_seq: int
) -> int:
    """The seq of the last canonical record of chain block `block` or before (`after_seq` if
    none follows it): canonical records are in chain-block order along seq, so the first one
    past `block` ends the read."""
    last = after_seq
    for batch in batches:
        for record in retractions.keep(batch):
            at = chain_block(record)
            if at is not None and at > block:
                return last
            last = record.seq
    return last
