"""Appends from several writer processes into one log, and the PostgreSQL head-lock comparison.

`writers_append_seconds` forks `writers` processes that share one event list between them
(each a contiguous slice, in batches), every one through its own store, and times the whole
run: what a log takes from many importers at once. All events go to one block, since writers
interleave and blocks never go back.

Run alone, it compares the three ways `PostgresStore` could lock the head (a row lock, a
table lock, an advisory lock) with 4 writers and batches of 20:

    .venv/bin/python bench/store_writers.py                          # a throwaway server
    .venv/bin/python bench/store_writers.py --db postgresql://me@host/db

It needs psycopg (the `postgres` extra; the `test` extra has it too) and, without `--db`,
Debian's `postgresql` package for the throwaway server.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from functools import partial
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the server helper is in tests/

from workload import new_events, require

require("psycopg", "postgres", "the PostgreSQL benches (store_writers.py, follow_latency.py)")

from ledger.batch import Appended, NewEvent  # noqa: E402
from ledger.pg_schema import HEAD_LOCKS  # noqa: E402
from ledger.postgres_store import PostgresStore  # noqa: E402
from ledger.stores import open_store  # noqa: E402
from tests.postgres_server import Server, fresh_schema, start_server, stop_server  # noqa: E402


def _write(target: str | Path, batch: Sequence[NewEvent], batch_size: int, lock: str) -> None:
    PostgresStore.head_lock = lock
    store = open_store(target)
    for start in range(0, len(batch), batch_size):
        result = store.append(batch[start : start + batch_size])
        if not isinstance(result, Appended):
            raise SystemExit(f"refused: {result}")
    store.close()


def writers_append_seconds(
    target: str | Path,
    batch: Sequence[NewEvent],
    writers: int,
    batch_size: int,
    lock: str = PostgresStore.head_lock,
) -> float:
    """Seconds for `writers` processes to append `batch` between them into `target`."""
    open_store(target, create=True).close()
    one_block = [msgspec.structs.replace(item, block=1) for item in batch]
    share = -(-len(one_block) // writers)
    context = multiprocessing.get_context("fork")
    processes = [
        context.Process(
            target=_write, args=(target, one_block[i * share : (i + 1) * share], batch_size, lock)
        )
        for i in range(writers)
    ]
    start = time.perf_counter()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"a writer failed with exit code {process.exitcode}")
    seconds = time.perf_counter() - start
    store = open_store(target)
    if store.head().seq != len(batch) or not store.verify().ok:
        raise SystemExit("the log does not hold every event, in a sound chain")
    store.close()
    return seconds


@contextmanager
def postgres_server(url: str | None, durable: bool = True) -> Iterator[Server]:
    """The server at `url`, or a throwaway one (fsync on unless `durable` is false)."""
    server = Server(url) if url else start_server(() if durable else ("fsync=off",))
    try:
        yield server
    finally:
        stop_server(server)


def _count(read: Callable[[], Iterator[object]]) -> int:
    return sum(1 for _ in read())


def _best_seconds(run: Callable[[], object], repeat: int) -> float:
    fastest_s = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        fastest_s = min(fastest_s, time.perf_counter() - start)
    return fastest_s


def _drop(target: str | Path) -> None:
    if isinstance(target, Path):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)


def compare_stores(
    url: str, batch: Sequence[NewEvent], repeat: int, directory: Path
) -> list[tuple[str, float]]:
    """(operation, seconds) for SQLite and for PostgreSQL at `url`, on the same events:
    append in batches of 1,000 with 1 and with 4 writer processes, read + decode, verify.
    Each PostgreSQL log is a fresh schema, dropped after; each SQLite log a fresh file."""
    server = Server(url)
    figures: list[tuple[str, float]] = []
    for name in ("SQLite", "PostgreSQL"):
        with ExitStack() as stack:
            labels = iter(range(1_000))

            def fresh(
                name: str = name, stack: ExitStack = stack, labels: Iterator[int] = labels
            ) -> str | Path:
                if name == "SQLite":
                    return directory / f"compare-{next(labels)}.db"
                return stack.enter_context(fresh_schema(server))

            for writers in (1, 4):
                best_s = float("inf")
                for _ in range(repeat):
                    target = fresh()
                    best_s = min(best_s, writers_append_seconds(target, batch, writers, 1_000))
                    _drop(target)
                figures.append((f"{name}: append, batches of 1,000, {writers} writers", best_s))
            target = fresh()
            writers_append_seconds(target, batch, 1, 10_000)
            store = open_store(target)
            read = partial(_count, store.read)
            figures.append((f"{name}: read + decode", _best_seconds(read, repeat)))
            figures.append((f"{name}: verify", _best_seconds(store.verify, repeat)))
            store.close()
            _drop(target)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="a PostgreSQL URL (default: a throwaway one)")
    parser.add_argument("--events", type=int, default=8_000)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    batch = new_events(arguments.events)
    print(
        f"head lock, {arguments.writers} writers, batches of {arguments.batch}, "
        f"{arguments.events:,} events, best of {arguments.repeat}"
    )
    with postgres_server(arguments.db) as server:
        for lock in HEAD_LOCKS:
            best = float("inf")
            for _ in range(arguments.repeat):
                with fresh_schema(server) as url:
                    seconds = writers_append_seconds(
                        url, batch, arguments.writers, arguments.batch, lock
                    )
                best = min(best, seconds)
            print(f"  {lock:<9} {arguments.events / best:>10,.0f} events/s")


if __name__ == "__main__":
    main()
