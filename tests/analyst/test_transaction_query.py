"""The served "a transaction's events" query finds exactly the facts an import took from one
chain transaction, on the shipped EVM and ALEX imports (what `log --tx` finds)."""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest
from click.testing import CliRunner

from events.chain import transaction_of
from ledger.sqlite_store import SqliteStore
from replay.cli import cli
from replay.serve import QUERIES

CHAIN = Path(__file__).resolve().parents[2] / "fixtures" / "chain"
IMPORTS = {
    "evm": [
        "--format",
        "etl-json",
        "--token-list",
        str(CHAIN / "tokens.json"),
        str(CHAIN / "uniswap-v2-demo.logs.json"),
    ],
    "stacks": [
        "--format",
        "stacks-json",
        "--pool-state",
        str(CHAIN / "alex-demo.pools.json"),
        str(CHAIN / "alex-demo.events.json"),
    ],
}


@pytest.mark.parametrize("kind", sorted(IMPORTS))
def test_the_query_gives_each_transaction_s_facts(kind: str, tmp_path: Path) -> None:
    log = tmp_path / f"{kind}.db"
    result = CliRunner().invoke(cli, ["import", str(log), *IMPORTS[kind]])
    assert result.exit_code == 0, result.output
    by_tx: dict[str, list[int]] = defaultdict(list)
    store = SqliteStore(log)
    for record in store.read():
        tx = transaction_of(record.event, record.event_id)
        if tx is not None:
            by_tx[tx].append(record.seq)
    store.close()
    assert len(by_tx) >= 3
    sql = QUERIES["transaction_events"]["sql"]
    connection = sqlite3.connect(log)
    for tx, seqs in by_tx.items():
        for asked in (tx, tx.upper()):
            found = connection.execute(sql, {"tx": asked, "block": ""}).fetchall()
            assert [row[0] for row in found] == seqs
    block = connection.execute("SELECT max(block) FROM events").fetchone()[0]
    in_block = connection.execute(sql, {"tx": "", "block": block}).fetchall()
    assert in_block and all(row[1] == block for row in in_block)
    assert connection.execute(sql, {"tx": "0xnone", "block": ""}).fetchall() == []
