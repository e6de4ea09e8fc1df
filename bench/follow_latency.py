"""Follow latency: how long a record appended by another process takes to reach `follow`.

A writer process appends 100 one-event batches, 20 ms apart, and reports the wall-clock time
just before each `append` call; the follower in this process notes the wall-clock time each
record reaches it. The latency of a record is the difference (both clocks are the same
machine's). Printed: the median and the 90th and slowest of the 100, for PostgreSQL (woken by
LISTEN/NOTIFY; with a plain connection, and with pooled ones as the CLI's `follow` takes
them) and, for comparison, SQLite (which polls, every 0.2 s by default).

    .venv/bin/python bench/follow_latency.py                          # a throwaway server
    .venv/bin/python bench/follow_latency.py --db postgresql://me@host/db
    .venv/bin/python bench/follow_latency.py --db URL --replica REPLICA_URL   # and a replica

A replica cannot LISTEN (NOTIFY is not replicated), so a follower there polls; its figure is
the replication delay plus half the poll interval, on average. It needs psycopg (the
`postgres` extra; the `test` extra has it too).
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path

from store_writers import postgres_server  # stops with what to install without psycopg

from events import Minted
from ledger.batch import NewEvent
from ledger.follow import POLL_INTERVAL_S_DEFAULT, follow
from ledger.stores import open_store
from tests.postgres_server import Server, fresh_schema, with_schema

APPENDS = 100
SPACING_S = 0.02


def _writer(target: str | Path, appends: int, report: Connection) -> None:
    store = open_store(target)
    for index in range(appends):
        time.sleep(SPACING_S)
        event = Minted(asset="ETH", to_account=f"acct{index}", amount=index + 1)
        report.send(time.time())
        store.append([NewEvent(event=event, block=1)])
    store.close()
    report.close()


def latencies_ms(
    target: str | Path,
    appends: int,
    poll_interval_s: float,
    follow_at: str | None = None,
    pooled: bool = False,
) -> list[float]:
    """Each record's delay from its writer's `append` call to this process's `follow` (of
    `follow_at`, a read replica of `target`, if given; through pooled connections, as the
    CLI's `follow` has them, if `pooled`)."""
    open_store(target, create=True).close()
    if follow_at is not None:
        time.sleep(1.0)  # the new log's tables reach the replica
    store = open_store(follow_at or target, pooled=pooled)
    receiver, sender = multiprocessing.Pipe(duplex=False)
    records = follow(store, 1, poll_interval_s=poll_interval_s, idle_timeout_s=10.0)
    writer = multiprocessing.get_context("fork").Process(
        target=_writer, args=(target, appends, sender)
    )
    writer.start()
    arrived: list[float] = []
    for _ in range(appends):
        next(records)
        arrived.append(time.time())
    records.close()
    writer.join()
    sent = [receiver.recv() for _ in range(appends)]
    store.close()
    return [(got - sent_at) * 1000 for got, sent_at in zip(arrived, sent, strict=True)]


def summary(name: str, values: list[float]) -> str:
    ordered = sorted(values)
    return (
        f"  {name:<34} median {statistics.median(ordered):7.1f} ms   "
        f"p90 {ordered[int(len(ordered) * 0.9) - 1]:7.1f} ms   max {ordered[-1]:7.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="a PostgreSQL URL (default: a throwaway one)")
    parser.add_argument("--appends", type=int, default=APPENDS)
    parser.add_argument(
        "--replica", default=None, help="a read replica of --db: also follow from it (polling)"
    )
    parser.add_argument("--replica-poll", type=float, default=0.02, help="its poll interval (s)")
    arguments = parser.parse_args()
    print(f"follow latency, {arguments.appends} appends from another process, {SPACING_S}s apart")
    with postgres_server(arguments.db) as server:
        rows = ((False, "PostgreSQL (LISTEN/NOTIFY)"), (True, "  pooled (as the CLI)"))
        for pooled, name in rows:
            with fresh_schema(server) as url:
                values = latencies_ms(url, arguments.appends, POLL_INTERVAL_S_DEFAULT, None, pooled)
            print(summary(name, values))
    if arguments.replica:
        with fresh_schema(Server(arguments.db)) as url:
            schema = url.rsplit("search_path%3D", 1)[1]  # the same log, read on the replica
            replica = with_schema(arguments.replica, schema)
            values = latencies_ms(url, arguments.appends, arguments.replica_poll, replica)
        print(summary(f"its replica (polling every {arguments.replica_poll}s)", values))
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "ledger.db"
        values = latencies_ms(path, arguments.appends, POLL_INTERVAL_S_DEFAULT)
        print(summary(f"SQLite (polling every {POLL_INTERVAL_S_DEFAULT}s)", values))


if __name__ == "__main__":
    main()
