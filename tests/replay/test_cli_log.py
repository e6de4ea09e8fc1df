"""The log commands end to end: bad input gets its own named rejection and leaves the file
byte-identical; good input appends, verifies and reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from replay.cli import cli
from replay.cli.log import init  # noqa: F401  (registers the commands)

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "events" / "genesis.jsonl"


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.output


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    assert run("init", str(path))[0] == 0
    code, output = run("append", str(path), str(FIXTURE))
    assert code == 0, output
    return path


def line(event: dict[str, object], block: int = 9, **envelope: object) -> str:
    return json.dumps({"block": block, "event": event, **envelope})


MINT = {"type": "Minted", "asset": "USDC", "to_account": "carol", "amount": 5}

BAD_INPUTS = {
    "MALFORMED_JSON": line(MINT) + "\n" + '{"block": 9, "event": {"type": "Minted",',
    "UNKNOWN_EVENT_TYPE": line({**MINT, "type": "Minting"}),
    "INVALID_FIELD": line({key: value for key, value in MINT.items() if key != "to_account"}),
    "NEGATIVE_AMOUNT": line({**MINT, "amount": -5}),
    "BLOCK_ORDER": line(MINT, block=4) + "\n" + line(MINT, block=3),
    "DUPLICATE": line(MINT, event_id="m1") + "\n" + line(MINT, event_id="m1"),
}


@pytest.mark.parametrize("code", sorted(BAD_INPUTS))
def test_bad_input_is_named_and_leaves_the_file_byte_identical(ledger: Path, code: str) -> None:
    before = ledger.read_bytes()
    exit_code, output = run("append", str(ledger), "-", stdin=BAD_INPUTS[code])
    assert exit_code == 1
    assert f"rejected ({code})" in output
    assert "line " in output and "hint:" in output
    assert ledger.read_bytes() == before
    assert not Path(f"{ledger}-wal").exists() or Path(f"{ledger}-wal").stat().st_size == 0


def test_mistyped_field_names_the_field(ledger: Path) -> None:
    exit_code, output = run("append", str(ledger), "-", stdin=line({**MINT, "amount": "5"}))
    assert exit_code == 1
    assert "INVALID_FIELD" in output and "$.event.amount" in output and "line 1" in output


def test_a_duplicate_of_a_stored_id_is_rejected(ledger: Path) -> None:
    assert run("append", str(ledger), "-", stdin=line(MINT, event_id="m1"))[0] == 0
    exit_code, output = run("append", str(ledger), "-", stdin=line(MINT, event_id="m1"))
    assert exit_code == 1 and "DUPLICATE" in output


def test_info_and_verify_report_the_head(ledger: Path) -> None:
    exit_code, output = run("info", str(ledger), "--json")
    info = json.loads(output)
    assert exit_code == 0 and info["head_seq"] == 8 and info["head_block"] == 5
    assert info["counts_by_type"] == {
        "AssetRegistered": 3,
        "Burned": 1,
        "Minted": 2,
        "PriceUpdated": 1,
        "Transferred": 1,
    }
    exit_code, output = run("verify", str(ledger), "--json")
    assert exit_code == 0 and json.loads(output)["head_hash"] == info["head_hash"]


def test_verify_exits_3_on_a_tampered_log(ledger: Path) -> None:
    import sqlite3

    connection = sqlite3.connect(ledger)
    connection.execute(
        "UPDATE events SET payload = replace(payload, 'alice', 'mallory') WHERE seq = 4"
    )
    connection.commit()
    connection.close()
    exit_code, output = run("verify", str(ledger))
    assert exit_code == 3 and "seq 4" in output


def test_log_filters_and_json(ledger: Path) -> None:
    exit_code, output = run("log", str(ledger), "--blocks", "2:3", "--json")
    records = [json.loads(text) for text in output.splitlines()]
    assert exit_code == 0 and [record["seq"] for record in records] == [4, 5, 6]
    assert records[1]["event"]["amount"] == "250000000000000000000000000000"  # beyond 2**53
    exit_code, output = run("log", str(ledger), "--type", "Burned")
    assert exit_code == 0 and len(output.splitlines()) == 1


def test_an_unknown_event_type_is_a_usage_error_naming_the_close_one(ledger: Path) -> None:
    """A `--type` no event type has would match nothing: a typo, named with its neighbour."""
    exit_code, output = run("log", str(ledger), "--type", "Burnd")
    assert exit_code == 2 and "unknown event type 'Burnd' (did you mean `Burned`?)" in output
    exit_code, output = run("log", str(ledger), "--type", "Nope", "--json")
    assert exit_code == 2 and "unknown event type 'Nope'; known: " in output
    assert "Burned, " in output and "Transferred, " in output


def test_idempotent_append_by_key(ledger: Path) -> None:
    assert run("append", str(ledger), "-", "--idempotency-key", "k", stdin=line(MINT))[0] == 0
    exit_code, output = run("append", str(ledger), "-", "--idempotency-key", "k", stdin=line(MINT))
    assert exit_code == 0 and "idempotent retry" in output
    exit_code, output = run(
        "append", str(ledger), "-", "--idempotency-key", "k", stdin=line({**MINT, "amount": 6})
    )
    assert exit_code == 1 and "IDEMPOTENCY_CONFLICT" in output


def test_usage_errors_exit_2(ledger: Path) -> None:
    assert run("log", str(ledger), "--blocks", "banana")[0] == 2
    assert run("log")[0] == 2


def test_missing_ledger_is_a_clear_error(tmp_path: Path) -> None:
    exit_code, output = run("info", str(tmp_path / "nope.db"))
    assert exit_code == 4 and "defi-ledger init" in output
