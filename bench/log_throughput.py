"""Log throughput: SQLite append, read + decode and verify, against a ceiling and a peer.

What it measures, in events per second (wall clock, best of `--repeat` runs, default 3):

- append in batches of 1, 100, 1,000 and 10,000: encode + validate + stream versions +
  gapless seq + hash chain + insert, each batch in its own `BEGIN IMMEDIATE` transaction,
  into a fresh log (`SqliteStore.append`, every guarantee on);
- read + decode: `SqliteStore.read()` of the whole log into `Record`s;
- fold read + decode: `SqliteStore.fold_records()`, the read every fold uses: `Record`s with
  only what projections read (`seq`, `block`, `type`, `version`, the event), the other
  fields not fetched;
- verify: `SqliteStore.verify()`, recomputing every hash of the chain;
- the ceiling: the same rows, already encoded and hashed, inserted with a bare
  `sqlite3.executemany` into a table with the same schema, indexes and pragmas, in
  transactions of 10,000 rows: what SQLite alone costs, with nothing checked;
- with `--db postgresql://...`, a second table: SQLite and PostgreSQL side by side on the
  same events, append in batches of 1,000 from 1 and from 4 writer processes
  (`bench/store_writers.py`), read + decode and verify;
- the peer: the `eventsourcing` library's SQLite application recorder
  (`eventsourcing.sqlite.SQLiteApplicationRecorder.insert_events`) saving the same events,
  encoded by the same codec, as `StoredEvent(stream, stream version, tag, payload)` in batches
  of 1,000. It keeps a per-stream version and a global notification id, but checks no event
  and keeps no hash chain. It gets the same pragmas as our log (`synchronous = NORMAL`, the
  same cache and checkpoint sizes), so only the write paths differ. It needs the `bench`
  extra (`pip install -e '.[bench]'`); without it the peer's row is left out, with a note.

The events are `bench/workload.py`'s mix: transfers and mints over 10,000 accounts and 5
assets, ten to a block. Run it from the repository root:

    .venv/bin/python bench/log_throughput.py                  # 200,000 events
    .venv/bin/python bench/log_throughput.py --events 50000   # a quicker look
    .venv/bin/python bench/log_throughput.py --db postgresql://me@host/db   # and PostgreSQL
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from workload import PEER_MISSING, folder, new_events, peer_installed

from events import encode, event_tag
from ledger.batch import NewEvent
from ledger.chain import Row
from ledger.sqlite_schema import insert_rows
from ledger.sqlite_store import CACHE_KIB, PAGE_SIZE, WAL_CHECKPOINT_BYTES, SqliteStore

BATCH_SIZES = (1, 100, 1_000, 10_000)
PEER_BATCH_SIZE = 1_000
CEILING_BATCH_SIZE = 10_000
TARGET_APPEND_PER_S = 100_000
TARGET_READ_PER_S = 400_000
TARGET_VERIFY_PER_S = 300_000
TARGET_CEILING_SHARE = 0.5
TARGET_PEER_RATIO = 5.0


def best_seconds(run: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` runs: other work on a 2-core machine only ever slows a run."""
    fastest_s = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        fastest_s = min(fastest_s, time.perf_counter() - start)
    return fastest_s


def best_fresh_seconds(
    run: Callable[[Path], object], directory: Path, repeat: int, label: str
) -> float:
    """Best of `repeat` runs, each into a new file, so every run starts from an empty log."""
    fastest_s = float("inf")
    for attempt in range(repeat):
        path = directory / f"{label}-{attempt}.db"
        start = time.perf_counter()
        run(path)
        fastest_s = min(fastest_s, time.perf_counter() - start)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return fastest_s


def append_all(path: Path, batch: Sequence[NewEvent], batch_size: int) -> SqliteStore:
    store = SqliteStore(path, create=True)
    for start in range(0, len(batch), batch_size):
        store.append(batch[start : start + batch_size])
    return store


def insert_raw(path: Path, rows: Sequence[Row]) -> None:
    """The ceiling: our own schema and pragmas, the rows already built, nothing checked."""
    store = SqliteStore(path, create=True)
    connection = store.connection
    stream_ids: dict[str, int] = {}
    for start in range(0, len(rows), CEILING_BATCH_SIZE):
        connection.execute("BEGIN IMMEDIATE")
        insert_rows(connection, rows[start : start + CEILING_BATCH_SIZE], stream_ids)
        connection.execute("COMMIT")
    store.close()


def peer_recorder(path: Path) -> tuple[Any, Any]:
    """The peer's datastore and recorder, with our log's pragmas."""
    from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

    datastore = SQLiteDatastore(str(path), pool_size=1, max_overflow=0, originator_id_type="text")
    connection = datastore.pool.get_connection(is_writer=True)
    raw = connection._sqlite_conn
    raw.execute("PRAGMA synchronous = NORMAL")
    raw.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    raw.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_BYTES // PAGE_SIZE}")
    datastore.pool.put_connection(connection)
    recorder = SQLiteApplicationRecorder(datastore)
    recorder.create_table()
    return datastore, recorder


def insert_peer(path: Path, batch: Sequence[NewEvent]) -> None:
    """The peer's write path: our codec's bytes, its versions by stream, its recorder."""
    from eventsourcing.persistence import StoredEvent

    datastore, recorder = peer_recorder(path)
    versions: dict[str, int] = {}
    for start in range(0, len(batch), PEER_BATCH_SIZE):
        stored = []
        for item in batch[start : start + PEER_BATCH_SIZE]:
            stream = item.stream or item.event.default_stream()
            version = versions[stream] = versions.get(stream, 0) + 1
            stored.append(
                StoredEvent(
                    originator_id=stream,
                    originator_version=version,
                    topic=event_tag(type(item.event)),
                    state=encode(item.event),
                )
            )
        recorder.insert_events(stored)
    datastore.close()


