"""A few hundred mutated `append` inputs: each appended whole or refused by name, the log
byte-identical on refusal, never a traceback (`bench/fuzz_append.py` runs thousands)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.sqlite_store import SqliteStore
from tests.simulation.fuzz_append import fuzz
from tests.simulation.mutations import MUTATIONS

GENESIS = Path(__file__).resolve().parents[2] / "fixtures" / "events" / "genesis.jsonl"
CASES = 330


@pytest.mark.parametrize("seed", [11, 12])
def test_mutated_inputs_are_refused_by_name_or_appended_whole(tmp_path: Path, seed: int) -> None:
    log = tmp_path / "fuzz.db"
    SqliteStore(log, create=True).close()
    outcome = fuzz(GENESIS.read_bytes().splitlines(), log, seed, CASES // 2)
    assert outcome.failures == [], f"seed {seed}: {outcome.failures[:3]}"
    assert outcome.cases == CASES // 2
    # The mutations reach the new refusals, not only the old ones.
    for code in ("NOT_UTF8", "NESTED_TOO_DEEP", "DUPLICATE_KEY", "UNKNOWN_FIELD", "MALFORMED_JSON"):
        assert outcome.refusals[code] > 0, code
    assert len(MUTATIONS) >= 10
