"""Counts of what became of each log an import read: mapped, unmapped (with why), duplicate."""

from __future__ import annotations

from collections import Counter


class Outcomes:
    """Per log kind, how many logs were mapped, unmapped or already imported; and why not."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = {}
        self.reasons: Counter[str] = Counter()

    def add(self, kind: str, outcome: str, reason: str = "") -> None:
        self.counts.setdefault(kind, Counter())[outcome] += 1
        if reason:
            self.reasons[f"{kind}: {reason}"] += 1
