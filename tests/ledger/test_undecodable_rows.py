"""A stored row that no longer decodes is an integrity finding naming its seq, never a crash.

Its payload cut or swapped for another event's, its type pointed elsewhere, its version set to
one no upcaster lifts, a text or a fraction where an int belongs: every read of the log (the full read, the fold read by ranges, a
rebuild, the commands) stops at that row with `IntegrityError` (exit 3), after the records
before it. A version newer than this program's says to upgrade (`SchemaTooNew`, exit 1).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from events import Minted, Transferred, encode
from ledger import sqlite_fold
from ledger.batch import NewEvent
from ledger.errors import IntegrityError, LedgerError, SchemaTooNew
from ledger.postgres_store import PostgresStore
from ledger.projector import Projector
from ledger.rows import BatchedReads
from ledger.sqlite_store import SqliteStore
from ledger.store import EventStore
from replay.cli import cli
from replay.fork import fork_log

BLOCKS = 6
BAD = 7
"""The damaged row: a mint, in block 4 (each block holds a mint and a transfer)."""

ANOTHER_EVENT = encode(
    Transferred(asset="ETH", from_account="a", to_account="b", amount=1)
).decode()

#: Each damage: the SQL that does it to the SQLite log, and its parameters before the seq.
DAMAGES = {
    "cut payload": ("UPDATE events SET payload = substr(payload, 1, 20) WHERE seq = ?", ()),
    "payload missing fields": (
        'UPDATE events SET payload = \'{"type":"Minted"}\' WHERE seq = ?',
        (),
    ),
    "amount as text": (
        'UPDATE events SET payload = replace(payload, \'"amount":\', \'"amount":"1","x":\')'
        " WHERE seq = ?",
        (),
    ),
    "negative amount": (
        "UPDATE events SET payload = json_set(payload, '$.amount', -1) WHERE seq = ?",
        (),
    ),
    "another type's payload": ("UPDATE events SET payload = ? WHERE seq = ?", (ANOTHER_EVENT,)),
    "type no event has": (
        "UPDATE events SET type_id = (SELECT max(id) FROM event_types) + 1 WHERE seq = ?",
        (),
    ),
    "version 0 (no upcaster)": ("UPDATE events SET version = 0 WHERE seq = ?", ()),
    "version as a fraction": ("UPDATE events SET version = 1.5 WHERE seq = ?", ()),
    "version -1": ("UPDATE events SET version = -1 WHERE seq = ?", ()),
}


def fill(store: EventStore) -> None:
    """A mint and a transfer in each block."""
    for block in range(1, BLOCKS + 1):
        store.append(
            [
                NewEvent(event=Minted(asset="ETH", to_account="a", amount=10 * block), block=block),
                NewEvent(
                    event=Transferred(asset="ETH", from_account="a", to_account="b", amount=block),
                    block=block,
                ),
            ]
        )


def damaged(tmp_path: Path, sql: str, params: tuple[object, ...]) -> Path:
    path = tmp_path / "ledger.db"
    store = SqliteStore(path, create=True)
    fill(store)
    store.close()
    connection = sqlite3.connect(path)
    connection.execute(sql, (*params, BAD))
    connection.commit()
    connection.close()
    return path


def fold_until_error(store: BatchedReads) -> tuple[list[int], LedgerError]:
    seqs: list[int] = []
    with pytest.raises(LedgerError) as raised:
        for batch in store.fold_batches():
            seqs += [record.seq for record in batch]
    return seqs, raised.value


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_every_read_of_an_undecodable_row_names_its_seq(tmp_path: Path, damage: str) -> None:
    path = damaged(tmp_path, *DAMAGES[damage])
    store = SqliteStore(path)
    with pytest.raises(IntegrityError, match=f"at seq {BAD}: its ") as full:
        list(store.read())
    assert full.value.seq == BAD
    seqs, error = fold_until_error(store)
    assert (seqs, type(error), str(error)) == (list(range(1, BAD)), IntegrityError, str(full.value))
    with pytest.raises(IntegrityError, match=f"at seq {BAD}: its "):
        Projector(store, ["balances"]).rebuild()
    with pytest.raises(IntegrityError, match=f"at seq {BAD}: its "):
        Projector(store, ["balances"]).state_at(BLOCKS)
    store.close()
    assert Projector(SqliteStore(path), ["balances"]).state_at(3)  # the rows before still read


@pytest.mark.parametrize("damage", ["cut payload", "type no event has", "version -1"])
def test_the_fold_read_by_ranges_names_the_same_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str
) -> None:
    """Ranges of 3 rows, so the damaged one sits inside an aggregate read; with read-ahead."""
    monkeypatch.setattr(sqlite_fold, "RANGE_ROWS", 3)
    monkeypatch.setattr(sqlite_fold, "READ_AHEAD_RANGES", 2)
    store = SqliteStore(damaged(tmp_path, *DAMAGES[damage]))
    seqs, error = fold_until_error(store)
    store.close()
    assert seqs == list(range(1, BAD))
    assert isinstance(error, IntegrityError) and error.seq == BAD


def test_a_version_newer_than_this_program_asks_for_an_upgrade(tmp_path: Path) -> None:
    store = SqliteStore(damaged(tmp_path, "UPDATE events SET version = 99 WHERE seq = ?", ()))
    seqs, error = fold_until_error(store)
    store.close()
    assert seqs == list(range(1, BAD))
    assert isinstance(error, SchemaTooNew)
    assert f"record {BAD} is Minted v99, newer than this program's v1: upgrade" in str(error)


@pytest.mark.parametrize("command", ["log", "rebuild", "solvency", "state --at-block 6"])
@pytest.mark.parametrize("damage", ["cut payload", "version 0 (no upcaster)"])
def test_the_commands_exit_3_naming_the_row(tmp_path: Path, command: str, damage: str) -> None:
    path = damaged(tmp_path, *DAMAGES[damage])
    name, *options = command.split()
    result = CliRunner().invoke(cli, [name, str(path), *options])
    assert result.exit_code == 3, result.output
    assert f"at seq {BAD}: its Minted" in result.output
    assert "internal error" not in result.output


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_verify_deep_names_the_row(tmp_path: Path, damage: str) -> None:
    path = damaged(tmp_path, *DAMAGES[damage])
    result = CliRunner().invoke(cli, ["verify", str(path), "--deep"])
    assert result.exit_code == 3, result.output
    assert f"first unreadable record: seq {BAD}:" in result.output
    assert "internal error" not in result.output
    if damage == "type no event has":  # the error's own text, its quotes whole
        assert re.search(r"unknown event type '<no type \d+>'$", result.output, re.MULTILINE)


def test_the_commands_ask_for_an_upgrade_on_a_newer_version(tmp_path: Path) -> None:
    path = damaged(tmp_path, "UPDATE events SET version = 99 WHERE seq = ?", ())
    result = CliRunner().invoke(cli, ["log", str(path)])
    assert result.exit_code == 1, result.output
    assert "upgrade defi-ledger" in result.output


def test_postgres_reads_name_the_row_too(postgres_url: str) -> None:
    import psycopg

    store = PostgresStore(postgres_url, create=True)
    fill(store)
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("UPDATE events SET payload = '{}' WHERE seq = %s", (BAD,))
        connection.execute("UPDATE events SET version = 0 WHERE seq = %s", (BAD + 2,))
    seqs, error = fold_until_error(store)
    assert seqs == list(range(1, BAD))
    assert isinstance(error, IntegrityError) and error.seq == BAD
    with pytest.raises(IntegrityError, match=f"at seq {BAD}: its Minted v1 payload"):
        list(store.read())
    store.close()
    deep = CliRunner().invoke(cli, ["verify", postgres_url, "--deep"])
    assert deep.exit_code == 3 and f"first unreadable record: seq {BAD}:" in deep.output
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("UPDATE events SET payload = body::text WHERE seq = %s", (BAD,))
    deep = CliRunner().invoke(cli, ["verify", postgres_url, "--deep"])
    assert deep.exit_code == 3, deep.output
    assert f"first unreadable record: seq {BAD + 2}: " in deep.output  # no upcaster from v0
    assert "internal error" not in deep.output


def test_a_block_edited_to_text_stops_the_reads_at_its_row(tmp_path: Path) -> None:
    """(Time travel finds rows by their blocks: it is not asked here.)"""
    store = SqliteStore(damaged(tmp_path, "UPDATE events SET block = 'x' WHERE seq = ?", ()))
    with pytest.raises(IntegrityError, match=f"at seq {BAD}: its block is 'x', not an integer"):
        list(store.read())
    seqs, error = fold_until_error(store)
    assert (seqs, type(error)) == (list(range(1, BAD)), IntegrityError)
    with pytest.raises(IntegrityError, match=f"at seq {BAD}: its block is 'x'"):
        Projector(store, ["balances"]).rebuild()
    store.close()


def test_a_fork_of_a_log_with_a_payload_stored_as_bytes_names_the_row(tmp_path: Path) -> None:
    """The chain walk a fork runs over its parent's rows meets a value of the wrong type."""
    path = damaged(tmp_path, "UPDATE events SET payload = CAST(payload AS BLOB) WHERE seq = ?", ())
    out = tmp_path / "fork.db"
    with pytest.raises(IntegrityError, match=f"at seq {BAD}: parent log: the record cannot be"):
        fork_log(SqliteStore(path), BLOCKS, out)
    assert not out.exists()
    report = SqliteStore(path).verify()
    assert (report.ok, report.first_bad_seq) == (False, BAD)
