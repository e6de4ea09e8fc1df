"""The books: one owner per fact, one position in the log, one fold loop.

    books = Books([Balances(), Prices(), FxPools()])
    books.fold(store.fold_records())
    books.position.seq, books.position.block      # where in the log the books are
    books.get(Balances).balance("alice", "USDC")

Each fact the protocols record has exactly one book that folds it (the table of books is
`projections.runtime.PROJECTIONS`). The books as a whole own the position in the log: a book
whose answers depend on the block (a proposal's status, a yield token's time to maturity) reads
`position.block` when it is asked, instead of being handed every record to learn the block. A
book that reads another book (lending reads prices and decimals) names it in `needs` and gets
it in `attach`, so the fact is kept once and read where it is needed.

`Books.apply` is the one fold step: every path that folds (the engine, the projector's views,
snapshots and `state_at`, verify, audit, reports, replays) goes through it, so they cannot
drift apart. A record goes only to the books that fold its type (`routing.Router`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

from events.record import Record
from projections.base import Projection
from projections.routing import Router, Selective

BookT = TypeVar("BookT")

DIGEST_SCHEME = 4
"""What the books' digests mean. 1: each projection re-encoded whole, `positions` a projection
of its own and block-dependent books keeping the last block in their state. 2: one owner per
fact (read models have no digest), the position in the log kept by the books, not in a digest,
and big books digested as trees of per-part digests kept current as they fold
(`projections.digests`). 3: as 2, and the f(x) book's digest covers which walk ended each
tick node (`FxPools.ended`: liquidated, redeemed or rebalanced). 4: as 3, with the
per-part trees over chunks of consecutive int keys holding the entries' encodings, an f(x)
pool's nodes, positions and ticks under one tree (keys tagged by kind), the rest of the f(x)
book hashed apart from its pools, and balances hashed as asset -> account -> amount.
Checkpoints record it, so digests of another scheme are named as such, never compared."""


class LogPosition:
    """The seq and block of the last record the books folded (0, 0: nothing yet)."""

    __slots__ = ("block", "seq")

    def __init__(self, seq: int = 0, block: int = 0) -> None:
        self.seq = seq
        self.block = block

    def __repr__(self) -> str:
        return f"LogPosition(seq={self.seq}, block={self.block})"


@runtime_checkable
class Attaches(Protocol):
    """A book that reads the position in the log, or other books, when it is asked."""

    def attach(self, books: Books) -> None:
        """Keep what this book reads of `books` (its position, the books it `needs`)."""
        ...


class Books:
    """A set of books folded together, at one position in the log (see the module docstring)."""

    def __init__(self, books: Sequence[Projection], position: LogPosition | None = None) -> None:
        chosen = list(books)
        present = {type(book) for book in chosen}
        for book in list(chosen):
            for needed in getattr(book, "needs", ()):
                if needed not in present:
                    # A book read by another is folded with it, before it.
                    chosen.insert(0, needed())
                    present.add(needed)
        self.books: list[Projection] = chosen
        self.position = position if position is not None else LogPosition()
        self.by_name: dict[str, Projection] = {book.name: book for book in chosen}
        self.by_type: dict[type[Any], Projection] = {type(book): book for book in chosen}
        self.reattach()
        router = Router(chosen)
        self._route = router.route
        self._routed = router.names
        self._digested: dict[str, str] = {}
        """Each book's digest as of the last `digests()`, while only `apply` has run since."""
        self._applied: set[str] = set()
        """The books `apply` handed a record to since the last `digests()`."""
        alone = chosen[0] if len(chosen) == 1 else None
        self._alone: Callable[[Record], None] | None = (
            alone.apply
            if alone is not None and not isinstance(alone, (Selective, Attaches))
            else None
        )

    def reattach(self) -> None:
        """Point every book that reads the position or other books at these books."""
        for book in self.books:
            if isinstance(book, Attaches):
                book.attach(self)

    def __iter__(self) -> Any:
        return iter(self.books)

    def __len__(self) -> int:
        return len(self.books)

    def get(self, book_type: type[BookT]) -> BookT:
        found = self.by_type.get(book_type)
        if found is None:
            raise LookupError(f"no {book_type.__name__} book among {', '.join(self.by_name)}")
        result: BookT = found  # type: ignore[assignment]  # keyed by its own type
        return result

    def apply(self, record: Record) -> None:
        """The one fold step: move the position, hand the record to the books that fold it."""
        position = self.position
        position.seq = record.seq
        position.block = record.block
        kind = type(record.event)
        for apply in self._route(kind):
            apply(record)
        self._applied |= self._routed(kind)

    def fold(
        self, records: Iterable[Record], on_record: Callable[[Record], None] | None = None
    ) -> Record | None:
        """Apply every record in order; return the last record folded (None: none)."""
        last: Record | None = None
        position = self.position
        route = self._route
        self._digested.clear()  # a fold marks nothing: every digest is taken afresh
        if on_record is None and self._alone is not None:
            apply = self._alone  # one book that reads every record and not the position
            for last in records:
                apply(last)
            if last is not None:
                position.seq, position.block = last.seq, last.block
            return last
        if on_record is None:
            for last in records:
                position.seq = last.seq
                position.block = last.block
                for apply in route(type(last.event)):
                    apply(last)
        else:
            for last in records:
                position.seq = last.seq
                position.block = last.block
                for apply in route(type(last.event)):
                    apply(last)
                on_record(last)
        return last

    def snapshot(self) -> dict[str, bytes]:
        """Every book's snapshot, by name (with `position`, what `restore` takes back)."""
        return {book.name: book.snapshot() for book in self.books}

    def restore(self, states: dict[str, bytes], seq: int, block: int) -> None:
        """Put every book back to `states`, taken at (`seq`, `block`)."""
        self._digested.clear()
        for book in self.books:
            book.restore(states[book.name])
        self.position.seq = seq
        self.position.block = block

    def digests(self) -> dict[str, str]:
        """Every book's digest, by name. A book no record went to through `apply` since the
        last call keeps its digest (records only change the books they are routed to); a
        `fold` or a `restore` in between has every book digested afresh."""
        digested, applied = self._digested, self._applied
        for book in self.books:
            if book.name in applied or book.name not in digested:
                digested[book.name] = book.digest()
        applied.clear()
        return dict(digested)
