"""Exact protocol math (pure functions on ints), restated from each protocol's contracts.

Every function here is deterministic, reads no clock and does no I/O. A computation that the
protocol would revert raises `MathRejected` with a `RejectCode`; the engine turns it into a
named rejection and appends nothing.
"""

from __future__ import annotations

from events.rejections import RejectCode


class MathRejected(Exception):
    """The protocol would revert this computation; `code` says why."""

    def __init__(self, code: RejectCode, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


__all__ = ["MathRejected"]
