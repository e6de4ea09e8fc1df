"""The seeded fault simulator, a few hundred steps: no invariant breaks, and a seed repeats
exactly (`bench/simulate.py --steps N --seed S` runs long)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from ledger.sqlite_store import SqliteStore
from tests.simulation.simulator import OPERATIONS, simulate

STEPS = 150


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_invariant_breaks_under_faults(tmp_path: Path, seed: int) -> None:
    trace = simulate(seed, STEPS, tmp_path / "sim")
    assert len(trace) == STEPS
    done = Counter(line.split()[1].rstrip(":") for line in trace)
    assert len(done) >= len(OPERATIONS) - 4  # the mix reaches nearly every operation
    assert any("exit -9" in line for line in trace)  # kills happened
    assert any("exit 4" in line for line in trace)  # environment faults happened


def test_a_seed_repeats_exactly(tmp_path: Path) -> None:
    def run() -> tuple[list[str], str]:
        trace = simulate(7, 40, tmp_path / "sim")
        store = SqliteStore(tmp_path / "sim" / "main.db")
        try:
            return trace, store.head().hash
        finally:
            store.close()

    assert run() == run()
