"""The `store` fixture: every contract test runs against each backend of the log."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.clock import FixedClock
from ledger.memory import MemoryStore
from ledger.sqlite_store import SqliteStore
from ledger.store import EventStore

BACKENDS = ["memory", "sqlite"]


def make_store(kind: str, tmp_path: Path, clock: FixedClock) -> EventStore:
    if kind == "memory":
        return MemoryStore(clock=clock)
    return SqliteStore(tmp_path / "ledger.db", clock=clock, create=True)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventStore]:
    created = make_store(request.param, tmp_path, FixedClock(1_700_000_000_000))
    yield created
    created.close()
