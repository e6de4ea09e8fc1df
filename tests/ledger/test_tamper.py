"""Tamper evidence: any single-byte change, a deleted row or two swapped rows fail `verify`,
which names the first bad seq."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import Minted, Transferred
from ledger.batch import NewEvent
from ledger.errors import StoreDamaged
from ledger.sqlite_schema import LOG_TABLES
from ledger.sqlite_store import SqliteStore
from replay.cli import cli

RECORDS = 24


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("tamper") / "ledger.db"
    store = SqliteStore(path, create=True)
    for block in range(1, RECORDS // 2 + 1):
        store.append(
            [
                NewEvent(
                    event=Minted(asset="ETH", to_account=f"a{block}", amount=block * 10**18),
                    block=block,
                ),
                NewEvent(
                    event=Transferred(
                        asset="ETH", from_account=f"a{block}", to_account="b", amount=block
                    ),
                    block=block,
                ),
            ]
        )
    store.close()
    return path


@pytest.fixture
def copy(pristine: Path, tmp_path: Path) -> Iterator[Path]:
    target = tmp_path / "copy.db"
    target.write_bytes(pristine.read_bytes())
    yield target


def tamper(path: Path, sql: str, *params: object) -> None:
    """Edit the file as an attacker with any SQLite client would (indexes don't stop them)."""
    connection = sqlite3.connect(path)
    connection.execute("DROP INDEX IF EXISTS idx_events_stream_stream_version")
    connection.execute("DROP INDEX IF EXISTS idx_events_explicit_id")
    connection.execute(sql, params)
    connection.commit()
    connection.close()


def first_bad_seq(path: Path) -> int | None:
    store = SqliteStore(path)
    report = store.verify()
    store.close()
    assert report.ok == (report.first_bad_seq is None)
    return report.first_bad_seq


def flip(value: str | bytes | None, position: int) -> str | bytes:
    """One character (or byte) of a stored value changed; a derived id (NULL) given a value."""
    if value is None:
        return "forged"
    if isinstance(value, bytes):
        at = position % len(value)
        return value[:at] + bytes([value[at] ^ 0x01]) + value[at + 1 :]
    at = position % len(value)
    replacement = "7" if value[at] != "7" else "8"
    return value[:at] + replacement + value[at + 1 :]


SETTINGS = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def test_the_untouched_log_verifies(pristine: Path) -> None:
    assert first_bad_seq(pristine) is None


@SETTINGS
@given(
    seq=st.integers(1, RECORDS),
    where=st.integers(0, 10**6),
    column=st.sampled_from(["payload", "hash", "event_id"]),
)
def test_one_changed_byte_is_caught(
    pristine: Path, tmp_path_factory: pytest.TempPathFactory, seq: int, where: int, column: str
) -> None:
    path = tmp_path_factory.mktemp("byte") / "ledger.db"
    path.write_bytes(pristine.read_bytes())
    connection = sqlite3.connect(path)
    value = connection.execute(f"SELECT {column} FROM events WHERE seq = ?", (seq,)).fetchone()[0]
    connection.close()
    tamper(path, f"UPDATE events SET {column} = ? WHERE seq = ?", flip(value, where), seq)
    assert first_bad_seq(path) == seq


@SETTINGS
@given(
    seq=st.integers(1, RECORDS),
    column=st.sampled_from(["block", "ts_ms", "stream_id", "stream_version", "type_id"]),
)
def test_a_changed_number_is_caught(
    pristine: Path, tmp_path_factory: pytest.TempPathFactory, seq: int, column: str
) -> None:
    path = tmp_path_factory.mktemp("number") / "ledger.db"
    path.write_bytes(pristine.read_bytes())
    tamper(path, f"UPDATE events SET {column} = {column} + 1 WHERE seq = ?", seq)
    assert first_bad_seq(path) == seq


@SETTINGS
@given(seq=st.integers(1, RECORDS))
def test_a_deleted_row_is_caught(
    pristine: Path, tmp_path_factory: pytest.TempPathFactory, seq: int
) -> None:
    path = tmp_path_factory.mktemp("delete") / "ledger.db"
    path.write_bytes(pristine.read_bytes())
    tamper(path, "DELETE FROM events WHERE seq = ?", seq)
    assert first_bad_seq(path) == seq


@SETTINGS
@given(pair=st.lists(st.integers(1, RECORDS), min_size=2, max_size=2, unique=True))
def test_two_swapped_rows_are_caught(
    pristine: Path, tmp_path_factory: pytest.TempPathFactory, pair: list[int]
) -> None:
    low, high = sorted(pair)
    path = tmp_path_factory.mktemp("swap") / "ledger.db"
    path.write_bytes(pristine.read_bytes())
    columns = (
        "block, ts_ms, stream_id, stream_version, type_id, version, payload, event_id, "
        "idempotency_key, hash"
    )
    connection = sqlite3.connect(path)
    connection.execute("DROP INDEX IF EXISTS idx_events_stream_stream_version")
    connection.execute("DROP INDEX IF EXISTS idx_events_explicit_id")
    rows = {
        seq: connection.execute(f"SELECT {columns} FROM events WHERE seq = ?", (seq,)).fetchone()
        for seq in (low, high)
    }
    assignments = ", ".join(f"{name.strip()} = ?" for name in columns.split(","))
    for seq, other in ((low, high), (high, low)):
        connection.execute(f"UPDATE events SET {assignments} WHERE seq = ?", (*rows[other], seq))
    connection.commit()
    connection.close()
    tamper(path, "SELECT 1")
    assert first_bad_seq(path) == low


def test_a_truncated_tail_is_caught(copy: Path) -> None:
    tamper(copy, "DELETE FROM events WHERE seq > ?", RECORDS - 3)
    assert first_bad_seq(copy) == RECORDS - 2


@pytest.mark.parametrize(
    ("find", "rename"),
    [
        (
            "SELECT id, first_seq FROM streams WHERE name = 'account:a3'",
            "UPDATE streams SET name = 'account:a4x' WHERE id = ?",
        ),
        (
            "SELECT type_id, min(seq) FROM events GROUP BY type_id ORDER BY type_id DESC LIMIT 1",
            "UPDATE event_types SET name = 'Burned' WHERE id = ?",
        ),
    ],
    ids=["stream", "event type"],
)
def test_a_renamed_stream_or_type_is_caught_at_its_first_record(
    copy: Path, find: str, rename: str
) -> None:
    """Stream and type names live once, in `streams` and `event_types`: renaming one changes
    every record of it."""
    connection = sqlite3.connect(copy)
    name_id, first = connection.execute(find).fetchone()
    connection.close()
    tamper(copy, rename, name_id)
    assert first_bad_seq(copy) == first


@pytest.mark.parametrize("table", LOG_TABLES)
def test_a_log_that_lost_one_of_its_tables_is_refused_as_damaged(copy: Path, table: str) -> None:
    tamper(copy, f"DROP TABLE {table}")
    with pytest.raises(StoreDamaged, match=f"its {table} table is missing"):
        SqliteStore(copy)
    result = CliRunner().invoke(cli, ["log", str(copy)])
    assert (result.exit_code, "internal error" in result.output) == (3, False), result.output


def test_a_log_without_its_head_row_is_damaged_and_verify_says_the_chain_holds(
    copy: Path,
) -> None:
    tamper(copy, "DELETE FROM log_head")
    store = SqliteStore(copy)
    with pytest.raises(StoreDamaged, match="its log_head row is missing"):
        store.head()
    report = store.verify()
    store.close()
    assert (report.ok, report.records, report.first_bad_seq) == (False, RECORDS, RECORDS + 1)
    assert "log_head row is missing" in report.detail
    assert CliRunner().invoke(cli, ["info", str(copy)]).exit_code == 3
