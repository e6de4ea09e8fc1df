"""Snapshots stored in parts: each part kept once, every state read back whole, nothing left
behind when snapshots go, and files from before parts brought up."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import Minted, Transferred
from ledger.batch import NewEvent
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from projections import snapshot_states, views
from projections.balances import Balances
from projections.base import snapshot_parts

ACCOUNTS = [f"acct:{index}" for index in range(6)]
ASSETS = ["ETH", "USDC"]


def seeded_log(path: Path, blocks: int) -> SqliteStore:
    """Every account of both assets minted to in block 1, then transfers among them: after
    block 1 no account arrives, so the accounts' parts stay the same."""
    store = SqliteStore(path, create=True)
    store.append(
        [
            NewEvent(event=Minted(asset=asset, to_account=account, amount=10**21), block=1)
            for asset in ASSETS
            for account in ACCOUNTS
        ]
    )
    for block in range(2, blocks + 1):
        asset = ASSETS[block % 2]
        source, target = ACCOUNTS[block % 6], ACCOUNTS[(block * 5 + 1) % 6]
        move = Transferred(asset=asset, from_account=source, to_account=target, amount=block)
        store.append([NewEvent(event=move, block=block)])
    return store


def stored_snapshots(connection: sqlite3.Connection) -> list[tuple[int, bytes]]:
    query = "SELECT seq, state_key FROM snapshots WHERE projection = 'balances' ORDER BY seq"
    return [(int(seq), bytes(key)) for seq, key in connection.execute(query)]


def balances_at(store: SqliteStore, seq: int) -> Balances:
    """The book folded record by record from the log's plain read, up to `seq`."""
    book = Balances()
    for record in store.read():
        if record.seq <= seq:
            book.apply(record)
    return book


def assert_nothing_orphaned(connection: sqlite3.Connection) -> None:
    """Every stored state is a snapshot's or a part of a listed state, and every part listed
    is stored."""
    states = {bytes(key) for (key,) in connection.execute("SELECT key FROM snapshot_states")}
    used = {bytes(key) for (key,) in connection.execute("SELECT state_key FROM snapshots")}
    listed = {bytes(key) for (key,) in connection.execute("SELECT part_key FROM snapshot_parts")}
    lists = {bytes(key) for (key,) in connection.execute("SELECT state_key FROM snapshot_parts")}
    assert states == used | listed
    assert lists <= used


def block_of(store: SqliteStore, seq: int) -> int:
    return int(
        store.connection.execute("SELECT block FROM events WHERE seq = ?", (seq,)).fetchone()[0]
    )


def test_balances_parts_join_to_its_snapshot(tmp_path: Path) -> None:
    store = seeded_log(tmp_path / "ledger.db", blocks=5)
    book = balances_at(store, store.head().seq)
    parts = snapshot_parts(book)
    assert len(parts) == 1 + len(ASSETS) + 1  # header, each asset's accounts, amounts
    assert b"".join(parts) == book.snapshot()
    store.close()


