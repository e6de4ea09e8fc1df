"""Benchmark of `stress --paths`: K seeded paths from one fork point, in turn and in parallel.

Run from the repository root:

    .venv/bin/python bench/stress.py                   # 200 paths of the flash-crash log
    .venv/bin/python bench/stress.py --paths 50 --workers 2 --at-block 1800

It replays the shipped flash-crash scenario into a temporary log, builds the fork point at
--at-block once (the books at the block from `Projector.books_at`, the stress's keeper minted),
then runs the same K paths twice: in one process one after the other, and over --workers
processes (each restores the fork's books from the snapshot; nothing is refolded). It prints
both wall times, the CPU seconds of this process, the speedup, and checks that both runs gave
the same figures path by path. The target is >= 1.6x on the project's 2-core machine (a
machine shared with other work measures less). This is a report, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

# `python bench/stress.py` puts bench/ first on sys.path, where bench/replay.py would shadow
# the `replay` package: the repository root goes in front of it.
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from replay.runner import replay_scenario  # noqa: E402
from replay.scenario import load_scenario  # noqa: E402
from replay.stress_many import distribution, fork_state, run_paths  # noqa: E402
from replay.stress_spec import load_stress  # noqa: E402


def cpu_seconds() -> float:
    """CPU seconds of this process and of its finished children (the pool's workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--at-block", type=int, default=1800)
    parser.add_argument(
        "--scenario", type=Path, default=ROOT / "fixtures" / "stress" / "eth-drop-40.toml"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "flash-crash.db"
        replay_scenario(load_scenario(ROOT / "fixtures" / "scenarios" / "flash-crash.toml"), log)
        spec = load_stress(args.scenario)
        started = time.perf_counter()
        state = fork_state(log, args.at_block, spec, Path(folder))
        print(f"fork point at block {args.at_block}: {time.perf_counter() - started:.3f} s")
    timings = {}
    results = {}
    for workers in (1, args.workers):
        wall, cpu = time.perf_counter(), cpu_seconds()
        results[workers] = run_paths(state, args.paths, args.seed, workers)
        timings[workers] = (time.perf_counter() - wall, cpu_seconds() - cpu)
        print(
            f"{args.paths} paths, {workers} worker(s): {timings[workers][0]:.2f} s wall, "
            f"{timings[workers][1]:.2f} s CPU (this process and its workers)"
        )
    same = results[1] == results[args.workers]
    print(f"speedup: {timings[1][0] / timings[args.workers][0]:.2f}x; same figures: {same}")
    for figure, stats in distribution(results[1]).items():
        print(
            f"  {figure:20} p50 {stats['p50']:>26}  p99 {stats['p99']:>26}  max {stats['max']:>26}"
        )


if __name__ == "__main__":
    main()
