"""Mutation fuzzer of `defi-ledger append`: thousands of malformed inputs, zero tracebacks.

Each input is a mutation of `fixtures/events/genesis.jsonl` (byte flips, cuts, ints past 64
bits, deep nesting, keys given twice, unknown fields, bytes that are not UTF-8, lone-surrogate
escapes, wrong types, lines that are not objects, reordered lines; see
`tests/simulation/mutations.py`), appended through the CLI to an empty log. Each must be
appended whole (exit 0, the chain verifies) or refused by a named `RejectCode` (exit 1) with
the log byte-identical. It prints the counts by outcome and every failure with the seed that
repeats it. Run it from the repository root:

    .venv/bin/python bench/fuzz_append.py                      # 4,400 inputs, ~45 s
    .venv/bin/python bench/fuzz_append.py --cases 500 --seed 7
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the fuzzer lives in tests/

from ledger.sqlite_store import SqliteStore  # noqa: E402
from tests.simulation.fuzz_append import fuzz  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=4_400)
    parser.add_argument("--seed", type=int, default=20261202)
    args = parser.parse_args()
    lines = (ROOT / "fixtures" / "events" / "genesis.jsonl").read_bytes().splitlines()
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "fuzz.db"
        SqliteStore(log, create=True).close()
        started = time.perf_counter()
        outcome = fuzz(lines, log, args.seed, args.cases)
        seconds = time.perf_counter() - started
    print(f"seed {args.seed}: {outcome.cases} mutated inputs in {seconds:.1f} s")
    print(f"  appended whole (still valid): {outcome.appended}")
    print(f"  refused by name: {sum(outcome.refusals.values())}")
    for code, count in outcome.refusals.most_common():
        print(f"    {code:<24} {count}")
    print(f"  failures (traceback, unnamed refusal, changed file): {len(outcome.failures)}")
    for kind, data, problem in outcome.failures[:20]:
        print(f"    {kind}: {problem}\n      input: {data[:200]!r}")
    return 1 if outcome.failures else 0


if __name__ == "__main__":
    sys.exit(main())
