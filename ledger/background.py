"""Writes to the log's file on a thread of its own, while the caller goes on folding.

A rebuild spends much of its time handing SQLite big blobs: every snapshot (a couple of MB for
50k balances) and, first, deleting the snapshots it replaces. SQLite does that work with the
GIL released, so a second thread with a connection of its own can do it while the fold goes
on: the caller takes each snapshot's bytes (the state at that seq) and queues the write.

Tasks run one after another, each in the transactions it runs itself, in the order they were
queued: a crash leaves a prefix of them, as if the caller had run them itself. `drain` waits
for the queue to empty (call it before any write that must come after the queued ones);
`close` drains and stops the thread. An error on the thread is raised on the caller's thread
at the next `submit`, `drain` or `close`.

While a writer runs, the interpreter's switch interval is `SWITCH_INTERVAL_S` (restored when
the last writer stops). Each statement the writer runs hands the GIL back, and the fold, pure
Python, holds it until the interval has passed: at Python's 5 ms a snapshot's dozen statements
waited most of its ~40 ms store, longer than the fold took to reach the next snapshot.
"""

from __future__ import annotations

import queue
import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from ledger.sqlite_store import connect

Task = Callable[[sqlite3.Connection], None]

#: Tasks queued and not yet run, at most: bounds the memory held in snapshot bytes.
BACKLOG = 2
SWITCH_INTERVAL_S = 0.0002
"""The interpreter's switch interval while a writer runs (see the module docstring)."""


class _SwitchInterval:
    """`SWITCH_INTERVAL_S` from the first writer's start to the last one's stop."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.writers = 0
        self.before = sys.getswitchinterval()

    def start(self) -> None:
        with self.lock:
            if self.writers == 0:
                self.before = sys.getswitchinterval()
                sys.setswitchinterval(min(self.before, SWITCH_INTERVAL_S))
            self.writers += 1

    def stop(self) -> None:
        with self.lock:
            self.writers -= 1
            if self.writers == 0:
                sys.setswitchinterval(self.before)


_switch_interval = _SwitchInterval()


class BackgroundWriter:
    """Runs write tasks in order on one thread, over its own connection to `path`."""

    def __init__(self, path: Path, backlog: int = BACKLOG) -> None:
        self._tasks: queue.Queue[Task | None] = queue.Queue(maxsize=backlog)
        self._error: BaseException | None = None
        self._failed = False
        self._stopped = False
        self._thread = threading.Thread(
            target=self._run, args=(path,), name="ledger-background-writer", daemon=True
        )
        _switch_interval.start()
        self._thread.start()

    def _run(self, path: Path) -> None:
        connection: sqlite3.Connection | None = None
        try:
            connection = connect(path)
        except BaseException as error:  # raised on the caller's thread; tasks still drain
            self._error, self._failed = error, True
        try:
            while True:
                task = self._tasks.get()
                try:
                    if task is None:
                        return
                    if connection is not None and not self._failed:
                        task(connection)  # after a failure, nothing more is written
                except BaseException as error:  # raised on the caller's thread
                    self._error, self._failed = error, True
                finally:
                    self._tasks.task_done()
        finally:
            if connection is not None:
                connection.close()

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def submit(self, task: Task) -> None:
        """Queue a task (waits while the backlog is full)."""
        self._raise_error()
        self._tasks.put(task)

    def drain(self) -> None:
        """Wait until every queued task has run."""
        self._tasks.join()
        self._raise_error()

    def close(self) -> None:
        """Run what is queued, then stop the thread."""
        self._stop()
        self._raise_error()

    def _stop(self) -> None:
        if self._thread.is_alive():
            self._tasks.put(None)
            self._thread.join()
        if not self._stopped:
            self._stopped = True
            _switch_interval.stop()

    def __enter__(self) -> BackgroundWriter:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if error is None:
            self.close()
        else:  # the caller failed: stop after what is queued, without hiding its error
            self._stop()
