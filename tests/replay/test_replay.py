"""Replays are deterministic and verifiable; forks share their parent's chain."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.chain import GENESIS_HASH, record_hash
from ledger.sqlite_store import SqliteStore
from replay.cli import cli
from replay.cli.log import init  # noqa: F401  (registers the log commands)
from replay.cli.replay import replay  # noqa: F401  (registers the replay commands)
from replay.scenario import ScenarioError, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
CALM = SCENARIOS / "calm-payments.toml"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("replay") / "calm.db"
    code, output = run("replay", str(CALM), "--db", str(path))
    assert code == 0, output
    return path


def info(path: Path) -> dict[str, object]:
    code, output = run("info", str(path), "--json")
    assert code == 0
    parsed: dict[str, object] = json.loads(output)
    return parsed


def test_replaying_twice_gives_byte_identical_logs(replayed: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.db"
    assert run("replay", str(CALM), "--db", str(again))[0] == 0
    assert info(again)["head_hash"] == info(replayed)["head_hash"]
    for block in ("40000", "215701"):
        assert run("digest", str(again), "--at-block", block) == run(
            "digest", str(replayed), "--at-block", block
        )


def test_verify_passes_on_a_replayed_log(replayed: Path) -> None:
    code, output = run("replay", "--verify", str(replayed))
    assert code == 0 and "checkpoints match" in output


def test_verify_fails_on_an_altered_log(replayed: Path, tmp_path: Path) -> None:
    altered = tmp_path / "altered.db"
    altered.write_bytes(replayed.read_bytes())
    connection = sqlite3.connect(altered)
    connection.execute(
        "UPDATE events SET payload = replace(payload, '\"amount\":', "
        "'\"amount\":1') WHERE seq = (SELECT min(seq) FROM named_events "
        "WHERE type = 'Transferred')"
    )
    connection.commit()
    connection.close()
    code, output = run("replay", "--verify", str(altered))
    assert code == 3 and "integrity failure" in output


def rehash_everything(path: Path) -> None:
    """An attacker who rewrites the whole chain after altering a record."""
    connection = sqlite3.connect(path)
    connection.execute("DROP INDEX IF EXISTS idx_events_stream_stream_version")
    rows = connection.execute(
        "SELECT seq, block, ts_ms, stream, stream_version, type, version, event_id, "
        "idempotency_key, payload FROM named_events ORDER BY seq"
    ).fetchall()
    previous = GENESIS_HASH
    for row in rows:
        current = record_hash(previous, *row)
        connection.execute(
            "UPDATE events SET hash = ? WHERE seq = ?", (bytes.fromhex(current), row[0])
        )
        previous = current
    connection.execute("UPDATE log_head SET hash = ?", (previous,))
    connection.commit()
    connection.close()


def test_verify_names_the_checkpoint_when_the_chain_was_rewritten(
    replayed: Path, tmp_path: Path
) -> None:
    altered = tmp_path / "rewritten.db"
    altered.write_bytes(replayed.read_bytes())
    connection = sqlite3.connect(altered)
    connection.execute(
        'UPDATE events SET payload = replace(payload, \'"to_account":"bob"\', '
        '\'"to_account":"mallory"\') WHERE seq IN '
        "(SELECT seq FROM named_events WHERE type = 'Transferred')"
    )
    connection.commit()
    connection.close()
    rehash_everything(altered)
    store = SqliteStore(altered)
    assert store.verify().ok
    store.close()
    code, output = run("replay", "--verify", str(altered))
    assert code == 3 and "checkpoint step-" in output and "balances" in output


def test_a_fork_shares_its_parents_chain_up_to_the_fork_block(
    replayed: Path, tmp_path: Path
) -> None:
    child = tmp_path / "fork.db"
    code, output = run(
        "fork",
        str(replayed),
        "--at-block",
        "60000",
        "--out",
        str(child),
        "--scenario",
        str(CALM),
        "--json",
    )
    assert code == 0, output
    parent_store, child_store = SqliteStore(replayed), SqliteStore(child)
    shared = [row for row in parent_store.rows() if row[1] <= 60000]
    assert list(child_store.rows())[: len(shared)] == shared
    assert child_store.verify().ok
    assert child_store.head().seq > len(shared)
    parent_store.close()
    child_store.close()
    code, output = run("diff", str(replayed), str(child), "--at-block", "60000")
    assert code == 0 and "no differences" in output


def test_a_scenario_error_names_the_file_and_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(CALM.read_text().replace("block_seconds = 12", "block_seconds = -1"))
    with pytest.raises(ScenarioError, match=r"bad\.toml: `chain\.block_seconds`"):
        load_scenario(bad)
    code, output = run("replay", str(bad), "--db", str(tmp_path / "x.db"))
    assert code == 1 and "chain.block_seconds" in output
