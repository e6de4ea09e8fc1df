"""Waking a follower of a PostgreSQL log: LISTEN for the NOTIFY every append commits.

`NOTIFY` inside the append's transaction is delivered on commit only, and only to sessions
that were listening then, so the listener connects before the follower's first look at the
head. The notification carries the new head seq; a follower reads the head anyway, so a
notification from another log in the same database only costs it one look.

A pooled listener (`ledger.pg_pool`) whose connection is lost LISTENs again on a live one
and reports a wake-up: the follower then reads the log from its position, so an append made
while nobody listened is read all the same.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

import psycopg

NOTIFY_CHANNEL = "defi_ledger_head"


class AppendWaiter:
    """A connection of its own that LISTENs for the head's NOTIFY (sent on every commit)."""

    def __init__(self, url: str, *, pooled: bool = False) -> None:
        self.url = url
        self.pool: Any = None
        if pooled:
            from ledger import pg_pool

            self.pool = pg_pool.acquire(url)
        try:
            self.connection = self._listen()
        except BaseException:
            self._release()
            raise

    def _listen(self) -> psycopg.Connection[Any]:
        if self.pool is None:
            connection = psycopg.connect(self.url, autocommit=True)
        else:
            from ledger import pg_pool

            connection = pg_pool.take(self.pool, self.url)
        try:
            connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except BaseException:
            self._give_back(connection)
            raise
        return connection

    def wait(self, seconds: float) -> bool:
        """Return True at the first notification (draining any that queued up behind it),
        False after `seconds` without one; True as well after listening again on a new
        connection, the old one being lost (a pooled listener; otherwise the error is raised).
        """
        notified = False
        try:
            for _ in self.connection.notifies(timeout=seconds, stop_after=1):
                notified = True
            if notified:
                for _ in self.connection.notifies(timeout=0):
                    continue
        except psycopg.OperationalError:
            if self.pool is None or not self.connection.broken:
                raise
            self._give_back(self.connection)
            self.connection = self._listen()
            return True
        return notified

    def _give_back(self, connection: psycopg.Connection[Any]) -> None:
        if self.pool is None:
            connection.close()
            return
        from ledger import pg_pool

        if not connection.broken:
            with suppress(psycopg.Error):  # the next holder listens to nothing
                connection.execute(f"UNLISTEN {NOTIFY_CHANNEL}")
        pg_pool.give_back(self.pool, connection)

    def _release(self) -> None:
        if self.pool is not None:
            from ledger import pg_pool

            pg_pool.release(self.pool)

    def close(self) -> None:
        try:
            self._give_back(self.connection)
        finally:
            self._release()
