"""The embedded default: the log in one SQLite file (WAL), hash-chained and gapless.

Schema v3 (`PRAGMA user_version`), its reasons and the migrations from v1 and v2:
`ledger.sqlite_schema`. Events keep one 32-byte hash each, streams and types by id, and stream
versions live in a `streams` table, so an append costs the same onto a 5M-event log as onto a
100k one; rows read back as before (`Row`, hex).

Every append runs in one `BEGIN IMMEDIATE` transaction: the write lock is taken first, the
head is read inside it, so `seq` stays gapless with any number of writer processes, and a
crash at any moment leaves either the whole batch or none of it. `log_head` makes deleting the
last records detectable by `verify`. Pragmas (see `connect`): WAL, `synchronous = NORMAL`, a
16 MiB page cache, a checkpoint every ~40 MB of WAL.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from events.record import Record
from events.rejections import RejectCode
from ledger.batch import (
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
from ledger.errors import NotALedger, StoreDamaged, StoreError
from ledger.faults import lock_timeout_s, make_folder, sqlite_fault
from ledger.rows import (
    BatchedReads,
    check_idempotent_retry,
)
from ledger.sqlite_fold import fold_batches
from ledger.sqlite_schema import (
    STORED_COLUMNS,
    RowReader,
    blocks_by_time,
    insert_rows,
    last_seq_at_block,
    migrate,
    refuse_unless_log_file,
    schema_version,
    seq_of_hash,
    stream_span,
)
from ledger.store import ReadFilter, VerifyReport, head_row_missing, head_row_missing_error

READ_BATCH_ROWS = 2000
#: SQLite's page cache per connection (it fills only as pages are used). An append touches
#: the end of the events table and the small `streams` table, a fold reads in seq order: 16 MiB
#: holds what they reuse, and keeps a rebuild's memory the same at 100k events as at 5M.
CACHE_KIB = 16_384
#: The page size of a new log file (existing files keep theirs). 16 KiB pages hold ~80 records
#: each, so the space left over at the end of a page and the per-page headers cost ~1 byte a
#: record instead of ~5 (`dbstat` on 300k records of the benchmark workload: 201.5 against
#: 205.3 bytes a record); appends ran at the same rate with 4, 8 and 16 KiB pages.
PAGE_SIZE = 16_384
#: Checkpoint the WAL into the file once it holds this many bytes (in pages of the file's size).
WAL_CHECKPOINT_BYTES = 40_960_000


def connect(path: str | Path) -> sqlite3.Connection:
    """An autocommit connection with the pragmas the log relies on."""
    connection = open_unchanged(path)
    use_wal(connection)
    return connection


def open_unchanged(path: str | Path) -> sqlite3.Connection:
    """An autocommit connection that has written nothing to the file yet: what it finds there
    can be refused before `use_wal` turns the file to WAL (which rewrites its header)."""
    timeout_s = lock_timeout_s()
    connection = sqlite3.connect(str(path), isolation_level=None, timeout=timeout_s)
    connection.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
    # Takes effect only on a file with no tables yet (a new log), before it turns to WAL.
    connection.execute(f"PRAGMA page_size = {PAGE_SIZE}")
    return connection


def use_wal(connection: sqlite3.Connection) -> None:
    """The journal and cache pragmas the log relies on (WAL is written into the file)."""
    if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    # A WAL checkpointed every ~40 MB rather than every 4 MB (each checkpoint costs two
    # fsyncs) makes big batches faster.
    connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    connection.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_BYTES // page_size}")


_TRANSACTION = ("BEGIN IMMEDIATE", "COMMIT", ("ROLLBACK",))
_SAVEPOINT = ("SAVEPOINT append", "RELEASE append", ("ROLLBACK TO append", "RELEASE append"))


def _run(connection: sqlite3.Connection, statements: tuple[str, ...]) -> None:
    for statement in statements:
        connection.execute(statement)


class SqliteStore(BatchedReads):
    """An `EventStore` over one SQLite file."""

    def __init__(self, path: str | Path, *, clock: Clock | None = None, create: bool = False):
        """Open the log at `path`; only with `create` is a schema ever written into a file
        (`refuse_unless_log_file`: a command that reads never changes the file, nor one it
        refuses: the schema is checked before the file is turned to WAL), or a missing folder
        made for it."""
        self.path = Path(path)
        if create:
            make_folder(self.path.parent)
        else:
            refuse_unless_log_file(self.path)
        self.clock = clock or SystemClock()
        try:
            self.connection = open_unchanged(self.path)
            try:
                version = schema_version(self.connection, self.path, creating=create)
                use_wal(self.connection)
                migrate(self.connection, version)
            except BaseException:
                self.connection.close()  # a refused file is not held open
                raise
        except sqlite3.Error as error:
            raise sqlite_fault(error, self.path) or NotALedger(
                f"{self.path} is not a defi-ledger log: {error}"
            ) from error
        self._stream_versions: dict[str, int] = {}
        self._stream_ids: dict[str, int] = {}
        self._type_ids: dict[str, int] = {}
        self._cached_at_seq = -1
        self._in_step = False

    def head(self) -> Head:
        found = self.connection.execute(
            "SELECT seq, block, hash FROM log_head WHERE id = 1"
        ).fetchone()
        if found is None:
            raise head_row_missing_error(self.path)
        seq, block, hash_ = found
        return Head(seq, block, hash_)

    def stream_version(self, stream: str) -> int:
        row = self.connection.execute(
            "SELECT top_version FROM streams WHERE name = ?", (stream,)
        ).fetchone()
        return 0 if row is None else int(row[0])

    def last_seq_at_block(self, block: int) -> int:
        """The seq of the last record at or below `block` (0 if none), in ~20 key probes."""
        return last_seq_at_block(self.connection, block)

    def block_by_time(self, ms: int, *, before: bool = False) -> int | None:
        """The first block with a record at or after unix ms `ms` (`before`: the last block
        with a record before it); None when there is none."""
        return blocks_by_time(self.connection, ms, before)

    def seq_of_hash(self, hash_hex: str) -> int | None:
        """The seq of the record whose hash is `hash_hex`, if the log holds one."""
        return seq_of_hash(self.connection, hash_hex)

    def _seq_bounds(self, where: ReadFilter) -> tuple[int, int | None, int] | None:
        """The seq range a filter can match and its stream's id (None: nothing can match).

        The filter's own clauses still apply to every row; these bounds only narrow the scan
        to the rows that can pass them (blocks rise with seq, a stream lies in its span).
        """
        low, high, stream_id = where.from_seq, where.to_seq, 0
        if where.stream is not None:
            span = stream_span(self.connection, where.stream)
            if span is None:
                return None
            stream_id, low = span[0], max(low, span[1])
            high = span[2] if high is None else min(high, span[2])
        if where.from_block is not None and where.from_block > 0:
            low = max(low, self.last_seq_at_block(where.from_block - 1) + 1)
        if where.to_block is not None:
            last = self.last_seq_at_block(where.to_block)
            high = last if high is None else min(high, last)
        return low, high, stream_id

    def _cached_stream_version(self, stream: str) -> int:
        """A stream's version, read once with its id (which the insert then needs)."""
        version = self._stream_versions.get(stream)
        if version is None:
            row = self.connection.execute(
                "SELECT id, top_version FROM streams WHERE name = ?", (stream,)
            ).fetchone()
            version = 0
            if row is not None:
                self._stream_ids[stream], version = row
            self._stream_versions[stream] = version
        return version

    def has_event_id(self, event_id: str) -> bool:
        """Whether a record carries `event_id` (an importer's key for a fact it took)."""
        return (
            self.connection.execute(
                "SELECT 1 FROM events WHERE event_id = ?", (event_id,)
            ).fetchone()
            is not None
        )

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
        connection = self.connection
        # Inside a step (`one_transaction`) an append is a savepoint of the step's transaction.
        begin, commit, rollback = _SAVEPOINT if self._in_step else _TRANSACTION
        connection.execute(begin)
        try:
            result = self._append_locked(batch, expected_head, idempotency_key, batch_fingerprint)
            if isinstance(result, Appended) and not result.replayed:
                connection.execute(commit)
            else:
                _run(connection, rollback)
            return result
        except sqlite3.IntegrityError as error:
            _run(connection, rollback)
            self._forget_caches()
            return Rejected(code=RejectCode.DUPLICATE, detail=f"already in the log: {error}")
        except OverflowError as error:
            # An int SQLite cannot store (a block or ts_ms past 2**63 - 1) from a caller that
            # did not go through the JSON reader's checks: refused by name, nothing written.
            _run(connection, rollback)
            self._forget_caches()
            return Rejected(
                code=RejectCode.INT_OUT_OF_RANGE,
                detail=f"an int is outside SQLite's INTEGER range (0..2**63 - 1): {error}",
            )
        except BaseException:
            if connection.in_transaction:
                _run(connection, rollback)
            self._forget_caches()
            raise

    @contextmanager
    def one_transaction(self) -> Iterator[None]:
        """Every append inside is a savepoint of one transaction, committed at the end.

        A replay step (prices, then every agent's commands) costs one commit instead of one per
        command; a refused command still appends nothing (its savepoint is rolled back). An
        error inside rolls the whole step back. The write lock is held for the step.
        """
        if self._in_step:
            raise StoreError("one_transaction does not nest")
        self.connection.execute("BEGIN IMMEDIATE")
        self._in_step = True
        try:
            yield
        except BaseException:
            self._in_step = False
            self.connection.execute("ROLLBACK")
            self._forget_caches()
            raise
        self._in_step = False
        self.connection.execute("COMMIT")

    def _forget_caches(self) -> None:
        """After a rollback: stream versions and ids given in it were never stored."""
        self._cached_at_seq = -1
        self._stream_ids.clear()
        self._type_ids.clear()

    def _append_locked(
        self,
        batch: Sequence[NewEvent],
        expected_head: int | None,
        idempotency_key: str | None,
        batch_fingerprint: str,
    ) -> AppendResult:
        connection = self.connection
        if idempotency_key is not None:
            stored = connection.execute(
                "SELECT fingerprint, first_seq, last_seq, head_hash FROM idempotency WHERE key = ?",
                (idempotency_key,),
            ).fetchone()
            if stored is not None:
                original = Appended(first_seq=stored[1], last_seq=stored[2], head_hash=stored[3])
                return check_idempotent_retry(
                    idempotency_key, batch_fingerprint, stored[0], original
                )
        head = self.head()
        if expected_head is not None and expected_head != head.seq:
            return Rejected(
                code=RejectCode.HEAD_CONFLICT,
                detail=f"log head is {head.seq}, expected {expected_head}",
            )
        if head.seq != self._cached_at_seq:
            self._stream_versions.clear()  # another writer moved the log: the cache is stale
        view = StoreView(head, self._cached_stream_version, self.has_event_id)
        prepared = prepare(batch, view, self.clock.now_ms(), idempotency_key)
        if isinstance(prepared, Rejected):
            return prepared
        insert_rows(connection, prepared, self._stream_ids, self._type_ids)
        last = prepared[-1]
        connection.execute(
            "UPDATE log_head SET seq = ?, block = ?, hash = ? WHERE id = 1",
            (last[0], last[1], last[11]),
        )
        result = Appended(first_seq=prepared[0][0], last_seq=last[0], head_hash=last[11])
        if idempotency_key is not None:
            connection.execute(
                "INSERT INTO idempotency VALUES (?, ?, ?, ?, ?)",
                (
                    idempotency_key,
                    batch_fingerprint,
                    result.first_seq,
                    result.last_seq,
                    result.head_hash,
                ),
            )
        self._stream_versions.update({row[3]: row[4] for row in prepared})
        self._cached_at_seq = last[0]
        return result

    def row_batches(self, where: ReadFilter | None = None) -> Iterator[list[Row]]:
        """Raw stored rows in seq order, a few thousand at a time (one query for them all)."""
        where = where or ReadFilter()
        bounds = self._seq_bounds(where)
        if bounds is None:
            return
        clauses: list[str] = ["seq >= ?"]
        params: list[int | str] = [bounds[0]]
        for clause, value in (
            ("seq <= ?", bounds[1]),
            ("block >= ?", where.from_block),
            ("block <= ?", where.to_block),
            ("stream_id = ?", None if where.stream is None else bounds[2]),
            ("type_id = (SELECT id FROM event_types WHERE name = ?)", where.type),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        cursor = self.connection.execute(
            f"SELECT {STORED_COLUMNS} FROM events WHERE {' AND '.join(clauses)} ORDER BY seq",
            params,
        )
        reader = RowReader(self.connection)
        while batch := cursor.fetchmany(READ_BATCH_ROWS):
            yield reader.rows(batch)

    def fold_batches(
        self, from_seq: int = 1, to_seq: int | None = None, to_block: int | None = None
    ) -> Iterator[list[Record]]:
        """Records for folds, in seq order, a few thousand at a time.

        The same records as `read_batches` with the same bounds, except that they carry only
        what projections read (`Projection.apply`): `seq`, `block`, `type`, `version` and
        `event`; `ts_ms` and `stream_version` are 0, `stream`, `event_id`, `prev_hash` and
        `hash` empty, `idempotency_key` None. Every column not fetched is time saved, and a
        range comes back as one row (`ledger.sqlite_fold`: 1.5M records' rows in 1.25 s against
        1.69 s for the five columns row by row). Anything that shows, exports or checks
        records uses `read`.
        """
        return fold_batches(self.connection, from_seq, to_seq, to_block, self.path)

    def verify(self) -> VerifyReport:
        walker = ChainWalker()
        try:
            broken = self._walk(walker)
        except (sqlite3.DatabaseError, TypeError, ValueError, AttributeError) as error:
            # Damaged pages, or values of the wrong type in a row: a finding at the first
            # record not yet verified, not a crash (`verify --deep` says more).
            return VerifyReport(
                ok=False,
                records=walker.expected_seq - 1,
                first_bad_seq=walker.expected_seq,
                detail=f"the record cannot be read: {type(error).__name__}: {error}",
            )
        if broken is not None:
            return broken
        count = walker.expected_seq - 1
        try:
            head = self.head()
        except StoreDamaged:
            return head_row_missing(count)
        if head.seq != count or head.hash != walker.prev_hash:
            return VerifyReport(
                ok=False,
                records=count,
                first_bad_seq=walker.expected_seq,
                detail=f"the recorded head is seq {head.seq}, but the chain ends at "
                f"seq {count}: records are missing or the head was altered",
            )
        return VerifyReport(ok=True, records=count, head_hash=walker.prev_hash)

    def _walk(self, walker: ChainWalker) -> VerifyReport | None:
        for batch in self.row_batches():
            broken = walker.feed_many(batch)
            if broken is not None:
                return VerifyReport(
                    ok=False,
                    records=walker.expected_seq - 1,
                    first_bad_seq=broken.seq,
                    detail=broken.detail,
                )
        return None

    def counts_by_type(self) -> dict[str, int]:
        return dict(
            sorted(
                Counter(
                    dict(
                        self.connection.execute(
                            "SELECT t.name, count(*) FROM events AS e"
                            " JOIN event_types AS t ON t.id = e.type_id GROUP BY t.name"
                        ).fetchall()
                    )
                ).items()
            )
        )

    def close(self) -> None:
        self.connection.close()
