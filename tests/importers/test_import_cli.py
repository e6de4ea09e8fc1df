"""`defi-ledger import`: counts at the end, named refusals, exit codes, nothing half-read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from replay.cli import cli
from replay.importers import core
from replay.importers.uniswap_v2_abi import TRANSFER
from tests.importers.chain_model import demo_history, rpc_json
from tests.importers.conftest import write_logs


def test_counts_are_printed_and_a_second_run_reports_duplicates(
    tmp_path: Path, tokens_file: Path
) -> None:
    chain, _ = demo_history()
    logs = write_logs(tmp_path, "logs", chain.logs, "etl-csv")
    db = tmp_path / "ledger.db"
    args = ["import", str(db), "--format", "etl-csv", "--token-list", str(tokens_file), str(logs)]
    first = CliRunner().invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "unmapped: Transfer: token not in the token list: 1" in first.output
    again = CliRunner().invoke(cli, [*args, "--json"])
    report = json.loads(again.output)
    assert report["facts_appended"] == 0
    assert sum(c["duplicate"] for c in report["counts"].values()) == len(chain.logs)


def test_bad_input_is_refused_by_name(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    broken = tmp_path / "broken.json"
    broken.write_text('{"log_index": 0, "block_number": \n')
    result = CliRunner().invoke(cli, ["import", str(db), "--format", "etl-json", str(broken)])
    assert result.exit_code == 1 and "broken.json: line 1" in result.output
    missing = CliRunner().invoke(cli, ["import", str(db), "--format", "etl-json", "nope.json"])
    assert missing.exit_code == 4 and "no such file" in missing.output
    bad_list = tmp_path / "tokens.json"
    bad_list.write_text("[1, 2]")
    listed = CliRunner().invoke(
        cli, ["import", str(db), "--format", "etl-json", "--token-list", str(bad_list), str(broken)]
    )
    assert listed.exit_code == 1 and "not a token list" in listed.output
    usage = CliRunner().invoke(cli, ["import", str(db), "--format", "xml", str(broken)])
    assert usage.exit_code == 2


def test_a_log_whose_fields_do_not_decode_is_counted_not_fatal(
    tmp_path: Path, tokens_file: Path
) -> None:
    chain, _ = demo_history()
    swap = next(i for i, item in enumerate(chain.logs) if item["topics"][0].startswith("0xd78a"))
    chain.logs[swap] = {**chain.logs[swap], "data": "0x1234"}
    logs = write_logs(tmp_path, "logs", chain.logs, "etl-json")
    result = CliRunner().invoke(
        cli, ["import", str(tmp_path / "l.db"), "--format", "etl-json", str(logs), "--json"]
    )
    assert result.exit_code == 0, result.output
    reasons = json.loads(result.output)["unmapped_reasons"]
    assert any(reason.startswith("Swap: fields do not decode") for reason in reasons)


def test_a_missing_sync_is_counted_or_audited_never_fatal(
    tmp_path: Path, tokens_file: Path
) -> None:
    """Without its Sync, a swap of a pair seen before still maps (the audit sees the gap);
    one of a pair never seen cannot start it and is counted unmapped."""
    from replay.importers.uniswap_v2_abi import SYNC

    chain, _ = demo_history()
    syncs = [i for i, item in enumerate(chain.logs) if item["topics"][0] == SYNC]
    kept = [item for i, item in enumerate(chain.logs) if i not in syncs[2:]]
    logs = write_logs(tmp_path, "logs", kept, "etl-json")
    db = tmp_path / "l.db"
    result = CliRunner().invoke(
        cli, ["import", str(db), "--format", "etl-json", str(logs), "--json"]
    )
    assert result.exit_code == 0, result.output
    reasons = json.loads(result.output)["unmapped_reasons"]
    assert "Swap: pair first seen with no Sync: reserves unknown" in reasons
    audited = CliRunner().invoke(cli, ["audit", str(db)])
    assert audited.exit_code in (0, 3) and "Traceback" not in audited.output


def test_the_views_answer_for_the_import_when_it_returns(tmp_path: Path, tokens_file: Path) -> None:
    """`import` brings the views up to the head in the same call, as `append` does: the
    balances view then holds what a fold of the imported log gives."""
    import sqlite3

    from ledger.projector import Projector
    from ledger.sqlite_store import SqliteStore
    from projections.balances import Balances

    chain, _ = demo_history()
    logs = write_logs(tmp_path, "logs", chain.logs, "etl-json")
    db = tmp_path / "ledger.db"
    args = ["import", str(db), "--format", "etl-json", "--token-list", str(tokens_file), str(logs)]
    assert CliRunner().invoke(cli, args).exit_code == 0
    info = json.loads(CliRunner().invoke(cli, ["info", str(db), "--json"]).output)
    assert info["stale_views"] == [] and info["views_at_seq"]
    assert set(info["views_at_seq"].values()) == {info["head_seq"]}
    with sqlite3.connect(db) as connection:
        viewed = {
            (account, asset): int(amount)
            for account, asset, amount in connection.execute(
                "SELECT account, asset, amount FROM view_balances"
            )
        }
    store = SqliteStore(db)
    books = Projector(store).books_at(store.head().block)
    store.close()
    folded = {
        (account, asset): amount
        for asset, holders in books.get(Balances).holdings.items()
        for account, amount in holders.items()
        if amount and not account.startswith("issuer:")  # issuers are the supply view's
    }
    assert viewed == folded and viewed


@pytest.mark.parametrize("fmt", ["etl-json", "etl-csv"])
@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("block_number", -1, "-1 is not a block number"),
        ("block_number", 2**63, "9223372036854775808 is not a block number"),
        ("log_index", 2**300, "a 91-digit number is not a block number"),
        ("data", "0xzz", "non-hexadecimal"),
        ("topics", ["0xqq"], "non-hexadecimal"),
        ("topics", ["0x00" + "ab" * 32], "`topics`: '0x00abab"),
        ("topics", ["0x" + "ab" * 20], "is not 32 bytes long (20)"),
        ("block_hash", "0x12", "`block_hash`: '0x12' is not 32 bytes long (1)"),
        ("address", "0x" + "ab" * 32, "is not 20 bytes long (32)"),
        ("data", "0x123", "'0x123' has an odd number of hex digits"),
    ],
)
def test_a_log_field_out_of_range_or_not_hex_is_refused_by_line(
    tmp_path: Path, tokens_file: Path, fmt: str, field: str, value: object, says: str
) -> None:
    """The general reader and the fast path of well-formed JSON lines refuse alike, naming the
    field; nothing is appended (a block past 2**63 - 1 once reached SQLite and crashed the
    import; a 33-byte topic was read as another address)."""
    chain, _ = demo_history()
    chain.logs[2] = {**chain.logs[2], field: value}
    logs = write_logs(tmp_path, "logs", chain.logs, fmt)
    db = tmp_path / "ledger.db"
    args = ["import", str(db), "--format", fmt, "--token-list", str(tokens_file), str(logs)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert f"line {3 if fmt == 'etl-json' else 4}: not a log record" in result.output
    assert says in result.output
    assert not db.exists()  # the refused import created no log


@pytest.mark.parametrize("value", [12, None, [1], {"x": 1}, True])
def test_a_value_of_the_wrong_kind_where_hex_belongs_is_refused(
    tmp_path: Path, tokens_file: Path, value: object
) -> None:
    chain, _ = demo_history()
    chain.logs[0] = {**chain.logs[0], "topics": [value]}
    logs = write_logs(tmp_path, "logs", chain.logs, "etl-json")
    result = CliRunner().invoke(
        cli, ["import", str(tmp_path / "l.db"), "--format", "etl-json", str(logs)]
    )
    assert result.exit_code == 1, result.output
    assert "line 1: not a log record" in result.output and "expected 0x hex text" in result.output


def test_a_pending_log_is_counted_never_placed_on_a_block(
    tmp_path: Path, tokens_file: Path
) -> None:
    """`eth_getLogs` to the `pending` block returns logs whose block hash is null: no block
    holds them yet, so they are counted, not imported under a block hash of "none"."""
    chain, _ = demo_history()
    logs = write_logs(tmp_path, "logs", chain.logs, "rpc-json")
    document = json.loads(logs.read_text())
    document["result"][-1].update(blockHash=None, logIndex=None, transactionIndex=None)
    document["result"][-2].update(blockHash=None)
    logs.write_text(json.dumps(document))
    db = tmp_path / "ledger.db"
    args = ["import", str(db), "--format", "rpc-json", "--token-list", str(tokens_file)]
    result = CliRunner().invoke(cli, [*args, str(logs)])
    assert result.exit_code == 0, result.output
    assert "unmapped: any: pending, in no block yet: 2" in result.output
    assert f"{len(chain.logs) - 2} logs read" in result.output
    records = CliRunner().invoke(cli, ["log", str(db), "--format", "json"])
    assert records.exit_code == 0 and '"none"' not in records.output


def test_ctrl_c_mid_import_keeps_whole_batches_exits_130_and_a_rerun_goes_on(
    tmp_path: Path, tokens_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C once ended in click's "Aborted!" with exit 1, the code of refused input."""
    chain, _ = demo_history()
    logs = write_logs(tmp_path, "logs", chain.logs, "etl-json")
    args = ["--format", "etl-json", "--token-list", str(tokens_file), str(logs)]
    clean = CliRunner().invoke(cli, ["import", str(tmp_path / "clean.db"), *args])
    assert clean.exit_code == 0, clean.output
    monkeypatch.setattr(core, "BATCH_FACTS", 3)
    flush, flushes = core._Importer.flush, []

    def interrupted_after_two(importer: core._Importer) -> None:
        flush(importer)
        flushes.append(1)
        if len(flushes) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(core._Importer, "flush", interrupted_after_two)
    db = tmp_path / "ledger.db"
    result = CliRunner().invoke(cli, ["import", str(db), *args])
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.output and "Aborted" not in result.output
    assert CliRunner().invoke(cli, ["verify", str(db), "--views"]).exit_code == 0
    monkeypatch.undo()
    again = CliRunner().invoke(cli, ["import", str(db), *args])
    assert again.exit_code == 0, again.output
    audits = [CliRunner().invoke(cli, ["audit", str(path)]) for path in (db, tmp_path / "clean.db")]
    firsts = [audit.output.splitlines()[0] for audit in audits]  # seqs differ by the batches
    assert firsts[0] == firsts[1] == "audit: 6 exact, 2 below, 0 violation, 2 unverifiable"


