"""PostgreSQL beyond the shared contract: many writer processes, killed writers, tampering by
anyone with SQL access, the same chain as SQLite, and amounts as exact NUMERIC."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from events import Minted, Transferred
from ledger.batch import Appended, NewEvent
from ledger.clock import FixedClock
from ledger.errors import StoreDamaged
from ledger.postgres_store import PostgresStore
from ledger.sqlite_store import SqliteStore
from ledger.stores import open_store
from tests.conftest import Rand
from tests.ledger.crash_harness import soak
from tests.postgres_server import Server

WRITERS = 8
RECORDS = 24


def _writer(target: str | Path, name: str, batches: int, rand: Rand) -> None:
    store = open_store(target)
    for number in range(batches):
        size, step = rand.randint(1, 20), rand.randint(0, 1)
        while not isinstance(
            store.append(
                [
                    NewEvent(
                        event=Minted(asset="ETH", to_account=name, amount=1),
                        block=store.head().block + step,
                        event_id=f"{name}-{number}-{i}",
                    )
                    for i in range(size)
                ]
            ),
            Appended,
        ):
            pass  # another writer moved the block on between head() and append: try again
    store.close()


@pytest.fixture(params=["sqlite", "postgres"])
def log_target(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    if request.param == "postgres":
        url: str = request.getfixturevalue("postgres_url")
        return url
    return tmp_path / "ledger.db"


def test_eight_writer_processes_keep_seq_gapless(log_target: str | Path, rand: Rand) -> None:
    open_store(log_target, create=True).close()
    pids = []
    names = [f"w{index}" for index in range(WRITERS)]
    for name in names:
        seed = rand.randrange(2**32)
        pid = os.fork()
        if pid == 0:
            try:
                _writer(log_target, name, 25, Rand(seed))
            finally:
                os._exit(0)
        pids.append(pid)
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    store = open_store(log_target)
    records = list(store.read())
    assert [record.seq for record in records] == list(range(1, len(records) + 1))
    assert {record.event.to_account for record in records} == set(names)  # type: ignore[attr-defined]
    blocks = [record.block for record in records]
    assert blocks == sorted(blocks)
    assert store.verify().ok
    store.close()


def test_a_killed_writer_never_loses_or_splits_a_batch(postgres_url: str, rand: Rand) -> None:
    outcome = soak(postgres_url, 25, rand, delay_max_s=0.15)
    assert outcome.kills == 25, outcome
    assert (outcome.verify_failures, outcome.lost_batches, outcome.partial_batches) == (0, 0, 0)
    assert outcome.committed_batches, "the writer never committed: the kills came too early"
    store = PostgresStore(postgres_url)
    block = store.head().block
    assert isinstance(
        store.append([NewEvent(event=Minted(asset="ETH", to_account="z", amount=1), block=block)]),
        Appended,
    )
    assert store.verify().ok
    store.close()


def _batches() -> list[list[NewEvent]]:
    return [
        [
            NewEvent(
                event=Minted(asset="ETH", to_account=f"a{block}", amount=block * 10**24),
                block=block,
            ),
            NewEvent(
                event=Transferred(
                    asset="ETH", from_account=f"a{block}", to_account="b", amount=block
                ),
                block=block,
                event_id=f"t{block}",
            ),
        ]
        for block in range(1, RECORDS // 2 + 1)
    ]


def test_the_same_batches_give_the_same_chain_as_sqlite(postgres_url: str, tmp_path: Path) -> None:
    clock = FixedClock(1_700_000_000_000)
    sqlite = SqliteStore(tmp_path / "ledger.db", clock=clock, create=True)
    postgres = PostgresStore(postgres_url, clock=clock, create=True)
    for batch in _batches():
        assert sqlite.append(batch, idempotency_key=f"k{batch[0].block}") == postgres.append(
            batch, idempotency_key=f"k{batch[0].block}"
        )
    assert list(postgres.rows()) == list(sqlite.rows())
    assert postgres.head() == sqlite.head()
    assert postgres.verify() == sqlite.verify()
    sqlite.close()
    postgres.close()


def test_amounts_are_exact_numeric_and_sort_by_value(postgres_url: str) -> None:
    store = PostgresStore(postgres_url, create=True)
    amounts = [2**200 + 1, 9, 2**64, 10**30, 0]
    store.append(
        [NewEvent(event=Minted(asset="ETH", to_account="a", amount=a), block=1) for a in amounts]
    )
    rows = store.connection.execute(
        "SELECT amount, body->>'to_account' FROM event_amounts ORDER BY amount"
    ).fetchall()
    assert [row[0] for row in rows] == [Decimal(a) for a in sorted(amounts)]
    assert {row[1] for row in rows} == {"a"}
    store.close()


@pytest.fixture
def pristine(postgres_url: str) -> str:
    store = PostgresStore(postgres_url, create=True)
    for batch in _batches():
        store.append(batch)
    store.close()
    return postgres_url


def _tamper_and_verify(url: str, *statements: tuple[str, tuple[object, ...]]) -> int | None:
    """Edit the tables as anyone with SQL access could (dropping what stands in the way)."""
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("ALTER TABLE events DROP CONSTRAINT events_stream_stream_version_key")
        connection.execute("DROP INDEX events_explicit_id")
        connection.execute("ALTER TABLE events DROP CONSTRAINT events_pkey")
        for statement, params in statements:
            connection.execute(statement, params)  # type: ignore[arg-type]
    store = PostgresStore(url)
    report = store.verify()
    store.close()
    assert report.ok == (report.first_bad_seq is None)
    return report.first_bad_seq


def test_the_untouched_log_verifies(pristine: str) -> None:
    assert _tamper_and_verify(pristine) is None


@pytest.mark.parametrize("column", ["payload", "hash", "prev_hash", "stream", "event_id"])
def test_one_changed_character_is_caught(pristine: str, column: str, rand: Rand) -> None:
    seq = rand.randint(1, RECORDS)
    with psycopg.connect(pristine) as connection:
        text = connection.execute(f"SELECT {column} FROM events WHERE seq = %s", (seq,)).fetchone()[
            0
        ]  # type: ignore[index]
    position = rand.randrange(len(text))
    changed = text[:position] + ("7" if text[position] != "7" else "8") + text[position + 1 :]
    statement = f"UPDATE events SET {column} = %s WHERE seq = %s"
    assert _tamper_and_verify(pristine, (statement, (changed, seq))) == seq


@pytest.mark.parametrize("column", ["block", "ts_ms", "stream_version"])
def test_a_changed_number_is_caught(pristine: str, column: str, rand: Rand) -> None:
    seq = rand.randint(1, RECORDS)
    statement = f"UPDATE events SET {column} = {column} + 1 WHERE seq = %s"
    assert _tamper_and_verify(pristine, (statement, (seq,))) == seq


def test_deleted_swapped_and_truncated_rows_are_caught(pristine: str, rand: Rand) -> None:
    seq = rand.randint(1, RECORDS - 1)
    assert _tamper_and_verify(pristine, ("DELETE FROM events WHERE seq = %s", (seq,))) == seq


def test_two_swapped_rows_are_caught(pristine: str, rand: Rand) -> None:
    low, high = sorted(rand.sample(range(1, RECORDS + 1), 2))
    swap = "UPDATE events SET seq = %s WHERE seq = %s"
    assert (
        _tamper_and_verify(pristine, (swap, (-1, low)), (swap, (low, high)), (swap, (high, -1)))
        == low
    )


def test_a_truncated_tail_is_caught(pristine: str) -> None:
    statement = "DELETE FROM events WHERE seq > %s"
    assert _tamper_and_verify(pristine, (statement, (RECORDS - 3,))) == RECORDS - 2


def test_without_postgresql_installed_the_reason_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import postgres_server

    monkeypatch.setattr(postgres_server.shutil, "which", lambda name: None)
    monkeypatch.setattr(postgres_server.glob, "glob", lambda pattern: [])
    with pytest.raises(postgres_server.NoServer, match="install the distribution's `postgresql`"):
        postgres_server.start_server()


@pytest.mark.parametrize("owner", ["waited for", "a zombie"])
def test_the_server_of_a_killed_run_is_stopped_and_removed_by_the_next_start(
    postgres_server: Server, owner: str, request: pytest.FixtureRequest
) -> None:
    """A run killed by SIGKILL runs no teardown: the next start stops what it left running,
    and leaves alone the servers of runs still alive (this session's). A killed run whose
    parent has not waited for it yet is a zombie, not alive."""
    import subprocess

    from tests import postgres_server as servers

    try:
        orphan = servers.start_server()
    except servers.NoServer as error:
        servers.without_server(str(error))
    assert orphan.directory is not None
    with psycopg.connect(orphan.url) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)
    if owner == "waited for":
        exited = subprocess.Popen(["true"])
        exited.wait()
        gone = exited.pid
    else:
        gone = request.getfixturevalue("zombie_pid")
    try:
        (orphan.directory / servers.OWNER_FILE).write_text(str(gone))
        assert servers.reap_orphans() == [orphan.directory]
        assert not orphan.directory.exists()
        with pytest.raises(psycopg.OperationalError):
            psycopg.connect(orphan.url, connect_timeout=5)
    finally:
        servers.stop_server(orphan)  # when an assertion above failed: leave nothing running
    if postgres_server.directory is not None:
        assert postgres_server.directory.exists()
        with psycopg.connect(postgres_server.url) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)


def test_without_a_server_tests_skip_saying_why_but_fail_in_ci(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tests.postgres_server import without_server

    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no initdb"):
        without_server("no initdb")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="no initdb"):
        without_server("no initdb")


def test_a_missing_head_row_is_damage_and_verify_says_the_chain_holds(pristine: str) -> None:
    assert _tamper_and_verify(pristine, ("DELETE FROM log_head", ())) == RECORDS + 1
    store = PostgresStore(pristine)
    with pytest.raises(StoreDamaged, match="its log_head row is missing"):
        store.head()
    store.close()


@pytest.mark.parametrize("table", ["events", "log_head", "idempotency"])
def test_a_log_that_lost_one_of_its_tables_is_refused_as_damaged(pristine: str, table: str) -> None:
    """As for SQLite: damage by name on open (exit 3), not a server error on the first read."""
    from click.testing import CliRunner

    from replay.cli import cli

    with psycopg.connect(pristine, autocommit=True) as connection:
        connection.execute(f"DROP TABLE {table} CASCADE")
    with pytest.raises(StoreDamaged, match=f"its {table} table is missing"):
        PostgresStore(pristine)
    result = CliRunner().invoke(cli, ["log", pristine])
    assert (result.exit_code, "internal error" in result.output) == (3, False), result.output
    assert f"its {table} table is missing" in result.output
