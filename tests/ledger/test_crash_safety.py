"""Crash safety and concurrent writers on one SQLite file."""

from __future__ import annotations

import os
from pathlib import Path

from events import Minted
from ledger.batch import Appended, NewEvent
from ledger.sqlite_store import SqliteStore
from tests.conftest import Rand
from tests.ledger.crash_harness import soak

KILLS = 110


def test_sigkill_never_loses_a_committed_batch_or_leaves_a_partial_one(
    tmp_path: Path, rand: Rand
) -> None:
    path = tmp_path / "ledger.db"
    outcome = soak(path, KILLS, rand, delay_max_s=0.04)
    assert outcome.kills == KILLS, outcome
    assert outcome.verify_failures == 0
    assert outcome.lost_batches == 0
    assert outcome.partial_batches == 0
    assert outcome.committed_batches, "the writer never committed: the kills came too early"
    store = SqliteStore(path)
    head = store.head()
    assert isinstance(
        store.append(
            [NewEvent(event=Minted(asset="ETH", to_account="z", amount=1), block=head.block)]
        ),
        Appended,
    )
    assert store.verify().ok
    store.close()


def _writer(path: Path, name: str, batches: int, rand: Rand) -> None:
    store = SqliteStore(path)
    for number in range(batches):
        size = rand.randint(1, 20)
        while True:
            result = store.append(
                [
                    NewEvent(
                        event=Minted(asset="ETH", to_account=name, amount=1),
                        block=store.head().block,
                        event_id=f"{name}-{number}-{i}",
                    )
                    for i in range(size)
                ]
            )
            if isinstance(result, Appended):
                break
    store.close()


def test_two_writer_processes_keep_seq_gapless(tmp_path: Path, rand: Rand) -> None:
    path = tmp_path / "ledger.db"
    SqliteStore(path, create=True).close()
    pids = []
    for name in ("left", "right"):
        seed = rand.randrange(2**32)
        pid = os.fork()
        if pid == 0:
            try:
                _writer(path, name, 150, Rand(seed))
            finally:
                os._exit(0)
        pids.append(pid)
    for pid in pids:
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
    store = SqliteStore(path)
    records = list(store.read())
    assert [record.seq for record in records] == list(range(1, len(records) + 1))
    assert {record.event.to_account for record in records} == {"left", "right"}  # type: ignore[attr-defined]
    # Both wrote to one stream: its versions are 1..n, none skipped, none repeated.
    assert sorted(record.stream_version for record in records) == list(range(1, len(records) + 1))
    assert store.verify().ok
    store.close()
