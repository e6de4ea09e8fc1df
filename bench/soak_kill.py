"""Crash soak: SIGKILL a writer thousands of times and count what survived.

Each kill cycle (from `tests/ledger/crash_harness.py`, the same harness the test suite runs
110 times) forks a writer that appends batches of 1-40 events to an SQLite log and reports each
batch as its commit returns, kills it with SIGKILL after a random delay of up to 50 ms, then
checks the whole log: the chain verifies, every reported batch is present, and no batch is
present in part. It prints the kills made, the batches committed, the batches lost and the
batches present in part (both must be 0), the verify failures, and the seed that repeats the
run.

The kills are spread over several fresh logs (`--kills-per-log`, default 250) because every
cycle re-reads and re-verifies its whole log: one log taking all 2,000 kills would spend most
of the run re-reading itself. Run it from the repository root:

    .venv/bin/python bench/soak_kill.py                        # 2,000 kills, ~3 minutes
    .venv/bin/python bench/soak_kill.py --kills 200 --seed 7   # repeat a run from its seed
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the harness lives in tests/

from workload import folder

from tests.ledger.crash_harness import SoakOutcome, soak

KILLS_DEFAULT = 2_000
KILLS_PER_LOG_DEFAULT = 250
DELAY_MAX_S = 0.05


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=KILLS_DEFAULT)
    parser.add_argument("--kills-per-log", type=int, default=KILLS_PER_LOG_DEFAULT)
    parser.add_argument("--seed", type=int, default=None, help="repeat a run from its seed")
    parser.add_argument(
        "--dir", type=folder, default=None, help="where the logs go (made if missing)"
    )
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(2**32)
    return args


def soak_logs(directory: Path, args: argparse.Namespace) -> list[SoakOutcome]:
    """Run the kills, `kills_per_log` to a fresh log; stop at the first log with a failure."""
    rand = random.Random(args.seed)
    outcomes: list[SoakOutcome] = []
    remaining = args.kills
    while remaining > 0:
        kills = min(remaining, args.kills_per_log)
        outcome = soak(directory / f"soak-{len(outcomes)}.db", kills, rand, DELAY_MAX_S)
        outcomes.append(outcome)
        print(f"  log {len(outcomes)}: {outcome.kills} kills", file=sys.stderr)
        if outcome.kills < kills:  # the harness stops at the first loss, part or bad chain
            break
        remaining -= kills
    return outcomes


def print_summary(outcomes: list[SoakOutcome], seed: int, seconds: float) -> None:
    rows = [
        ("kills (SIGKILL)", sum(outcome.kills for outcome in outcomes)),
        ("batches committed", sum(len(outcome.committed_batches) for outcome in outcomes)),
        ("batches lost (must be 0)", sum(outcome.lost_batches for outcome in outcomes)),
        ("batches in part (must be 0)", sum(outcome.partial_batches for outcome in outcomes)),
        ("verify failures (must be 0)", sum(outcome.verify_failures for outcome in outcomes)),
        ("logs", len(outcomes)),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"crash soak: seed {seed} (repeat with --seed {seed}), {seconds:.0f} s")
    for name, value in rows:
        print(f"{name.ljust(width)}  {value:>8,}")


def main() -> None:
    args = parse_arguments()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(dir=args.dir) as name:
        outcomes = soak_logs(Path(name), args)
    print_summary(outcomes, args.seed, time.perf_counter() - start)
    failed = any(o.lost_batches or o.partial_batches or o.verify_failures for o in outcomes)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
