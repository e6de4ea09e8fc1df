"""Opening an SQLite log: only a store opened to create one ever writes a schema into a file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ledger.errors import NotALedger, SchemaTooNew
from ledger.sqlite_store import SqliteStore


def test_an_empty_file_is_refused_for_reading_and_left_empty(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(NotALedger, match="empty file"):
        SqliteStore(empty)
    assert empty.stat().st_size == 0
    assert sorted(tmp_path.iterdir()) == [empty]  # no -wal or -shm beside it either
    for path in (empty, tmp_path / "new.db"):  # a store that creates takes either
        store = SqliteStore(path, create=True)
        assert store.head().seq == 0
        store.close()
        reopened = SqliteStore(path)  # a log now: it opens for reading
        assert reopened.head().seq == 0
        reopened.close()


def test_an_sqlite_database_without_the_schema_is_refused_for_reading(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    connection.close()
    with pytest.raises(NotALedger, match="no defi-ledger schema"):
        SqliteStore(other)
    with sqlite3.connect(other) as connection:
        names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
    connection.close()
    assert names == ["notes"]


@pytest.mark.parametrize(
    ("pragma", "refusal"),
    [("user_version = 0", NotALedger), ("user_version = 99", SchemaTooNew)],
)
def test_a_refused_sqlite_database_is_left_byte_for_byte(
    tmp_path: Path, pragma: str, refusal: type[Exception]
) -> None:
    """The schema is read before the file is turned to WAL, which rewrites its header."""
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
        connection.execute(f"PRAGMA {pragma}")
    connection.close()
    before = other.read_bytes()
    with pytest.raises(refusal):
        SqliteStore(other)
    assert other.read_bytes() == before
    assert sorted(tmp_path.iterdir()) == [other]  # no -wal or -shm beside it
