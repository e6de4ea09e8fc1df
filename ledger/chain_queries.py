"""Questions about imported chain history: the records of a transaction, the state after it.

A chain transaction is named by its hash (a Stacks transaction by its tx id); its facts carry it
in their provenance, or for Stacks prints in their event ids, after the transaction's
`StacksTransactionImported` (`events.chain.transaction_of`). The log has no index on it (it is
inside the payload or the id), so these read the log once; a record's retraction
(`ledger.reorg`) is reported with it, and the state after a transaction skips retracted records.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from events.chain import transaction_of
from events.record import Record
from ledger.reorg import Retractions
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from projections.runtime import Shown, make_books, shown

if TYPE_CHECKING:
    from ledger.postgres_store import PostgresStore


def of_transaction(tx_hash: str | None) -> str | None:
    return tx_hash.lower() if tx_hash else None


def in_transaction(record: Record, tx_hash: str | None) -> bool:
    """Whether `record` is a fact of chain transaction `tx_hash` (any record when None)."""
    if tx_hash is None:
        return True
    return transaction_of(record.event, record.event_id) == tx_hash


def transaction_records(
    store: SqliteStore | PostgresStore, where: ReadFilter, tx_hash: str | None
) -> Iterator[tuple[Record, bool]]:
    """Records matching `where` (and of `tx_hash`), each with whether it is retracted."""
    retractions = Retractions.load(store)
    wanted = of_transaction(tx_hash)
    for record in store.read(where):
        if in_transaction(record, wanted):
            yield record, bool(retractions) and retractions.is_retracted(record)


def holds_transaction(store: SqliteStore | PostgresStore, tx_hash: str) -> bool:
    """Whether the log holds any fact of `tx_hash`, retracted or not, in any block."""
    return next(transaction_records(store, ReadFilter(), tx_hash), None) is not None


def state_after_transaction(
    store: SqliteStore | PostgresStore, names: Sequence[str] | None, tx_hash: str
) -> list[Shown] | None:
    """The projections just after the last canonical fact of `tx_hash`; None if it has none."""
    wanted = of_transaction(tx_hash)
    last = 0
    for record, retracted in transaction_records(store, ReadFilter(), wanted):
        if not retracted:
            last = record.seq
    if last == 0:
        return None
    retractions = Retractions.load(store)
    books = make_books(names)
    for batch in store.fold_batches(1, last):
        books.fold(retractions.keep(batch))
    return shown(books, names)
