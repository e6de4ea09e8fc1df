"""The `Projection` protocol, invariant violations as values, and canonical digests.

A projection folds records into state: the same records in the same order give the same
state, byte for byte. It does no I/O and reads no clock. It can `snapshot()` its state to
bytes, `restore()` from them, and report a `digest()` of its canonical encoding.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256
from typing import Any, Protocol, runtime_checkable

import msgspec

from events.record import Record

_canonical = msgspec.json.Encoder(order="deterministic")


class Violation(msgspec.Struct, frozen=True):
    """A broken invariant, recorded rather than raised, so a replay never stops halfway."""

    code: str
    seq: int
    detail: str


class Table(msgspec.Struct, frozen=True):
    """A projection's state as one plain table: what views, exports and `state` show."""

    name: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    key_columns: tuple[str, ...] = ()
    """The columns that identify a row (the view's primary key)."""


class Projection(Protocol):
    name: str
    version: int
    """Bumped whenever the state's shape or meaning changes: older snapshots are ignored."""

    def apply(self, record: Record) -> None:
        """Fold one record (records the projection does not care about are ignored).

        A projection reads the record's `seq`, `block`, `type`, `version` and `event`, and
        nothing else: folds read the log without the other fields (`SqliteStore.fold_batches`
        leaves them 0 or empty), and the engine applies records without ids or hashes.
        """
        ...

    def snapshot(self) -> bytes:
        """The whole state as bytes that `restore` reads back into an equal state.

        A snapshot is a cache: it may follow the order the state was built in (which the log
        determines) rather than a canonical one; `digest()` hashes the canonical encoding.
        """
        ...

    def restore(self, data: bytes) -> None:
        """Replace the state with one from `snapshot()`."""
        ...

    def digest(self) -> str:
        """sha256 of the canonical encoding (hex)."""
        ...

    def tables(self) -> list[Table]:
        """The state as plain tables (amounts as ints)."""
        ...

    def violations(self) -> list[Violation]:
        """Invariants broken so far, in the order found."""
        ...


@runtime_checkable
class SnapshotsInParts(Protocol):
    """A projection whose snapshot comes in parts, some of which stay the same for long
    stretches of the log (an asset's accounts): stored snapshots keep each part once."""

    def snapshot_parts(self) -> list[bytes]:
        """`snapshot()` cut into parts: their concatenation is exactly `snapshot()`."""
        ...


@runtime_checkable
class FoldsBackwards(Protocol):
    """A projection that can undo the last records it folded, so time travel may restore the
    snapshot just above a block and undo the records back down to it (`Projector.books_at`).
    Its snapshots are taken half as often as the others' for the same records folded at most
    (`ledger.restore.snapshot_interval`)."""

    def unfold(self, records: Sequence[Record]) -> bool:
        """Undo `records`, the last ones folded (given in log order): the state is then the
        one the fold that stopped before them gives, byte for byte. Returns False, with the
        state untouched, when that cannot be made sure of; the caller then folds forward.
        """
        ...


def snapshot_parts(projection: Projection) -> list[bytes]:
    """A projection's snapshot in the parts it stores in (one part unless it has parts)."""
    if isinstance(projection, SnapshotsInParts):
        return projection.snapshot_parts()
    return [projection.snapshot()]


class RanksRisk(Protocol):
    """A projection that can rank its rows by risk (the CLI's `state --at-risk N`)."""

    def at_risk(self, limit: int) -> Table:
        """The `limit` riskiest rows, closest to their line first."""
        ...


class AnswersAtBlock(Protocol):
    """A projection whose tables depend on the block asked about (e.g. a proposal's status),
    not only on the records folded: its state stays block-independent."""

    def tables_at(self, block: int) -> list[Table]:
        """The tables as seen at `block`."""
        ...


class HasTables(Protocol):
    """Anything that shows its state as tables: a book or a read model over the books."""

    def tables(self) -> list[Table]: ...


def tables_at(projection: HasTables, block: int | None) -> list[Table]:
    """The projection's tables at `block` where it answers by block, else its plain tables."""
    answer = getattr(projection, "tables_at", None)
    if block is not None and callable(answer):
        tables: list[Table] = answer(block)
        return tables
    return projection.tables()


def canonical_bytes(value: Any) -> bytes:
    """The one canonical encoding of projection state (sorted keys, ints of any size)."""
    return _canonical.encode(value)


canonical_encode = _canonical.encode
"""`canonical_bytes` itself, for loops that call it per entry (no wrapper call)."""


def digest_of(data: bytes) -> str:
    return sha256(data).hexdigest()
