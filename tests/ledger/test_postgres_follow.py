"""`follow` on PostgreSQL is woken by NOTIFY: with a poll interval far longer than the test
may take, a record appended by another process still arrives, and so does every one after."""

from __future__ import annotations

import os

from events import Minted
from ledger.batch import Appended, NewEvent
from ledger.follow import follow
from ledger.postgres_store import PostgresStore

NEVER_S = 3_600.0  # a poll interval that never elapses during the test
IDLE_S = 30.0


def _append_from_another_process(url: str, count: int) -> int:
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            store = PostgresStore(url)
            for i in range(count):
                event = Minted(asset="ETH", to_account=f"late{i}", amount=i + 1)
                assert isinstance(store.append([NewEvent(event=event, block=5)]), Appended)
            store.close()
            code = 0
        finally:
            os._exit(code)
    return pid


def test_follow_is_woken_by_an_append_in_another_process(postgres_url: str) -> None:
    store = PostgresStore(postgres_url, create=True)
    store.append([NewEvent(event=Minted(asset="ETH", to_account="first", amount=1), block=1)])
    records = follow(store, 1, poll_interval_s=NEVER_S, idle_timeout_s=IDLE_S)
    assert next(records).seq == 1  # caught up: the follower now waits on the listener
    pid = _append_from_another_process(postgres_url, 3)
    seen = [next(records) for _ in range(3)]
    records.close()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert [record.seq for record in seen] == [2, 3, 4]
    assert [record.event.to_account for record in seen] == ["late0", "late1", "late2"]  # type: ignore[attr-defined]
    store.close()


def test_follow_ends_when_idle(postgres_url: str) -> None:
    store = PostgresStore(postgres_url, create=True)
    assert list(follow(store, 1, poll_interval_s=NEVER_S, idle_timeout_s=0.2)) == []
    store.close()
