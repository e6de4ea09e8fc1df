"""`import_logs`: chain logs from files into the log, once each, surviving reorganisations.

    result = import_logs(store, [Path("logs.json")], format="etl-json", token_list=path)

Logs are read in file order and taken a transaction at a time. Each block is checked against
the blocks the log holds (the `chain` projection): the same block with the same hash and a log
index not above the last one taken is a duplicate (a re-import appends nothing); the same block
with another hash is a reorganisation: a `BlocksRetracted` for the blocks from there up is
appended, the books are rolled back (`ledger.reorg`) and the new blocks follow; a block below
the log's head that it never held cannot be placed and is reported. Within one import, logs
are taken in block and log-index order: a transaction that comes before logs the import read
already (a file not sorted, files given newest first, two transactions of a block swapped) is
refused by its file and record (`OutOfOrder`), since counted as a duplicate or as a block never
held it would be lost; a log read again, and a block read again with another hash (a
reorganisation), pass. Facts are appended in
batches, each opened by a `BlocksImported` that records every block read (quiet ones too), so
a later import knows them. Each batch goes in through `Engine.append_facts`, as `append`'s
facts do: every fact is admitted against the books as the facts before it leave them (no
overdraft of an account with a known balance, no LP out of its issuer but by a mint, every
asset registered once; `ledger.admission`). A batch refused there or by the store stops the
import with the named refusal and nothing of it is appended; what was appended before it
stays. What the books cannot check for want of knowledge (a holder with no known balance, a
pool's unknown LP supply) is not a refusal: it is recorded as unknown and `audit` reports it.

A block is taken whole, in log order: two exports of the same blocks filtered by different
addresses are one file to import (merge them by block and log index first), since a log at
or below the last index taken from its block counts as imported.
"""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterable, Iterator
from itertools import pairwise
from pathlib import Path

import msgspec

from events.base import Event
from events.chain import (
    BlocksImported,
    BlocksRetracted,
    ImportedBlock,
    OrphanedBlock,
    provenance_of,
)
from ledger.batch import Appended, NewEvent, Rejected
from ledger.stores import LogStore
from projections.balances import Balances
from projections.chain import ChainBook
from projections.fx_chain import FxChainBook
from projections.pools import Pools
from replay.importers.admitted import admit_batch, books_and_engine
from replay.importers.alex_import import import_stacks
from replay.importers.fx import ChainMappers, FxMapper, kind_of
from replay.importers.holders import Holders
from replay.importers.logs import (
    ChainLog,
    LogFormatError,
    check_text,
    read_etl_csv,
    read_etl_jsonl,
    read_rpc,
)
from replay.importers.outcomes import Outcomes
from replay.importers.pool_state import ChainState, load_state
from replay.importers.token_list import ListedToken, load_token_list
from replay.importers.uniswap_v2 import UniswapV2Mapper

READERS: dict[str, Callable[[Path], Iterator[ChainLog]]] = {
    "etl-json": read_etl_jsonl,
    "etl-csv": read_etl_csv,
    "rpc-json": read_rpc,
}
BATCH_FACTS = 20_000


class ImportResult(msgspec.Struct, kw_only=True):
    """What an import did: per log kind, how many were mapped, unmapped or duplicates."""

    logs: int = 0
    facts_appended: int = 0
    counts: dict[str, dict[str, int]] = msgspec.field(default_factory=dict)
    unmapped_reasons: dict[str, int] = msgspec.field(default_factory=dict)
    reorgs: list[dict[str, int]] = msgspec.field(default_factory=list)
    rejected: Rejected | None = None
    head_seq: int = 0


