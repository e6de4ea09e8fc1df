"""The engine an import appends through: the books at the log's head, and an engine over a copy
of them, so every imported batch passes the admission `append` and commands pass
(`Engine.append_facts`), each batch checked on top of the last."""

from __future__ import annotations

from ledger.batch import Appended, NewEvent, Rejected
from ledger.engine import Engine
from ledger.projector import Projector
from ledger.stores import LogStore
from projections.books import Books


def books_and_engine(store: LogStore) -> tuple[Books, Engine]:
    """The books as the log has them (views caught up), and the engine that admits batches."""
    books = Projector(store).current_books()
    position = books.position
    return books, Engine(store, start=(position.seq, position.block, books.snapshot()))


def admit_batch(engine: Engine, batch: list[NewEvent]) -> Appended | Rejected:
    """Append `batch` through admission, refused if another writer moved the head meanwhile."""
    return engine.append_facts(batch, expected_head=engine.head.seq)
