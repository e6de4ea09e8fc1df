"""A catch-up subscription: every record from a seq on, then each new one as it is appended.

`follow` polls the store's head, which is one indexed row, and reads whatever lies between its
position and the head in bounded batches. It keeps no state of its own: the caller holds the
checkpoint (the seq of the last record it handled) and resumes with `from_seq = checkpoint + 1`,
so a crashed consumer loses nothing and sees nothing twice as long as it records its checkpoint
together with what it did with the record.

Polling keeps it backend-neutral: any `EventStore` works, and a writer in another process
needs no cooperation. A store that can say when it was appended to (`append_waiter`: the
PostgreSQL store, through LISTEN/NOTIFY) wakes the follower at once instead, and the poll
interval only bounds the wait. `seq` is gapless and the head moves in the same transaction as
the rows, so reading up to the head never skips a record.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from typing import Protocol

from events.record import Record
from ledger.store import EventStore, ReadFilter

POLL_INTERVAL_S_DEFAULT = 0.2
STOP_CHECK_S = 0.05
"""How often a follower waiting on a listener looks at its stop Event."""
BATCH_RECORDS = 1000
"""Records read per query: a read is materialised before it is yielded, so a slow consumer
never holds an SQLite read transaction open (which would stop WAL checkpoints)."""

StopSignal = Callable[[], bool] | threading.Event


def _stop_checker(stop: StopSignal | None) -> Callable[[], bool]:
    if stop is None:
        return lambda: False
    if isinstance(stop, threading.Event):
        return stop.is_set
    return stop


def _waiter(stop: StopSignal | None) -> Callable[[float], None]:
    """Sleep between polls; an Event wakes the sleeper at once when it is set."""
    if isinstance(stop, threading.Event):
        event = stop

        def wait_on_event(seconds: float) -> None:
            event.wait(seconds)

        return wait_on_event
    return time.sleep


def follow(
    store: EventStore,
    from_seq: int,
    *,
    poll_interval_s: float = POLL_INTERVAL_S_DEFAULT,
    stop: StopSignal | None = None,
    idle_timeout_s: float | None = None,
) -> Generator[Record, None, None]:
    """Yield every record with `seq >= from_seq`, in seq order, then wait for new ones.

    The iterator ends only when `stop` says so or nothing new has come for `idle_timeout_s`;
    closing the generator (or breaking out of the loop) ends it too.

    Args:
        store: The log to follow; appends may come from other threads or processes (with
            SQLite, each thread uses its own connection).
        from_seq: The first seq to yield: the caller's checkpoint plus one (1 for all).
        poll_interval_s: How long to wait between looks at the head when caught up.
        stop: A callable returning True, or a `threading.Event` that is set, to end the
            iteration; it is checked between records and between polls.
        idle_timeout_s: End after this many seconds with no new record (None: never).
            Measured with the monotonic clock, since it times a wait and dates nothing.

    Yields:
        Records in seq order, each exactly once, with no gaps.
    """
    if from_seq < 1:
        raise ValueError(f"from_seq starts at 1, got {from_seq}")
    if not poll_interval_s > 0:  # NaN as well: it compares false with everything
        raise ValueError(f"poll_interval_s must be positive, got {poll_interval_s}")
    if idle_timeout_s is not None and not idle_timeout_s >= 0:
        raise ValueError(f"idle_timeout_s must be zero or more, got {idle_timeout_s}")
    stopped = _stop_checker(stop)
    wait: Callable[[float], object] = _waiter(stop)
    make_waiter: Callable[[], AppendWaiter | None] | None = getattr(store, "append_waiter", None)
    # Listening starts before the first look at the head, so no append falls between.
    waiter = make_waiter() if make_waiter is not None else None
    if waiter is not None:
        wait = _listening_waiter(waiter, stop)
    try:
        yield from _follow(store, from_seq, poll_interval_s, stopped, wait, idle_timeout_s)
    finally:
        if waiter is not None:
            waiter.close()


class AppendWaiter(Protocol):
    """Waits until the store is appended to (True), or `seconds` pass (False)."""

    def wait(self, seconds: float) -> bool: ...

    def close(self) -> None: ...


def _listening_waiter(waiter: AppendWaiter, stop: StopSignal | None) -> Callable[[float], object]:
    """Wait on the listener; with a stop Event, in slices short enough to notice it at once."""
    if not isinstance(stop, threading.Event):
        return waiter.wait  # its True/False is ignored: the follower reads the head anyway
    event = stop

    def wait(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while not event.is_set():
            left = deadline - time.monotonic()
            if left <= 0 or waiter.wait(min(left, STOP_CHECK_S)):
                return

    return wait


def _follow(
    store: EventStore,
    from_seq: int,
    poll_interval_s: float,
    stopped: Callable[[], bool],
    wait: Callable[[float], object],
    idle_timeout_s: float | None,
) -> Generator[Record, None, None]:
    next_seq = from_seq
    last_new_s = time.monotonic()
    while not stopped():
        batch: list[Record] = []
        head_seq = store.head().seq
        if head_seq >= next_seq:
            to_seq = min(head_seq, next_seq + BATCH_RECORDS - 1)
            batch = list(store.read(ReadFilter(from_seq=next_seq, to_seq=to_seq)))
        if batch:
            for record in batch:
                yield record
                next_seq = record.seq + 1
                if stopped():
                    return
            last_new_s = time.monotonic()
            continue
        waited_s = time.monotonic() - last_new_s
        if idle_timeout_s is not None:
            if waited_s >= idle_timeout_s:
                return
            wait(min(poll_interval_s, idle_timeout_s - waited_s))
        else:
            wait(poll_interval_s)