class _Importer:
    def __init__(
        self,
        store: LogStore,
        chain_id: int,
        tokens: dict[str, ListedToken],
        fee_bps: int,
        state: ChainState,
    ) -> None:
        self.store, self.chain_id, self.tokens, self.fee_bps = store, chain_id, tokens, fee_bps
        self.state = state
        self.result = ImportResult()
        self.outcomes = Outcomes()
        self.pending: list[NewEvent] = []
        self.read_blocks: dict[int, ImportedBlock] = {}
        self.first_taken: dict[int, tuple[int, int]] = {}
        """Blocks this import began: the log index it began each at, its last transaction's
        index."""
        self.run_top: int | None = None
        """The highest block this import has read (None before its first log)."""
        self._load()

    def _load(self) -> None:
        """The books as the log has them (views caught up, any retraction rolled back)."""
        books, self.engine = books_and_engine(self.store)
        chain, pools, fx_book = books.get(ChainBook), books.get(Pools), books.get(FxChainBook)
        self.blocks = dict(chain.blocks.get(self.chain_id, {}))
        self.settled_through = chain.settled_through(self.chain_id)
        self.head = chain.head_block(self.chain_id)
        outcomes = self.outcomes
        holdings = books.get(Balances).holdings
        holders = Holders(
            self.chain_id,
            self.state.balances,
            lambda account, asset: account in holdings.get(asset, {}),
        )
        tokens = UniswapV2Mapper(
            self.chain_id, self.tokens, pools, chain.assets, self.fee_bps, self.state.pools, holders
        )
        tokens.outcomes = outcomes
        fx = FxMapper(self.chain_id, fx_book, outcomes, tokens.provenance)
        self.mapper = ChainMappers(tokens, fx)
        self.floor = self.store.head().block

    def take(self, logs: list[ChainLog]) -> None:
        """One transaction's logs (all in one block)."""
        first = logs[0]
        self._check_order(logs)
        self.result.logs += len(logs)
        if first.block <= self.settled_through:
            self._duplicates(logs)  # settled long ago: no reorganisation reaches it
            return
        known = self.blocks.get(first.block)
        if known is not None and known[0] != first.block_hash:
            self._reorganise(first.block)
            known = None
        head = self.head
        if known is not None:
            fresh = [log for log in logs if log.log_index > known[1]]
            self._duplicates(logs[: len(logs) - len(fresh)])
            if fresh and first.block != head:
                self._refuse(fresh, "block below the log's head, partly imported already")
                return
            logs = fresh
        elif head is not None and first.block < head:
            self._refuse(logs, "block below the log's head that the log never held")
            return
        if not logs:
            return
        if known is None:
            self.first_taken[first.block] = (logs[0].log_index, first.tx_index)
        elif first.block in self.first_taken:
            self.first_taken[first.block] = (self.first_taken[first.block][0], first.tx_index)
        self.blocks[first.block] = (first.block_hash, logs[-1].log_index)
        self.head = first.block if head is None else max(head, first.block)
        self.read_blocks[first.block] = ImportedBlock(
            first.block, first.block_hash, logs[-1].log_index
        )
        block = max(first.block, self.floor)
        self.pending.extend(NewEvent(event=fact, block=block) for fact in self.mapper.map_tx(logs))
        if len(self.pending) >= BATCH_FACTS:
            self.flush()

    def _check_order(self, logs: list[ChainLog]) -> None:
        """Refuse logs that come before ones this import read already (`OutOfOrder`): taken
        as they come, they were counted as duplicates or as blocks the log never held. A log
        read again, a block the log settled long ago and a reorganised block pass."""
        first, last, top = logs[0], logs[-1], self.run_top
        if any(later.log_index <= log.log_index for log, later in pairwise(logs)):
            raise OutOfOrder(first, "the log indexes of its transaction do not rise")
        if any(log.block_hash != first.block_hash for log in logs):
            raise OutOfOrder(first, "the block hash changes inside its transaction")
        self.run_top = first.block if top is None else max(top, first.block)
        known = self.blocks.get(first.block)
        if known is not None and known[0] != first.block_hash:
            return  # a reorganisation
        taken = self.first_taken.get(first.block)
        if taken is not None and known is not None:
            began, last_tx = taken
            if first.tx_index > last_tx and first.log_index <= known[1]:
                raise OutOfOrder(first, _PER_TRANSACTION)
            if first.log_index < began:
                raise OutOfOrder(first, f"log index {began} of its block came before it")
        if top is None or first.block >= top or first.block <= self.settled_through:
            return
        if known is None or last.log_index > known[1]:
            raise OutOfOrder(first, f"block {top} came before it")

    def _duplicates(self, logs: Iterable[ChainLog]) -> None:
        for log in logs:
            self.outcomes.add(_kind(log), "duplicate")

    def _refuse(self, logs: list[ChainLog], reason: str) -> None:
        for log in logs:
            self.outcomes.add(_kind(log), "unmapped", reason)

    def flush(self) -> None:
        if not self.read_blocks:
            return
        opening = BlocksImported(
            chain_id=self.chain_id, blocks=sorted(self.read_blocks.values(), key=_number)
        )
        first_block = min(self.read_blocks)
        batch = [NewEvent(event=opening, block=max(first_block, self.floor)), *self.pending]
        self._append(batch)
        self.pending, self.read_blocks = [], {}

    def _append(self, batch: list[NewEvent]) -> None:
        result = admit_batch(self.engine, batch)
        if isinstance(result, Rejected):
            self.result.rejected = _named(result, batch)
            raise _Stop
        assert isinstance(result, Appended)
        self.result.facts_appended += len(batch)
        self.floor = max(self.floor, batch[-1].block)

    def _reorganise(self, fork_block: int) -> None:
        """Append the retraction of every block from `fork_block` up, then reload the books."""
        self.flush()
        head = self.store.head()
        orphaned = [
            OrphanedBlock(number, block_hash)
            for number, (block_hash, _) in sorted(self.blocks.items())
            if number >= fork_block
        ]
        from_seq = self.store.last_seq_at_block(fork_block - 1) + 1 if fork_block else 1
        retraction: Event = BlocksRetracted(
            chain_id=self.chain_id,
            fork_block=fork_block,
            orphaned=orphaned,
            from_seq=from_seq,
            to_seq=head.seq,
        )
        self._append([NewEvent(event=retraction, block=head.block)])
        self.result.reorgs.append(
            {"fork_block": fork_block, "orphaned_blocks": len(orphaned), "from_seq": from_seq}
        )
        self.run_top = fork_block
        self.first_taken = {
            number: index for number, index in self.first_taken.items() if number < fork_block
        }
        self._load()


