"""The audit sorts imported swaps into exact, below (legal) and violations, naming tx and log."""

from __future__ import annotations

import json
import random
from pathlib import Path

from click.testing import CliRunner
from eth_abi.abi import decode

from ledger.audit_classes import classify
from ledger.memory import MemoryStore
from ledger.sqlite_store import SqliteStore
from replay.cli import cli
from replay.importers import import_logs
from replay.importers.uniswap_v2_abi import SWAP, SYNC
from tests.importers.chain_model import demo_history, violation_history
from tests.importers.conftest import write_logs
from tests.ledger.test_amm_properties import run_random, seeded_engine


def _swap_logs(logs: list[dict]) -> list[dict]:
    return [item for item in logs if item["topics"][0] == SWAP]


def test_the_demo_has_one_swap_1_wei_below_and_an_unverifiable_burn(
    tmp_path: Path, tokens_file: Path
) -> None:
    chain, _ = demo_history()
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    import_logs(
        store, [write_logs(tmp_path, "logs", chain.logs, "etl-json")], token_list=tokens_file
    )
    report = classify(store)
    store.close()
    assert report.violations == []
    one_wei = [item for item in report.below if item.expected - item.recorded == 1]
    assert len(one_wei) == 1
    swaps = _swap_logs(chain.logs)
    assert (one_wei[0].tx_hash, one_wei[0].log_index) in {
        (item["transaction_hash"], item["log_index"]) for item in swaps
    }
    # The USDC paid between two holders no state file gave a balance of, and the burn of the
    # pool whose LP supply is unknown.
    assert [item.type for item in report.unverifiable] == ["TokenTransferred", "PairBurned"]
    assert report.counts["exact"] >= 5


def test_a_swap_paying_1_wei_above_exits_3_naming_tx_and_log(
    tmp_path: Path, tokens_file: Path
) -> None:
    chain = violation_history()
    logs = write_logs(tmp_path, "logs", chain.logs, "etl-json")
    db = tmp_path / "ledger.db"
    runner = CliRunner()
    imported = runner.invoke(
        cli,
        ["import", str(db), "--format", "etl-json", "--token-list", str(tokens_file), str(logs)],
    )
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(cli, ["audit", str(db), "--json"])
    assert result.exit_code == 3, result.output
    report = json.loads(result.output.splitlines()[0])
    last_swap = _swap_logs(chain.logs)[-1]
    assert [(v["tx_hash"], v["log_index"]) for v in report["violations"]] == [
        (last_swap["transaction_hash"], last_swap["log_index"])
    ]
    violation = report["violations"][0]
    assert violation["recorded"] - violation["expected"] == 1
    assert report["classes"]["violation"] == 1 and report["classes"]["below"] >= 1
    text = runner.invoke(cli, ["audit", str(db)])
    assert text.exit_code == 3 and last_swap["transaction_hash"] in text.output
    only = runner.invoke(
        cli, ["audit", str(db), "--tx", _swap_logs(chain.logs)[0]["transaction_hash"], "--json"]
    )
    assert only.exit_code == 0
    assert sum(json.loads(only.output)["classes"].values()) == 1


def test_an_engine_log_has_no_violation(rand: random.Random) -> None:
    engine = seeded_engine(MemoryStore())
    run_random(rand, engine, batches=60)
    report = classify(engine.store)
    assert report.violations == [] and report.unverifiable == []
    assert report.counts["exact"] > 0


def test_log_and_state_name_a_transaction(tmp_path: Path, tokens_file: Path) -> None:
    chain, pairs = demo_history()
    db = tmp_path / "ledger.db"
    store = SqliteStore(db, create=True)
    import_logs(
        store, [write_logs(tmp_path, "logs", chain.logs, "etl-json")], token_list=tokens_file
    )
    store.close()
    first_swap = _swap_logs(chain.logs)[0]
    tx = first_swap["transaction_hash"]
    runner = CliRunner()
    shown = runner.invoke(cli, ["log", str(db), "--tx", tx.upper().replace("0X", "0x"), "--json"])
    records = [json.loads(line) for line in shown.output.splitlines()]
    assert [r["type"] for r in records] == ["PairSwapped"]
    assert records[0]["event"]["provenance"]["log_index"] == first_swap["log_index"]
    assert records[0]["retracted"] is False
    elsewhere = runner.invoke(cli, ["log", str(db), "--tx", tx, "--account", "nobody"])
    assert (elsewhere.exit_code, elsewhere.output) == (0, "")  # held, but filtered out
    state = runner.invoke(cli, ["state", str(db), "--tx", tx, "--projection", "pools", "--json"])
    assert state.exit_code == 0, state.output
    rows = json.loads(state.output)["projections"]["pools"]["tables"]["pools"]
    pair_row = next(row for row in rows if row["pool"].endswith(pairs["pair"].address))
    sync = next(
        item for item in chain.logs if item["transaction_hash"] == tx and item["topics"][0] == SYNC
    )
    reserves = decode(["uint112", "uint112"], bytes.fromhex(sync["data"][2:]))
    assert (int(pair_row["reserve_x"]), int(pair_row["reserve_y"])) == reserves
    # audit once said "0 violation" of a hash mistyped, and log printed nothing with exit 0
    for command in ("state", "audit", "log"):
        missing = runner.invoke(cli, [command, str(db), "--tx", "0x" + "ab" * 32])
        assert missing.exit_code == 1, missing.output
        assert f"no fact of transaction 0x{'ab' * 32} in the log" in missing.output
        assert "`log --format json` shows each fact's" in missing.output
