"""Reserve pools, one book per protocol, purpose and token: what each holds, what it owes.

Books are keyed `<token>` for the ALEX reserve pool and `<reserve>:<token>` for another
protocol's (`fx:<token>`, the f(x) reserve for liquidation bonuses), so one protocol's claims
never count against another's assets.

Staked principal sits in the ALEX reserve account (the contract counts it there), but it is
the stakers', not the reserve's: `principal` holds it apart, and `free_balance` (what can cover
a shortfall or be distributed) is the balance less the principal. Shortfalls are owed per
beneficiary (`owed`), emergency issuance is counted per approving proposal (`issued`).

Coverage against the exposure a reserve backs (CRP debt at risk at the current price, plus
what is owed) is a read model over this book, the lending book and prices:
`projections.solvency`. `coverage_bps` here is the free balance over what is owed only.
"""

from __future__ import annotations

import msgspec

from events.base import Event
from events.record import Record
from events.reserve import (
    EMERGENCY_SOURCE,
    EmergencyIssued,
    ReserveCredited,
    ReserveDebited,
    ShortfallCovered,
    ShortfallReported,
    reserve_key,
)
from projections.base import Table, Violation, canonical_bytes, digest_of
from projections.reserve_tables import reserve_tables

STAKING_SOURCE = "staking"
"""Source prefix of a stake credited to the reserve (`staking:<token>`): principal, held apart."""
PRINCIPAL_REASON = "staking-principal"
"""Reason prefix of a principal handed back (`events.alex.STAKING_PRINCIPAL_REASON`)."""


class ReserveBook(msgspec.Struct):
    """One reserve pool of one token."""

    balance: int = 0
    inflows: dict[str, int] = msgspec.field(default_factory=dict)
    shortfalls_reported: int = 0
    shortfalls_covered: int = 0
    emergency_alex_issued: int = 0
    outflows: dict[str, int] = msgspec.field(default_factory=dict)
    """Payments that are not shortfalls, by reason (staking principal, distributions, ...)."""
    principal: int = 0
    """Stakers' principal the account holds for them: not the reserve's to spend."""
    owed: dict[str, int] = msgspec.field(default_factory=dict)
    """Shortfall outstanding per beneficiary."""
    issued: dict[str, int] = msgspec.field(default_factory=dict)
    """ALEX issued per approving proposal."""

    @property
    def outstanding(self) -> int:
        return self.shortfalls_reported - self.shortfalls_covered

    @property
    def free_balance(self) -> int:
        """What the reserve may spend: its balance less the stakers' principal."""
        return self.balance - self.principal

    def coverage_bps(self) -> int | None:
        """Free balance over the shortfall outstanding, in bps (None: nothing is owed)."""
        if self.outstanding <= 0:
            return None
        return max(self.free_balance, 0) * 10_000 // self.outstanding


_RESERVE_EVENTS = frozenset(
    {ReserveCredited, ReserveDebited, ShortfallReported, ShortfallCovered, EmergencyIssued}
)


class _ReserveState(msgspec.Struct):
    books: dict[str, ReserveBook]
    violations: list[Violation]


def _add(into: dict[str, int], key: str, amount: int) -> None:
    left = into.get(key, 0) + amount
    if left:
        into[key] = left
    else:
        into.pop(key, None)


class ReserveSolvency:
    name = "reserve_solvency"
    version = 3

    def __init__(self) -> None:
        self.books: dict[str, ReserveBook] = {}
        self._violations: list[Violation] = []

    def book(self, token: str, reserve: str = "") -> ReserveBook:
        """The book of `token` in reserve pool `reserve` (the ALEX reserve by default)."""
        key = reserve_key(token, reserve)
        found = self.books.get(key)
        if found is None:
            found = self.books[key] = ReserveBook()
        return found

    def issued_by_approval(self, proposal_id: str) -> int:
        """ALEX issued so far under one proposal's approval, across every reserve."""
        return sum(book.issued.get(proposal_id, 0) for book in self.books.values())

    def folds(self, event_type: type[Event]) -> bool:
        return event_type in _RESERVE_EVENTS

    def apply(self, record: Record) -> None:
        event = record.event
        if type(event) is ReserveCredited:
            self._credit(self.book(event.token, event.reserve), event.source, event.amount)
        elif type(event) is ShortfallReported:
            book = self.book(event.token, event.reserve)
            book.shortfalls_reported += event.amount
            _add(book.owed, event.beneficiary, event.amount)
        elif type(event) is ShortfallCovered:
            book = self.book(event.token, event.reserve)
            book.balance -= event.amount
            book.shortfalls_covered += event.amount
            _add(book.owed, event.beneficiary, -event.amount)
            self._check(book, record.seq, event.token)
        elif type(event) is ReserveDebited:
            book = self.book(event.token, event.reserve)
            book.balance -= event.amount
            reason = event.reason.split(":", 1)[0]
            _add(book.outflows, reason, event.amount)
            if reason == PRINCIPAL_REASON:
                book.principal -= event.amount
            self._check(book, record.seq, event.token)
        elif type(event) is EmergencyIssued:
            book = self.book(event.token, event.reserve)
            book.emergency_alex_issued += event.alex_amount
            _add(book.issued, event.approval or "(none)", event.alex_amount)
            if not event.sold_through:  # else the proceeds arrive by a ReserveCredited
                self._credit(book, EMERGENCY_SOURCE, event.proceeds)

    def _credit(self, book: ReserveBook, source: str, amount: int) -> None:
        book.balance += amount
        _add(book.inflows, source, amount)
        if source.split(":", 1)[0] == STAKING_SOURCE:
            book.principal += amount

    def _check(self, book: ReserveBook, seq: int, token: str) -> None:
        if book.balance < 0:
            self._violations.append(
                Violation("RESERVE_NEGATIVE", seq, f"reserve of {token} is {book.balance}")
            )

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
        return reserve_tables(self.books)

    def violations(self) -> list[Violation]:
        return list(self._violations)