def count_read(store: SqliteStore) -> int:
    count = 0
    for _ in store.read():
        count += 1
    return count


def count_fold_read(store: SqliteStore) -> int:
    count = 0
    for _ in store.fold_records():
        count += 1
    return count


class Table:
    """Rows of the printed report."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, str, str, str, str]] = []

    def add(self, name: str, events: int, seconds: float, target: str = "", note: str = "") -> None:
        self.lines.append((name, f"{events:,}", f"{events / seconds:,.0f}", target, note))

    def print(self) -> None:
        header = ("operation", "events", "events/s", "target", "ratio")
        widths = [max(len(row[i]) for row in [header, *self.lines]) for i in range(5)]
        for row in [header, *self.lines]:
            print(
                "  ".join(
                    cell.ljust(width) if index in (0, 3, 4) else cell.rjust(width)
                    for index, (cell, width) in enumerate(zip(row, widths, strict=True))
                )
            )


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000, help="events per run")
    parser.add_argument(
        "--single-events",
        type=int,
        default=10_000,
        help="events appended one by one (batches of 1 run ~10x slower)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best counts")
    parser.add_argument(
        "--dir", type=folder, default=None, help="where the logs go (made if missing)"
    )
    parser.add_argument(
        "--db",
        default=None,
        help="a PostgreSQL URL: also measure PostgreSQL beside SQLite, with 1 and 4 writers",
    )
    return parser.parse_args()


def measure(arguments: argparse.Namespace, directory: Path) -> Table:
    count, repeat = arguments.events, arguments.repeat
    batch = new_events(count)
    table = Table()
    rates: dict[int, float] = {}
    for batch_size in BATCH_SIZES:
        events = min(count, arguments.single_events) if batch_size == 1 else count

        def run(path: Path, size: int = batch_size, events: int = events) -> None:
            append_all(path, batch[:events], size).close()

        seconds = best_fresh_seconds(run, directory, repeat, f"append-{batch_size}")
        rates[batch_size] = events / seconds
        table.add(f"append, batches of {batch_size:,}", events, seconds)
    store = append_all(directory / "log.db", batch, CEILING_BATCH_SIZE)
    table.add("read + decode", count, best_seconds(lambda: count_read(store), repeat), ">= 400,000")
    fold_read_s = best_seconds(lambda: count_fold_read(store), repeat)
    table.add("fold read + decode (what folds read)", count, fold_read_s, ">= 400,000")
    assert store.verify().ok
    table.add("verify", count, best_seconds(store.verify, repeat), ">= 300,000")
    rows = list(store.rows())
    store.close()
    ceiling_s = best_fresh_seconds(lambda path: insert_raw(path, rows), directory, repeat, "raw")
    table.add("ceiling: raw executemany, 10,000", count, ceiling_s)
    ratio = None
    if peer_installed():
        peer_s = best_fresh_seconds(
            lambda path: insert_peer(path, batch), directory, repeat, "peer"
        )
        table.add("peer: eventsourcing, batches of 1,000", count, peer_s)
        ratio = rates[PEER_BATCH_SIZE] / (count / peer_s)
    share = rates[CEILING_BATCH_SIZE] / (count / ceiling_s)
    annotate(table, share, ratio)
    return table


def annotate(table: Table, ceiling_share: float, peer_ratio: float | None) -> None:
    """Put the targets and ratios on the append rows they judge."""
    for index, line in enumerate(table.lines):
        name = line[0]
        if name == "append, batches of 1,000" and peer_ratio is not None:
            note = f"{peer_ratio:.2f}x the peer (target >= {TARGET_PEER_RATIO:g}x)"
            table.lines[index] = (*line[:3], "", note)
        elif name == "append, batches of 10,000":
            note = f"{ceiling_share:.2f} of the ceiling (target >= {TARGET_CEILING_SHARE})"
            table.lines[index] = (*line[:3], f">= {TARGET_APPEND_PER_S:,}", note)


def main() -> None:
    arguments = parse_arguments()
    with tempfile.TemporaryDirectory(dir=arguments.dir) as name:
        table = measure(arguments, Path(name))
    print(
        f"log throughput: {arguments.events:,} events (transfers and mints, 10,000 accounts, "
        f"5 assets), wall clock, best of {arguments.repeat}"
    )
    table.print()
    if not peer_installed():
        print(PEER_MISSING)
    if arguments.db:
        print_store_comparison(arguments)


def print_store_comparison(arguments: argparse.Namespace) -> None:
    """SQLite beside PostgreSQL on the same events (`store_writers.compare_stores`)."""
    from store_writers import compare_stores

    from ledger.pg_schema import describe_url

    with tempfile.TemporaryDirectory(dir=arguments.dir) as name:
        figures = compare_stores(
            arguments.db, new_events(arguments.events), arguments.repeat, Path(name)
        )
    print(f"\nSQLite beside PostgreSQL ({describe_url(arguments.db)}), best of {arguments.repeat}")
    table = Table()
    for operation, seconds in figures:
        table.add(operation, arguments.events, seconds)
    table.print()


if __name__ == "__main__":
    main()
