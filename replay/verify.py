"""`replay --verify`: rebuild every projection from the log and check each recorded digest."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from events.checkpoint import CheckpointRecorded
from events.record import Record
from ledger.store import EventStore
from projections.runtime import make_projections


@dataclass
class CheckpointMismatch:
    label: str
    seq: int
    projection: str
    recorded: str
    rebuilt: str


@dataclass
class ReplayVerification:
    checkpoints: int = 0
    chain_ok: bool = True
    chain_detail: str = ""
    mismatches: list[CheckpointMismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.chain_ok and not self.mismatches


def verify_replay(store: EventStore) -> ReplayVerification:
    """Check the chain, then refold the log and compare every checkpoint's digests."""
    result = ReplayVerification()
    chain = store.verify()
    if not chain.ok:
        result.chain_ok = False
        result.chain_detail = f"seq {chain.first_bad_seq}: {chain.detail}"
        return result
    projections = make_projections()
    by_name = {projection.name: projection for projection in projections}
    # Projections read only seq, block, type, version and the event (`Projection.apply`):
    # the SQLite log's fold read fetches nothing else, and the chain was checked above.
    records: Iterator[Record] = store.fold_records()
    for record in records:
        event = record.event
        if isinstance(event, CheckpointRecorded):
            result.checkpoints += 1
            for name, recorded in sorted(event.digests.items()):
                projection = by_name.get(name)
                rebuilt = projection.digest() if projection is not None else "(unknown)"
                if rebuilt != recorded:
                    result.mismatches.append(
                        CheckpointMismatch(event.label, record.seq, name, recorded, rebuilt)
                    )
        for projection in projections:
            projection.apply(record)
    return result
