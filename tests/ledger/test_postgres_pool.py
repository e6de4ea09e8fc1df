"""Pooled connections (`ledger.pg_pool`) for the long-running commands: a follower and a store
whose server sessions are killed go on with live ones, delivering every record once; an append
that met the lost session is refused, never half-done, and the next one goes in; the pool of a
URL is shared and closed with its last holder, and a wrong URL is named at once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from events import Minted
from ledger import pg_pool
from ledger.batch import Appended, NewEvent
from ledger.errors import StoreIOError
from ledger.follow import follow
from ledger.postgres_store import PostgresStore
from replay.cli import cli
from tests.postgres_server import NoServer, start_server, stop_server, without_server

NEVER_S = 3_600.0  # a poll interval that never elapses during the test
IDLE_S = 30.0


def mint(name: str, block: int = 1) -> NewEvent:
    return NewEvent(event=Minted(asset="ETH", to_account=name, amount=1), block=block)


def kill_pooled_sessions(url: str) -> int:
    """Terminate every pooled session on the server, as a restart or a proxy would."""
    with psycopg.connect(url, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()",
            (pg_pool.APPLICATION_NAME,),
        ).fetchall()
    return len(rows)


def test_a_pooled_follower_outlives_its_lost_sessions(postgres_url: str) -> None:
    store = PostgresStore(postgres_url, create=True, pooled=True)
    store.append([mint("first")])
    records = follow(store, 1, poll_interval_s=NEVER_S, idle_timeout_s=IDLE_S)
    assert next(records).seq == 1  # caught up: it waits on its listener now
    assert kill_pooled_sessions(postgres_url) >= 2  # the store's session and the listener's
    writer = PostgresStore(postgres_url)
    for index in range(3):
        assert isinstance(writer.append([mint(f"late{index}")]), Appended)
    seen = [next(records) for _ in range(3)]
    assert [record.seq for record in seen] == [2, 3, 4]
    assert kill_pooled_sessions(postgres_url) >= 2  # again, while it waits
    assert isinstance(writer.append([mint("later")]), Appended)
    assert next(records).seq == 5
    records.close()
    writer.close()
    store.close()
    assert pg_pool.open_pools() == 0


def test_a_pooled_store_reads_on_and_appends_again_after_a_lost_session(
    postgres_url: str,
) -> None:
    store = PostgresStore(postgres_url, create=True, pooled=True)
    store.append([mint("a")])
    kill_pooled_sessions(postgres_url)
    assert store.head().seq == 1  # the read is repeated on a live session
    kill_pooled_sessions(postgres_url)
    with pytest.raises(StoreIOError):
        store.append([mint("b")])  # met the lost session: refused, not repeated
    assert store.head().seq == 1 and store.verify().ok  # nothing of it went in
    assert isinstance(store.append([mint("c")]), Appended)
    assert [record.event.to_account for record in store.read()] == ["a", "c"]  # type: ignore[attr-defined]
    store.close()


def test_a_plain_store_does_not_hide_a_lost_session(postgres_url: str) -> None:
    store = PostgresStore(postgres_url, create=True)
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        pid = store.connection.info.backend_pid
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(StoreIOError):
        store.head()
    store.close()


def test_stores_of_one_url_share_a_pool_closed_with_the_last(postgres_url: str) -> None:
    first = PostgresStore(postgres_url, create=True, pooled=True)
    second = PostgresStore(postgres_url, pooled=True)
    assert first.pool is second.pool and pg_pool.open_pools() == 1
    assert first.connection is not second.connection
    first.close()
    assert pg_pool.open_pools() == 1 and second.head().seq == 0
    second.close()
    assert pg_pool.open_pools() == 0 and first.pool.closed


def test_a_wrong_url_is_named_at_once(tmp_path: Path) -> None:
    with pytest.raises(StoreIOError, match="cannot connect"):
        PostgresStore(f"postgresql://nobody@/x?host={tmp_path}", pooled=True)
    assert pg_pool.open_pools() == 0
    result = CliRunner().invoke(cli, ["follow", f"postgresql://nobody@/x?host={tmp_path}"])
    assert result.exit_code == 4 and "cannot connect" in result.output  # the environment's


def test_long_running_commands_leave_no_pool_open(postgres_url: str, flash_crash: Path) -> None:
    runner = CliRunner()
    for args in (
        ["copy", str(flash_crash), postgres_url],
        ["follow", postgres_url, "--until-idle", "0.1"],
        ["rebuild", postgres_url, "--projection", "balances"],
        ["audit", postgres_url],
    ):
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, (args, result.output)
        assert pg_pool.open_pools() == 0, args


#: `follow` in a child process that waits 2 s, not `pg_pool.WAIT_S`, for a server to return.
FOLLOW_BRIEFLY = (
    "import sys; from ledger import pg_pool; pg_pool.WAIT_S = 2.0; "
    "from replay.cli import main; sys.argv[0] = 'defi-ledger'; main()"
)


@pytest.mark.parametrize("debug", [False, True])
def test_a_server_gone_for_good_ends_a_follower_with_one_message(debug: bool) -> None:
    """While the server is away the pool retries, logging each attempt: dozens of lines before
    the exit-4 message, printed by Python's last-resort handler. They are kept for --debug."""
    try:
        server = start_server()
    except NoServer as error:
        without_server(f"no PostgreSQL server for this test: {error}")
    try:
        store = PostgresStore(server.url, create=True)
        store.append([mint("first")])
        store.close()
        flags = ["--debug"] if debug else []
        follower = subprocess.Popen(
            [sys.executable, "-c", FOLLOW_BRIEFLY, *flags, "follow", server.url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert follower.stdout is not None
        assert "first" in follower.stdout.readline()  # caught up: it listens now
    finally:
        stop_server(server)
    _, errors = follower.communicate(timeout=60)
    assert follower.returncode == 4, errors
    reconnects = [line for line in errors.splitlines() if "error connecting" in line]
    assert bool(reconnects) is debug, errors
    assert errors.count("Error: ") == 1 and "no live connection" in errors
