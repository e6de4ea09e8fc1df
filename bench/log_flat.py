"""A log whose cost stays flat: the same work onto a 100k-event log and onto a big one.

What it prints, all measured in one run (wall clock; best of `--repeat` where it says so):

- batched append: the same batches of 10,000 events appended onto the 100k log and onto the
  big one, interleaved (which goes first alternates), with every guarantee on
  (`SqliteStore.append`); the rate onto each and their ratio (target >= 0.8);
- bytes an event: the big log's file (WAL checkpointed into it) after a rebuild has written
  its views and its snapshots (every 7,000 events, the default), over its events
  (target <= 300);
- `state_at` p99 on the big log: random blocks, each timed `--repeat` times in separate passes;
  the p99 of each block's fastest and of the first pass alone (target < 50 ms);
- rebuild against the bare fold: `Projector.rebuild` of balances in a fresh process against
  `bench/projection_rebuild.py`'s bare read-decode-fold, on the big log, one of each in turn
  `--repeat` times (so a host that speeds up or slows down meanwhile moves both), the best
  of each (target >= 0.6);
- rebuild peak RSS (VmHWM of the rebuild's process) on the 100k and the big log (flat).

The events are `bench/workload.py`'s mix (transfers, mints and 5% burns over 10,000 accounts
and 5 assets, ten to a block). Building the big log takes minutes at 5M; progress goes to
stderr. Run it from the repository root:

    .venv/bin/python bench/log_flat.py                    # 5,000,000 events (~15 min)
    .venv/bin/python bench/log_flat.py --events 1000000   # a quicker look
    .venv/bin/python bench/log_flat.py --cache /tmp/big.db # build the big log once, then copy it

With `--cache`, the big log is built into that file the first time (or when the file holds
another length or log schema) and copied from it on later runs; the workload's draws are
replayed without appending them, so the interleaved appends are the same either way.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from projection_rebuild import BURN_SHARE, bare_fold, best_seconds, copy_prefix, rebuild_in_child
from workload import EVENTS_PER_BLOCK, Mix, folder

from events import Event
from ledger.batch import NewEvent
from ledger.projector import SNAPSHOT_EVERY_DEFAULT, Projector
from ledger.sqlite_schema import SCHEMA_VERSION
from ledger.sqlite_store import SqliteStore

SMALL = 100_000
BATCH = 10_000
SEED = 20_240_601


def batches(mix: Mix, count: int) -> Iterator[list[Event]]:
    """`count` events of the mix, 10,000 at a time."""
    for start in range(0, count, BATCH):
        yield [mix.event() for _ in range(min(BATCH, count - start))]


def placed(events: list[Event], first_block: int) -> list[NewEvent]:
    return [
        NewEvent(event=event, block=first_block + index // EVENTS_PER_BLOCK)
        for index, event in enumerate(events)
    ]


def build(path: Path, mix: Mix, count: int) -> None:
    """The big log, through `append` in batches of 10,000, with progress on stderr."""
    store = SqliteStore(path, create=True)
    start = time.perf_counter()
    for events in batches(mix, count):
        store.append(placed(events, store.head().block + 1))
        seq = store.head().seq
        if seq % 250_000 == 0 or seq == count:
            rate = seq / (time.perf_counter() - start)
            print(f"  built {seq:,} of {count:,} events ({rate:,.0f}/s)", file=sys.stderr)
    store.close()


def cached_or_built(path: Path, mix: Mix, count: int, cache: Path | None) -> None:
    """The big log at `path`: copied from `cache` if it holds `count` events at this schema
    (the mix drawn as far as building it would have), else built (and kept in `cache`)."""
    if cache is not None and cache.exists():
        connection = sqlite3.connect(cache)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        head = connection.execute("SELECT seq FROM log_head").fetchone()[0]
        connection.close()
        if (version, head) == (SCHEMA_VERSION, count):
            shutil.copyfile(cache, path)
            for _ in batches(mix, count):
                pass
            print(f"  copied {count:,} events from {cache}", file=sys.stderr)
            return
    build(path, mix, count)
    if cache is not None:
        connection = sqlite3.connect(path)
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
        shutil.copyfile(path, cache)


def interleaved_appends(small: Path, big: Path, mix: Mix, rounds: int) -> tuple[float, float]:
    """Events/s onto the small and the big log, the same batches onto each, alternating."""
    stores = {"small": SqliteStore(small), "big": SqliteStore(big)}
    spent = dict.fromkeys(stores, 0.0)
    appended = 0
    for number, events in enumerate(batches(mix, rounds * BATCH)):
        order = ("small", "big") if number % 2 == 0 else ("big", "small")
        for name in order:
            store = stores[name]
            batch = placed(events, store.head().block + 1)
            start = time.perf_counter()
            store.append(batch)
            spent[name] += time.perf_counter() - start
        appended += len(events)
    for store in stores.values():
        store.close()
    return appended / spent["small"], appended / spent["big"]


def checkpointed_size(path: Path) -> tuple[int, int]:
    """(file bytes, bytes in use): the WAL checkpointed in; free pages (left by the rebuilds'
    drops of the snapshots they replace, reused by the next writes) not in use."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    pages, free, size = (
        connection.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("page_count", "freelist_count", "page_size")
    )
    connection.close()
    wal = Path(f"{path}-wal")
    return path.stat().st_size + (wal.stat().st_size if wal.exists() else 0), (pages - free) * size


