"""The audit finds nothing in a log the engine wrote, and finds every hand-altered amount."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from ledger.audit import audit
from ledger.chain import Row
from ledger.commands.amm_swaps import SwapExactIn
from ledger.memory import MemoryStore
from ledger.sqlite_store import SqliteStore
from replay.cli import cli
from tests.ledger.test_amm_fixtures import ONE, must
from tests.ledger.test_amm_properties import run_random, seeded_engine

PAYLOAD = 7  # the payload's column in a stored row


def altered(row: Row, field: str, delta: int) -> Row:
    payload = json.loads(str(row[PAYLOAD]))
    payload[field] += delta
    return (*row[:PAYLOAD], json.dumps(payload), *row[PAYLOAD + 1 :])  # type: ignore[return-value]


def _mode(row: Row) -> str:
    return str(json.loads(str(row[PAYLOAD])).get("mode", "exact_in"))


def test_a_log_the_engine_wrote_audits_clean(rand: random.Random) -> None:
    engine = seeded_engine(MemoryStore())
    run_random(rand, engine, batches=120)
    assert audit(engine.store) == []


def test_a_hand_altered_amount_is_found_at_its_seq(rand: random.Random) -> None:
    engine = seeded_engine(MemoryStore())
    run_random(rand, engine, batches=60)
    store = engine.store
    assert isinstance(store, MemoryStore)
    for tag, field in (
        ("Swapped", "amount_out"),
        ("Swapped", "fee"),
        ("Swapped", "oracle_resilient"),
        ("LiquidityAdded", "lp_minted"),
    ):
        # Only an exact-in swap's amount out is derived: an exact-out one is audited from its
        # amount out and a pair swap by the K check, and one unit more out may still be a
        # valid trade (getAmountIn rounds up; K has slack), so that is no discrepancy.
        candidates = [
            index
            for index, row in enumerate(store.rows)
            if row[5] == tag and (field != "amount_out" or _mode(row) == "exact_in")
        ]
        index = rand.choice(candidates)
        copy = MemoryStore()
        copy.rows = list(store.rows)
        copy.rows[index] = altered(store.rows[index], field, 1)
        found = audit(copy)
        seq = store.rows[index][0]
        assert found and found[0].seq == seq, found[:3]
        original = json.loads(str(store.rows[index][PAYLOAD]))
        at_seq = [item for item in found if item.seq == seq and item.type == tag]
        assert any(
            (item.field, item.recorded) == (field, original[field] + 1) for item in at_seq
        ), found[:3]


def test_an_altered_weighted_oracle_is_found(rand: random.Random) -> None:
    engine = seeded_engine(MemoryStore())
    run_random(rand, engine, batches=40)
    store = engine.store
    assert isinstance(store, MemoryStore)
    weighted = [
        index
        for index, row in enumerate(store.rows)
        if row[5] == "Swapped" and json.loads(str(row[PAYLOAD]))["oracle_resilient"] > 0
    ]
    assert weighted, "the weighted pool (oracle on) saw no swap"
    index = rand.choice(weighted)
    copy = MemoryStore()
    copy.rows = list(store.rows)
    copy.rows[index] = altered(store.rows[index], "oracle_resilient", -1)
    found = audit(copy)
    assert (found[0].seq, found[0].field) == (store.rows[index][0], "oracle_resilient")


def sqlite_log(path: Path) -> None:
    store = SqliteStore(path, create=True)
    engine = seeded_engine(store)
    for block in range(3, 8):
        swap = SwapExactIn(pool="STX-USDA", trader="bob", asset_in="STX", amount_in=block * ONE)
        must(engine, [swap], block=block)
    store.close()


def test_the_cli_exits_3_on_an_sqlite_update_and_respects_the_block_range(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    sqlite_log(path)
    runner = CliRunner()
    clean = runner.invoke(cli, ["audit", str(path)])
    assert clean.exit_code == 0, clean.output
    connection = sqlite3.connect(path)
    seq = connection.execute(
        "SELECT seq FROM named_events WHERE type = 'Swapped' AND block = 5"
    ).fetchone()[0]
    connection.execute(
        "UPDATE events SET payload = json_set(payload, '$.amount_out', "
        "json_extract(payload, '$.amount_out') - 7) WHERE seq = ?",
        (seq,),
    )
    connection.commit()
    connection.close()
    result = runner.invoke(cli, ["audit", str(path), "--json"])
    assert result.exit_code == 3, result.output
    report = json.loads(result.output.splitlines()[0])
    first = report["discrepancies"][0]
    assert (first["seq"], first["field"], first["expected"] - first["recorded"]) == (
        seq,
        "amount_out",
        7,
    )
    assert runner.invoke(cli, ["audit", str(path), "--to-block", "4"]).exit_code == 0
    text = runner.invoke(cli, ["audit", str(path), "--from-block", "5", "--to-block", "5"])
    assert text.exit_code == 3 and "amount_out" in text.output
