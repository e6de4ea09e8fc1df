"""The seeded fault simulator, run long: many steps over a few seeds, and the figures.

Each seed drives a random mix of appends, replays, forks, rebuilds, exports and queries while
faults are injected: SIGKILL at a seeded SQL statement (appends, rebuilds, replays, forks,
exports), torn output files, a full disk (a file-size limit), a read-only file, a lock held
by another connection, malformed input. After every step the invariants are checked: the
chain verifies, every acknowledged batch is there whole, no batch is there in part, views and
snapshots equal a refold, and every output is complete or absent. Time is frozen with
freezegun and advanced by the seed; a failing seed repeats exactly (see
`tests/simulation/simulator.py`). It needs the `test` extra (freezegun, hypothesis). Run it
from the repository root:

    .venv/bin/python bench/simulate.py --steps 2500 --seed 1 --seed 2 --seed 3 --seed 4
    .venv/bin/python bench/simulate.py --steps 200 --seed 7        # repeat one seed
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the simulator lives in tests/

from workload import require  # noqa: E402

require("freezegun", "test", "bench/simulate.py (the test suite's simulator)")

from tests.simulation.invariants import InvariantBroken  # noqa: E402
from tests.simulation.simulator import simulate  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2_500, help="Steps per seed.")
    parser.add_argument("--seed", type=int, action="append", help="Repeatable; default 1..4.")
    args = parser.parse_args()
    seeds = args.seed or [1, 2, 3, 4]
    failures = 0
    totals: Counter[str] = Counter()
    for seed in seeds:
        started = time.perf_counter()
        with tempfile.TemporaryDirectory() as folder:
            try:
                trace = simulate(seed, args.steps, Path(folder) / "sim")
            except InvariantBroken as broken:
                failures += 1
                print(f"seed {seed}: INVARIANT BROKEN: {broken}")
                continue
        seconds = time.perf_counter() - started
        operations = Counter(line.split()[1].rstrip(":") for line in trace)
        outcomes = Counter(
            f"{line.split()[1]} {line.split(': ', 1)[1]}"
            for line in trace
            if "exit" in line and not line.split()[1].startswith("append_malformed")
        )
        totals.update(outcomes)
        kills = sum("exit -9" in line for line in trace)
        environment = sum("exit 4" in line for line in trace)
        totals.update(operations)
        totals["kills"] += kills
        totals["environment faults"] += environment
        print(
            f"seed {seed}: {len(trace)} steps in {seconds:.0f} s, {kills} kills, "
            f"{environment} environment faults (exit 4), 0 invariant failures"
        )
    print(f"total over {len(seeds)} seeds x {args.steps} steps: {failures} seeds failed")
    for name, count in sorted(totals.items()):
        print(f"  {name:<20} {count}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
