"""The CLI over a PostgreSQL log: `copy` there and back keeps the head hash and the projection
digests, resumes where it stopped, refuses a broken chain or a foreign destination, and the
log commands take a URL wherever they take a path."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote, urlsplit

import psycopg
import pytest
from click.testing import CliRunner, Result

from events import Minted
from ledger.batch import Appended, NewEvent
from ledger.postgres_store import PostgresStore
from ledger.sqlite_store import SqliteStore
from replay.agents.base import Step
from replay.cli import cli

ROOT = Path(__file__).resolve().parents[2]
FLASH_CRASH = ROOT / "fixtures" / "scenarios" / "flash-crash.toml"
GENESIS = ROOT / "fixtures" / "events" / "genesis.jsonl"
MINT = '{"type": "Minted", "asset": "USDC", "to_account": "z", "amount": 1}'


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args])


def as_json(*args: str | Path) -> dict[str, object]:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    parsed: dict[str, object] = json.loads(result.stdout)
    return parsed


def genesis_log(tmp_path: Path) -> Path:
    source = tmp_path / "source.db"
    assert invoke("init", source).exit_code == 0
    assert invoke("append", source, GENESIS).exit_code == 0
    return source


def test_copy_there_and_back_keeps_the_head_and_the_digests(
    flash_crash: Path, postgres_url: str, tmp_path: Path
) -> None:
    back = tmp_path / "back.db"
    there = as_json("copy", flash_crash, postgres_url)
    assert there["copied"] == there["head_seq"] == as_json("info", flash_crash)["head_seq"]
    assert as_json("copy", postgres_url, back)["copied"] == there["copied"]
    heads = [as_json("info", log)["head_hash"] for log in (flash_crash, postgres_url, back)]
    assert heads[0] == heads[1] == heads[2] == there["head_hash"]
    digests = [as_json("digest", log)["digests"] for log in (flash_crash, postgres_url, back)]
    assert digests[0] == digests[1] == digests[2]
    middle = as_json("info", flash_crash)["head_block"] // 2  # type: ignore[operator]
    assert as_json("digest", flash_crash, "--at-block", str(middle)) == as_json(
        "digest", postgres_url, "--at-block", str(middle)
    )
    assert invoke("verify", postgres_url).exit_code == 0


def test_a_second_copy_resumes_after_the_destination_head(
    postgres_url: str, tmp_path: Path
) -> None:
    source = genesis_log(tmp_path)
    first = as_json("copy", source, postgres_url)
    assert first["resumed_after"] == 0 and first["copied"]
    store = SqliteStore(source)
    block = store.head().block
    store.append(
        [
            NewEvent(event=Minted(asset="USDC", to_account=f"n{i}", amount=i), block=block)
            for i in range(3)
        ],
        idempotency_key="late",
    )
    store.close()
    again = as_json("copy", source, postgres_url)
    assert (again["resumed_after"], again["copied"]) == (first["head_seq"], 3)
    assert as_json("copy", source, postgres_url)["copied"] == 0
    assert as_json("info", postgres_url)["head_hash"] == as_json("info", source)["head_hash"]
    other = tmp_path / "other.jsonl"
    other.write_text(f'{{"block": {block}, "event": {MINT}}}\n')
    retry = invoke("append", postgres_url, other, "--idempotency-key", "late")
    assert retry.exit_code == 1 and "IDEMPOTENCY_CONFLICT" in retry.output  # the key came along


def test_a_broken_source_stops_the_copy_at_the_bad_record(
    postgres_url: str, tmp_path: Path
) -> None:
    source = genesis_log(tmp_path)
    connection = sqlite3.connect(source)
    connection.execute("UPDATE events SET ts_ms = ts_ms + 1 WHERE seq = 4")
    connection.commit()
    connection.close()
    result = invoke("copy", source, postgres_url)
    assert result.exit_code == 3 and "seq 4" in result.output
    assert as_json("info", postgres_url)["head_seq"] == 3
    assert invoke("verify", postgres_url).exit_code == 0


@pytest.mark.parametrize("memo", ["nul \x00 inside", "long " + "m" * 600])
def test_a_record_postgresql_cannot_keep_stops_the_copy_by_name(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memo: str
) -> None:
    """An SQLite log may hold text from before every store refused it (U+0000, or a field past
    what a PostgreSQL index entry holds): the copy names that record, exit 1, not a server
    error, and what comes before it is there and verifies."""
    source = genesis_log(tmp_path)
    with monkeypatch.context() as before_the_rule:
        before_the_rule.setattr("ledger.batch.payload_fault", lambda payload: None)
        store = SqliteStore(source)
        minted = Minted(asset="USDC", to_account="z", amount=1, memo=memo)
        assert isinstance(store.append([NewEvent(event=minted, block=9)]), Appended)
        store.close()
    head = as_json("info", source)["head_seq"]
    result = invoke("copy", source, postgres_url)
    assert result.exit_code == 1, result.output
    assert f"record {head} of the source cannot be kept in PostgreSQL" in result.output
    assert "field `memo`" in result.output and "Traceback" not in result.output
    assert as_json("info", postgres_url)["head_seq"] == head - 1
    assert invoke("verify", postgres_url).exit_code == 0


def test_a_destination_holding_another_log_is_refused(postgres_url: str, tmp_path: Path) -> None:
    source = genesis_log(tmp_path)
    assert invoke("init", postgres_url).exit_code == 0
    other = Path(tmp_path / "other.jsonl")
    other.write_text(
        '{"block": 1, "event": {"type": "AssetRegistered", "asset": "X", "symbol": "X", "decimals": 1}}\n'
    )
    assert invoke("append", postgres_url, other).exit_code == 0
    result = invoke("copy", source, postgres_url)
    assert result.exit_code == 3 and "not a copy" in result.output


def test_the_log_commands_take_a_url(postgres_url: str) -> None:
    assert invoke("init", postgres_url).exit_code == 0
    assert invoke("init", postgres_url).exit_code == 0  # an empty log: nothing to lose
    assert invoke("append", postgres_url, GENESIS).exit_code == 0
    assert invoke("init", postgres_url).exit_code == 1
    records = [
        json.loads(line) for line in invoke("log", postgres_url, "--json").stdout.splitlines()
    ]
    assert [record["seq"] for record in records] == list(range(1, len(records) + 1))
    assert as_json("verify", postgres_url)["ok"] is True


def test_an_unreachable_server_is_an_error_message(tmp_path: Path) -> None:
    result = invoke("info", f"postgresql://nobody@/x?host={tmp_path}")
    assert result.exit_code == 4 and "cannot connect" in result.output  # the environment's
    assert "Traceback" not in result.output


def _assert_writes_refused_as_read_only(log: str, head: object, tmp_path: Path) -> None:
    more = tmp_path / "more.jsonl"
    more.write_text(f'{{"block": 10, "event": {MINT}}}\n')
    for args in (("append", log, more), ("rebuild", log)):
        result = invoke(*args)
        assert result.exit_code == 4, result.output  # as an SQLite file that is read-only
        assert "is read-only here" in result.output and "nothing was written" in result.output
        assert "Traceback" not in result.output
    assert as_json("info", log)["head_hash"] == head


def test_messages_name_the_log_a_url_picks_by_its_schema(postgres_url: str) -> None:
    """A `search_path` picks one log of several in a database, as a path picks a file: what
    a command says of the log names it whole (only a password is left out), so the URL it
    prints opens that log and no other."""
    with psycopg.connect(postgres_url) as connection:
        schema = str(connection.execute("SELECT current_schema()").fetchone()[0])  # type: ignore[index]
    missing = invoke("verify", postgres_url)
    assert missing.exit_code == 1 and "no ledger at" in missing.output
    assert f"search_path%3D{schema}" in missing.output
    assert invoke("init", postgres_url).exit_code == 0
    assert invoke("append", postgres_url, GENESIS).exit_code == 0
    named = missing.output.split("no ledger at ", 1)[1].split("; create one", 1)[0]
    assert as_json("info", named)["head_hash"] == as_json("info", postgres_url)["head_hash"]


def test_the_verify_line_info_gives_pastes_into_a_shell_for_either_store(
    postgres_url: str, tmp_path: Path
) -> None:
    """A URL holds `?` and `&` (a socket folder, a schema), a path may hold a space: the
    `check later` line quotes them, so a shell runs the command it shows on that log."""
    spaced = tmp_path / "my log.db"
    genesis_log(tmp_path).rename(spaced)
    assert invoke("copy", spaced, postgres_url).exit_code == 0
    for log in (spaced, postgres_url):
        line = next(
            line for line in invoke("info", log).output.splitlines() if "check later" in line
        )
        echoed = subprocess.run(
            ["sh", "-c", "printf '%s\\n' " + line.removeprefix("check later: ")],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()
        head = as_json("info", log)["head_hash"]
        assert echoed == ["defi-ledger", "verify", str(log), "--expect-head", head]


def test_a_read_only_session_is_an_environment_fault_as_a_read_only_file(
    postgres_url: str, tmp_path: Path
) -> None:
    """A replica's session (read-only) refuses every write with exit 4, naming why, as an
    SQLite file that is read-only does; the log reads on."""
    assert invoke("init", postgres_url).exit_code == 0
    assert invoke("append", postgres_url, GENESIS).exit_code == 0
    head = as_json("info", postgres_url)["head_hash"]
    _assert_writes_refused_as_read_only(
        f"{postgres_url}{quote(' -cdefault_transaction_read_only=on')}", head, tmp_path
    )


def test_a_role_that_may_not_write_is_an_environment_fault_as_a_read_only_file(
    postgres_url: str, tmp_path: Path
) -> None:
    """A role granted reading only: its appends and rebuilds are exit 4 as a read-only file's,
    not a refused input (exit 1) for one and a bare server error for the other."""
    assert invoke("init", postgres_url).exit_code == 0
    assert invoke("append", postgres_url, GENESIS).exit_code == 0
    head = as_json("info", postgres_url)["head_hash"]
    role = f"reader_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_url, autocommit=True) as admin:
        try:
            admin.execute(f"CREATE ROLE {role} LOGIN")
        except psycopg.errors.InsufficientPrivilege:
            pytest.skip("the server's user may not create a role")
        try:
            schema = admin.execute("SELECT current_schema()").fetchone()[0]  # type: ignore[index]
            admin.execute(f"GRANT USAGE ON SCHEMA {schema} TO {role}")
            admin.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {role}")
            parts = urlsplit(postgres_url)
            reader = parts._replace(netloc=f"{role}@{parts.netloc.rpartition('@')[2]}").geturl()
            _assert_writes_refused_as_read_only(reader, head, tmp_path)
        finally:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")


def test_a_replay_into_postgres_writes_the_same_log_as_into_sqlite(
    flash_crash: Path, postgres_url: str
) -> None:
    result = invoke("replay", FLASH_CRASH, "--db", postgres_url, "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["head"]["hash"] == as_json("info", flash_crash)["head_hash"]
    assert as_json("digest", postgres_url) == as_json("digest", flash_crash)
    again = invoke("replay", FLASH_CRASH, "--db", postgres_url)
    assert again.exit_code == 1 and "holds a log already" in again.output


def test_audit_and_export_read_a_postgres_log_as_they_read_sqlite(
    flash_crash: Path, postgres_url: str, tmp_path: Path
) -> None:
    as_json("copy", flash_crash, postgres_url)
    assert as_json("audit", flash_crash) == as_json("audit", postgres_url)
    outputs = []
    for log, out in ((flash_crash, tmp_path / "a"), (postgres_url, tmp_path / "b")):
        result = invoke(
            "export",
            log,
            "--projection",
            "pools",
            "--format",
            "jsonl",
            "--every-blocks",
            "900",
            "--out",
            out,
        )
        assert result.exit_code == 0, result.output
        outputs.append({path.name: path.read_text() for path in sorted(out.iterdir())})
    assert outputs[0] == outputs[1] and len(outputs[0]) >= 2


def test_verify_diff_fork_and_report_read_a_postgres_log(
    flash_crash: Path, postgres_url: str, tmp_path: Path
) -> None:
    as_json("copy", flash_crash, postgres_url)
    verified = as_json("replay", "--verify", postgres_url)
    assert verified["ok"] is True and verified["checkpoints"]
    middle = str(as_json("info", flash_crash)["head_block"] // 2)  # type: ignore[operator]
    assert (
        invoke("diff", flash_crash, postgres_url, "--at-block", middle, "--json").stdout.strip()
        == "[]"
    )
    forks = [
        as_json("fork", log, "--at-block", middle, "--out", tmp_path / f"fork{i}.db")
        for i, log in enumerate((flash_crash, postgres_url))
    ]
    assert forks[0] == forks[1]
    result = invoke("report", postgres_url, "--out", tmp_path / "report")
    assert result.exit_code == 0, result.output
    assert "<html" in (tmp_path / "report" / "index.html").read_text().lower()


def test_a_copy_stopped_midway_leaves_a_sound_prefix_and_resumes(
    flash_crash: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger import log_copy, sqlite_store

    monkeypatch.setattr(log_copy, "CHUNK_ROWS", 100)
    monkeypatch.setattr(sqlite_store, "READ_BATCH_ROWS", 100)
    source, destination = SqliteStore(flash_crash), PostgresStore(postgres_url, create=True)

    def interrupt(_count: int) -> None:
        raise KeyboardInterrupt  # after the first chunk is committed

    with pytest.raises(KeyboardInterrupt):
        log_copy.copy_log(source, destination, interrupt)
    assert 100 <= destination.head().seq < source.head().seq
    assert destination.verify().ok
    report = log_copy.copy_log(source, destination)
    assert report.resumed_after == destination.head().seq - report.copied
    assert destination.head() == source.head() and destination.verify().ok
    source.close()
    destination.close()


def test_a_replay_into_postgres_that_fails_midway_leaves_the_log_empty(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The log is built aside and copied in one transaction at the end: a replay that stops
    (a full disk here) leaves the database's log empty, ready for the next one."""
    from replay.runner import Replayer

    run_step = Replayer.run_step

    def failing(self: Replayer, step: Step) -> None:
        if step.index == 40:
            raise OSError(28, "No space left on device")
        run_step(self, step)

    monkeypatch.setattr(Replayer, "run_step", failing)
    result = invoke("replay", FLASH_CRASH, "--db", postgres_url)
    assert result.exit_code == 4 and "No space left" in result.output, result.output
    store = PostgresStore(postgres_url)
    assert store.head().seq == 0
    store.close()
    monkeypatch.undo()
    assert invoke("replay", FLASH_CRASH, "--db", postgres_url).exit_code == 0
