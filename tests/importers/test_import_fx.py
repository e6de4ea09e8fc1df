"""f(x) logs, encoded with eth-abi from the pool model's own results, import into the positions
the model holds; what cannot be mapped is counted with its reason; the audit classifies."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from eth_abi import encode
from eth_utils import keccak

from events.chain import chain_name
from ledger.audit_classes import AuditReport, classify
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from projections.contracts.fx_params import FxPoolParameters
from projections.fx_chain import FxChainBook
from replay.importers import ImportResult, import_logs
from replay.importers.fx_abi import FX_EVENTS
from tests.importers.chain_model import ALICE, BOB, ModelChain, _topic
from tests.importers.conftest import write_logs
from tests.importers.fx_chain_model import FXBASE, FXUSD, TOPIC, FxModel, stability_and_fxusd

E18 = 10**18
#: No open, close or supply fees: a position's amounts are the requests', checkable by hand.
NO_FEES = FxPoolParameters(
    open_ratio_1e9=0, close_fee_ratio_1e9=0, supply_ratio_1e9=0, withdraw_fee_ratio_1e9=0
)


@pytest.mark.parametrize("topic", sorted(FX_EVENTS))
def test_the_topics_are_the_keccak_of_the_contracts_signatures(topic: str) -> None:
    assert "0x" + keccak(text=FX_EVENTS[topic].signature).hex() == topic


def run(tmp_path: Path, chain: ModelChain, fmt: str = "etl-json") -> tuple[ImportResult, Path]:
    db = tmp_path / f"{fmt}.db"
    store = SqliteStore(db, create=True)
    result = import_logs(store, [write_logs(tmp_path, "fx", chain.logs, fmt)], format=fmt)
    store.close()
    assert result.rejected is None
    return result, db


def fx_book(db: Path) -> FxChainBook:
    store = SqliteStore(db)
    (book,) = Projector(store, ["fx_chain"]).current()
    store.close()
    assert isinstance(book, FxChainBook)
    return book


def audit(db: Path) -> AuditReport:
    store = SqliteStore(db)
    report = classify(store)
    store.close()
    return report


def positions(book: FxChainBook) -> dict[int, tuple[Any, ...]]:
    (table,) = [table for table in book.tables() if table.name == "fx_chain_positions"]
    return {row[1]: row for row in table.rows}


def lifecycle(parameters: FxPoolParameters = NO_FEES) -> tuple[ModelChain, FxModel]:
    """Open, borrow and repay (alice), open (bob), a rebalance of bob's tick, then a
    liquidation of it with bad debt spread over alice by the debt index."""
    chain = ModelChain()
    fx = FxModel(chain, parameters)
    chain.next_block()
    fx.operate(ALICE, 3000 * E18, None, 10 * E18, 18_000 * E18)
    chain.next_block()
    fx.operate(ALICE, 3000 * E18, 1, 0, 3_000 * E18)
    fx.operate(ALICE, 3000 * E18, 1, 0, -4_500 * E18)
    fx.operate(BOB, 3000 * E18, None, 10 * E18, 25_000 * E18)
    chain.next_block()
    fx.walk("rebalance", 2800 * E18)
    chain.next_block()
    fx.walk("liquidate", 2400 * E18)
    return chain, fx


@pytest.mark.parametrize("fmt", ["etl-json", "rpc-json"])
def test_open_borrow_repay_give_the_hand_checked_position(tmp_path: Path, fmt: str) -> None:
    chain = ModelChain()
    fx = FxModel(chain, NO_FEES)
    chain.next_block()
    fx.operate(ALICE, 3000 * E18, None, 10 * E18, 18_000 * E18)
    fx.operate(ALICE, 3000 * E18, 1, 0, 3_000 * E18)
    fx.operate(ALICE, 3000 * E18, 1, 0, -4_500 * E18)
    result, db = run(tmp_path, chain, fmt)
    assert result.unmapped_reasons == {}
    assert result.counts["Operate"]["mapped"] == 3
    assert result.counts["PositionSnapshot"]["mapped"] == 3
    row = positions(fx_book(db))[1]
    # At index 2^96 a share is one raw unit: 10 ETH in, 18,000 + 3,000 - 4,500 fxUSD owed.
    assert row[2:] == (ALICE, row[3], 10 * E18, 16_500 * E18)
    assert row[3] is not None
    assert audit(db).counts == {"exact": 3, "below": 0, "violation": 0, "unverifiable": 0}


@pytest.mark.parametrize("fmt", ["etl-json", "rpc-json"])
def test_a_rebalance_and_a_liquidation_leave_the_models_positions(tmp_path: Path, fmt: str) -> None:
    chain, fx = lifecycle()
    result, db = run(tmp_path, chain, fmt)
    assert result.unmapped_reasons == {}
    assert result.counts["TickMovement"]["mapped"] == 2
    book = fx_book(db)
    found = positions(book)
    for position_id in (1, 2):
        assert found[position_id][4:] == fx.position(position_id)
    assert fx.position(2) == (0, 0)
    assert found[1][4] == 10 * E18  # alice keeps her collateral; bob's bad debt is hers now
    assert 16_500 * E18 < found[1][5] < 17_100 * E18
    pool = book.pools[chain_name(1, fx.address)]
    assert pool.debt_index == fx.pool.debt_index > 2**96
    assert book.violations() == []
    assert audit(db).counts == {"exact": 6, "below": 0, "violation": 0, "unverifiable": 0}


def test_the_rebalance_by_hand(tmp_path: Path) -> None:
    chain = ModelChain()
    fx = FxModel(chain, NO_FEES)
    chain.next_block()
    fx.operate(BOB, 3000 * E18, None, 10 * E18, 25_000 * E18)
    chain.next_block()
    fx.walk("rebalance", 2800 * E18)
    _, db = run(tmp_path, chain)
    coll, debt = positions(fx_book(db))[1][4:]
    # Bob's 25,000 fxUSD against 10 ETH at 2,800 (89.3%) is past the 88% line: the rebalance
    # repays x = (D - r P C) / (1 - r (1 + bonus)) to bring him back to r = 88%, and takes
    # x (1 + 2.5%) / P ETH: x = 360 / 0.098 = 3,673.47 fxUSD, 1.3448 ETH.
    ratio = 880 * E18 // 1000
    taken = (25_000 * E18 - ratio * 2_800 * 10) * E18 // (E18 - ratio * 1025 // 1000)
    paid_coll = taken * 1025 // 1000 // 2_800
    assert abs(taken - 3_673_469_387_755_102_040_816) < 10**6
    assert abs(debt - (25_000 * E18 - taken)) < 10**15
    assert abs(coll - (10 * E18 - paid_coll)) < 10**12
    assert (coll, debt) == fx.position(1)


def test_unknown_and_unplaceable_fx_logs_are_counted_unmapped(tmp_path: Path) -> None:
    chain = ModelChain()
    fx = FxModel(chain, NO_FEES)
    chain.next_block()
    fx.operate(ALICE, 3000 * E18, None, 10 * E18, 18_000 * E18)
    snapshot = TOPIC["PositionSnapshot(uint256,int16,uint256,uint256,uint256)"]
    data = encode(["uint256", "int16", "uint256", "uint256", "uint256"], [1, 5, 2, 3, 4])
    chain._emit(fx.address, [snapshot], data)  # a snapshot no Operate follows
    chain._end_tx()
    chain._emit(fx.address, [TOPIC["TickMovement(int16,int16,uint256,uint256,uint256)"]], data)
    chain._end_tx()
    operate = TOPIC["Operate(address,uint256,int256,int256,uint256)"]
    chain._emit(FXUSD, [operate, _topic(fx.address), _topic(fx.address)], b"\x01")  # short
    chain._end_tx()
    unknown = "0x" + keccak(text="UpdateBorrowStatus(bool)").hex()  # an event not read
    chain._emit(fx.address, [unknown], encode(["bool"], [True]))
    chain._end_tx()
    result, db = run(tmp_path, chain)
    assert result.unmapped_reasons == {
        "PositionSnapshot: no Operate of its position after it": 1,
        "TickMovement: no rebalance, liquidation or redeem after it": 1,
        "Operate: fields do not decode (InsufficientDataBytes)": 1,
        f"other: topic0 {unknown[:10]}": 1,
    }
    assert sum(sum(counts.values()) for counts in result.counts.values()) == len(chain.logs)
    assert positions(fx_book(db))[1][4:] == (10 * E18, 18_000 * E18)


def test_a_pool_first_seen_mid_life_reports_unverifiable_checks(tmp_path: Path) -> None:
    chain = ModelChain()
    fx = FxModel(chain, NO_FEES, register=False)
    old = chain.logs[:]
    fx.operate(ALICE, 3000 * E18, None, 10 * E18, 18_000 * E18)  # before the file begins
    fx.operate(BOB, 3000 * E18, None, 10 * E18, 25_000 * E18)
    del chain.logs[len(old) :]
    chain.next_block()
    fx.operate(ALICE, 3000 * E18, 1, 0, 1_000 * E18)
    fx.walk("rebalance", 2800 * E18)
    _, db = run(tmp_path, chain)
    book = fx_book(db)
    pool = book.pools[chain_name(1, fx.address)]
    assert not pool.from_start and pool.debt_index is None
    found = positions(book)
    assert found[1][4:] == (None, None)  # shares known, index not: amounts unknown
    report = audit(db)
    assert report.counts == {"exact": 0, "below": 0, "violation": 0, "unverifiable": 2}
    assert {item.type for item in report.unverifiable} == {"FxChainOperated", "FxChainWalked"}


def test_a_debt_that_does_not_add_up_is_a_violation_naming_the_log(tmp_path: Path) -> None:
    chain = ModelChain()
    fx = FxModel(chain, NO_FEES)
    chain.next_block()
    fx.operate(ALICE, 3000 * E18, None, 10 * E18, 18_000 * E18)
    log = chain.logs[-1]
    forged = encode(["int256", "int256", "uint256"], [10 * E18, 18_001 * E18, 0])
    log["data"] = "0x" + forged.hex()
    _, db = run(tmp_path, chain)
    report = audit(db)
    assert report.counts["violation"] == 1
    (found,) = report.violations
    assert (found.field, found.recorded, found.expected) == ("debt", 18_000 * E18, 18_001 * E18)
    assert (found.tx_hash, found.log_index) == (log["transaction_hash"], log["log_index"])


def test_stability_pool_and_fxusd_events_map_and_reimport_appends_nothing(
    tmp_path: Path,
) -> None:
    chain, _ = lifecycle()
    chain.next_block()
    stability_and_fxusd(chain, ALICE)
    result, db = run(tmp_path, chain)
    assert result.unmapped_reasons == {}
    for kind in ("Deposit", "RequestRedeem", "Redeem", "InstantRedeem", "Rebalance", "Arbitrage"):
        assert result.counts[f"fxBASE {kind}"] == {"mapped": 1, "unmapped": 0, "duplicate": 0}
    assert result.counts["fxUSD Buyback"]["mapped"] == 1
    book = fx_book(db)
    assert book.stability[chain_name(1, FXBASE)]["net_shares"] == 990 * E18 - 101 * E18
    assert book.fxusd[chain_name(1, FXUSD)]["buyback_bonus_fxusd"] == 10**15
    store = SqliteStore(db)
    again = import_logs(store, [tmp_path / "fx.etl-json"], format="etl-json")
    store.close()
    assert again.facts_appended == 0
    assert sum(counts["duplicate"] for counts in again.counts.values()) == len(chain.logs)


@pytest.mark.parametrize("depth", [1, 3])
def test_a_reorganisation_of_fx_blocks_ends_as_the_canonical_chain(
    tmp_path: Path, depth: int
) -> None:
    main = ModelChain()
    fx = FxModel(main, NO_FEES)
    main.next_block()
    fx.operate(ALICE, 3000 * E18, None, 10 * E18, 18_000 * E18)
    fork_at = main.block + 1
    branch, branch_fx = copy.deepcopy(main), copy.deepcopy(fx)
    branch_fx.chain = branch
    for _ in range(depth):  # orphaned: bob opens, then a rebalance of his tick
        main.next_block()
        fx.operate(BOB, 3000 * E18, None, 10 * E18, 25_000 * E18)
    main.next_block()
    fx.walk("rebalance", 2800 * E18)
    branch.fork, branch.fork_from = "branch", fork_at
    branch.next_block()
    branch_fx.operate(ALICE, 3000 * E18, 1, 0, 1_000 * E18)
    store = SqliteStore(tmp_path / "reorged.db", create=True)
    import_logs(store, [write_logs(tmp_path, "main", main.logs, "etl-json")])
    Projector(store, snapshot_every=2).catch_up()
    result = import_logs(store, [write_logs(tmp_path, "branch", branch.logs, "etl-json")])
    assert [reorg["fork_block"] for reorg in result.reorgs] == [fork_at]
    (book,) = Projector(store, ["fx_chain"]).current()
    store.close()
    assert isinstance(book, FxChainBook)
    assert set(positions(book)) == {1}
    assert positions(book)[1][4:] == branch_fx.position(1) == (10 * E18, 19_000 * E18)
    _, canonical = run(tmp_path, branch)
    assert fx_book(canonical).digest() == book.digest()