def test_a_transfer_that_is_not_erc20_is_counted_as_a_transfer_saying_why(
    tmp_path: Path, tokens_file: Path
) -> None:
    """An ERC-721 `Transfer` shares ERC-20's first topic and indexes the token id as a fourth:
    it was counted as an 'other' log with its first topic for the reason; an anonymous log
    (no topics) says so."""
    chain, _ = demo_history()
    nft = next(i for i, item in enumerate(chain.logs) if item["topics"][0] == TRANSFER)
    chain.logs[nft] = {
        **chain.logs[nft],
        "topics": [*chain.logs[nft]["topics"], "0x" + "00" * 31 + "07"],
    }
    anonymous = next(i for i in range(nft + 1, len(chain.logs)) if chain.logs[i]["data"] != "0x")
    chain.logs[anonymous] = {**chain.logs[anonymous], "topics": []}
    logs = write_logs(tmp_path, "logs", chain.logs, "etl-json")
    args = ["import", str(tmp_path / "l.db"), "--format", "etl-json", "--token-list"]
    result = CliRunner().invoke(cli, [*args, str(tokens_file), str(logs), "--json"])
    assert result.exit_code == 0, result.output
    reasons = json.loads(result.output)["unmapped_reasons"]
    assert reasons["Transfer: ERC-721 (token id indexed): not an ERC-20 transfer"] == 1
    assert reasons["other: topic0 none (anonymous)"] == 1


