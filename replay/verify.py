"""`replay --verify`: rebuild the books from the log and check each recorded digest.

A checkpoint records the digest scheme it was computed with (`CheckpointRecorded.digest_scheme`).
Digests of an earlier scheme cannot be compared with today's books: such checkpoints are
counted and named (`earlier_schemes`), not reported as mismatches, and the log still verifies
when its chain holds and it folds. A checkpoint of the current scheme that records no digest at
all (one appended by hand: a replay records every book's) is a mismatch, not a match.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from events.checkpoint import CheckpointRecorded
from ledger.store import EventStore
from projections.base import Projection
from projections.books import DIGEST_SCHEME
from projections.runtime import make_books

NO_DIGEST = "(no book)"
"""The projection named by the mismatch of a checkpoint that records no digest."""


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
    """Checkpoints compared (recorded with the current digest scheme)."""
    chain_ok: bool = True
    chain_detail: str = ""
    mismatches: list[CheckpointMismatch] = field(default_factory=list)
    earlier_schemes: Counter[int] = field(default_factory=Counter)
    """Checkpoints not compared, by the digest scheme they were recorded with."""

    @property
    def ok(self) -> bool:
        return self.chain_ok and not self.mismatches

    def earlier_scheme_note(self) -> str:
        """What to say of checkpoints of an earlier digest scheme ('' if there are none)."""
        return "; ".join(
            f"{count} checkpoint(s) recorded with digest scheme {scheme}; not comparable "
            f"with scheme {DIGEST_SCHEME}, the chain verifies"
            for scheme, count in sorted(self.earlier_schemes.items())
        )


def verify_replay(store: EventStore) -> ReplayVerification:
    """Check the chain, then refold the log and compare every checkpoint's digests."""
    result = ReplayVerification()
    chain = store.verify()
    if not chain.ok:
        result.chain_ok = False
        result.chain_detail = f"seq {chain.first_bad_seq}: {chain.detail}"
        return result
    books = make_books()
    # Books read only seq, block, type, version and the event (`Projection.apply`): the
    # SQLite log's fold read fetches nothing else, and the chain was checked above.
    for record in store.fold_records():
        event = record.event
        if isinstance(event, CheckpointRecorded):
            if event.digest_scheme != DIGEST_SCHEME:
                result.earlier_schemes[event.digest_scheme] += 1
            else:
                result.checkpoints += 1
                if not event.digests:  # it vouches for nothing: a checkpoint compares books
                    result.mismatches.append(
                        CheckpointMismatch(event.label, record.seq, NO_DIGEST, "(none)", "-")
                    )
                _compare(result, books.by_name, event, record.seq)
        books.apply(record)
    return result


def _compare(
    result: ReplayVerification,
    by_name: Mapping[str, Projection],
    event: CheckpointRecorded,
    seq: int,
) -> None:
    for name, recorded in sorted(event.digests.items()):
        book = by_name.get(name)
        rebuilt = book.digest() if book is not None else "(unknown)"
        if rebuilt != recorded:
            result.mismatches.append(CheckpointMismatch(event.label, seq, name, recorded, rebuilt))
