"""The background writer runs tasks in order, and no error on its thread goes unseen."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

from events import Minted
from ledger.background import SWITCH_INTERVAL_S, BackgroundWriter, Task
from ledger.batch import NewEvent
from ledger.projector import Projector
from ledger.restore import snapshot_interval
from ledger.sqlite_store import SqliteStore
from projections import views
from projections.balances import Balances


def make_table(path: Path) -> None:
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE done (step INTEGER)")
    connection.commit()
    connection.close()


def steps(path: Path) -> list[int]:
    connection = sqlite3.connect(path)
    found = [row[0] for row in connection.execute("SELECT step FROM done ORDER BY rowid")]
    connection.close()
    return found


def record(step: int) -> Task:
    def task(connection: sqlite3.Connection) -> None:
        connection.execute("INSERT INTO done VALUES (?)", (step,))

    return task


def fail(connection: sqlite3.Connection) -> None:
    raise RuntimeError("disk full")


def test_tasks_run_in_the_order_they_were_queued(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    make_table(path)
    with BackgroundWriter(path, backlog=1) as writer:
        for step in range(20):
            writer.submit(record(step))
        writer.drain()
        assert steps(path) == list(range(20))  # drained: every task has run
    assert steps(path) == list(range(20))


def test_an_error_on_the_thread_is_raised_to_the_caller_and_nothing_after_it_runs(
    tmp_path: Path,
) -> None:
    path = tmp_path / "log.db"
    make_table(path)
    writer = BackgroundWriter(path)
    writer.submit(record(1))
    writer.submit(fail)
    writer.submit(record(2))
    with pytest.raises(RuntimeError, match="disk full"):
        writer.drain()
    writer.submit(record(3))
    writer.close()
    assert steps(path) == [1]


def test_a_file_it_cannot_open_is_an_error_for_the_caller_not_a_hang(tmp_path: Path) -> None:
    writer = BackgroundWriter(tmp_path)  # a directory: SQLite cannot open it
    with pytest.raises(sqlite3.OperationalError):
        for step in range(5):  # more than the backlog: the thread still takes every task
            writer.submit(record(step))
        writer.close()
    writer.close()  # the error was raised once; the thread has stopped


def test_a_failing_caller_keeps_its_own_error(tmp_path: Path) -> None:
    path = tmp_path / "log.db"
    make_table(path)
    with pytest.raises(KeyError), BackgroundWriter(path) as writer:
        writer.submit(record(1))
        raise KeyError("the caller's")
    assert steps(path) == [1]  # what was queued still ran


def test_a_rebuild_drops_the_old_snapshots_before_it_writes_new_ones(tmp_path: Path) -> None:
    """The drop runs on the writer while the fold goes on: it must not take the new ones."""
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    for block in range(1, 10):
        store.append([NewEvent(event=Minted(asset="ETH", to_account="a", amount=1), block=block)])
    projector = Projector(store, ["balances"], snapshot_every=2)
    projector.catch_up()
    stale = Balances()
    stale.holdings["ETH"] = {"a": 10**9}
    views.insert_snapshot(store.connection, "balances", Balances.version, 3, 3, stale.snapshot())
    honest = Projector(store, ["balances"], snapshot_every=2)
    assert projector.rebuild() == 9
    seqs = [row[0] for row in store.connection.execute("SELECT seq FROM snapshots ORDER BY seq")]
    every = snapshot_interval(Balances(), 2)  # balances folds backwards: every 4
    assert seqs == list(range(every, 10, every))
    fresh = Balances()
    fresh.holdings["ETH"] = {"issuer:ETH": -3, "a": 3}
    assert honest.state_at(3)[0].digest() == fresh.digest()
    tracked = store.connection.execute("SELECT seq FROM view_tracking").fetchall()
    assert tracked == [(9,)]
    store.close()


def test_the_switch_interval_is_short_while_writers_run_and_restored_after(tmp_path: Path) -> None:
    make_table(tmp_path / "log.db")
    before = sys.getswitchinterval()
    try:
        sys.setswitchinterval(0.004)
        first = BackgroundWriter(tmp_path / "log.db")
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S)
        with BackgroundWriter(tmp_path / "log.db") as second:
            second.submit(record(1))
        assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S)  # the first runs on
        with pytest.raises(ZeroDivisionError), first:
            first.submit(record(2))
            raise ZeroDivisionError  # a caller that fails still stops its writer
        first.close()  # once more: counted once
        assert sys.getswitchinterval() == pytest.approx(0.004)
        assert steps(tmp_path / "log.db") == [1, 2]
    finally:
        sys.setswitchinterval(before)
