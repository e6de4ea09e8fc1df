"""Projection rebuild: the balances view rebuilt from logs of 250k, 500k and 1M events.

What it measures, for each log size (wall clock; best of `--repeat` runs, default 3):

- rebuild: `Projector(store, ["balances"]).rebuild()` in events/s, in a fresh subprocess per
  run, with its peak RSS (VmHWM of that process, which includes the interpreter and its
  imports: sqlite-utils, which pulls in pandas and pyarrow, is imported only when a view's
  table has to be created, as in the first run on a new log). It drops the old view and
  snapshots, writes a snapshot every 7,000 events (the default) and the view at the end, as
  a real rebuild does. The same rebuild with no snapshots (one run) is shown too, so the cost
  of the snapshots can be read off;
- the ceiling: a bare fold of the same log: SQLite read of the payload column only, msgspec
  decode with one tagged-union decoder, and the postings applied to a plain dict (no
  `Record`s, no runtime, no snapshots, no view);
- the peer: the `eventsourcing` library's SQLite application recorder holding the same events
  (stream, stream version, tag, payload), read back through its notification log
  (`select_notifications`, pages of 1,000) and folded into the same dict, decoding with the
  same msgspec decoder (the `bench` extra; without it the peer's columns show `-`);
- before/after: the rebuild of the balances view and of every view on each log, run by the
  base commit's code (a temporary copy of its files, `bench/baseline.py`) and by this checkout's,
  one after the other in the same run (`--no-before` skips it); every record used to reach
  the lending and governance projections (for the block alone) and the positions copies;
- time travel: `Projector.state_at(block)` for random blocks (snapshots every 7,000 events),
  median and p99 in ms, and p99 as a share of the full rebuild; each block is timed
  `--repeat` times, in separate passes over all the blocks, and its fastest time counts.

The logs hold transfers, mints and burns over 10,000 accounts and 5 assets (`bench/workload.py`),
written with the store's own `append` in batches of 10,000; the smaller logs are prefixes of the
largest, copied row for row. Run it from the repository root:

    .venv/bin/python bench/projection_rebuild.py                          # 250k, 500k, 1M
    .venv/bin/python bench/projection_rebuild.py --sizes 50000,100000     # a quicker look
"""

from __future__ import annotations

import argparse
import io
import json
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any, Union

import msgspec
from baseline import BASE_DEFAULT, rebuild_before_after
from workload import PEER_MISSING, folder, new_events, peer_installed

from events import Burned, Minted, Transferred, issuer_account
from ledger.projector import SNAPSHOT_EVERY_DEFAULT, Projector
from ledger.sqlite_store import SqliteStore

SIZES_DEFAULT = (250_000, 500_000, 1_000_000)
BUILD_BATCH = 10_000
PEER_PAGE = 1_000
READ_PAGE = 2_000
STATE_AT_SAMPLES_DEFAULT = 100
BURN_SHARE = 0.05
SNAPSHOT_NEVER = 10**15
TARGET_REBUILD_PER_S = 350_000

_core_events = msgspec.json.Decoder(Union[Transferred, Minted, Burned])  # noqa: UP007


def build_log(path: Path, count: int) -> None:
    """The largest log, through `append` (validation, versions, hash chain all on)."""
    store = SqliteStore(path, create=True)
    batch = new_events(count, burn_share=BURN_SHARE)
    for start in range(0, count, BUILD_BATCH):
        store.append(batch[start : start + BUILD_BATCH])
    store.close()


def copy_prefix(source: Path, target: Path, count: int) -> None:
    """The first `count` records of `source` as a log of their own (hashes as written)."""
    SqliteStore(target, create=True).close()
    connection = sqlite3.connect(target, isolation_level=None)
    connection.execute("ATTACH DATABASE ? AS source", (str(source),))
    connection.execute("BEGIN IMMEDIATE")
    connection.execute("INSERT INTO events SELECT * FROM source.events WHERE seq <= ?", (count,))
    connection.execute("INSERT INTO event_types SELECT * FROM source.event_types")
    connection.execute(
        "INSERT INTO streams SELECT s.id, s.name, max(e.stream_version), min(e.seq), max(e.seq) "
        "FROM events AS e JOIN source.streams AS s ON s.id = e.stream_id GROUP BY s.id"
    )
    connection.execute(
        "UPDATE log_head SET (seq, block, hash) = "
        "(SELECT seq, block, lower(hex(hash)) FROM events WHERE seq = ?) WHERE id = 1",
        (count,),
    )
    connection.execute("COMMIT")
    connection.close()


