"""Stacks-imported facts carry their transaction's provenance; `log`, `state` and `audit` find
them by Stacks tx id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from events.alex_pools import StacksTransactionImported, stacks_name, stacks_network
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from replay.cli import cli
from replay.importers import import_logs
from tests.importers.alex_chain import (
    DEPLOYER,
    ONE_8,
    POOL_TOKEN,
    ModelPool,
    item,
    pool_state,
    write_pages,
)


def tx_id(number: int) -> str:
    return f"0x{number:064x}"


def block_hash(block: int) -> str:
    return f"0x{block:064X}"  # upper case on the page: the log keeps it lower case


def model_history(tmp_path: Path) -> tuple[list[dict[str, Any]], list[tuple[int, int]]]:
    """A deposit and two swaps, one transaction each, with the pool's balances after each.

    The first transaction's items carry their block hash, the second's embed their `tx` (as the
    transaction endpoints give them), the third's give none.
    """
    model = ModelPool(fee_rate=300_000, fee_rebate=50_000_000)
    actions, after = [], []
    for action in (
        lambda: model.add(20_000 * ONE_8, 10_000 * ONE_8),
        lambda: model.swap(True, 70 * ONE_8),
        lambda: model.swap(False, 12 * ONE_8),
    ):
        actions.append(action())
        after.append((model.state.balance_x, model.state.balance_y))
    items = []
    for number, prints in enumerate(actions):
        for index, value in enumerate(prints):
            found = item(value, tx=number + 1, event_index=index, block=500 + 2 * number)
            if number == 0:
                found["block_hash"] = block_hash(found["block_height"])
            elif number == 1:
                found["tx"] = {
                    "tx_id": found["tx_id"],
                    "block_height": found.pop("block_height"),
                    "tx_index": found.pop("tx_index"),
                    "block_hash": block_hash(500 + 2 * number),
                }
            items.append(found)
    return items, after


def imported(tmp_path: Path, items: list[dict[str, Any]]) -> Path:
    db = tmp_path / "ledger.db"
    pages = write_pages(tmp_path / "pages.json", items)
    state = pool_state(tmp_path / "state.json")
    args = ["import", str(db), "--format", "stacks-json", "--pool-state", str(state), str(pages)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    return db


def logged(db: Path, tx: str) -> list[dict[str, Any]]:
    shown = CliRunner().invoke(cli, ["log", str(db), "--tx", tx, "--json"])
    assert shown.exit_code == 0, shown.output
    return [json.loads(line) for line in shown.output.splitlines()]


def test_each_transaction_s_facts_follow_its_provenance_and_log_finds_them(
    tmp_path: Path,
) -> None:
    items, _ = model_history(tmp_path)
    db = imported(tmp_path, items)
    every = [record.seq for record in SqliteStore(db).read(ReadFilter())]
    seen: list[int] = []
    for number in (1, 2, 3):
        records = logged(db, tx_id(number).upper().replace("0X", "0x"))
        provenance, *facts = records
        assert provenance["type"] == "StacksTransactionImported"
        assert facts and all(r["event_id"].startswith(f"stacks:{tx_id(number)}:") for r in facts)
        assert [r["seq"] for r in records] == list(range(records[0]["seq"], records[-1]["seq"] + 1))
        event = provenance["event"]
        prints = [found for found in items if found["tx_id"] == tx_id(number)]
        block = 500 + 2 * (number - 1)
        assert event["chain"] == "stacks:mainnet" and event["tx_id"] == tx_id(number)
        assert event["block"] == block and event["tx_index"] == number
        assert event["block_hash"] == (None if number == 3 else block_hash(block).lower())
        assert event["event_indexes"] == [found["event_index"] for found in prints]
        seen += [r["seq"] for r in records]
    assert sorted(seen) == every  # every fact belongs to exactly one transaction


def test_state_and_audit_answer_for_a_stacks_transaction(tmp_path: Path) -> None:
    items, after = model_history(tmp_path)
    db = imported(tmp_path, items)
    runner = CliRunner()
    pool = stacks_name(POOL_TOKEN)
    for number, balances in enumerate(after, start=1):
        state = runner.invoke(
            cli, ["state", str(db), "--tx", tx_id(number), "--projection", "pools", "--json"]
        )
        assert state.exit_code == 0, state.output
        rows = json.loads(state.output)["projections"]["pools"]["tables"]["pools"]
        row = next(row for row in rows if row["pool"] == pool)
        assert (int(row["reserve_x"]), int(row["reserve_y"])) == balances
        audit = runner.invoke(cli, ["audit", str(db), "--tx", tx_id(number), "--json"])
        assert audit.exit_code == 0, audit.output
        assert json.loads(audit.output)["classes"] == {
            "exact": 1,
            "below": 0,
            "violation": 0,
            "unverifiable": 0,
        }
    for command in ("state", "log"):
        missing = runner.invoke(cli, [command, str(db), "--tx", tx_id(99)])
        assert missing.exit_code == 1 and "no fact of transaction" in missing.output


def test_an_overlapping_reimport_adds_only_the_new_transaction_s_provenance(
    tmp_path: Path,
) -> None:
    items, _ = model_history(tmp_path)
    state = pool_state(tmp_path / "state.json")
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    first = write_pages(tmp_path / "first.json", [i for i in items if i["tx_id"] != tx_id(3)])
    import_logs(store, [first], format="stacks-json", pool_state=state)
    every = write_pages(tmp_path / "all.json", items)
    for _ in range(2):
        import_logs(store, [every], format="stacks-json", pool_state=state)
    provenances = [
        record.event
        for record in store.read(ReadFilter())
        if isinstance(record.event, StacksTransactionImported)
    ]
    assert [event.tx_id for event in provenances] == [tx_id(1), tx_id(2), tx_id(3)]


@pytest.mark.parametrize(
    ("principal", "chain"),
    [
        (f"{DEPLOYER}.amm-pool-v2-01", "stacks:mainnet"),
        ("SM1Z92MPDQEWZXW36VX1KMY1YGTRDCQN4C1SY1Z4K.pool", "stacks:mainnet"),
        ("ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.amm-pool-v2-01", "stacks:testnet"),
        ("SN2ZNGJ85ENDY6QRHQ5P2D4FXKGZWCKTB2T0Z55KS.pool", "stacks:testnet"),
        ("pool-without-address", "stacks"),
    ],
)
def test_the_chain_is_the_contract_address_s_network(principal: str, chain: str) -> None:
    assert stacks_network(principal) == chain


def test_a_testnet_pool_s_facts_name_the_testnet(tmp_path: Path) -> None:
    model = ModelPool()
    testnet = "ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.fixed-weight-pool-v1-01"
    items = [
        item(value, tx=1, event_index=index, block=7, contract=testnet)
        for index, value in enumerate(model.add(100 * ONE_8, 100 * ONE_8))
    ]
    db = imported(tmp_path, items)
    provenance = logged(db, tx_id(1))[0]["event"]
    assert provenance["chain"] == "stacks:testnet" and provenance["block_hash"] is None
