"""How each way of keeping stream versions costs as the log grows: raw inserts, same rows.

Options, each a fresh file filled to `--events` rows, then batches of 10,000 appended onto it
at 100k rows and at the full size (interleaved: the same batches onto both):

- `unique`: `UNIQUE(stream, stream_version)` on the events (log schema v1);
- `stream-seq`: a non-unique index on `(stream, seq)` (reads by stream stay indexed; the
  versions are checked by the writer under its lock);
- `table`: no index on the stream at all; a `streams(stream PK, version)` table that the
  writer moves in the same transaction (one row a stream, so it stays in the page cache).

Rows are the workload's shape (10,000 account streams, ~100-byte payloads, a 32-byte hash).
Run it from the repository root: `.venv/bin/python bench/stream_versions.py --events 1000000`.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import tempfile
import time
from pathlib import Path

BATCH = 10_000
BASE = """CREATE TABLE events (seq INTEGER PRIMARY KEY, block INTEGER NOT NULL,
 stream TEXT NOT NULL, stream_version INTEGER NOT NULL, payload TEXT NOT NULL, hash BLOB NOT NULL);
CREATE INDEX idx_block ON events(block);
CREATE TABLE streams (stream TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID;"""
OPTIONS = {
    "unique": "CREATE UNIQUE INDEX idx_sv ON events(stream, stream_version);",
    "stream-seq": "CREATE INDEX idx_ss ON events(stream, seq);",
    "table": "",
}


class Log:
    def __init__(self, path: Path, option: str) -> None:
        self.option = option
        self.connection = sqlite3.connect(path, isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -65536"):
            self.connection.execute(f"PRAGMA {pragma}")
        self.connection.executescript(BASE + OPTIONS[option])
        self.seq = 0
        self.versions: dict[str, int] = {}
        self.rand = random.Random(7)

    def append(self, count: int) -> float:
        rows = []
        for _ in range(count):
            self.seq += 1
            stream = f"account:SP{self.rand.randrange(10_000):05d}.wallet"
            version = self.versions[stream] = self.versions.get(stream, 0) + 1
            amount, target = self.rand.randrange(10**24), self.rand.randrange(10_000)
            payload = f'{{"amount":{amount},"asset":"ALEX","to":"SP{target:05d}.wallet"}}'
            rows.append((self.seq, self.seq // 10, stream, version, payload, os.urandom(32)))
        start = time.perf_counter()
        self.connection.execute("BEGIN IMMEDIATE")
        self.connection.executemany("INSERT INTO events VALUES (?,?,?,?,?,?)", rows)
        if self.option == "table":
            moved = {row[2]: row[3] for row in rows}
            self.connection.executemany(
                "INSERT INTO streams VALUES (?, ?) ON CONFLICT(stream) DO UPDATE SET version = ?",
                [(stream, version, version) for stream, version in moved.items()],
            )
        self.connection.execute("COMMIT")
        return time.perf_counter() - start

    def fill(self, count: int) -> None:
        while self.seq < count:
            self.append(min(BATCH * 10, count - self.seq))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=".") as directory:
        for option in OPTIONS:
            small = Log(Path(directory) / f"{option}-small.db", option)
            big = Log(Path(directory) / f"{option}-big.db", option)
            small.fill(100_000)
            big.fill(arguments.events)
            small_s = big_s = 0.0
            for _ in range(arguments.rounds):
                small_s += small.append(BATCH)
                big_s += big.append(BATCH)
            size = (Path(directory) / f"{option}-big.db").stat().st_size
            size += (Path(directory) / f"{option}-big.db-wal").stat().st_size
            print(
                f"{option:>10}: onto 100k {BATCH * arguments.rounds / small_s:>9,.0f}/s, "
                f"onto {arguments.events:,} {BATCH * arguments.rounds / big_s:>9,.0f}/s, "
                f"ratio {small_s / big_s:.2f}, {size / big.seq:.0f} bytes/row",
                flush=True,
            )


if __name__ == "__main__":
    main()
