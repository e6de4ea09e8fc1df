"""No recorded fact crashes a fold: a log written before facts were checked on the way in may
hold facts naming pools, proposals, markets or staking tokens that never existed. Every
command that folds the log still answers, and names what it found as violations."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.batch import Appended, NewEvent
from ledger.clock import FixedClock
from ledger.sqlite_store import SqliteStore
from projections.runtime import projection_names
from replay.cli import cli
from tests.facts import all_event_types, dangling_fact

GENESIS = Path(__file__).resolve().parents[2] / "fixtures" / "events" / "genesis.jsonl"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def poisoned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Genesis, then one fact of every event type naming nothing that exists, written
    through the store itself (as an older version did, without the admission check)."""
    path = tmp_path_factory.mktemp("poisoned") / "ledger.db"
    assert run("init", str(path))[0] == 0
    assert run("append", str(path), str(GENESIS))[0] == 0
    store = SqliteStore(path, clock=FixedClock(1_700_000_000_000))
    try:
        batch = [
            NewEvent(event=dangling_fact(cls), block=50 + index)
            for index, cls in enumerate(all_event_types().values())
        ]
        assert isinstance(store.append(batch), Appended)
    finally:
        store.close()
    return path


def test_digest_state_and_verify_answer_on_a_poisoned_log(poisoned: Path) -> None:
    assert run("digest", str(poisoned))[0] == 0
    code, output = run("state", str(poisoned))
    assert code == 0, output
    assert "UNKNOWN_PROPOSAL" in output and "UNKNOWN_POOL" in output
    assert run("replay", "--verify", str(poisoned))[0] == 0


def test_rebuild_and_export_every_projection_of_a_poisoned_log(poisoned: Path) -> None:
    assert run("rebuild", str(poisoned))[0] == 0
    for name in projection_names():
        out = poisoned.parent / f"export-{name}"
        code, output = run(
            "export", str(poisoned), "--projection", name, "--format", "jsonl", "--out", str(out)
        )
        assert code == 0, (name, output)


def test_report_of_a_poisoned_log(poisoned: Path) -> None:
    code, output = run("report", str(poisoned), "--out", str(poisoned.parent / "report"))
    assert code == 0, output
    assert (poisoned.parent / "report" / "index.html").exists()
