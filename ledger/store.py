"""The `EventStore` protocol: what every backend of the log honours.

A new backend is done when `tests/ledger/store_contract.py` passes against it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import msgspec

from events.record import Record
from ledger.batch import AppendResult, Head, NewEvent
from ledger.errors import StoreDamaged


class ReadFilter(msgspec.Struct, frozen=True, kw_only=True):
    """Which records a read returns; every bound is inclusive and optional."""

    from_seq: int = 1
    to_seq: int | None = None
    from_block: int | None = None
    to_block: int | None = None
    stream: str | None = None
    type: str | None = None


class VerifyReport(msgspec.Struct, frozen=True, kw_only=True):
    """The outcome of recomputing the whole chain."""

    ok: bool
    records: int
    """How many records were checked (up to the first bad one)."""
    first_bad_seq: int | None = None
    detail: str = ""
    head_hash: str = ""


def head_row_missing(records: int) -> VerifyReport:
    """`verify`'s finding on a log whose chain holds but whose head row is gone."""
    detail = f"the chain of {records:,} records holds, but the log_head row is missing"
    return VerifyReport(ok=False, records=records, first_bad_seq=records + 1, detail=detail)


def head_row_missing_error(where: object) -> StoreDamaged:
    """What reading the head of a log without its head row raises."""
    return StoreDamaged(
        f"{where} is damaged: its log_head row is missing; `defi-ledger verify` says how far "
        "its chain holds; restore the log from a copy"
    )


def refuse_missing_tables(where: object, missing: Sequence[str], tables: Sequence[str]) -> None:
    """Refuse a log that has lost some of its own `tables` (dropped by hand, say): every read
    would fail on them, and only a copy of the log can give them back."""
    if not missing:
        return
    lost = f"{', '.join(missing)} table" + (" is" if len(missing) == 1 else "s are")
    raise StoreDamaged(
        f"{where} is damaged: its {lost} missing (a log holds {', '.join(tables)}); "
        "restore the log from a copy"
    )


class EventStore(Protocol):
    def append(
        self,
        batch: Sequence[NewEvent],
        *,
        expected_head: int | None = None,
        idempotency_key: str | None = None,
    ) -> AppendResult:
        """Append the whole batch or nothing; refusals come back as `Rejected`."""
        ...

    def head(self) -> Head:
        """The last record's seq, block and hash (seq 0 when empty)."""
        ...

    def stream_version(self, stream: str) -> int:
        """The number of records in `stream` (0 when it has none)."""
        ...

    def read(self, where: ReadFilter | None = None) -> Iterator[Record]:
        """Records in seq order, decoded and upcast."""
        ...

    def fold_records(
        self, from_seq: int = 1, to_seq: int | None = None, to_block: int | None = None
    ) -> Iterator[Record]:
        """Records for projections to fold: like `read`, but a store may leave every field
        but `seq`, `block`, `type`, `version` and `event` 0, empty or None (projections read
        only those: `Projection.apply`)."""
        ...

    def verify(self) -> VerifyReport:
        """Recompute the whole chain and name the first bad seq."""
        ...

    def counts_by_type(self) -> dict[str, int]:
        """How many records of each event type."""
        ...

    def close(self) -> None: ...