def build_peer_log(source: Path, target: Path) -> None:
    """The same events in the peer's own table, created by its recorder, in seq order."""
    from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

    datastore = SQLiteDatastore(str(target), originator_id_type="text")
    SQLiteApplicationRecorder(datastore).create_table()
    datastore.close()
    connection = sqlite3.connect(target, isolation_level=None)
    connection.execute("ATTACH DATABASE ? AS source", (str(source),))
    connection.execute(
        "INSERT INTO stored_events (originator_id, originator_version, topic, state) "
        "SELECT stream, stream_version, type, CAST(payload AS BLOB) FROM source.named_events "
        "ORDER BY seq"
    )
    connection.close()


def post(amounts: dict[tuple[str, str], int], event: Any) -> None:
    """The balances postings of the three core facts, on a plain dict."""
    kind = type(event)
    if kind is Transferred:
        source, target = event.from_account, event.to_account
    elif kind is Minted:
        source, target = issuer_account(event.asset), event.to_account
    else:
        source, target = event.from_account, issuer_account(event.asset)
    asset, amount = event.asset, event.amount
    amounts[source, asset] = amounts.get((source, asset), 0) - amount
    amounts[target, asset] = amounts.get((target, asset), 0) + amount


def bare_fold(path: Path) -> dict[tuple[str, str], int]:
    """The ceiling: two columns read, one decoder, one dict; nothing else."""
    amounts: dict[tuple[str, str], int] = {}
    connection = sqlite3.connect(path)
    cursor = connection.execute("SELECT payload FROM events ORDER BY seq")
    decode = _core_events.decode
    while page := cursor.fetchmany(READ_PAGE):
        for (payload,) in page:
            post(amounts, decode(payload))
    connection.close()
    return amounts


def peer_fold(path: Path) -> dict[tuple[str, str], int]:
    """The peer: its notification log, page by page, folded into the same dict."""
    from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteDatastore

    datastore = SQLiteDatastore(str(path), originator_id_type="text")
    recorder = SQLiteApplicationRecorder(datastore)
    amounts: dict[tuple[str, str], int] = {}
    decode = _core_events.decode
    start = 1
    while notifications := recorder.select_notifications(start, PEER_PAGE):
        for notification in notifications:
            post(amounts, decode(notification.state))
        start = notifications[-1].id + 1
    datastore.close()
    return amounts


def rebuild_in_child(path: Path, snapshot_every: int) -> tuple[float, int]:
    """(seconds, peak RSS in KiB) of one rebuild in a fresh interpreter."""
    completed = subprocess.run(
        [sys.executable, __file__, "--child-rebuild", str(path), str(snapshot_every)],
        check=True,
        capture_output=True,
        text=True,
    )
    report = json.loads(completed.stdout)
    return float(report["seconds"]), int(report["rss_peak_kib"])


def child_rebuild(path: str, snapshot_every: int) -> None:
    """Run in the subprocess: time one rebuild and report it with the process's peak RSS."""
    store = SqliteStore(path)
    start = time.perf_counter()
    Projector(store, ["balances"], snapshot_every=snapshot_every).rebuild()
    seconds = time.perf_counter() - start
    store.close()
    print(json.dumps({"seconds": seconds, "rss_peak_kib": rss_peak_kib()}))


