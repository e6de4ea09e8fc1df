"""The main job: wall time of the README's first command, `replay` flash-crash then `report`.

Run from the repository root:

    .venv/bin/python bench/main_job.py [--repeat 5] [--baseline REV]

Each repetition replays fixtures/scenarios/flash-crash.toml into a fresh log and writes its
report into a fresh folder, each command in a fresh process (`python -m replay.cli`), as a
user runs them, in both of Python's bytecode modes (`bench/bytecode.py`: "cached", Python's
default, and "compiled", this project's modules compiled in every process, as on a machine that
sets PYTHONDONTWRITEBYTECODE), interleaved. The median and best wall times of replay, report
and the two together are printed, by the wall clock and by CPU time (user + system, steadier
when the machine is shared); the target is the total wall time under 2 s (median of 5).
With `--baseline REV` the same is measured on a copy of that commit (`git archive`, run
from its own folder so that its packages are the ones imported), interleaved with this tree's
runs, and the ratios of the medians are printed: the before and after of one run. The baseline
needs the packages its own code imports in this interpreter (matplotlib for a report before
the SVG charts). This is a report, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from functools import partial
from pathlib import Path

from bytecode import MODES, Env, bytecode_modes

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = Path("fixtures") / "scenarios" / "flash-crash.toml"


def timed(command: list[str], tree: Path, env: Env) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=tree, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


Run = tuple[tuple[float, float], tuple[float, float]]
"""(replay, report), each as (wall s, CPU s)."""


def main_job(tree: Path, work: Path, env: Env) -> Run:
    """Replay then report, in fresh processes run from `tree`; their wall and CPU times."""
    log, out = work / "ledger.db", work / "report"
    log.unlink(missing_ok=True)
    shutil.rmtree(out, ignore_errors=True)
    cli = [sys.executable, "-m", "replay.cli"]
    replay = timed([*cli, "replay", str(tree / SCENARIO), "--db", str(log)], tree, env)
    report = timed([*cli, "report", str(log), "--out", str(out)], tree, env)
    return replay, report


def checkout(revision: str, folder: Path) -> Path:
    """The files of `revision` in `folder` (no git metadata, nothing installed)."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision], cwd=ROOT, check=True, capture_output=True
    ).stdout
    folder.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def show(name: str, runs: list[Run]) -> tuple[float, float]:
    """Print the medians (and bests) of one tree; return the median totals (wall, CPU)."""
    totals = []
    for clock, index in (("wall", 0), ("CPU", 1)):
        columns = {
            "replay": [replay[index] for replay, _ in runs],
            "report": [report[index] for _, report in runs],
            "total": [replay[index] + report[index] for replay, report in runs],
        }
        cells = "  ".join(
            f"{label} {statistics.median(times):.3f} (best {min(times):.3f})"
            for label, times in columns.items()
        )
        print(f"{name:<20} {clock:<4}  {cells}")
        totals.append(statistics.median(columns["total"]))
    return totals[0], totals[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", help="a git revision to measure beside this tree")
    arguments = parser.parse_args()
    trees = {"this tree": ROOT}
    with tempfile.TemporaryDirectory() as folder, ExitStack() as stack:
        base = Path(folder)
        if arguments.baseline:
            trees[arguments.baseline] = checkout(arguments.baseline, base / "baseline")
        works = {name: base / "work" / name.replace("/", "_") for name in trees}
        envs: dict[str, dict[str, Env]] = {}
        for name, tree in trees.items():
            works[name].mkdir(parents=True)
            warm_up = partial(main_job, tree, works[name])
            envs[name] = stack.enter_context(bytecode_modes(warm_up, tree))
        runs: dict[tuple[str, str], list[Run]] = {}
        for _ in range(arguments.repeat):
            for name, tree in trees.items():
                for mode in MODES:
                    run = main_job(tree, works[name], envs[name][mode])
                    runs.setdefault((name, mode), []).append(run)
    print(
        f"main job (flash-crash), seconds, median of {arguments.repeat}; target: total wall < 2 s"
    )
    medians = {key: show(f"{key[0]}, {key[1]}", times) for key, times in runs.items()}
    if arguments.baseline:
        for mode in MODES:
            (wall, cpu) = medians["this tree", mode]
            (base_wall, base_cpu) = medians[arguments.baseline, mode]
            print(
                f"total, this tree / {arguments.baseline} ({mode}): "
                f"wall {wall / base_wall:.2f}, CPU {cpu / base_cpu:.2f}"
            )


if __name__ == "__main__":
    main()