class _Stop(Exception):
    """A batch was refused: the import ends there."""


_PER_TRANSACTION = (
    "its log indexes go back to those of an earlier transaction of its block: the file numbers "
    "them per transaction, not per block as eth_getLogs and ethereum-etl do; export the logs "
    "with block-wide log indexes"
)


class OutOfOrder(ValueError):
    """A transaction's logs come before logs the import read already (see `_check_order`)."""

    def __init__(self, log: ChainLog, why: str) -> None:
        super().__init__(f"block {log.block}, log index {log.log_index}: {why}")


def _named(refused: Rejected, batch: list[NewEvent]) -> Rejected:
    """The refusal, naming the chain transaction and log of the fact refused."""
    if refused.index is None or not 0 <= refused.index < len(batch):
        return refused
    provenance = provenance_of(batch[refused.index].event)
    if provenance is None:
        return refused
    where = f"tx {provenance.tx_hash} log {provenance.log_index} (block {provenance.block})"
    return Rejected(code=refused.code, detail=f"{where}: {refused.detail}", index=refused.index)


def _number(block: ImportedBlock) -> int:
    return block.number


def _kind(log: ChainLog) -> str:
    return kind_of(log)


def transactions(logs: Iterable[ChainLog]) -> Iterator[list[ChainLog]]:
    """Consecutive logs of one transaction, grouped (logs of one tx are contiguous)."""
    group: list[ChainLog] = []
    for log in logs:
        if group and (log.tx_hash != group[0].tx_hash or log.block != group[0].block):
            yield group
            group = []
        group.append(log)
    if group:
        yield group