def test_responses_appended_one_a_line_import_as_one_file(
    tmp_path: Path, tokens_file: Path
) -> None:
    """A script fetching block ranges appends each `eth_getLogs` response as a line: such a
    file was refused as JSON with 'Extra data'."""
    chain, _ = demo_history()
    whole = json.loads(rpc_json(chain.logs))
    half = len(whole["result"]) // 2
    lines = [
        {**whole, "result": whole["result"][:half]},
        {**whole, "result": whole["result"][half:]},
    ]
    logs = tmp_path / "logs.json"
    logs.write_text("".join(json.dumps(line) + "\n" for line in lines))
    args = ["--format", "rpc-json", "--token-list", str(tokens_file), "--json"]
    appended = CliRunner().invoke(cli, ["import", str(tmp_path / "l.db"), *args, str(logs)])
    assert appended.exit_code == 0, appended.output
    plain = write_logs(tmp_path, "plain", chain.logs, "rpc-json")
    expected = CliRunner().invoke(cli, ["import", str(tmp_path / "p.db"), *args, str(plain)])
    assert json.loads(appended.output) == json.loads(expected.output)
    logs.write_text(json.dumps(lines[0]) + "\n{not json\n")
    refused = CliRunner().invoke(cli, ["import", str(tmp_path / "r.db"), *args, str(logs)])
    assert refused.exit_code == 1 and f"{logs}: line 2:" in refused.output


def test_a_node_error_in_place_of_logs_is_refused_saying_to_fetch_again(tmp_path: Path) -> None:
    """The commonest `eth_getLogs` answer after logs: too many results. It was refused as 'no
    `result` list of logs', which says neither that the node refused nor what to do."""
    error = {"code": -32005, "message": "query returned more than 10000 results"}
    logs = tmp_path / "logs.json"
    logs.write_text(json.dumps({"jsonrpc": "2.0", "id": 1, "error": error}))
    db = tmp_path / "l.db"
    result = CliRunner().invoke(cli, ["import", str(db), "--format", "rpc-json", str(logs)])
    assert result.exit_code == 1, result.output
    assert "item 0: the node answered an error, not logs (-32005: query returned more" in (
        result.output
    )
    assert "in smaller ranges" in result.output and not db.exists()


def test_ctrl_c_before_the_first_batch_leaves_no_new_log(
    tmp_path: Path, tokens_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(importer: core._Importer, logs: list[object]) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(core._Importer, "take", interrupted)
    chain, _ = demo_history()
    logs = write_logs(tmp_path, "logs", chain.logs, "etl-json")
    db = tmp_path / "ledger.db"
    args = ["import", str(db), "--format", "etl-json", "--token-list", str(tokens_file)]
    result = CliRunner().invoke(cli, [*args, str(logs)])
    assert result.exit_code == 130, result.output
    assert list(tmp_path.glob("ledger.db*")) == []
