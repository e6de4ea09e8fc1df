"""Books restored from stored states (views and snapshots), and where time travel starts each.

`restore_stored` restores a book from a view state or a snapshot, or names the state that
does not restore. `Projector.books_at(block)` wants each book after `last_seq`, the last
record of the block. Every book can restore the latest snapshot at or below it and fold the
records after. A book that folds backwards (`projections.base.FoldsBackwards`) can also
restore the first snapshot at or after `last_seq` and undo the records between, whichever
is fewer records: so the most it goes through is half the interval at which its snapshots
are taken, and they are taken half as often (`snapshot_interval`).
"""

from __future__ import annotations

from typing import Any, cast

import msgspec

from projections.base import FoldsBackwards, Projection
from projections.views import ViewMismatch


def snapshot_interval(book: Projection, every: int) -> int:
    """Records between two snapshots of `book` when the projector's interval is `every`: twice
    that for a book that folds backwards, whose time travel goes at most half-way either way."""
    return 2 * every if isinstance(book, FoldsBackwards) else every


def restore_near(
    store: Any, views: Any, book: Projection, block: int, last_seq: int
) -> tuple[int, int]:
    """Restore the fresh `book` for time travel to `last_seq` (the last record at or below
    `block`): returns the (seq, block) it is then at, from which the caller folds forward."""
    connection = store.connection
    backwards = isinstance(book, FoldsBackwards)
    below, above = views.snapshot_seqs_around(
        connection, book, block, last_seq if backwards else None
    )
    if backwards and above is not None and above - last_seq < last_seq - (below or 0):
        at = _undone_from_above(store, views, book, last_seq, above)
        if at is not None:
            return at
        book.restore(type(book)().snapshot())  # refused: from below, as any other book
    if below is None:
        return 0, 0
    saved = views.snapshot_at(connection, book, below)
    if saved is None:  # a PostgreSQL state that no longer matches its digest: refolded
        return 0, 0
    seq, state, at_block = saved
    restore_stored(book, state, "snapshot")
    return seq, at_block


def _undone_from_above(
    store: Any, views: Any, book: Projection, last_seq: int, above: int
) -> tuple[int, int] | None:
    """`book` restored from its snapshot at `above` and the records after `last_seq` undone:
    (last_seq, its block); None when the snapshot or a record cannot be used."""
    saved = views.snapshot_at(store.connection, book, above)
    if saved is None:
        return None
    records = [record for batch in store.fold_batches(last_seq, above) for record in batch]
    if not records or records[0].seq != last_seq:
        return None
    restore_stored(book, saved[1], "snapshot")
    if not cast(FoldsBackwards, book).unfold(records[1:]):
        return None
    return last_seq, records[0].block


#: What a book's `restore` raises on bytes that are not one of its states.
RESTORE_ERRORS = (msgspec.DecodeError, ValueError, TypeError, KeyError, IndexError, EOFError)


def restore_stored(book: Projection, state: bytes, what: str) -> None:
    """Restore `book` from a stored state, or raise `ViewMismatch` naming it (exit 3) when the
    bytes are not one of its states: SQLite checks a state against its stored digest before
    this, PostgreSQL keeps none, so an edited state there is caught here."""
    try:
        book.restore(state)
    except RESTORE_ERRORS as error:
        raise ViewMismatch(
            f"the stored {what} of {book.name} does not restore ({error}): edited or damaged; "
            "run `defi-ledger rebuild` to refold it from the log"
        ) from error
