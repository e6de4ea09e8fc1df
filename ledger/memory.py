"""The in-memory store: the same contract as SQLite, for tests and what-ifs that need no file."""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterator, Sequence

from events.record import Record
from events.rejections import RejectCode
from ledger.batch import (
    EMPTY_HEAD,
    Appended,
    AppendResult,
    Head,
    NewEvent,
    Rejected,
    StoreView,
    fingerprint,
    names_rejection,
    prepare,
)
from ledger.chain import ChainWalker, Row
from ledger.clock import Clock, SystemClock
from ledger.rows import check_idempotent_retry, row_matches, row_to_record
from ledger.store import ReadFilter, VerifyReport


class MemoryStore:
    """Rows in a list; `rows` is public so tests can tamper with them."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or SystemClock()
        self.rows: list[Row] = []
        self._stream_versions: dict[str, int] = {}
        self._event_ids: set[str] = set()
        self._idempotency: dict[str, tuple[str, Appended]] = {}

    def head(self) -> Head:
        if not self.rows:
            return EMPTY_HEAD
        last = self.rows[-1]
        return Head(last[0], last[1], last[11])

    def stream_version(self, stream: str) -> int:
        return self._stream_versions.get(stream, 0)

    def append(
        self,
        batch: Sequence[NewEvent],
        *,
        expected_head: int | None = None,
        idempotency_key: str | None = None,
    ) -> AppendResult:
        rejected = names_rejection(batch, idempotency_key)
        if rejected is not None:
            return rejected
        batch_fingerprint = fingerprint(batch) if idempotency_key is not None else ""
        if idempotency_key is not None and idempotency_key in self._idempotency:
            return check_idempotent_retry(
                idempotency_key, batch_fingerprint, *self._idempotency[idempotency_key]
            )
        head = self.head()
        if expected_head is not None and expected_head != head.seq:
            return Rejected(
                code=RejectCode.HEAD_CONFLICT,
                detail=f"log head is {head.seq}, expected {expected_head}",
            )
        view = StoreView(head, self.stream_version, self._event_ids.__contains__)
        prepared = prepare(batch, view, self.clock.now_ms(), idempotency_key)
        if isinstance(prepared, Rejected):
            return prepared
        self.rows.extend(prepared)
        for row in prepared:
            self._stream_versions[row[3]] = row[4]
            self._event_ids.add(row[8])
        result = Appended(
            first_seq=prepared[0][0], last_seq=prepared[-1][0], head_hash=prepared[-1][11]
        )
        if idempotency_key is not None:
            self._idempotency[idempotency_key] = (batch_fingerprint, result)
        return result

    def read(self, where: ReadFilter | None = None) -> Iterator[Record]:
        where = where or ReadFilter()
        start = bisect.bisect_left(self.rows, where.from_seq, key=lambda row: row[0])
        for row in self.rows[start:]:
            if where.to_seq is not None and row[0] > where.to_seq:
                break
            if row_matches(row, where):
                yield row_to_record(row)

    def fold_records(
        self, from_seq: int = 1, to_seq: int | None = None, to_block: int | None = None
    ) -> Iterator[Record]:
        """In memory the full records cost nothing extra: the same as `read`."""
        return self.read(ReadFilter(from_seq=from_seq, to_seq=to_seq, to_block=to_block))

    def verify(self) -> VerifyReport:
        walker = ChainWalker()
        for count, row in enumerate(self.rows):
            broken = walker.feed(row)
            if broken is not None:
                return VerifyReport(
                    ok=False, records=count, first_bad_seq=broken.seq, detail=broken.detail
                )
        return VerifyReport(ok=True, records=len(self.rows), head_hash=walker.prev_hash)

    def counts_by_type(self) -> dict[str, int]:
        return dict(sorted(Counter(row[5] for row in self.rows).items()))

    def close(self) -> None:
        return None
