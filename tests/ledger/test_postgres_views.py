"""Views, snapshots and time travel on PostgreSQL: the same tables, digests and states as on
SQLite, a view and its seq moving together, and a rebuild giving what a fold from scratch gives."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from events import Minted
from ledger.batch import NewEvent
from ledger.errors import StoreError
from ledger.log_copy import copy_log
from ledger.postgres_store import PostgresStore
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from projections.runtime import fold, make_projections
from tests.conftest import Rand
from tests.ledger.test_view_crash_safety import kill_updaters
from tests.oracle import naive_balances

SNAPSHOT_EVERY = 100
PG_KILLS = 20


def _logs(flash_crash: Path, postgres_url: str) -> tuple[SqliteStore, PostgresStore]:
    sqlite = SqliteStore(flash_crash)
    postgres = PostgresStore(postgres_url, create=True)
    copy_log(sqlite, postgres)
    return sqlite, postgres


def _digests_from_scratch(store: PostgresStore, block: int | None = None) -> dict[str, str]:
    projections = make_projections()
    fold(store.fold_records(to_block=block), projections)
    return {projection.name: projection.digest() for projection in projections}


def test_views_hold_the_rows_sqlite_views_hold(
    flash_crash: Path, postgres_url: str, tmp_path: Path
) -> None:
    sqlite_copy = tmp_path / "copy.db"
    sqlite_copy.write_bytes(flash_crash.read_bytes())
    sqlite, postgres = _logs(sqlite_copy, postgres_url)
    assert Projector(sqlite).catch_up() == Projector(postgres).catch_up()
    with sqlite3.connect(sqlite_copy) as lite, psycopg.connect(postgres_url) as pg:
        names = [
            row[0]
            for row in lite.execute(
                "SELECT name FROM sqlite_master WHERE name LIKE 'view\\_%' ESCAPE '\\' AND type = 'table'"
            )
        ]
        assert "view_balances" in names
        for name in names:
            if name in ("view_tracking", "view_state"):
                continue
            expected = sorted(
                tuple(None if v is None else str(v) for v in row)
                for row in lite.execute(f"SELECT * FROM [{name}]")
            )
            got = sorted(tuple(row) for row in pg.execute(f'SELECT * FROM "{name}"'))
            assert got == expected, name
        tracking = pg.execute(
            "SELECT projection, seq, digest FROM view_tracking ORDER BY 1"
        ).fetchall()
        assert tracking == sorted(
            (p, s, d)
            for p, s, d in lite.execute("SELECT projection, seq, digest FROM view_tracking")
        )
    sqlite.close()
    postgres.close()


def test_state_at_any_block_is_the_fold_up_to_it(
    flash_crash: Path, postgres_url: str, rand: Rand
) -> None:
    sqlite, postgres = _logs(flash_crash, postgres_url)
    projector = Projector(postgres, snapshot_every=SNAPSHOT_EVERY)
    projector.catch_up()
    snapshots = postgres.connection.execute("SELECT count(DISTINCT seq) FROM snapshots").fetchone()
    assert snapshots is not None and snapshots[0] >= postgres.head().seq // SNAPSHOT_EVERY
    for block in sorted(rand.sample(range(postgres.head().block + 1), 4)):
        assert projector.digests(block) == _digests_from_scratch(postgres, block)
        assert projector.digests(block) == Projector(sqlite).digests(block)
    sqlite.close()
    postgres.close()


def test_catch_up_after_appends_and_rebuild_match_a_fresh_fold(
    flash_crash: Path, postgres_url: str
) -> None:
    sqlite, postgres = _logs(flash_crash, postgres_url)
    sqlite.close()
    projector = Projector(postgres, snapshot_every=SNAPSHOT_EVERY)
    projector.catch_up()
    block = postgres.head().block
    postgres.append(
        [
            NewEvent(event=Minted(asset="USDC", to_account=f"n{i}", amount=10**30), block=block)
            for i in range(5)
        ]
    )
    head = projector.catch_up()
    tracked = postgres.connection.execute("SELECT DISTINCT seq FROM view_tracking").fetchall()
    assert tracked == [(head,)]
    assert projector.digests() == _digests_from_scratch(postgres)
    assert projector.rebuild() == head
    assert projector.digests() == _digests_from_scratch(postgres)
    postgres.close()


def test_a_read_only_session_reads_state_and_writes_nothing(
    flash_crash: Path, postgres_url: str, rand: Rand
) -> None:
    sqlite, postgres = _logs(flash_crash, postgres_url)
    read_only = PostgresStore(f"{postgres_url}{quote(' -cdefault_transaction_read_only=on')}")
    projector = Projector(read_only)  # no view tables here: a replica of a log never projected
    assert projector.digests() == Projector(sqlite).digests()
    block = rand.randrange(postgres.head().block + 1)
    assert projector.digests(block) == _digests_from_scratch(postgres, block)
    assert postgres.connection.execute("SELECT to_regclass('snapshots')").fetchone() == (None,)
    minted = NewEvent(event=Minted(asset="USDC", to_account="z", amount=1), block=10**9)
    with pytest.raises(StoreError, match="read-only"):
        read_only.append([minted])
    Projector(postgres, snapshot_every=SNAPSHOT_EVERY).catch_up()
    assert Projector(read_only).digests(block) == _digests_from_scratch(postgres, block)
    for store in (sqlite, postgres, read_only):
        store.close()


def _pg_view_agrees_with_its_seq(url: str) -> int:
    """The stored balances view against a naive fold of the log up to its tracked seq."""
    with psycopg.connect(url) as connection:
        if connection.execute("SELECT to_regclass('view_tracking')").fetchone() == (None,):
            return 0  # killed before its first projector created the view tables
        tracked = connection.execute(
            "SELECT seq FROM view_tracking WHERE projection = 'balances'"
        ).fetchone()
        state = connection.execute(
            "SELECT seq FROM view_state WHERE projection = 'balances'"
        ).fetchone()
        rows = []
        if tracked:
            rows = connection.execute("SELECT account, asset, amount FROM view_balances").fetchall()
    assert state == tracked
    if tracked is None:
        return 0
    store = PostgresStore(url)
    events = [record.event for record in store.read(ReadFilter(to_seq=tracked[0]))]
    store.close()
    assert {(a, asset): int(amount) for a, asset, amount in rows} == naive_balances(events)
    return int(tracked[0])


def test_sigkill_during_view_updates_never_splits_a_view_from_its_seq(
    postgres_url: str, rand: Rand
) -> None:
    PostgresStore(postgres_url, create=True).close()
    positions = kill_updaters(
        postgres_url, PG_KILLS, rand, lambda: _pg_view_agrees_with_its_seq(postgres_url)
    )
    assert max(positions) > 0, "no view was ever written: the kills came too early"
    store = PostgresStore(postgres_url)
    assert store.verify().ok
    head = store.head().seq
    assert Projector(store, ["balances"]).catch_up() == head
    store.close()
    assert _pg_view_agrees_with_its_seq(postgres_url) == head


@pytest.mark.parametrize("table", ["view_state", "snapshots"])
def test_a_stored_state_that_does_not_restore_is_named_not_a_crash(
    flash_crash: Path, postgres_url: str, table: str
) -> None:
    """Whoever rewrites a state's digest too passes that check: bytes that are no state of
    the book are still named, with what to do (exit 3), not a crash."""
    from click.testing import CliRunner

    from replay.cli import cli

    sqlite, postgres = _logs(flash_crash, postgres_url)
    Projector(postgres, snapshot_every=SNAPSHOT_EVERY).catch_up()
    postgres.connection.execute(
        f"UPDATE {table} SET state = '\\x00', state_sha256 = encode(sha256('\\x00'), 'hex') "
        "WHERE projection = 'balances'"
    )
    middle = postgres.head().block // 2
    sqlite.close()
    postgres.close()
    for args in (["state", postgres_url, "--at-block", str(middle)], ["digest", postgres_url]):
        result = CliRunner().invoke(cli, args)
        if table == "snapshots" and args[0] == "digest":
            assert result.exit_code == 0, result.output  # the view state is whole
            continue
        assert result.exit_code == 3, result.output
        assert "of balances does not restore" in result.output
        assert "defi-ledger rebuild" in result.output
    assert CliRunner().invoke(cli, ["rebuild", postgres_url]).exit_code == 0
    assert (
        CliRunner().invoke(cli, ["state", postgres_url, "--at-block", str(middle)]).exit_code == 0
    )


def test_an_edited_state_is_refused_by_its_digest_and_old_tables_gain_theirs(
    flash_crash: Path, postgres_url: str
) -> None:
    """As on SQLite: each state is stored with its sha256 and checked before it is served; a
    log whose view tables predate the digests gains them once, from the states it holds."""
    from click.testing import CliRunner

    from replay.cli import cli

    sqlite, postgres = _logs(flash_crash, postgres_url)
    Projector(postgres, snapshot_every=SNAPSHOT_EVERY).catch_up()
    expected = Projector(sqlite).digests()
    sqlite.close()
    connection = postgres.connection
    for table in ("view_state", "snapshots"):
        connection.execute(f"ALTER TABLE {table} DROP COLUMN state_sha256")
    assert Projector(postgres).digests() == expected  # the old layout, brought up to date
    stored = connection.execute(
        "SELECT count(*) FROM snapshots WHERE state_sha256 = encode(sha256(state), 'hex')"
    ).fetchone()
    total = connection.execute("SELECT count(*) FROM snapshots").fetchone()
    assert stored is not None and total is not None and stored[0] == total[0] > 0
    middle = postgres.head().block // 2
    edits = (
        ("UPDATE snapshots SET state = state || '\\x00'::bytea", "snapshot of "),
        (
            "UPDATE view_state SET state = (SELECT state FROM view_state "
            "WHERE projection = 'prices') WHERE projection = 'balances'",
            "view balances",
        ),
    )
    for edit, where in edits:
        connection.execute(edit)
        for args in (["state", postgres_url, "--at-block", str(middle)], ["digest", postgres_url]):
            result = CliRunner().invoke(cli, args)
            if where.startswith("snapshot") and args[0] == "digest":
                assert result.exit_code == 0, result.output  # no snapshot is read at the head
                continue
            assert result.exit_code == 3, (args, result.output)
            assert where in result.output and "does not match its stored digest" in result.output
    postgres.close()
    checked = CliRunner().invoke(cli, ["verify", postgres_url, "--views"])
    assert checked.exit_code == 3, checked.output
    assert "does not match the digest stored with it" in checked.output
    assert CliRunner().invoke(cli, ["rebuild", postgres_url]).exit_code == 0
    store = PostgresStore(postgres_url)
    assert Projector(store).digests() == expected
    store.close()
