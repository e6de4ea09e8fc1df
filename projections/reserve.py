"""Reserve-pool solvency: per token, balance, inflows by source, shortfalls, coverage.

Coverage ratio (bps) = reserve balance / shortfall outstanding, or None when nothing is owed.
"""

from __future__ import annotations

import msgspec

from events.base import Event
from events.record import Record
from events.reserve import (
    EmergencyIssued,
    ReserveCredited,
    ReserveDebited,
    ShortfallCovered,
    ShortfallReported,
)
from projections.base import Table, Violation, canonical_bytes, digest_of


class ReserveBook(msgspec.Struct):
    """One token's reserve pool."""

    balance: int = 0
    inflows: dict[str, int] = msgspec.field(default_factory=dict)
    shortfalls_reported: int = 0
    shortfalls_covered: int = 0
    emergency_alex_issued: int = 0
    outflows: dict[str, int] = msgspec.field(default_factory=dict)
    """Payments that are not shortfalls, by reason (staking principal, ...)."""

    @property
    def outstanding(self) -> int:
        return self.shortfalls_reported - self.shortfalls_covered

    def coverage_bps(self) -> int | None:
        """Balance over the shortfall outstanding, in bps (None: nothing is outstanding)."""
        if self.outstanding <= 0:
            return None
        return self.balance * 10_000 // self.outstanding


_RESERVE_EVENTS = frozenset(
    {ReserveCredited, ReserveDebited, ShortfallReported, ShortfallCovered, EmergencyIssued}
)


class _ReserveState(msgspec.Struct):
    books: dict[str, ReserveBook]
    violations: list[Violation]


class ReserveSolvency:
    name = "reserve_solvency"
    version = 2

    def __init__(self) -> None:
        self.books: dict[str, ReserveBook] = {}
        self._violations: list[Violation] = []

    def book(self, token: str) -> ReserveBook:
        found = self.books.get(token)
        if found is None:
            found = self.books[token] = ReserveBook()
        return found

    def folds(self, event_type: type[Event]) -> bool:
        return event_type in _RESERVE_EVENTS

    def apply(self, record: Record) -> None:
        event = record.event
        if type(event) is ReserveCredited:
            book = self.book(event.token)
            book.balance += event.amount
            book.inflows[event.source] = book.inflows.get(event.source, 0) + event.amount
        elif type(event) is ShortfallReported:
            self.book(event.token).shortfalls_reported += event.amount
        elif type(event) is ShortfallCovered:
            book = self.book(event.token)
            book.balance -= event.amount
            book.shortfalls_covered += event.amount
            if book.balance < 0:
                self._violations.append(
                    Violation(
                        "RESERVE_NEGATIVE", record.seq, f"reserve:{event.token} is {book.balance}"
                    )
                )
        elif type(event) is ReserveDebited:
            book = self.book(event.token)
            book.balance -= event.amount
            reason = event.reason.split(":", 1)[0]
            book.outflows[reason] = book.outflows.get(reason, 0) + event.amount
            if book.balance < 0:
                self._violations.append(
                    Violation(
                        "RESERVE_NEGATIVE", record.seq, f"reserve:{event.token} is {book.balance}"
                    )
                )
        elif type(event) is EmergencyIssued:
            book = self.book(event.token)
            book.balance += event.proceeds
            book.inflows["emergency-issuance"] = (
                book.inflows.get("emergency-issuance", 0) + event.proceeds
            )
            book.emergency_alex_issued += event.alex_amount

    def snapshot(self) -> bytes:
        return canonical_bytes(
            {"books": dict(sorted(self.books.items())), "violations": self._violations}
        )

    def restore(self, data: bytes) -> None:
        state = msgspec.json.decode(data, type=_ReserveState)
        self.books = state.books
        self._violations = state.violations

    def digest(self) -> str:
        return digest_of(self.snapshot())

    def tables(self) -> list[Table]:
        rows = [
            (
                token,
                book.balance,
                book.shortfalls_reported,
                book.shortfalls_covered,
                book.outstanding,
                book.emergency_alex_issued,
                book.coverage_bps(),
            )
            for token, book in sorted(self.books.items())
        ]
        inflows = [
            (token, source, amount)
            for token, book in sorted(self.books.items())
            for source, amount in sorted(book.inflows.items())
        ]
        outflows = [
            (token, reason, amount)
            for token, book in sorted(self.books.items())
            for reason, amount in sorted(book.outflows.items())
        ]
        return [
            Table(
                "reserve_solvency",
                (
                    "token",
                    "balance",
                    "shortfalls_reported",
                    "shortfalls_covered",
                    "shortfall_outstanding",
                    "emergency_alex_issued",
                    "coverage_bps",
                ),
                rows,
                key_columns=("token",),
            ),
            Table(
                "reserve_inflows",
                ("token", "source", "amount"),
                inflows,
                key_columns=("token", "source"),
            ),
            Table(
                "reserve_outflows",
                ("token", "reason", "amount"),
                outflows,
                key_columns=("token", "reason"),
            ),
        ]

    def violations(self) -> list[Violation]:
        return list(self._violations)
