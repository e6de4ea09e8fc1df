"""The `store` fixture: every contract test runs against each backend of the log.

PostgreSQL runs as a real server (`tests/postgres_server.py`), one per test session; each test
gets a schema of its own. Where no server can be started the PostgreSQL cases skip and say
why, except in CI (`CI=true`), where they fail: CI must run them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.clock import FixedClock
from ledger.memory import MemoryStore
from ledger.postgres_store import PostgresStore
from ledger.sqlite_store import SqliteStore
from ledger.store import EventStore
from tests.postgres_server import (
    NoServer,
    Server,
    fresh_schema,
    server_from_env_or_start,
    stop_server,
    without_server,
)

BACKENDS = ["memory", "sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Server]:
    """One PostgreSQL server for the session: `LEDGER_POSTGRES_URL`'s, or one started here."""
    try:
        server = server_from_env_or_start()
    except NoServer as error:
        without_server(f"no PostgreSQL server for the postgres store tests: {error}")
    yield server
    stop_server(server)


@pytest.fixture
def postgres_url(postgres_server: Server) -> Iterator[str]:
    """A URL naming an empty log of this test's own (a fresh schema on the session's server)."""
    with fresh_schema(postgres_server) as url:
        yield url


@pytest.fixture(scope="session")
def flash_crash(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The flash-crash scenario replayed into an SQLite log (read it, never write to it)."""
    from click.testing import CliRunner

    from replay.cli import cli

    path = tmp_path_factory.mktemp("flash") / "flash.db"
    scenario = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "flash-crash.toml"
    result = CliRunner().invoke(cli, ["replay", str(scenario), "--db", str(path)])
    assert result.exit_code == 0, result.output
    return path


def make_store(
    kind: str, tmp_path: Path, clock: FixedClock, request: pytest.FixtureRequest
) -> EventStore:
    if kind == "memory":
        return MemoryStore(clock=clock)
    if kind == "postgres":
        return PostgresStore(request.getfixturevalue("postgres_url"), clock=clock, create=True)
    return SqliteStore(tmp_path / "ledger.db", clock=clock, create=True)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventStore]:
    created = make_store(request.param, tmp_path, FixedClock(1_700_000_000_000), request)
    yield created
    created.close()
