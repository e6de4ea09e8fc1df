"""The embedded default: the log in one SQLite file (WAL), hash-chained and gapless.

Schema (created and migrated through sqlite-utils; `PRAGMA user_version` is the schema version):

    events(seq PK, block, ts_ms, stream, stream_version, type, version, payload TEXT JSON,
           event_id UNIQUE, idempotency_key, prev_hash, hash)   UNIQUE(stream, stream_version)
    log_head(id=1, seq, block, hash)        the head, moved in the same transaction as rows
    idempotency(key PK, fingerprint, first_seq, last_seq, head_hash)

Every append runs in one `BEGIN IMMEDIATE` transaction: the write lock is taken first, the
head is read inside it, so `seq` stays gapless with any number of writer processes, and a
crash at any moment leaves either the whole batch or none of it. `log_head` makes deleting the
last records detectable by `verify`. Pragmas (see `connect`): WAL, `synchronous = NORMAL`, a
64 MiB page cache, a checkpoint every ~40 MB of WAL.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

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
    prepare,
)
from ledger.chain import GENESIS_HASH, ChainWalker, Row
from ledger.clock import Clock, SystemClock
from ledger.errors import SchemaTooNew, StoreError
from ledger.rows import (
    check_idempotent_retry,
    fold_row_to_record,
    fold_rows_to_records,
    records_in_batches,
)
from ledger.store import ReadFilter, VerifyReport
from projections.sqlite_tables import database

if TYPE_CHECKING:
    import sqlite_utils

SCHEMA_VERSION = 1
ROW_COLUMNS = (
    "seq, block, ts_ms, stream, stream_version, type, version, payload, event_id, "
    "idempotency_key, prev_hash, hash"
)
#: The columns a fold reads: what projections may read of a record (`Projection.apply`).
FOLD_COLUMNS = "seq, block, type, version, payload"
INSERT_ROW = f"INSERT INTO events ({ROW_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)"
READ_BATCH_ROWS = 2000
#: SQLite's page cache per connection (it fills only as pages are used).
CACHE_KIB = 65_536
#: Checkpoint the WAL into the file once it holds this many pages (4 KiB each).
WAL_CHECKPOINT_PAGES = 10_000


def _migrate_to_1(db: sqlite_utils.Database) -> None:
    db["events"].create(  # type: ignore[union-attr]
        {
            "seq": int,
            "block": int,
            "ts_ms": int,
            "stream": str,
            "stream_version": int,
            "type": str,
            "version": int,
            "payload": str,
            "event_id": str,
            "idempotency_key": str,
            "prev_hash": str,
            "hash": str,
        },
        pk="seq",
        not_null={
            "block",
            "ts_ms",
            "stream",
            "stream_version",
            "type",
            "version",
            "payload",
            "event_id",
            "prev_hash",
            "hash",
        },
    )
    db["events"].create_index(["stream", "stream_version"], unique=True)  # type: ignore[union-attr]
    db["events"].create_index(["block"])  # type: ignore[union-attr]
    # Derived ids (`<stream>#<version>`) are unique through the stream index; only ids the
    # writer chose are indexed, which keeps the hot append path to two secondary indexes.
    db.execute(
        "CREATE UNIQUE INDEX idx_events_explicit_id ON events(event_id) "
        "WHERE event_id NOT LIKE '%#%'"
    )
    db["log_head"].create({"id": int, "seq": int, "block": int, "hash": str}, pk="id")  # type: ignore[union-attr]
    db["log_head"].insert({"id": 1, "seq": 0, "block": 0, "hash": GENESIS_HASH})  # type: ignore[union-attr]
    db["idempotency"].create(  # type: ignore[union-attr]
        {"key": str, "fingerprint": str, "first_seq": int, "last_seq": int, "head_hash": str},
        pk="key",
    )


MIGRATIONS = {1: _migrate_to_1}


def connect(path: str | Path) -> sqlite3.Connection:
    """An autocommit connection with the pragmas the log relies on."""
    connection = sqlite3.connect(str(path), isolation_level=None, timeout=60.0)
    connection.execute("PRAGMA busy_timeout = 60000")
    if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")
    # The (stream, stream_version) index takes inserts at random places: a cache that holds
    # it (64 MiB holds the index of ~1.5M records) and a WAL checkpointed every ~40 MB rather
    # than every 4 MB (each checkpoint costs two fsyncs) make big batches ~30% faster.
    connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    connection.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
    return connection


_TRANSACTION = ("BEGIN IMMEDIATE", "COMMIT", ("ROLLBACK",))
_SAVEPOINT = ("SAVEPOINT append", "RELEASE append", ("ROLLBACK TO append", "RELEASE append"))


def _run(connection: sqlite3.Connection, statements: tuple[str, ...]) -> None:
    for statement in statements:
        connection.execute(statement)


class SqliteStore:
    """An `EventStore` over one SQLite file."""

    def __init__(self, path: str | Path, *, clock: Clock | None = None, create: bool = False):
        self.path = Path(path)
        if not create and not self.path.exists():
            raise StoreError(f"no ledger at {self.path}; create one with `defi-ledger init`")
        self.clock = clock or SystemClock()
        try:
            self.connection = connect(self.path)
            self._migrate()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{self.path} is not a defi-ledger log: {error}") from error
        self._stream_versions: dict[str, int] = {}
        self._cached_at_seq = -1
        self._in_step = False

    def _migrate(self) -> None:
        version = self.connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise SchemaTooNew(
                f"{self.path} has log schema v{version}; this defi-ledger reads up to "
                f"v{SCHEMA_VERSION}: upgrade it"
            )
        if version == SCHEMA_VERSION:
            return
        if (
            version == 0
            and self.connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'events'"
            ).fetchone()[0]
        ):
            raise StoreError(f"{self.path} has an events table but no defi-ledger schema")
        db = database(self.connection)
        self.connection.execute("BEGIN IMMEDIATE")
        try:
            for step in range(version + 1, SCHEMA_VERSION + 1):
                MIGRATIONS[step](db)
            self.connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self.connection.execute("COMMIT")
        except BaseException:
            self.connection.execute("ROLLBACK")
            raise

    def head(self) -> Head:
        seq, block, hash_ = self.connection.execute(
            "SELECT seq, block, hash FROM log_head WHERE id = 1"
        ).fetchone()
        return Head(seq, block, hash_)

    def stream_version(self, stream: str) -> int:
        row = self.connection.execute(
            "SELECT max(stream_version) FROM events WHERE stream = ?", (stream,)
        ).fetchone()
        return int(row[0] or 0)

    def last_seq_at_block(self, block: int) -> int:
        """The seq of the last record at or below `block` (0 if none), in one index probe.

        Blocks never decrease along seq (`append` refuses it, `verify` checks it), so the last
        entry of the block index at or below `block` is that record.
        """
        row = self.connection.execute(
            "SELECT seq FROM events WHERE block <= ? ORDER BY block DESC, seq DESC LIMIT 1",
            (block,),
        ).fetchone()
        return 0 if row is None else int(row[0])

    def _cached_stream_version(self, stream: str) -> int:
        version = self._stream_versions.get(stream)
        if version is None:
            version = self._stream_versions[stream] = self.stream_version(stream)
        return version

    def _event_id_exists(self, event_id: str) -> bool:
        return (
            self.connection.execute(
                "SELECT 1 FROM events WHERE event_id = ? AND event_id NOT LIKE '%#%'", (event_id,)
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
            self._cached_at_seq = -1
            return Rejected(code=RejectCode.DUPLICATE, detail=f"already in the log: {error}")
        except BaseException:
            if connection.in_transaction:
                _run(connection, rollback)
            self._cached_at_seq = -1
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
            self._cached_at_seq = -1
            raise
        self._in_step = False
        self.connection.execute("COMMIT")

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
        view = StoreView(head, self._cached_stream_version, self._event_id_exists)
        prepared = prepare(batch, view, self.clock.now_ms(), idempotency_key)
        if isinstance(prepared, Rejected):
            return prepared
        connection.executemany(INSERT_ROW, prepared)
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
        clauses: list[str] = ["seq >= ?"]
        params: list[int | str] = [where.from_seq]
        for clause, value in (
            ("seq <= ?", where.to_seq),
            ("block >= ?", where.from_block),
            ("block <= ?", where.to_block),
            ("stream = ?", where.stream),
            ("type = ?", where.type),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        cursor = self.connection.execute(
            f"SELECT {ROW_COLUMNS} FROM events WHERE {' AND '.join(clauses)} ORDER BY seq",
            params,
        )
        while batch := cursor.fetchmany(READ_BATCH_ROWS):
            yield batch

    def rows(self, where: ReadFilter | None = None) -> Iterator[Row]:
        """Raw stored rows in seq order (payload undecoded): for verify, export and copies."""
        for batch in self.row_batches(where):
            yield from batch

    def read_batches(self, where: ReadFilter | None = None) -> Iterator[list[Record]]:
        """Records in seq order, a few thousand at a time: for folds over long stretches."""
        for batch in self.row_batches(where):
            yield from records_in_batches(batch)

    def read(self, where: ReadFilter | None = None) -> Iterator[Record]:
        for batch in self.read_batches(where):
            yield from batch

    def fold_batches(
        self, from_seq: int = 1, to_seq: int | None = None, to_block: int | None = None
    ) -> Iterator[list[Record]]:
        """Records for folds, in seq order, a few thousand at a time.

        The same records as `read_batches` with the same bounds, except that they carry only
        what projections read (`Projection.apply`): `seq`, `block`, `type`, `version` and
        `event`; `ts_ms` and `stream_version` are 0, `stream`, `event_id`, `prev_hash` and
        `hash` empty, `idempotency_key` None. Every column not fetched is time saved: this
        read costs about half of `read`'s. Anything that shows, exports or checks records
        uses `read`.
        """
        clauses = ["seq >= ?"]
        params = [from_seq]
        if to_seq is not None:
            clauses.append("seq <= ?")
            params.append(to_seq)
        if to_block is not None:
            clauses.append("block <= ?")
            params.append(to_block)
        cursor = self.connection.execute(
            f"SELECT {FOLD_COLUMNS} FROM events WHERE {' AND '.join(clauses)} ORDER BY seq",
            params,
        )
        while batch := cursor.fetchmany(READ_BATCH_ROWS):
            yield from records_in_batches(batch, fold_rows_to_records, fold_row_to_record)

    def fold_records(
        self, from_seq: int = 1, to_seq: int | None = None, to_block: int | None = None
    ) -> Iterator[Record]:
        """`fold_batches`, one record at a time."""
        for batch in self.fold_batches(from_seq, to_seq, to_block):
            yield from batch

    def verify(self) -> VerifyReport:
        walker = ChainWalker()
        for batch in self.row_batches():
            broken = walker.feed_many(batch)
            if broken is not None:
                return VerifyReport(
                    ok=False,
                    records=walker.expected_seq - 1,
                    first_bad_seq=broken.seq,
                    detail=broken.detail,
                )
        count = walker.expected_seq - 1
        head = self.head()
        if head.seq != count or head.hash != walker.prev_hash:
            return VerifyReport(
                ok=False,
                records=count,
                first_bad_seq=walker.expected_seq,
                detail=f"the recorded head is seq {head.seq}, but the chain ends at "
                f"seq {count}: records are missing or the head was altered",
            )
        return VerifyReport(ok=True, records=count, head_hash=walker.prev_hash)

    def counts_by_type(self) -> dict[str, int]:
        return dict(
            sorted(
                Counter(
                    dict(
                        self.connection.execute(
                            "SELECT type, count(*) FROM events GROUP BY type"
                        ).fetchall()
                    )
                ).items()
            )
        )

    def close(self) -> None:
        self.connection.close()