def test_snapshots_share_the_parts_that_did_not_change(tmp_path: Path) -> None:
    store = seeded_log(tmp_path / "ledger.db", blocks=40)
    # Balances folds backwards: its snapshots come every 2 x 3 records.
    Projector(store, ["balances"], snapshot_every=3).catch_up()
    connection = store.connection
    snapshots = stored_snapshots(connection)
    assert len(snapshots) >= 8
    for seq, key in snapshots:  # each reads back exactly as a fold to its seq takes it
        assert (
            snapshot_states.snapshot_state(connection, key, "test")
            == balances_at(store, seq).snapshot()
        )
    # Once every account has arrived (seq 12), the snapshots' parts are the header, the two
    # accounts lists and the amounts: only the amounts differ from one to the next.
    settled = [key for seq, key in snapshots if seq >= len(ASSETS) * len(ACCOUNTS)]
    listed = [
        connection.execute(
            "SELECT part_key FROM snapshot_parts WHERE state_key = ? ORDER BY position", (key,)
        ).fetchall()
        for key in settled
    ]
    assert all(len(parts) == 4 for parts in listed)
    assert len({part for parts in listed for part in parts}) == len(settled) + 3
    assert_nothing_orphaned(connection)
    store.close()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_deleting_snapshots_releases_exactly_the_parts_no_state_lists(
    tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    store = seeded_log(tmp_path_factory.mktemp("parts") / "ledger.db", blocks=30)
    Projector(store, ["balances"], snapshot_every=4).catch_up()
    connection = store.connection
    remaining = stored_snapshots(connection)
    while remaining:
        seq, _ = remaining.pop(data.draw(st.integers(0, len(remaining) - 1)))
        connection.execute("DELETE FROM snapshots WHERE seq = ?", (seq,))
        assert_nothing_orphaned(connection)
        for other_seq, other_key in remaining:  # the others still read back whole
            state = snapshot_states.snapshot_state(connection, other_key, "test")
            assert state == balances_at(store, other_seq).snapshot()
    assert connection.execute("SELECT count(*) FROM snapshot_states").fetchone() == (0,)
    assert connection.execute("SELECT count(*) FROM snapshot_parts").fetchone() == (0,)
    store.close()


def test_a_rebuild_leaves_no_part_of_the_snapshots_it_replaced(tmp_path: Path) -> None:
    store = seeded_log(tmp_path / "ledger.db", blocks=30)
    projector = Projector(store, ["balances"], snapshot_every=4)
    projector.catch_up()
    before = store.connection.execute("SELECT count(*) FROM snapshot_states").fetchone()
    projector.rebuild()
    assert store.connection.execute("SELECT count(*) FROM snapshot_states").fetchone() == before
    assert_nothing_orphaned(store.connection)
    store.close()


@pytest.mark.parametrize("damage", ["missing", "edited"])
def test_a_missing_or_edited_part_is_a_mismatch_not_a_state(tmp_path: Path, damage: str) -> None:
    store = seeded_log(tmp_path / "ledger.db", blocks=20)
    projector = Projector(store, ["balances"], snapshot_every=5)
    projector.catch_up()
    connection = store.connection
    seq, key = stored_snapshots(connection)[-1]
    (part,) = connection.execute(
        "SELECT part_key FROM snapshot_parts WHERE state_key = ? AND position = 1", (key,)
    ).fetchone()
    if damage == "missing":
        connection.execute("DELETE FROM snapshot_states WHERE key = ?", (part,))
        expected = "parts missing"
    else:
        edited = snapshot_states.pack(b'["acct:0","acct:9"]')
        connection.execute("UPDATE snapshot_states SET state = ? WHERE key = ?", (edited, part))
        expected = "does not match its digest"
    with pytest.raises(views.ViewMismatch, match=expected):
        snapshot_states.snapshot_state(connection, key, "test")
    with pytest.raises(views.ViewMismatch):
        projector.state_at(block_of(store, seq))
    store.close()


OLD_TRIGGER = """CREATE TRIGGER snapshot_state_unused AFTER DELETE ON snapshots
WHEN NOT EXISTS (SELECT 1 FROM snapshots WHERE state_key = old.state_key)
BEGIN DELETE FROM snapshot_states WHERE key = old.state_key; END"""


def test_a_file_from_before_parts_is_brought_up_and_its_whole_states_still_serve(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.db"
    store = seeded_log(path, blocks=20)
    # A file as the layout before parts left it: whole states, the one trigger.
    connection = store.connection
    views.ensure_schema(connection)
    for seq in range(5, 31, 5):
        state = balances_at(store, seq).snapshot()
        views.insert_snapshot(
            connection, "balances", Balances.version, seq, block_of(store, seq), state
        )
    for statement in (
        "DROP TRIGGER snapshot_state_released",
        "DROP TRIGGER snapshot_part_released",
        "DROP TABLE snapshot_parts",
        OLD_TRIGGER,
    ):
        connection.execute(statement)
    store.close()

    store = SqliteStore(path)
    projector = Projector(store, ["balances"], snapshot_every=5)  # brings the file up
    connection = store.connection
    triggers = {
        name
        for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
    }
    assert triggers == {"snapshot_state_released", "snapshot_part_released"}
    for seq, key in stored_snapshots(connection):  # whole states, read as they are
        assert (
            snapshot_states.snapshot_state(connection, key, "test")
            == balances_at(store, seq).snapshot()
        )
    for block in (1, 12, 20):
        expected = balances_at(store, store.last_seq_at_block(block)).digest()
        assert projector.digests(block) == {"balances": expected}
    projector.rebuild()  # new snapshots in parts, the old states released
    assert connection.execute("SELECT count(*) FROM snapshot_parts").fetchone()[0] > 0
    assert_nothing_orphaned(connection)
    store.close()


def test_a_part_listed_twice_in_one_state_is_stored_once_and_read_back_in_place(
    tmp_path: Path,
) -> None:
    """Two assets can hold the same accounts list: the state lists that part twice."""
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    connection = store.connection
    views.ensure_schema(connection)
    parts = [b"header", b'["a","b"]', b'["a","b"]', b"amounts"]
    views.insert_snapshot(connection, "balances", 1, 7, 7, parts)
    ((key,),) = connection.execute("SELECT state_key FROM snapshots").fetchall()
    assert snapshot_states.snapshot_state(connection, key, "test") == b"".join(parts)
    assert connection.execute("SELECT count(*) FROM snapshot_states").fetchone() == (4,)
    assert_nothing_orphaned(connection)
    connection.execute("DELETE FROM snapshots")
    assert connection.execute("SELECT count(*) FROM snapshot_states").fetchone() == (0,)
    store.close()


def test_run_script_keeps_trigger_bodies_and_quoted_semicolons_whole() -> None:
    connection = sqlite3.connect(":memory:")
    views.run_script(
        connection,
        "CREATE TABLE a (x TEXT); CREATE TABLE b (y TEXT);\n"
        "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n"
        "    INSERT INTO b VALUES ('one;'); INSERT INTO b VALUES (new.x);\nEND;\n"
        "INSERT INTO a VALUES ('two; three')",
    )
    assert connection.execute("SELECT y FROM b ORDER BY rowid").fetchall() == [
        ("one;",),
        ("two; three",),
    ]
