"""Wall time, read in one place. Block time comes from events, never from here.

The store stamps each record's `ts_ms` from an injected `Clock`; tests pin `SystemClock` with
freezegun, and replays use a `FixedClock` so that the same scenario writes the same bytes.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int:
        """Milliseconds since the Unix epoch."""
        ...


class SystemClock:
    """The machine's wall clock."""

    def now_ms(self) -> int:
        return time.time_ns() // 1_000_000


class FixedClock:
    """A clock that says what it is told: for replays and tests."""

    def __init__(self, now_ms: int = 0) -> None:
        self.current_ms = now_ms

    def now_ms(self) -> int:
        return self.current_ms

    def set(self, now_ms: int) -> None:
        self.current_ms = now_ms
