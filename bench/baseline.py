"""Before/after in one run: the same benchmark at a base commit, in a temporary worktree.

    from baseline import run_before
    before = run_before("positions.py", ["--positions", "500"])   # its stdout, or a reason

A benchmark that prints "before" and "after" figures calls `run_before` with its own script
name and arguments: the script is run, as it was at the base commit, from a detached `git
worktree` made beside this checkout (so `../shared` is found the same way) and removed after.
Both runs share the machine at nearly the same time, so their ratio is what to read.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE_DEFAULT = "623fda1"
"""The commit before one set of books, one fold loop and per-part digests."""


@contextmanager
def base_checkout(base: str = BASE_DEFAULT) -> Iterator[Path | None]:
    """A detached worktree of `base` beside this checkout (None if git cannot make one)."""
    folder = ROOT.parent / f".bench-base-{base}"
    if folder.exists():
        shutil.rmtree(folder)
    made = subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), base],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        print(f"(no base run: git worktree add {base} failed: {made.stderr.strip()})")
        yield None
        return
    try:
        yield folder
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)],
            capture_output=True,
        )


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
        before = after = float("inf")
        for _ in range(repeat):
            before = min(before, rebuild_seconds(base, log, names))
            after = min(after, rebuild_seconds(ROOT, log, names))
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
timings = []
for block in map(int, sys.argv[4].split(",")):
    began = time.perf_counter()
    (positions,) = projector.state_at(block)
    positions.at_risk(100)
    timings.append(time.perf_counter() - began)
print(caught_up, statistics.median(timings))
"""
"""The positions path as both versions spell it: catch the view up, then the 100 riskiest."""


def positions_before_after(log: Path, snapshot_every: int, blocks: list[int]) -> None:
    """Print the positions view's catch-up and the median at-risk query, before and after.

    Each version gets its own copy of the log (their views and snapshots differ), and the two
    runs alternate twice so a change in the machine's load hits both alike; the best counts.
    """
    figures: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
    with base_checkout() as base:
        if base is None:
            return
        for _ in range(2):
            for label, root in (("before", base), ("after", ROOT)):
                copy = log.with_name(f"{log.stem}-{label}.db")
                shutil.copyfile(log, copy)
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
                caught, median = map(float, found.stdout.split())
                figures[label].append((caught, median))
                copy.unlink()
    (catch_b, query_b), (catch_a, query_a) = (
        (min(c for c, _ in figures[k]), min(q for _, q in figures[k])) for k in ("before", "after")
    )
    print(
        f"positions view from scratch: before {catch_b:.2f} s, after {catch_a:.2f} s "
        f"(after/before {catch_a / catch_b:.2f}); 100 riskiest at a random block: before "
        f"{query_b * 1000:.0f} ms, after {query_a * 1000:.0f} ms (after/before "
        f"{query_a / query_b:.2f})"
    )
