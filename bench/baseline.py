"""Before/after in one run: the same benchmark at a base commit, in a temporary worktree.

    from baseline import run_before
    before = run_before("positions.py", ["--positions", "500"])   # its stdout, or a reason

A benchmark that prints "before" and "after" figures calls `run_before` with its own script
name and arguments: the script is run, as it was at the base commit, from a copy of that
commit's files (`git archive`) made beside this checkout (so `../shared` is found the same way)
and removed after. No worktree is registered, so benchmarks started at the same time from other
checkouts never share or remove each other's copy. Both runs share the machine at nearly the
same time, so their ratio is what to read.

The base commit reads log schema v1 only: a log this checkout wrote is handed to it as
`base_log` makes it, the same events appended block by block by the base commit's own store.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE_DEFAULT = "623fda1"
"""The commit before one set of books, one fold loop and per-part digests."""


@contextmanager
def base_checkout(base: str = BASE_DEFAULT) -> Iterator[Path | None]:
    """The files of commit `base` in a fresh folder beside this checkout (None if git cannot
    give them); the folder is removed after."""
    folder = Path(tempfile.mkdtemp(prefix=f".bench-base-{base}-", dir=ROOT.parent))
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", base], capture_output=True
    )
    if archive.returncode != 0:
        shutil.rmtree(folder)
        print(f"(no base run: git archive {base} failed: {archive.stderr.decode().strip()})")
        yield None
        return
    try:
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as files:
            files.extractall(folder, filter="data")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


TO_BASE_LOG = """
import sqlite3, sys
sys.path.insert(0, sys.argv[1])
from events.codec import decode
from ledger.batch import NewEvent
from ledger.sqlite_store import SqliteStore
source = sqlite3.connect(sys.argv[2])
store = SqliteStore(sys.argv[3], create=True)
batch, last = [], None
rows = source.execute("SELECT block, type, version, payload FROM named_events ORDER BY seq")
for block, tag, version, payload in rows:
    if batch and block != last:
        store.append(batch)
        batch = []
    batch.append(NewEvent(event=decode(tag, version, payload), block=block))
    last = block
if batch:
    store.append(batch)
store.close()
"""
"""Append a log's events, block by block, into a new log through the base commit's store."""


def base_log(base: Path, log: Path) -> Path:
    """`log`'s events in a log the code at `base` wrote (beside `log`, named `*-base.db`)."""
    copy = log.with_name(f"{log.stem}-base.db")
    copy.unlink(missing_ok=True)
    subprocess.run(
        [sys.executable, "-c", TO_BASE_LOG, str(base), str(log), str(copy)],
        cwd=base,
        capture_output=True,
        text=True,
        check=True,
    )
    return copy


def run_before(script: str, arguments: list[str], base: str = BASE_DEFAULT) -> str:
    """The script's stdout at `base` (run with this interpreter), or why it could not run."""
    with base_checkout(base) as folder:
        if folder is None:
            return "(no base run)"
        found = subprocess.run(
            [sys.executable, str(folder / "bench" / script), *arguments],
            cwd=folder,
            capture_output=True,
            text=True,
        )
        if found.returncode != 0:
            return f"(the base run failed: {found.stderr.strip().splitlines()[-1:]})"
        return found.stdout


REBUILD = """
import sys, time
sys.path.insert(0, sys.argv[1])
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
store = SqliteStore(sys.argv[2])
names = sys.argv[3].split(",") if sys.argv[3] else None
began = time.perf_counter()
Projector(store, names).rebuild()
print(time.perf_counter() - began)
store.close()
"""
"""A rebuild of the named views (all: ''), as both versions' `Projector` spell it."""


