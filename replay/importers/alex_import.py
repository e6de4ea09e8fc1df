"""`import_stacks`: ALEX prints from Stacks API event pages into the log, once each.

Prints are replayed oldest first: by block height, then by the transaction's `tx_index` when the
item gives it, else by reverse position in the files (the API lists events newest first), then
by event index. A mapped print needs its block height: the contract event pages
(`/extended/v1/contract/{id}/events`) do not carry one, so such a file is refused as a whole
(`MissingBlockHeight`, nothing appended) and the user exports the events with their heights
(items with `block_height`, or embedding their `tx`, as the transaction endpoints give them).
A print that makes no fact needs none.

Each fact made from a print has the event id `stacks:<tx>:<event index>[:<part>]`, so a print
imported before (the log holds its first fact) is counted as a duplicate and appends nothing
again, and the audit names a finding's transaction and event index. A transaction's facts follow
a `StacksTransactionImported`, their provenance: the chain (from the contract's address), block
height, block hash and `tx_index` when the items give them (else recorded as unknown), the
transaction id and the prints' event indexes; `log`, `state` and `audit --tx` find them by it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from events.alex_pools import (
    StacksTransactionImported,
    stacks_network,
    stacks_print_id,
    stacks_transaction_id,
)
from events.base import Event
from ledger.batch import Appended, NewEvent, Rejected
from ledger.engine import Engine
from ledger.stores import LogStore
from projections.balances import Balances
from projections.pools import Pools
from replay.importers.admitted import admit_batch, books_and_engine
from replay.importers.alex import KIND, AlexPrintMapper, is_pool_print
from replay.importers.logs import LogFormatError
from replay.importers.pool_state import PoolHint
from replay.importers.stacks_api import StacksPrint, read_stacks_pages

if TYPE_CHECKING:
    from replay.importers.core import ImportResult

BATCH_FACTS = 20_000
OUTCOMES = ("mapped", "unmapped", "duplicate")


class MissingBlockHeight(LogFormatError):
    """ALEX pool prints without a block height: the file cannot be placed on the chain."""


def chronological(prints: list[StacksPrint]) -> list[StacksPrint]:
    """The prints oldest first (see the module docstring)."""
    first_seen: dict[str, int] = {}
    for position, found in enumerate(prints):
        first_seen.setdefault(found.tx_id, position)

    def key(found: StacksPrint) -> tuple[int, int, int]:
        height = -1 if found.block_height is None else found.block_height
        order = found.tx_index if found.tx_index is not None else -first_seen[found.tx_id]
        return height, order, found.event_index

    return sorted(prints, key=key)


def transactions(prints: Iterable[StacksPrint]) -> Iterator[list[StacksPrint]]:
    group: list[StacksPrint] = []
    for found in prints:
        if group and found.tx_id != group[0].tx_id:
            yield group
            group = []
        group.append(found)
    if group:
        yield group


def _read(files: Iterable[Path]) -> list[StacksPrint]:
    prints = [found for path in files for found in read_stacks_pages(path)]
    missing = [
        found for found in prints if found.block_height is None and is_pool_print(found.value)
    ]
    if missing:
        first = missing[0]
        raise MissingBlockHeight(
            f"{len(missing)} ALEX pool prints have no block_height (first: tx {first.tx_id} "
            f"event {first.event_index}); export the events with their block heights "
            "(items with `block_height`, or with their `tx`)"
        )
    return prints


def import_stacks(
    store: LogStore,
    files: Iterable[Path],
    result: ImportResult,
    hints: dict[str, PoolHint],
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Map the ALEX prints in `files` to facts and append them (see the module docstring)."""
    prints = _read(files)
    result.logs += len(prints)
    books, engine = books_and_engine(store)
    mapper = AlexPrintMapper(books.get(Pools), set(books.get(Balances).decimals), hints)
    taken: set[str] = set()
    batch: list[NewEvent] = []
    for group in transactions(chronological(prints)):
        fresh = _fresh(store, group, taken, mapper)
        batch.extend(_new_events(mapper.map_tx(fresh), store.head().block))
        if progress is not None:
            progress(len(group))
        if len(batch) >= BATCH_FACTS:
            appended, batch = _append(engine, batch, result), []
            if not appended:
                break
    if batch:
        _append(engine, batch, result)
    counts = mapper.outcomes.counts
    result.counts = {
        kind: {key: counter.get(key, 0) for key in OUTCOMES} for kind, counter in counts.items()
    }
    result.unmapped_reasons = dict(sorted(mapper.outcomes.reasons.items()))
    result.head_seq = store.head().seq
    return result


def _fresh(
    store: LogStore, group: list[StacksPrint], taken: set[str], mapper: AlexPrintMapper
) -> list[StacksPrint]:
    """The prints of a transaction not imported before (the others counted as duplicates)."""
    fresh = []
    for found in group:
        first_id = stacks_print_id(found.tx_id, found.event_index)
        if first_id in taken or store.has_event_id(first_id):
            mapper.outcomes.add(KIND, "duplicate")
        else:
            taken.add(first_id)
            fresh.append(found)
    return fresh


def _new_events(facts: list[tuple[Event, StacksPrint]], floor: int) -> Iterator[NewEvent]:
    """A transaction's facts after its provenance, each at its print's block (never below the
    log head's), with its event id."""
    if not facts:
        return
    prints = sorted({found.event_index: found for _, found in facts}.items())
    first = prints[0][1]
    yield NewEvent(
        event=StacksTransactionImported(
            chain=stacks_network(first.contract_id),
            block=first.block_height or 0,
            block_hash=next((found.block_hash for _, found in prints if found.block_hash), None),
            tx_id=first.tx_id,
            tx_index=first.tx_index,
            event_indexes=[index for index, _ in prints],
        ),
        block=max(first.block_height or 0, floor),
        event_id=stacks_transaction_id(first.tx_id, first.event_index),
    )
    parts: dict[tuple[str, int], int] = {}
    for fact, found in facts:
        where = (found.tx_id, found.event_index)
        part = parts.get(where, 0)
        parts[where] = part + 1
        yield NewEvent(
            event=fact,
            block=max(found.block_height or 0, floor),
            event_id=stacks_print_id(found.tx_id, found.event_index, part),
        )


def _append(engine: Engine, batch: list[NewEvent], result: ImportResult) -> bool:
    """Append one batch through admission; False (and the refusal, naming the print of the
    fact refused, in `result`) when it is refused."""
    appended = admit_batch(engine, batch)
    if isinstance(appended, Rejected):
        index = appended.index
        if index is not None and 0 <= index < len(batch):
            where = batch[index].event_id
            appended = Rejected(
                code=appended.code, detail=f"{where}: {appended.detail}", index=index
            )
        result.rejected = appended
        return False
    assert isinstance(appended, Appended)
    result.facts_appended += len(batch)
    return True