def import_logs(
    store: LogStore,
    files: Iterable[Path],
    *,
    format: str = "etl-json",
    token_list: Path | None = None,
    chain_id: int = 1,
    fee_bps: int = 30,
    progress: Callable[[int], None] | None = None,
    pool_state: Path | None = None,
) -> ImportResult:
    """Import the chain logs in `files` into `store` (see the module docstring).

    Args:
        store: The log (SQLite or PostgreSQL).
        files: Log files, read in the order given.
        format: `etl-json`, `etl-csv`, `rpc-json`, or `stacks-json` (Stacks API event pages:
            ALEX pool prints, `replay.importers.alex_import`).
        token_list: A token list (Uniswap format) giving symbols and decimals.
        chain_id: The chain the logs come from (ethereum-etl files do not say).
        fee_bps: The pairs' swap fee (30 for Uniswap V2).
        progress: Called with the number of logs read since the last call.
        pool_state: A state file (`replay.importers.pool_state`): tokens and LP supply of
            pairs first seen mid-life, opening balances of holders; an ALEX pool's tokens and
            weights.

    Returns:
        Counts per log kind, the reorganisations met, and the refusal that stopped it, if any.
    """
    if format == STACKS_FORMAT:
        return import_stacks(store, files, ImportResult(), load_state(pool_state).pools, progress)
    reader = READERS[format]
    tokens = load_token_list(token_list, chain_id)
    importer = _Importer(store, chain_id, tokens, fee_bps, load_state(pool_state))
    removed = pending = 0
    try:
        for path in files:
            read = 0
            for logs in transactions(reader(path)):
                live = [log for log in logs if not (log.removed or log.pending)]
                pending += sum(log.pending for log in logs)
                removed += len(logs) - len(live)
                if live:
                    _take(importer, live, path, read + logs.index(live[0]) + 1)
                read += len(logs)
                if progress is not None:
                    progress(len(logs))
        importer.flush()
    except _Stop:
        pass
    result = importer.result
    for kind, counter in sorted(importer.outcomes.counts.items()):
        result.counts[kind] = {key: counter.get(key, 0) for key in _OUTCOMES}
    if removed - pending:
        importer.outcomes.reasons["any: reported removed by the node"] += removed - pending
    if pending:
        importer.outcomes.reasons["any: pending, in no block yet"] += pending
    result.unmapped_reasons = dict(sorted(importer.outcomes.reasons.items()))
    result.head_seq = store.head().seq
    return result


def _take(importer: _Importer, logs: list[ChainLog], path: Path, record: int) -> None:
    """`importer.take(logs)`, logs out of order refused by their file and record."""
    try:
        importer.take(logs)
    except OutOfOrder as error:
        raise LogFormatError(
            f"{path}: log {record} ({error}): logs are taken in block and log-index order, so "
            "this one would be lost; sort the file by block number and log index (JSON lines: "
            "jq -c -s 'sort_by(.block_number, .log_index)[]'), give the files oldest first, "
            "and import a file of blocks re-exported after a reorganisation on its own"
        ) from error


def check_inputs(
    files: Iterable[Path],
    *,
    format: str,
    token_list: Path | None = None,
    chain_id: int = 1,
    pool_state: Path | None = None,
) -> None:
    """Refuse what an import would refuse of its inputs before the log is opened, so a refusal
    creates and appends nothing: the token list, the state file, each file's text (UTF-8) and
    an ethereum-etl CSV's header. A log record that does not parse is met as it is read.

    Raises:
        LogFormatError, TokenListError, PoolStateError: a refusal naming the file.
        OSError: a file cannot be read.
    """
    files = list(files)
    for given in (token_list, pool_state, *files):
        if given is not None and stat.S_ISFIFO(given.stat().st_mode):
            raise LogFormatError(
                f"{given}: a pipe, which the import would read twice (once to check it, once "
                "to import it); write it to a file and import that"
            )
    load_token_list(token_list, chain_id)
    load_state(pool_state)
    for path in files:
        check_text(path)
        if format == "etl-csv":
            next(read_etl_csv(path), None)  # its header (and first row)


_OUTCOMES = ("mapped", "unmapped", "duplicate")
STACKS_FORMAT = "stacks-json"
FORMATS = (*READERS, STACKS_FORMAT)
