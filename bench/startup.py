"""Start-up: wall time of `defi-ledger info` on a small log, beside `python -c pass`.

Run from the repository root:

    .venv/bin/python bench/startup.py [--repeat 10]

Each command runs --repeat times in a fresh process, in both of Python's bytecode modes
(`bench/bytecode.py`): "cached", Python's default, where modules are read from the bytecode
cache, and "compiled", where this project's modules are compiled from source in every process,
as on a machine that sets PYTHONDONTWRITEBYTECODE. The runs are interleaved; the median and
best wall times are printed, with their ratio to a bare interpreter measured in the same run.
The target is `info` under 0.2 s (median of 10). This is a report, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bytecode import MODES, bytecode_modes

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "replay.cli"]


def wall_time(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    arguments = parser.parse_args()
    if arguments.repeat < 1:
        parser.error("--repeat must be at least 1")
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

        def warm_up(env: dict[str, str]) -> None:
            for command in commands.values():
                wall_time(command, env)

        results: dict[tuple[str, str], list[float]] = {}
        with bytecode_modes(warm_up) as modes:
            for _ in range(arguments.repeat):
                for name, command in commands.items():
                    for mode in MODES if name != "python -c pass" else MODES[:1]:
                        times = results.setdefault((name, mode), [])
                        times.append(wall_time(command, modes[mode]))
    bare = statistics.median(results["python -c pass", MODES[0]])
    print(
        f"{'command':<22} {'bytecode':<9} {'median s':>9} {'best s':>8} {'x python':>9}"
        f"  (n={arguments.repeat})"
    )
    for (name, mode), times in results.items():
        median = statistics.median(times)
        print(f"{name:<22} {mode:<9} {median:>9.3f} {min(times):>8.3f} {median / bare:>9.1f}")


if __name__ == "__main__":
    main()
