"""`follow`, the catch-up subscription: every record from a seq on, in order, exactly once,
including those appended while it runs; it keeps no checkpoint, and ends on stop or idleness."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import pytest

from events.core import Minted
from ledger.batch import Appended, NewEvent
from ledger.clock import FixedClock
from ledger.follow import follow
from ledger.sqlite_store import SqliteStore
from ledger.store import EventStore

POLL_S = 0.005
SAFETY_IDLE_S = 5.0
"""Ends a test's follow loop even if an assertion in it would otherwise wait forever."""


def mint(number: int, block: int) -> NewEvent:
    return NewEvent(
        event=Minted(asset="USDC", to_account=f"account-{number}", amount=number + 1),
        block=block,
    )


def append(store: EventStore, count: int, block: int = 1) -> None:
    start = store.head().seq
    result = store.append([mint(start + index, block) for index in range(count)])
    assert isinstance(result, Appended), result


def writer_store(store: EventStore) -> tuple[EventStore, Callable[[], None]]:
    """The store a writer thread appends through: SQLite needs its own connection per thread."""
    if isinstance(store, SqliteStore):
        own = SqliteStore(store.path, clock=FixedClock(1_700_000_000_000))
        return own, own.close
    return store, lambda: None


def test_records_appended_while_following_arrive_in_order_exactly_once(
    store: EventStore,
) -> None:
    append(store, 3)
    batches = [1, 3, 2, 1, 4, 1, 2, 5, 1, 1]
    total = 3 + sum(batches)

    def write() -> None:
        writer, close = writer_store(store)
        try:
            for block, size in enumerate(batches, start=2):
                time.sleep(0.003)
                append(writer, size, block)
        finally:
            close()

    thread = threading.Thread(target=write)
    stop = threading.Event()
    seen = []
    thread.start()
    try:
        for record in follow(
            store, 1, poll_interval_s=POLL_S, stop=stop, idle_timeout_s=SAFETY_IDLE_S
        ):
            seen.append(record)
            if len(seen) == total:
                stop.set()
    finally:
        thread.join()
    assert [record.seq for record in seen] == list(range(1, total + 1))
    assert [record.hash for record in seen] == [record.hash for record in store.read()]
    blocks = [record.block for record in seen]
    assert blocks == sorted(blocks)


def test_from_seq_is_respected_and_the_caller_resumes_from_its_checkpoint(
    store: EventStore,
) -> None:
    append(store, 5)
    first = [record.seq for record in follow(store, 3, poll_interval_s=POLL_S, idle_timeout_s=0)]
    assert first == [3, 4, 5]
    checkpoint = first[-1]
    append(store, 2, block=2)
    resumed = follow(store, checkpoint + 1, poll_interval_s=POLL_S, idle_timeout_s=0)
    assert [record.seq for record in resumed] == [6, 7]
    assert list(follow(store, 99, poll_interval_s=POLL_S, idle_timeout_s=0)) == []


def test_idle_timeout_ends_the_subscription(store: EventStore) -> None:
    append(store, 2)
    started = time.monotonic()
    seqs = [record.seq for record in follow(store, 1, poll_interval_s=POLL_S, idle_timeout_s=0.1)]
    elapsed_s = time.monotonic() - started
    assert seqs == [1, 2]
    assert 0.1 <= elapsed_s < 2.0


def test_a_stop_event_wakes_a_waiting_follower_at_once(store: EventStore) -> None:
    stop = threading.Event()
    timer = threading.Timer(0.05, stop.set)
    started = time.monotonic()
    timer.start()
    try:
        assert list(follow(store, 1, poll_interval_s=30.0, stop=stop)) == []
    finally:
        timer.cancel()
    assert time.monotonic() - started < 5.0


def test_a_stop_callable_is_checked_between_records(store: EventStore) -> None:
    append(store, 4)
    seen: list[int] = []
    for record in follow(store, 1, poll_interval_s=POLL_S, stop=lambda: len(seen) >= 2):
        seen.append(record.seq)
    assert seen == [1, 2]


def test_bad_arguments_are_refused(store: EventStore) -> None:
    with pytest.raises(ValueError, match="from_seq"):
        next(follow(store, 0))
    with pytest.raises(ValueError, match="poll_interval_s"):
        next(follow(store, 1, poll_interval_s=0))
    with pytest.raises(ValueError, match="poll_interval_s"):
        next(follow(store, 1, poll_interval_s=math.nan))
    with pytest.raises(ValueError, match="idle_timeout_s"):
        next(follow(store, 1, idle_timeout_s=math.nan))
