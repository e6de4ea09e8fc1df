"""Benchmark of `stress --paths`: K seeded paths from one fork point, in turn and in parallel.

Run from the repository root:

    .venv/bin/python bench/stress.py                   # 200 paths of the flash-crash log
    .venv/bin/python bench/stress.py --paths 50 --workers 2 --at-block 1800 --rounds 3

It replays the shipped flash-crash scenario into a temporary log, builds the fork point at
--at-block once (the books at the block from `Projector.books_at`, the stress's keeper minted),
then runs the same K paths, --rounds times, alternating: in one process one after the other
(`run_paths(..., workers=1)`), and over --workers forked processes (each path restores the
fork's books from the snapshot; nothing is refolded, nothing re-imported). For each run it
prints the wall time and the CPU seconds (user + system) of this process and of the workers
(the children, counted once they are reaped; the system part shown apart), per path, and
the wall speedup and CPU ratio of the parallel run against the serial run of the same round;
it checks that both gave the same figures path by path. CPU per path is what the code
spends; the wall speedup also depends on what else the machine runs (a loaded machine, or
the kernel's autogroup scheduling, which gives one session one share of the CPU however many
processes it runs). The target is a wall speedup >= 1.6x with 2 workers on an otherwise idle
2-core machine. A report, not a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, NamedTuple

# `python bench/stress.py` puts bench/ first on sys.path, where bench/replay.py would shadow
# the `replay` package: the repository root goes in front of it.
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from replay.runner import replay_scenario  # noqa: E402
from replay.scenario import load_scenario  # noqa: E402
from replay.stress_many import ForkState, distribution, fork_state, run_paths  # noqa: E402
from replay.stress_report import figure_text  # noqa: E402
from replay.stress_spec import load_stress  # noqa: E402


def cpu_seconds() -> tuple[float, float, float]:
    """CPU seconds (user + system) of this process and of its reaped children (the workers),
    and the system part of the two together (page faults, forks, pipes)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return (
        own.ru_utime + own.ru_stime,
        children.ru_utime + children.ru_stime,
        own.ru_stime + children.ru_stime,
    )


def measured(state: ForkState, paths: int, seed: int, workers: int) -> tuple[list[Any], Run]:
    """One run of the paths: its figures, and its wall and CPU seconds."""
    wall, before = time.perf_counter(), cpu_seconds()
    results = run_paths(state, paths, seed, workers)
    wall = time.perf_counter() - wall
    after = cpu_seconds()
    own, children, system = (end - start for start, end in zip(before, after, strict=True))
    return results, Run(wall, own, children, system)


class Run(NamedTuple):
    wall: float
    own_cpu: float
    workers_cpu: float
    system_cpu: float

    def show(self, label: str, paths: int) -> str:
        cpu = self.own_cpu + self.workers_cpu
        return (
            f"  {label:9} wall {self.wall:6.2f} s   CPU {cpu:6.2f} s (this process "
            f"{self.own_cpu:.2f}, workers {self.workers_cpu:.2f}; system {self.system_cpu:.2f})"
            f"   {cpu / paths * 1000:6.1f} ms CPU a path"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paths", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2, help="serial/parallel pairs to run")
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
    print(f"{args.paths} paths, {args.workers} workers, load average {os.getloadavg()[0]:.1f}")
    serial_runs, parallel_runs = [], []
    for round_number in range(1, args.rounds + 1):
        serial_results, serial = measured(state, args.paths, args.seed, 1)
        parallel_results, parallel = measured(state, args.paths, args.seed, args.workers)
        serial_runs.append(serial)
        parallel_runs.append(parallel)
        same = serial_results == parallel_results
        cpu_ratio = (parallel.own_cpu + parallel.workers_cpu) / (serial.own_cpu or 1e-9)
        print(f"round {round_number}: same figures path by path: {same}")
        print(serial.show("in turn", args.paths))
        print(parallel.show(f"{args.workers} workers", args.paths))
        print(
            f"  speedup {serial.wall / parallel.wall:.2f}x wall; parallel/serial CPU a path "
            f"{cpu_ratio:.3f}; load average {os.getloadavg()[0]:.1f}"
        )
    best_serial = min(run.wall for run in serial_runs)
    best_parallel = min(run.wall for run in parallel_runs)
    print(
        f"best of {args.rounds}: in turn {best_serial:.2f} s, {args.workers} workers "
        f"{best_parallel:.2f} s, speedup {best_serial / best_parallel:.2f}x"
    )
    print("the figures over the paths, in display units:")
    for figure, stats in distribution(serial_results).items():
        cells = (
            f"  {key} {figure_text(figure, stats[key], state.decimals, 'display'):>16}"
            for key in ("p50", "p99", "max")
        )
        print(f"  {figure:28}{''.join(cells)}")


if __name__ == "__main__":
    main()