def rss_peak_kib() -> int:
    """This process's peak RSS: VmHWM, which starts afresh at exec.

    `ru_maxrss` does not: Linux carries the high-water mark across exec, so a child forked from
    a parent holding a million events would report the parent's size.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def best_seconds(run: Callable[[], object], repeat: int) -> float:
    """The fastest of `repeat` runs: other work on a 2-core machine only ever slows a run."""
    fastest_s = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        fastest_s = min(fastest_s, time.perf_counter() - start)
    return fastest_s


def state_at_ms(path: Path, samples: int, seed: int, repeat: int) -> list[float]:
    """`state_at` of random blocks (after a rebuild wrote the snapshots), each in ms.

    Every block is timed `repeat` times, in passes over all of them (so no pass finds the
    block it just read in SQLite's cache), and its fastest counts: the same best-of rule as
    every other figure here, applied to each query.
    """
    store = SqliteStore(path)
    projector = Projector(store, ["balances"])
    rand = random.Random(seed)
    last_block = store.head().block
    blocks = [rand.randint(1, last_block) for _ in range(samples)]
    fastest_ms = [float("inf")] * samples
    for _ in range(repeat):
        for index, block in enumerate(blocks):
            start = time.perf_counter()
            projector.state_at(block)
            elapsed_ms = (time.perf_counter() - start) * 1000
            fastest_ms[index] = min(fastest_ms[index], elapsed_ms)
    store.close()
    return fastest_ms


class SizeResult(msgspec.Struct):
    """Every figure measured on one log."""

    events: int
    rebuild_s: float
    rebuild_rss_kib: int
    rebuild_no_snapshots_s: float
    bare_fold_s: float
    peer_s: float | None  # None: the peer is not installed
    state_at_median_ms: float
    state_at_p99_ms: float


def measure_size(
    path: Path, peer_path: Path | None, count: int, args: argparse.Namespace
) -> SizeResult:
    plain = [rebuild_in_child(path, SNAPSHOT_NEVER)]  # to read the snapshots' cost off
    # the last one leaves the snapshots that time travel uses
    runs = [rebuild_in_child(path, SNAPSHOT_EVERY_DEFAULT) for _ in range(args.repeat)]
    expected = bare_fold(path)
    peer_s = None
    if peer_path is not None:
        assert peer_fold(peer_path) == expected, "the peer folded different balances"
        peer_s = best_seconds(lambda: peer_fold(peer_path), args.repeat)
    timings_ms = sorted(state_at_ms(path, args.samples, args.seed, args.repeat))
    return SizeResult(
        events=count,
        rebuild_s=min(seconds for seconds, _ in runs),
        rebuild_rss_kib=max(rss for _, rss in runs + plain),
        rebuild_no_snapshots_s=min(seconds for seconds, _ in plain),
        bare_fold_s=best_seconds(lambda: bare_fold(path), args.repeat),
        peer_s=peer_s,
        state_at_median_ms=statistics.median(timings_ms),
        state_at_p99_ms=timings_ms[min(len(timings_ms) - 1, int(len(timings_ms) * 0.99))],
    )


def print_results(results: list[SizeResult], args: argparse.Namespace) -> None:
    print(
        f"projection rebuild: balances over transfers/mints/burns, 10,000 accounts, 5 assets; "
        f"wall clock, best of {args.repeat}; state_at over {args.samples} random blocks "
        f"(seed {args.seed})"
    )
    header = (
        "events",
        "rebuild/s",
        "no-snap/s",
        "bare fold/s",
        "share",
        "peer/s",
        "vs peer",
        "state_at med",
        "p99",
        "p99/rebuild",
        "peak RSS",
    )
    rows = [header]
    for result in results:
        rate = result.events / result.rebuild_s
        rows.append(
            (
                f"{result.events:,}",
                f"{rate:,.0f}",
                f"{result.events / result.rebuild_no_snapshots_s:,.0f}",
                f"{result.events / result.bare_fold_s:,.0f}",
                f"{result.bare_fold_s / result.rebuild_s:.2f}",
                "-" if result.peer_s is None else f"{result.events / result.peer_s:,.0f}",
                "-" if result.peer_s is None else f"{result.peer_s / result.rebuild_s:.2f}x",
                f"{result.state_at_median_ms:.1f} ms",
                f"{result.state_at_p99_ms:.1f} ms",
                f"1/{result.rebuild_s * 1000 / result.state_at_p99_ms:.0f}",
                f"{result.rebuild_rss_kib / 1024:.0f} MB",
            )
        )
    widths = [max(len(row[index]) for row in rows) for index in range(len(header))]
    for row in rows:
        print("  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True)))
    print(
        "targets: rebuild >= 350,000/s; share of the bare fold >= 0.5; >= 3x the peer; "
        "state_at p99 < 50 ms on 1M and <= 1/100 of the rebuild; peak RSS < 400 MB and flat"
    )
    if not peer_installed():
        print(PEER_MISSING)


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(size) for size in SIZES_DEFAULT),
        help="comma-separated log sizes in events",
    )
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best counts")
    parser.add_argument("--samples", type=int, default=STATE_AT_SAMPLES_DEFAULT)
    parser.add_argument("--seed", type=int, default=None, help="seed for the state_at blocks")
    parser.add_argument(
        "--dir", type=folder, default=None, help="where the logs go (made if missing)"
    )
    parser.add_argument(
        "--no-before", action="store_true", help="skip the rebuilds at the base commit"
    )
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(2**32)
    return args


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child-rebuild":
        child_rebuild(sys.argv[2], int(sys.argv[3]))
        return
    args = parse_arguments()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    results = []
    compared = io.StringIO()
    with tempfile.TemporaryDirectory(dir=args.dir) as name:
        directory = Path(name)
        largest = directory / f"log-{sizes[-1]}.db"
        build_log(largest, sizes[-1])
        for count in sizes:
            path = directory / f"log-{count}.db"
            if count != sizes[-1]:
                copy_prefix(largest, path, count)
            peer_path = directory / f"peer-{count}.db" if peer_installed() else None
            if peer_path is not None:
                build_peer_log(path, peer_path)
            results.append(measure_size(path, peer_path, count, args))
            if not args.no_before:
                with redirect_stdout(compared):
                    for names in ("balances", ""):
                        rebuild_before_after(path, count, names, repeat=args.repeat)
            print(f"  measured {count:,} events", file=sys.stderr)
    print_results(results, args)
    if not args.no_before:
        print(f"before/after (the base commit {BASE_DEFAULT} from a copy of its files, same logs):")
        print(compared.getvalue().rstrip())


if __name__ == "__main__":
    main()
