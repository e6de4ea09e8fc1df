"""SIGKILL during view updates never leaves a view that disagrees with its recorded seq."""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from events import Minted, Transferred
from ledger.batch import NewEvent
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from ledger.stores import open_store
from tests.conftest import Rand
from tests.oracle import naive_balances

KILLS = 55


def _updater(path: Path | str, seed: int) -> None:
    """Append and catch the balances view up, forever (a log's path or PostgreSQL URL)."""
    rand = Rand(seed)
    store = open_store(path)
    projector = Projector(store, ["balances"], snapshot_every=97)
    while True:
        block = store.head().block + 1
        store.append(
            [
                NewEvent(
                    event=Minted(
                        asset="ETH",
                        to_account=f"a{rand.randrange(9)}",
                        amount=rand.randrange(10**20),
                    ),
                    block=block,
                )
                if rand.random() < 0.5
                else NewEvent(
                    event=Transferred(
                        asset="ETH",
                        from_account=f"a{rand.randrange(9)}",
                        to_account=f"a{rand.randrange(9)}",
                        amount=rand.randrange(10**18),
                    ),
                    block=block,
                )
                for _ in range(rand.randint(1, 60))
            ]
        )
        projector.catch_up(flush_every=rand.randint(1, 40))


def view_agrees_with_its_seq(path: Path) -> int:
    """Check the stored view against a naive fold of the log up to its tracking seq."""
    connection = sqlite3.connect(path)
    if not connection.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'view_tracking'"
    ).fetchone():
        connection.close()
        return 0  # killed before its first projector created the view tables
    tracked = connection.execute(
        "SELECT seq FROM view_tracking WHERE projection = 'balances'"
    ).fetchone()
    state_seq = connection.execute(
        "SELECT seq FROM view_state WHERE projection = 'balances'"
    ).fetchone()
    rows = (
        connection.execute("SELECT account, asset, amount FROM view_balances").fetchall()
        if tracked
        else []
    )
    connection.close()
    if tracked is None:
        assert state_seq is None
        return 0
    assert state_seq == tracked
    store = SqliteStore(path)
    events = [record.event for record in store.read(ReadFilter(to_seq=tracked[0]))]
    store.close()
    assert {(account, asset): int(amount) for account, asset, amount in rows} == naive_balances(
        events
    )
    return int(tracked[0])


def kill_updaters(
    target: Path | str, kills: int, rand: Rand, check: Callable[[], int]
) -> list[int]:
    """Fork an updater of `target` and SIGKILL it, `kills` times; `check` after each kill
    returns the seq its view is at (0: none yet)."""
    positions: list[int] = []
    for _ in range(kills):
        pid = os.fork()
        if pid == 0:
            try:
                _updater(target, rand.randrange(2**32))
            finally:
                os._exit(0)
        # On a loaded machine the child may need longer to reach its first view write; kills
        # that always land before it would test nothing, so wait longer until one has.
        written = any(positions)
        time.sleep(rand.uniform(0.01, 0.06 if written or len(positions) < 5 else 0.5))
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        positions.append(check())
    return positions


def test_sigkill_during_view_updates(tmp_path: Path, rand: Rand) -> None:
    path = tmp_path / "ledger.db"
    SqliteStore(path, create=True).close()
    positions = kill_updaters(path, KILLS, rand, lambda: view_agrees_with_its_seq(path))
    assert max(positions) > 0, "no view was ever written: the kills came too early"
    store = SqliteStore(path)
    assert store.verify().ok
    projector = Projector(store, ["balances"])
    assert projector.catch_up() == store.head().seq
    caught_up = projector.digests()
    projector.rebuild()
    assert projector.digests() == caught_up
    store.close()
    assert view_agrees_with_its_seq(path) == SqliteStore(path).head().seq
