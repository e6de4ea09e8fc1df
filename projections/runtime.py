"""The table of the books the ledger keeps, the read models over them, and the one fold loop.

Every fact has one owner, a book named in `PROJECTIONS`; read models (`READ_MODELS`: position
LTVs and the at-risk ranking) are functions over the books with no state of their own. `fold`
is the one loop every path uses (live updates, rebuilds, time travel, audits, reports): it is
`Books.fold`, which moves the books' position in the log and hands each record only to the
books that fold its type. It calls `on_record` after each record for callers that snapshot or
show progress; it does no I/O itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple, Protocol

from events.record import Record
from projections.alex_lending import AlexLending
from projections.alex_staking import AlexStaking
from projections.alphax_markets import AlphaxMarkets
from projections.balances import Balances
from projections.base import Projection, Table, Violation
from projections.books import Books
from projections.chain import ChainBook
from projections.fx_chain import FxChainBook
from projections.fx_pools import FxPools
from projections.governance import Governance
from projections.pools import Pools
from projections.positions import POSITIONS_NEEDS, Positions
from projections.prices import Prices
from projections.reserve import ReserveSolvency

ProjectionFactory = Callable[[], Projection]

PROJECTIONS: dict[str, ProjectionFactory] = {
    "balances": Balances,
    "prices": Prices,
    "reserve_solvency": ReserveSolvency,
    "pools": Pools,
    "fx_pools": FxPools,
    "alphax_markets": AlphaxMarkets,
    "alex_staking": AlexStaking,
    "governance": Governance,
    "alex_lending": AlexLending,
    "chain": ChainBook,
    "fx_chain": FxChainBook,
}
"""Every book the ledger keeps, by name, in the order they fold: the one owner of each fact."""


class ReadModel(Protocol):
    """Tables computed from the books when asked: no fold, snapshot or digest of its own."""

    name: str

    def tables(self) -> list[Table]: ...

    def violations(self) -> list[Violation]: ...


class ReadModelSpec(NamedTuple):
    make: Callable[[Books], ReadModel]
    needs: tuple[type[Projection], ...]
    """The books it reads (folded whenever the read model is asked for)."""


READ_MODELS: dict[str, ReadModelSpec] = {
    "positions": ReadModelSpec(Positions, POSITIONS_NEEDS),
}
"""Every read model, by name: what `state --projection` shows beside the books."""

Shown = Projection | ReadModel


def projection_names() -> list[str]:
    """The names `state --projection` takes: every book, then every read model."""
    return [*PROJECTIONS, *READ_MODELS]


def book_names(names: Sequence[str] | None = None) -> list[str]:
    """The books that `names` (books or read models; all books by default) need, in fold order."""
    if names is None:
        return list(PROJECTIONS)
    unknown = [name for name in names if name not in PROJECTIONS and name not in READ_MODELS]
    if unknown:
        raise KeyError(
            f"unknown projection(s) {', '.join(unknown)}; known: {', '.join(projection_names())}"
        )
    wanted = {name for name in names if name in PROJECTIONS}
    for name in names:
        if name in READ_MODELS:
            needed = READ_MODELS[name].needs
            wanted.update(book for book, make in PROJECTIONS.items() if make in needed)
    return [name for name in PROJECTIONS if name in wanted]


def make_books(names: Sequence[str] | None = None) -> Books:
    """Fresh, empty books for `names` (books or read models; all the books by default).

    A book read by another (`needs`) comes along, so the set is always complete.
    """
    return Books([PROJECTIONS[name]() for name in book_names(names)])


def make_projections(names: Sequence[str] | None = None) -> list[Projection]:
    """Fresh, empty instances of the named books (all of them by default)."""
    return list(make_books(names))


def shown(books: Books, names: Sequence[str] | None = None) -> list[Shown]:
    """What `names` asks to see: the books named (all by default) and the read models named."""
    if names is None:
        return [*books.books, *(spec.make(books) for spec in READ_MODELS.values())]
    return [
        READ_MODELS[name].make(books) if name in READ_MODELS else books.by_name[name]
        for name in names
    ]


def read_models(books: Books, names: Sequence[str] | None = None) -> list[ReadModel]:
    """The read models among `names` (all of them by default), over `books`."""
    chosen = list(READ_MODELS) if names is None else [n for n in names if n in READ_MODELS]
    return [READ_MODELS[name].make(books) for name in chosen]


def digest_of_shown(item: Shown) -> str | None:
    """A book's digest; None for a read model (computed from the books, no state of its own)."""
    digest = getattr(item, "digest", None)
    return digest() if callable(digest) else None


def fold(
    records: Iterable[Record],
    projections: Sequence[Projection] | Books,
    on_record: Callable[[Record], None] | None = None,
) -> Record | None:
    """Apply every record to the books, in order; return the last record folded.

    Given a plain list of books, they are folded as one set of `Books` (with the books they
    read added); given `Books`, their position moves too.
    """
    books = projections if isinstance(projections, Books) else Books(projections)
    return books.fold(records, on_record)