def state_at_p99(path: Path, samples: int, repeat: int, seed: int) -> tuple[float, float]:
    """(p99 of each block's fastest, p99 of the first pass), in ms."""
    store = SqliteStore(path)
    projector = Projector(store, ["balances"])
    rand = random.Random(seed)
    blocks = [rand.randint(1, store.head().block) for _ in range(samples)]
    passes = []
    for _ in range(repeat):
        timings = []
        for block in blocks:
            start = time.perf_counter()
            projector.state_at(block)
            timings.append((time.perf_counter() - start) * 1000)
        passes.append(timings)
    store.close()
    fastest = sorted(min(times) for times in zip(*passes, strict=True))
    first = sorted(passes[0])
    at = min(samples - 1, int(samples * 0.99))
    return fastest[at], first[at]


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000_000, help="the big log's size")
    parser.add_argument("--rounds", type=int, default=10, help="interleaved batches of 10,000")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the best counts")
    parser.add_argument("--samples", type=int, default=200, help="state_at blocks")
    parser.add_argument("--seed", type=int, default=None, help="seed for the state_at blocks")
    parser.add_argument(
        "--snapshot-every",
        type=int,
        default=SNAPSHOT_EVERY_DEFAULT,
        help="the rebuilds' snapshot interval",
    )
    parser.add_argument(
        "--dir", type=folder, default=None, help="where the logs go (made if missing)"
    )
    parser.add_argument("--cache", type=Path, default=None, help="a copy of the big log to reuse")
    args = parser.parse_args()
    if args.events <= SMALL:
        parser.error(f"--events must be above {SMALL:,}")
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(2**32)
    return args


def measure(args: argparse.Namespace, directory: Path) -> dict[str, float]:
    small, big = directory / "small.db", directory / "big.db"
    mix = Mix(SEED, burn_share=BURN_SHARE)
    cached_or_built(big, mix, args.events, args.cache)
    copy_prefix(big, small, SMALL)
    rate_small, rate_big = interleaved_appends(small, big, mix, args.rounds)
    print("  appended; rebuilding", file=sys.stderr)
    small_runs = [rebuild_in_child(small, args.snapshot_every) for _ in range(args.repeat)]
    big_runs, bare_runs = [], []
    for _ in range(args.repeat):  # in turn: the ratio is of two runs of the same minutes
        big_runs.append(rebuild_in_child(big, args.snapshot_every))
        bare_runs.append(best_seconds(lambda: bare_fold(big), 1))
    events = SqliteStore(big).head().seq
    bare_s = min(bare_runs)
    size, used = checkpointed_size(big)
    print("  rebuilt; timing state_at", file=sys.stderr)
    p99_best, p99_first = state_at_p99(big, args.samples, args.repeat, args.seed)
    return {
        "events": events,
        "append_small": rate_small,
        "append_big": rate_big,
        "bytes_per_event": size / events,
        "used_per_event": used / events,
        "p99_best": p99_best,
        "p99_first": p99_first,
        "rebuild_s": min(seconds for seconds, _ in big_runs),
        "bare_s": bare_s,
        "rss_small_kib": max(rss for _, rss in small_runs),
        "rss_big_kib": max(rss for _, rss in big_runs),
    }


def report(figures: dict[str, float], args: argparse.Namespace) -> None:
    events = figures["events"]
    print(
        f"log flat: 100,000 vs {events:,.0f} events; appends in {args.rounds} interleaved "
        f"batches of 10,000; best of {args.repeat}; state_at over {args.samples} blocks "
        f"(seed {args.seed})"
    )
    lines = (
        ("append onto 100k", f"{figures['append_small']:,.0f} events/s", ""),
        ("append onto the big log", f"{figures['append_big']:,.0f} events/s", ""),
        ("  big / 100k", f"{figures['append_big'] / figures['append_small']:.2f}", ">= 0.8"),
        ("bytes an event (file, snapshots incl.)", f"{figures['bytes_per_event']:.0f}", "<= 300"),
        ("  of which in use (no free pages)", f"{figures['used_per_event']:.0f}", ""),
        ("state_at p99 (best of passes)", f"{figures['p99_best']:.1f} ms", "< 50 ms"),
        ("state_at p99 (first pass)", f"{figures['p99_first']:.1f} ms", ""),
        ("rebuild", f"{events / figures['rebuild_s']:,.0f} events/s", ""),
        ("bare fold", f"{events / figures['bare_s']:,.0f} events/s", ""),
        ("  rebuild / bare fold", f"{figures['bare_s'] / figures['rebuild_s']:.2f}", ">= 0.6"),
        ("rebuild peak RSS at 100k", f"{figures['rss_small_kib'] / 1024:.0f} MB", ""),
        ("rebuild peak RSS at the big log", f"{figures['rss_big_kib'] / 1024:.0f} MB", "flat"),
    )
    for name, value, target in lines:
        print(f"  {name:<38} {value:>20}   {target}")


def main() -> None:
    args = parse_arguments()
    with tempfile.TemporaryDirectory(dir=args.dir) as name:
        figures = measure(args, Path(name))
    report(figures, args)


if __name__ == "__main__":
    main()
