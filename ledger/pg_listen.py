"""Waking a follower of a PostgreSQL log: LISTEN for the NOTIFY every append commits.

`NOTIFY` inside the append's transaction is delivered on commit only, and only to sessions
that were listening then, so the listener connects before the follower's first look at the
head. The notification carries the new head seq; a follower reads the head anyway, so a
notification from another log in the same database only costs it one look.
"""

from __future__ import annotations

import psycopg

NOTIFY_CHANNEL = "defi_ledger_head"


class AppendWaiter:
    """A connection of its own that LISTENs for the head's NOTIFY (sent on every commit)."""

    def __init__(self, url: str) -> None:
        self.connection = psycopg.connect(url, autocommit=True)
        try:
            self.connection.execute(f"LISTEN {NOTIFY_CHANNEL}")
        except BaseException:
            self.connection.close()
            raise

    def wait(self, seconds: float) -> bool:
        """Return True at the first notification (draining any that queued up behind it),
        False after `seconds` without one."""
        notified = False
        for _ in self.connection.notifies(timeout=seconds, stop_after=1):
            notified = True
        if notified:
            for _ in self.connection.notifies(timeout=0):
                continue
        return notified

    def close(self) -> None:
        self.connection.close()
