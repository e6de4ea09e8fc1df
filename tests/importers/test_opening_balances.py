"""Holders known from a state file: their transfers are explained by an opening balance, and a
transfer the books cannot explain stops the import by name with nothing of it appended."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from click.testing import CliRunner

from events.chain import BalanceObserved, TokenTransferred, chain_name, outside_account
from ledger.audit_classes import classify
from ledger.batch import Appended, NewEvent
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from projections.balances import Balances
from replay.cli import cli
from replay.importers import import_logs
from replay.importers.pool_state import Opening, PoolStateError, load_state
from tests.importers.chain_model import ALICE, BOB, CAROL, FACTORY, USDC, WETH, ModelChain
from tests.importers.conftest import write_logs

#: What BOB held before the logs begin (read at the end of block 100).
BOB_USDC, BOB_WETH = 5_000 * 10**6, 3 * 10**18


def history() -> tuple[ModelChain, dict[str, int]]:
    """BOB, funded before the window, swaps USDC for WETH, pays CAROL, receives from ALICE.

    Returns the chain and what BOB should hold of each token at the end."""
    chain = ModelChain()
    pair = chain.create_pair(FACTORY, WETH, USDC, "WETH-USDC")
    chain.next_block()
    usdc_first = pair.token0 == USDC
    chain.mint(pair, ALICE, *((10**12, 500 * 10**18) if usdc_first else (500 * 10**18, 10**12)))
    chain.next_block()
    weth_out = chain.swap(pair, BOB, 2_000 * 10**6, usdc_first)
    chain.token_transfer(USDC, BOB, CAROL, 1_500 * 10**6)
    chain.next_block()
    chain.token_transfer(WETH, ALICE, BOB, 10**17)
    chain.token_transfer(USDC, BOB, CAROL, 1_400 * 10**6)
    held = {
        USDC: BOB_USDC - 2_000 * 10**6 - 1_500 * 10**6 - 1_400 * 10**6,
        WETH: BOB_WETH + weth_out + 10**17,
    }
    return chain, held


def state_file(directory: Path, balances: list[dict[str, Any]], block: int = 100) -> Path:
    path = directory / "state.json"
    path.write_text(json.dumps({"block": block, "balances": balances}))
    return path


BOB_STATE = [
    {"account": BOB, "token": USDC, "amount": BOB_USDC},
    {"account": BOB.upper().replace("0X", "0x"), "token": WETH, "amount": BOB_WETH},
]


@pytest.mark.parametrize("fmt", ["etl-json", "etl-csv", "rpc-json"])
def test_a_holder_from_the_state_file_is_tracked_from_its_opening_balance(
    tmp_path: Path, tokens_file: Path, fmt: str
) -> None:
    chain, held = history()
    logs = write_logs(tmp_path, "logs", chain.logs, fmt)
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    result = import_logs(
        store,
        [logs],
        format=fmt,
        token_list=tokens_file,
        pool_state=state_file(tmp_path, BOB_STATE),
    )
    assert result.rejected is None, result.rejected
    facts = [record.event for record in store.read()]
    opened = [fact for fact in facts if isinstance(fact, BalanceObserved)]
    assert sorted((fact.asset, fact.amount, fact.at_block) for fact in opened) == sorted(
        [(chain_name(1, USDC), BOB_USDC, 100), (chain_name(1, WETH), BOB_WETH, 100)]
    )
    bob = chain_name(1, BOB)
    moved = [fact for fact in facts if isinstance(fact, TokenTransferred)]
    assert all(bob in (fact.from_account, fact.to_account) for fact in moved)
    balances = Projector(store, ["balances"]).current_books().get(Balances)
    for token, amount in held.items():
        assert balances.balance(bob, chain_name(1, token)) == amount
    assert balances.violations() == []
    assert balances.balance(chain_name(1, CAROL), chain_name(1, USDC)) == 0  # untracked
    report = classify(store)
    assert report.violations == []
    # BOB's payments are checked against its balance; ALICE's payment to BOB cannot be.
    assert [(item.type, item.field) for item in report.unverifiable] == [
        ("TokenTransferred", "from_account")
    ]
    store.close()
    again = SqliteStore(tmp_path / "ledger.db")
    repeat = import_logs(
        again, [logs], format=fmt, token_list=tokens_file, pool_state=tmp_path / "state.json"
    )
    assert repeat.facts_appended == 0 and repeat.rejected is None
    again.close()


def test_the_audit_finds_an_overdraft_a_log_holds_from_before_the_check(
    tmp_path: Path, tokens_file: Path
) -> None:
    chain, held = history()
    logs = write_logs(tmp_path, "logs", chain.logs, "etl-json")
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    state = state_file(tmp_path, BOB_STATE)
    assert import_logs(store, [logs], token_list=tokens_file, pool_state=state).rejected is None
    last = list(store.read())[-1].event
    assert isinstance(last, TokenTransferred)
    overdraft = msgspec.structs.replace(last, amount=held[USDC] + 1)
    # Appended past the admission, as a log written before imports were checked may hold it.
    assert isinstance(store.append([NewEvent(event=overdraft, block=store.head().block)]), Appended)
    report = classify(store)
    store.close()
    assert [(item.field, item.recorded, item.expected) for item in report.violations] == [
        ("amount", held[USDC] + 1, held[USDC])
    ]


def test_without_a_state_file_holders_stay_outside(tmp_path: Path, tokens_file: Path) -> None:
    chain, _ = history()
    logs = write_logs(tmp_path, "logs", chain.logs, "etl-json")
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    result = import_logs(store, [logs], token_list=tokens_file)
    assert result.rejected is None
    facts = [record.event for record in store.read()]
    assert not any(isinstance(fact, BalanceObserved) for fact in facts)
    outside = outside_account(1)
    for fact in facts:
        if isinstance(fact, TokenTransferred):
            assert fact.from_account == fact.to_account == outside
    store.close()


def test_transfers_before_the_state_block_are_in_the_balance_already(
    tmp_path: Path, tokens_file: Path
) -> None:
    chain, held = history()
    logs = write_logs(tmp_path, "logs", chain.logs, "etl-json")
    # Read at the end of block 102: the swap and first payment are in it; the rest follows.
    at_102 = BOB_USDC - 2_000 * 10**6 - 1_500 * 10**6
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    result = import_logs(
        store,
        [logs],
        token_list=tokens_file,
        pool_state=state_file(tmp_path, [{"account": BOB, "token": USDC, "amount": at_102}], 102),
    )
    assert result.rejected is None
    balances = Projector(store, ["balances"]).current_books().get(Balances)
    assert balances.balance(chain_name(1, BOB), chain_name(1, USDC)) == held[USDC]
    store.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_transfer_the_books_cannot_explain_stops_the_import_by_name(
    tmp_path: Path, tokens_file: Path
) -> None:
    chain, _ = history()
    cut = next(i for i, log in enumerate(chain.logs) if log["block_number"] == 102)
    first = write_logs(tmp_path, "first", chain.logs[:cut], "etl-json")
    rest = write_logs(tmp_path, "rest", chain.logs[cut:], "etl-json")
    db = tmp_path / "ledger.db"
    base = ["import", str(db), "--format", "etl-json", "--token-list", str(tokens_file)]
    assert CliRunner().invoke(cli, [*base, str(first)]).exit_code == 0
    store = SqliteStore(db)
    Projector(store).catch_up()
    head = store.head()
    store.close()
    before = sha256(db)
    # BOB is said to hold 3,000 USDC: the swap (2,000) fits, the payment of 1,500 does not.
    state = state_file(tmp_path, [{"account": BOB, "token": USDC, "amount": 3_000 * 10**6}])
    refused = CliRunner().invoke(cli, [*base, "--state", str(state), str(rest)])
    assert refused.exit_code == 1, refused.output
    assert "rejected (INSUFFICIENT_BALANCE)" in refused.output
    assert "hint:" in refused.output
    payment = next(
        log for log in chain.logs[cut:] if log["address"] == USDC and CAROL[2:] in log["topics"][2]
    )
    assert f"tx {payment['transaction_hash']} log {payment['log_index']}" in refused.output
    assert sha256(db) == before
    store = SqliteStore(db)
    assert store.head() == head
    store.close()


def test_a_state_file_that_makes_no_sense_is_refused_by_name(tmp_path: Path) -> None:
    cases = {
        "no block": {"balances": [{"account": BOB, "token": USDC, "amount": 1}]},
        "a negative amount": {
            "block": 5,
            "balances": [{"account": BOB, "token": USDC, "amount": -1}],
        },
        "listed twice": {
            "block": 5,
            "balances": [{"account": BOB, "token": USDC, "amount": 1}] * 2,
        },
        "not a state file": {"balance": []},
    }
    for problem, content in cases.items():
        path = tmp_path / "state.json"
        path.write_text(json.dumps(content))
        with pytest.raises(PoolStateError, match=problem):
            load_state(path)
    path.write_text(json.dumps({"balances": [{"account": BOB, "token": USDC, "amount": 1}]}))
    result = CliRunner().invoke(
        cli,
        ["import", str(tmp_path / "l.db"), "--format", "etl-json", "--state", str(path), str(path)],
    )
    assert result.exit_code == 1 and "no block" in result.output


def test_a_first_batch_refused_leaves_no_new_log(tmp_path: Path, tokens_file: Path) -> None:
    """A refusal writes nothing: a log the import created for a batch that admission refused
    was left behind, empty."""
    chain, _ = history()
    logs = write_logs(tmp_path, "logs", chain.logs, "etl-json")
    state = state_file(tmp_path, [{"account": BOB, "token": USDC, "amount": 3_000 * 10**6}])
    db = tmp_path / "folder" / "ledger.db"
    base = ["import", str(db), "--format", "etl-json", "--token-list", str(tokens_file)]
    refused = CliRunner().invoke(cli, [*base, "--state", str(state), str(logs)])
    assert refused.exit_code == 1, refused.output
    assert "rejected (INSUFFICIENT_BALANCE)" in refused.output
    assert list(db.parent.iterdir()) == []


def test_numbers_may_come_as_the_text_of_their_digits(tmp_path: Path) -> None:
    """JSON tools, and `--json` itself, write ints past 2**53 as strings: a state file's numbers
    so written read as the ints they spell (they were refused); a fraction, a number past what
    a block or an ERC-20 balance can be, and text that spells no number are refused by name."""
    amount = 12_345_678_901_234_567_890_123
    path = tmp_path / "state.json"
    pool = {"address": WETH, "token0": WETH, "token1": USDC, "lp_supply": str(amount)}
    balance = {"account": BOB, "token": USDC, "amount": str(amount), "block": "101"}
    path.write_text(json.dumps({"block": "100", "pools": [pool], "balances": [balance]}))
    state = load_state(path)
    assert state.balances[(BOB, USDC)] == Opening(amount, 101)
    assert state.pools[WETH].lp_supply == amount
    for wrong, says in [
        ({"amount": "1.5"}, "Expected `int`, got `str`"),
        ({"amount": "0x10"}, "Expected `int`, got `str`"),
        ({"amount": 2**256}, "an amount past 2\\*\\*256 - 1"),
        ({"block": 2**63}, "a block past 2\\*\\*63 - 1"),
    ]:
        path.write_text(json.dumps({"balances": [{**balance, **wrong}]}))
        with pytest.raises(PoolStateError, match=says):
            load_state(path)
