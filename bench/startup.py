"""Start-up: wall time of `defi-ledger info` on a small log, beside `python -c pass`.

Run from the repository root:

    .venv/bin/python bench/startup.py [--repeat 10]

Each command runs --repeat times in a fresh process; the median and best wall times are
printed, with their ratio to a bare interpreter measured in the same run. The target is
`info` under 0.2 s (median of 10). This is a report, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "replay.cli"]


def wall_times(command: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        log = str(Path(folder) / "small.db")
        subprocess.run([*CLI, "init", log], cwd=ROOT, check=True, capture_output=True)
        genesis = str(ROOT / "fixtures" / "events" / "genesis.jsonl")
        subprocess.run([*CLI, "append", log, genesis], cwd=ROOT, check=True, capture_output=True)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "defi-ledger --help": [*CLI, "--help"],
            "defi-ledger info": [*CLI, "info", log],
            "defi-ledger state": [*CLI, "state", log],
        }
        results = {
            name: wall_times(command, arguments.repeat) for name, command in commands.items()
        }
    bare = statistics.median(results["python -c pass"])
    print(f"{'command':<22} {'median s':>9} {'best s':>8} {'x python':>9}  (n={arguments.repeat})")
    for name, times in results.items():
        median = statistics.median(times)
        print(f"{name:<22} {median:>9.3f} {min(times):>8.3f} {median / bare:>9.1f}")


if __name__ == "__main__":
    main()