def rebuild_seconds(root: Path, log: Path, names: str, repeat: int = 1) -> float:
    """The best wall time of `Projector(store, names).rebuild()` with the code at `root`."""
    best = float("inf")
    for _ in range(repeat):
        found = subprocess.run(
            [sys.executable, "-c", REBUILD, str(root), str(log), names],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        best = min(best, float(found.stdout.strip().splitlines()[-1]))
    return best


def rebuild_before_after(log: Path, events: int, names: str, repeat: int = 1) -> None:
    """Print the rebuild of `names` (all views: '') at the base commit and here, and the ratio.

    The two versions alternate (before, after, before, ...) so a change in the machine's load
    hits both alike; the best time of each counts.
    """
    with base_checkout() as base:
        if base is None:
            return
        older = base_log(base, log)
        before = after = float("inf")
        for _ in range(repeat):
            before = min(before, rebuild_seconds(base, older, names))
            after = min(after, rebuild_seconds(ROOT, log, names))
        older.unlink()
    label = names or "every view"
    print(
        f"rebuild of {label}, {events:,} events: before {events / before:,.0f} events/s, "
        f"after {events / after:,.0f} events/s; after/before time = {after / before:.2f}"
    )


def print_before_after(before: str, after: str, base: str = BASE_DEFAULT) -> None:
    """The two runs' outputs, labelled, one after the other."""
    print(f"== before (commit {base}, same machine, same run)")
    print(before.rstrip())
    print("== after (this checkout)")
    print(after.rstrip())


_FIGURE = re.compile(r"([\d][\d,]*(?:\.\d+)?) ?(events/s|ms|s)\b")


def figure_ratios(before: str, after: str) -> list[str]:
    """after/before for each line both print under the same label (the text before ':')."""
    earlier = {line.split(":", 1)[0]: line for line in before.splitlines() if ":" in line}
    ratios = []
    for line in after.splitlines():
        label = line.split(":", 1)[0]
        if label not in earlier:
            continue
        old, new = _FIGURE.findall(earlier[label]), _FIGURE.findall(line)
        if old and new and old[-1][1] == new[-1][1]:
            was, now = (float(value.replace(",", "")) for value in (old[-1][0], new[-1][0]))
            unit = new[-1][1]
            better = "higher is better" if unit == "events/s" else "lower is better"
            if was:
                ratios.append(f"{label}: after/before = {now / was:.2f} ({unit}, {better})")
    return ratios


def compare(script: str, arguments: list[str], run_after: Callable[[], None]) -> None:
    """Run this checkout's benchmark, then the base commit's, and print both and the ratios."""
    captured = io.StringIO()
    with redirect_stdout(captured):
        run_after()
    before = run_before(script, arguments)
    print_before_after(before, captured.getvalue())
    print("== ratios")
    for line in figure_ratios(before, captured.getvalue()) or ["(no figure printed by both)"]:
        print(line)


AT_RISK = """
import statistics, sys, time
sys.path.insert(0, sys.argv[1])
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
store = SqliteStore(sys.argv[2])
projector = Projector(store, ["positions"], snapshot_every=int(sys.argv[3]))
began = time.perf_counter()
projector.rebuild()  # from scratch: the copy may hold the other version's views
caught_up = time.perf_counter() - began
wall, cpu = [], []
for block in map(int, sys.argv[4].split(",")):
    began, began_cpu = time.perf_counter(), time.process_time()
    (positions,) = projector.state_at(block)
    positions.at_risk(100)
    wall.append(time.perf_counter() - began)
    cpu.append(time.process_time() - began_cpu)
print(caught_up, statistics.median(wall), statistics.median(cpu))
"""
"""The positions path as both versions spell it: catch the view up, then the 100 riskiest
(median wall and CPU time a query: on a shared machine the CPU time moves less)."""


def _at_risk_figures(root: Path, log: Path, snapshot_every: int, blocks: list[int]) -> list[float]:
    """(catch-up s, median query s, median query CPU s) with the code at `root` on a copy."""
    copy = log.with_name(f"{log.stem}-query.db")
    shutil.copyfile(log, copy)
    try:
        found = subprocess.run(
            [
                sys.executable,
                "-c",
                AT_RISK,
                str(root),
                str(copy),
                str(snapshot_every),
                ",".join(map(str, blocks)),
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        copy.unlink()
    return [float(value) for value in found.stdout.split()]


def positions_before_after(
    log: Path, snapshot_every: int, blocks: list[int], rounds: int = 3
) -> None:
    """Print the positions view's catch-up and the median at-risk query, before and after.

    The base commit reads its own copy of the log (`base_log`); the two versions alternate
    `rounds` times so a change in the machine's load hits both alike; the best of each counts.
    """
    figures: dict[str, list[list[float]]] = {"before": [], "after": []}
    with base_checkout() as base:
        if base is None:
            return
        older = base_log(base, log)
        for _ in range(rounds):
            figures["before"].append(_at_risk_figures(base, older, snapshot_every, blocks))
            figures["after"].append(_at_risk_figures(ROOT, log, snapshot_every, blocks))
        older.unlink()
    best = {
        key: [min(column) for column in zip(*rows, strict=True)] for key, rows in figures.items()
    }
    (catch_b, query_b, cpu_b), (catch_a, query_a, cpu_a) = best["before"], best["after"]
    print(
        f"positions view from scratch: before {catch_b:.2f} s, after {catch_a:.2f} s "
        f"(after/before {catch_a / catch_b:.2f})"
    )
    print(
        f"100 riskiest at a random block, median wall: before {query_b * 1000:.1f} ms, "
        f"after {query_a * 1000:.1f} ms (after/before {query_a / query_b:.2f})"
    )
    print(
        f"100 riskiest at a random block, median CPU: before {cpu_b * 1000:.1f} ms, "
        f"after {cpu_a * 1000:.1f} ms (after/before {cpu_a / cpu_b:.2f})"
    )
