"""Nothing cached is trusted blindly: views and snapshots carry digests and `verify --views`
refolds them; `verify --expect-head` anchors a log against a rewrite; `verify --deep` names
damaged pages and records instead of crashing."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from ledger.sqlite_store import SqliteStore
from tests.replay.test_cli_log import ledger, run
from tests.replay.test_replay import rehash_everything

__all__ = ["ledger"]


def sql(path: Path, statement: str, *params: object) -> None:
    connection = sqlite3.connect(path)
    connection.execute(statement, params)
    connection.commit()
    connection.close()


@pytest.fixture
def viewed(ledger: Path) -> Path:
    """The log with its views and a snapshot or two written.

    Snapshots are taken at block boundaries, so the log gains a few blocks of mints first.
    """
    mints = [
        json.dumps(
            {
                "block": block,
                "event": {"type": "Minted", "asset": "USDC", "to_account": "zed", "amount": block},
            }
        )
        for block in range(6, 16)
    ]
    assert run("append", str(ledger), "-", stdin="\n".join(mints))[0] == 0
    store = SqliteStore(ledger)
    try:
        from ledger.projector import Projector

        Projector(store, snapshot_every=3).rebuild()  # append caught the views up already
    finally:
        store.close()
    assert run("verify", str(ledger), "--views")[0] == 0
    return ledger


def test_a_hand_edited_view_state_is_refused_and_named(viewed: Path) -> None:
    connection = sqlite3.connect(viewed)
    (state,) = connection.execute(
        "SELECT state FROM view_state WHERE projection = 'balances'"
    ).fetchone()
    connection.close()
    edited = bytes(state).replace(b'"bob"', b'"mal"', 1)
    assert edited != bytes(state)
    sql(viewed, "UPDATE view_state SET state = ? WHERE projection = 'balances'", edited)
    for command in ("state", "digest"):
        code, output = run(command, str(viewed))
        assert code == 3 and "view balances" in output and "rebuild" in output, command
    code, output = run("verify", str(viewed), "--views")
    assert code == 3 and "view of balances at seq" in output
    assert run("rebuild", str(viewed))[0] == 0
    assert run("verify", str(viewed), "--views")[0] == 0


def test_a_view_state_edited_with_its_digest_that_does_not_restore_is_named(
    viewed: Path,
) -> None:
    """Whoever rewrites the digest too passes that check; bytes that are no state of the book
    are still named, not a crash."""
    garbage = b"\x00 not a state"
    sql(
        viewed,
        "UPDATE view_state SET state = ?, state_sha256 = ? WHERE projection = 'balances'",
        garbage,
        hashlib.sha256(garbage).hexdigest(),
    )
    for command in ("state", "digest"):
        code, output = run(command, str(viewed))
        assert code == 3, (command, output)
        assert "view state of balances does not restore" in output and "rebuild" in output
    assert run("rebuild", str(viewed))[0] == 0
    assert run("verify", str(viewed), "--views")[0] == 0


def test_a_hand_edited_view_table_is_named(viewed: Path) -> None:
    sql(viewed, "UPDATE view_balances SET amount = '999' WHERE rowid = 1")
    code, output = run("verify", str(viewed), "--views")
    assert code == 3 and "table view_balances differs" in output and "'999'" in output


def test_a_hand_edited_snapshot_is_named(viewed: Path) -> None:
    # Snapshot states are stored by content: point balances' snapshots at a state not stored.
    sql(viewed, "UPDATE snapshots SET state_key = randomblob(32) WHERE projection = 'balances'")
    code, output = run("verify", str(viewed), "--views")
    assert code == 3 and "snapshot of balances" in output
    code, output = run("state", str(viewed), "--at-block", "3", "--projection", "balances")
    assert code == 3 and "snapshot of balances" in output


def test_a_snapshot_part_lost_from_under_its_states_is_named(viewed: Path) -> None:
    """Balances' snapshots are stored in parts: a part gone (deleted by hand, past the
    triggers) is named by `verify --views` and by time travel, and a rebuild makes it again."""
    sql(
        viewed,
        "DELETE FROM snapshot_states WHERE key = (SELECT part_key FROM snapshot_parts"
        " WHERE position = 0 AND state_key = (SELECT state_key FROM snapshots"
        " WHERE projection = 'balances' ORDER BY seq DESC LIMIT 1))",
    )
    code, output = run("verify", str(viewed), "--views")
    assert code == 3 and "snapshot of balances" in output
    code, output = run("state", str(viewed), "--at-block", "15", "--projection", "balances")
    assert code == 3 and "parts missing" in output and "rebuild" in output
    assert run("rebuild", str(viewed))[0] == 0
    assert run("verify", str(viewed), "--views")[0] == 0


def test_a_rewritten_chain_fails_against_its_recorded_head(ledger: Path) -> None:
    anchor = json.loads(run("info", str(ledger), "--json")[1])["head_hash"]
    assert run("verify", str(ledger), "--expect-head", anchor)[0] == 0
    sql(ledger, "UPDATE events SET payload = replace(payload, 'bob', 'mal')")
    rehash_everything(ledger)
    assert run("verify", str(ledger))[0] == 0  # the chain alone cannot see a full rewrite
    code, output = run("verify", str(ledger), "--expect-head", anchor)
    assert code == 3 and f"expected head {anchor} is not in this log" in output


def test_a_log_that_grew_still_holds_its_anchor(ledger: Path) -> None:
    anchor = json.loads(run("info", str(ledger), "--json")[1])["head_hash"]
    mint = {"type": "Minted", "asset": "USDC", "to_account": "zed", "amount": 1}
    assert run("append", str(ledger), "-", stdin=json.dumps({"block": 99, "event": mint}))[0] == 0
    assert run("verify", str(ledger), "--expect-head", anchor)[0] == 0


def grown(ledger: Path, count: int) -> Path:
    mint = {"type": "Minted", "asset": "USDC", "to_account": "zed", "amount": 1}
    lines = "\n".join(
        json.dumps({"block": 99, "event": {**mint, "memo": f"m{i:06}"}}) for i in range(count)
    )
    assert run("append", str(ledger), "-", stdin=lines)[0] == 0
    sql(ledger, "PRAGMA wal_checkpoint(TRUNCATE)")
    return ledger


def pages_of(path: Path, name: str) -> list[int]:
    connection = sqlite3.connect(path)
    try:
        rows = connection.execute(
            "SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf'", (name,)
        ).fetchall()
    except sqlite3.OperationalError:
        pytest.skip("this SQLite has no dbstat table to find a table's pages")
    finally:
        connection.close()
    return [row[0] for row in rows]


def damage(
    path: Path, page: int, rand: random.Random, size: int = 64, at_end: bool = False
) -> None:
    connection = sqlite3.connect(path)
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    connection.close()
    with path.open("r+b") as handle:
        # A page's cells are packed at its end: damage there always hits records.
        offset = page_size - size if at_end else rand.randrange(100, page_size - size)
        handle.seek((page - 1) * page_size + offset)
        handle.write(bytes(rand.randrange(256) for _ in range(size)))


def test_random_bytes_in_event_pages_give_exit_3_not_a_crash(ledger: Path, tmp_path: Path) -> None:
    grown(ledger, 1500)
    pages = pages_of(ledger, "events")
    assert len(pages) > 10
    rand = random.Random(20261202)
    caught = 0
    for trial in range(12):
        copy = tmp_path / f"copy{trial}.db"
        shutil.copy(ledger, copy)
        damage(copy, rand.choice(pages), rand)
        for command in (
            ["verify", str(copy)],
            ["verify", str(copy), "--deep"],
            ["info", str(copy)],
        ):
            code, output = run(*command)
            assert code in (0, 3), (trial, command, output)
            assert "Traceback" not in output and "internal error" not in output
        code, output = run("verify", str(copy), "--deep")
        if code == 3:
            caught += 1
            assert "seq " in output or "integrity_check" in output
    assert caught >= 10  # 64 random bytes in a leaf of records: almost always seen


def test_damage_to_an_index_passes_the_chain_but_not_deep(ledger: Path) -> None:
    # Ids the writer chose are the one secondary index on events: give it a few pages.
    mint = {"type": "Minted", "asset": "USDC", "to_account": "zed", "amount": 1}
    lines = "\n".join(
        json.dumps({"block": 99, "event_id": f"id-{i:06}", "event": mint}) for i in range(600)
    )
    assert run("append", str(ledger), "-", stdin=lines)[0] == 0
    sql(ledger, "PRAGMA wal_checkpoint(TRUNCATE)")
    pages = pages_of(ledger, "idx_events_explicit_id")
    damage(ledger, pages[len(pages) // 2], random.Random(7), size=256, at_end=True)
    assert run("verify", str(ledger))[0] == 0
    code, output = run("verify", str(ledger), "--deep")
    assert code == 3 and "integrity_check" in output
