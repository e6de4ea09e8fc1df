"""The exit-code contract, row by row: each outcome a command can have, and its code.

0 ok   1 refused input   2 usage   3 integrity   4 I/O or environment   5 internal error
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from replay.cli.common import EXIT_CODES, ExitCode
from tests.replay.test_cli_log import ledger, run
from tests.replay.test_cli_var import three_hours

__all__ = ["ledger"]  # the fixture, shared with the log commands' tests

ROOT = Path(__file__).resolve().parents[2]
GENESIS = ROOT / "fixtures" / "events" / "genesis.jsonl"
CLI = [sys.executable, "-c", "from replay.cli import main; main()"]


def head_block(path: Path) -> int:
    return int(json.loads(run("info", str(path), "--json")[1])["head_block"])


def test_the_table_is_in_the_help_and_the_readme() -> None:
    code, output = run("--help")
    readme = (ROOT / "README.md").read_text()
    assert code == 0
    for exit_code, meaning in EXIT_CODES.items():
        first_words = " ".join(meaning.split()[:3])
        assert f"{int(exit_code)} {first_words}" in " ".join(output.split())
        assert f"| {int(exit_code)} |" in readme


def test_0_ok(ledger: Path) -> None:
    assert run("verify", str(ledger))[0] == ExitCode.OK


def test_1_refused_input_writes_nothing(ledger: Path) -> None:
    before = ledger.read_bytes()
    code, output = run("append", str(ledger), "-", stdin='{"block": 1, "event": {}}')
    assert code == ExitCode.REFUSED and "rejected (UNKNOWN_EVENT_TYPE)" in output
    assert ledger.read_bytes() == before


def test_1_a_block_past_the_head_is_one_answer_everywhere(ledger: Path, tmp_path: Path) -> None:
    past = str(head_block(ledger) + 1)
    commands = {
        "state": ["state", str(ledger), "--at-block", past],
        "digest": ["digest", str(ledger), "--at-block", past],
        "export": ["export", str(ledger), "--projection", "balances", "--to-block", past,
                   "--out", str(tmp_path / "out")],
        "diff": ["diff", str(ledger), str(ledger), "--at-block", past],
        "fork": ["fork", str(ledger), "--at-block", past, "--out", str(tmp_path / "f.db")],
        "solvency": ["solvency", str(ledger), "--at-block", past],
        "var": ["var", "--series", str(three_hours(tmp_path)), "--db", str(ledger),
                "--at-block", past, "--chart", str(tmp_path / "v.svg")],
    }  # fmt: skip
    for name, args in commands.items():
        code, output = run(*args)
        assert code == ExitCode.REFUSED, (name, output)
        assert f"past the head of {ledger}: block {int(past) - 1}" in output, name
    assert sorted(path.name for path in tmp_path.iterdir()) == ["ledger.db", "s.csv"]


def test_1_state_past_the_head_writes_nothing(ledger: Path) -> None:
    """`state` catches the views up before it answers; a block it refuses comes first."""
    connection = sqlite3.connect(ledger)
    connection.execute("DELETE FROM view_state")  # views behind the log: a catch-up would write
    connection.commit()
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    connection.close()
    past = str(head_block(ledger) + 1)
    before = ledger.read_bytes()
    code, output = run("state", str(ledger), "--at-block", past)
    assert code == ExitCode.REFUSED and "past the head" in output
    assert ledger.read_bytes() == before
    assert not Path(f"{ledger}-wal").exists() or not Path(f"{ledger}-wal").stat().st_size


def test_1_diff_exits_1_when_the_logs_differ(ledger: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    shutil.copy(ledger, other)
    block = head_block(ledger)
    assert run("diff", str(ledger), str(other), "--at-block", str(block))[0] == ExitCode.OK
    mint = {"type": "Minted", "asset": "USDC", "to_account": "zed", "amount": 1}
    assert run("append", str(other), "-", stdin=json.dumps({"block": block, "event": mint}))[0] == 0
    code, output = run("diff", str(ledger), str(other), "--at-block", str(block))
    assert code == ExitCode.REFUSED and "zed" in output


def test_2_usage(ledger: Path) -> None:
    assert run("verify", str(ledger), "--nonesuch")[0] == ExitCode.USAGE
    assert run("verify", str(ledger), "--expect-head", "zz")[0] == ExitCode.USAGE
    huge = str(2**70)
    for args in (["log", "--blocks", f"{huge}:"], ["state", "--at-block", huge],
                 ["log", "--from-seq", huge], ["solvency", "--at-block", huge]):  # fmt: skip
        code, output = run(args[0], str(ledger), *args[1:])
        assert code == ExitCode.USAGE and "9223372036854775807" in output, args
    code, output = run("var", "--series", "s.csv", "--db", str(ledger), "--at-block", huge)
    assert code == ExitCode.USAGE and "9223372036854775807" in output
    code, output = run("diff", str(ledger), str(ledger), "--at-block", "1", "--projection", "nope")
    assert code == ExitCode.USAGE and "unknown projection nope" in output


@pytest.mark.parametrize(
    ("command", "option"),
    [("log", "--stream"), ("log", "--account"), ("log", "--tx"), ("audit", "--tx"),
     ("state", "--account"), ("state", "--asset"), ("state", "--tx")],
)  # fmt: skip
def test_2_an_empty_filter_is_a_usage_error(ledger: Path, command: str, option: str) -> None:
    """Not all rows (where the filter read as absent) nor none: a script's unset variable."""
    code, output = run(command, str(ledger), option, "")
    assert code == ExitCode.USAGE, output
    assert f"Invalid value for '{option}': empty; give a value, or leave the option out" in output


def test_3_integrity(ledger: Path) -> None:
    connection = sqlite3.connect(ledger)
    connection.execute("UPDATE events SET payload = payload || ' ' WHERE seq = 3")
    connection.commit()
    connection.close()
    code, output = run("verify", str(ledger))
    assert code == ExitCode.INTEGRITY and "seq 3" in output


def test_3_a_damaged_sqlite_file_is_a_finding_and_another_file_is_refused(
    ledger: Path, tmp_path: Path
) -> None:
    """Both make SQLite say "file is not a database"; a file that begins with SQLite's header
    was a database, so one SQLite cannot read is damaged, not the wrong file."""
    damaged = tmp_path / "damaged.db"
    shutil.copy(ledger, damaged)
    with damaged.open("r+b") as handle:
        handle.seek(16)  # the page size, the format versions and the reserved space
        handle.write(bytes([0xFF] * 6))
    text = tmp_path / "notes.db"
    text.write_text("not a log\n" * 100)
    noise = tmp_path / "noise.db"
    noise.write_bytes(bytes(range(256)) * 32)
    for command in (["info"], ["verify"], ["verify", "--deep"], ["log"], ["state"]):
        code, output = run(command[0], str(damaged), *command[1:])
        assert code == ExitCode.INTEGRITY, (command, output)
        assert f"{damaged} is damaged" in output and "restore it from a copy" in output
        # What to do: never `verify --deep` on this file, which stops where this one did.
        assert "check the copy with `defi-ledger verify --deep`" in output
        for other in (text, noise):
            code, output = run(command[0], str(other), *command[1:])
            assert code == ExitCode.REFUSED, (command, output)
            assert f"{other} is not a defi-ledger log (not an SQLite database)" in output
            assert "name the log's file, or create a log with `defi-ledger init`" in output


def test_3_a_page_damaged_inside_the_file_says_what_to_do(ledger: Path, tmp_path: Path) -> None:
    """SQLite meets the damage as the log is read; the answer is a copy, since `verify --deep`
    on the same file stops at the same page (it reports it, exit 3, and nothing else)."""
    damaged = tmp_path / "damaged.db"
    shutil.copy(ledger, damaged)
    connection = sqlite3.connect(damaged)
    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = connection.execute("PRAGMA page_size").fetchone()[0]
    (root,) = connection.execute("SELECT rootpage FROM sqlite_master WHERE name = 'events'")
    connection.close()
    with damaged.open("r+b") as handle:
        handle.seek((root[0] - 1) * page_size)
        handle.write(b"\xff" * page_size)
    for command in ("info", "log"):
        code, output = run(command, str(damaged))
        assert code == ExitCode.INTEGRITY, (command, output)
        assert f"{damaged} is damaged (database disk image is malformed)" in output
        assert "restore it from a copy, and check the copy with" in output
    code, output = run("verify", str(damaged), "--deep")
    assert code == ExitCode.INTEGRITY and "the record cannot be read" in output


def test_4_a_missing_file_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    code, output = run("info", str(missing))
    assert code == ExitCode.ENVIRONMENT and str(missing) in output
    assert run("init", str(tmp_path / "l.db"))[0] == 0
    code, output = run("append", str(tmp_path / "l.db"), str(tmp_path / "nope.jsonl"))
    assert code == ExitCode.ENVIRONMENT and "nope.jsonl" in output
    code, output = run("var", "--series", str(tmp_path / "nope.csv"))
    assert code == ExitCode.ENVIRONMENT and "nope.csv" in output
    code, output = run("replay", str(tmp_path / "nope.toml"), "--db", str(tmp_path / "x.db"))
    assert code == ExitCode.ENVIRONMENT and "nope.toml" in output


def test_4_a_named_folder_that_does_not_exist(ledger: Path, tmp_path: Path) -> None:
    """A folder an input is read from, named and missing, is a missing input: not a folder
    silently left out of those searched."""
    missing = tmp_path / "no" / "such"
    scenario = ROOT / "fixtures" / "scenarios" / "flash-crash.toml"
    stress_file = ROOT / "fixtures" / "stress" / "eth-drop-40.toml"
    out = tmp_path / "out.db"
    commands = {
        "--data-dir": [["replay", str(scenario), "--db", str(out)],
                       ["fork", str(ledger), "--at-block", "1", "--out", str(out)]],
        "--prices-dir": [["stress", str(ledger), "--at-block", "1", "--scenario",
                          str(stress_file), "--out", str(out)]],
    }  # fmt: skip
    for option, runs in commands.items():
        for args in runs:
            code, output = run(*args, option, str(missing))
            assert code == ExitCode.ENVIRONMENT, (args, output)
            assert f"no such folder: {missing} ({option})" in output, args
            assert sorted(tmp_path.iterdir()) == [ledger], args


def test_4_a_file_where_an_output_folder_goes_is_named(ledger: Path, tmp_path: Path) -> None:
    """Outputs go into folders made as they are needed; a file in the way is named as one."""
    blocker = tmp_path / "blocker"
    blocker.write_text("a file, not a folder\n")
    for args in (["init", str(blocker / "l.db")], ["report", str(ledger), "--out", str(blocker / "r")],
                 ["fork", str(ledger), "--at-block", "1", "--out", str(blocker / "f.db")]):  # fmt: skip
        code, output = run(*args)
        assert code == ExitCode.ENVIRONMENT, (args, output)
        assert f"Not a directory: {blocker}" in output, args
    assert blocker.read_text() == "a file, not a folder\n"


def test_4_a_lock_held_by_another_connection(ledger: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFI_LEDGER_LOCK_TIMEOUT_S", "0.2")
    holder = sqlite3.connect(ledger, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        before = ledger.read_bytes()
        mint = {"type": "Minted", "asset": "USDC", "to_account": "zed", "amount": 1}
        code, output = run(
            "append", str(ledger), "-", stdin=json.dumps({"block": 99, "event": mint})
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == ExitCode.ENVIRONMENT and "locked" in output and str(ledger) in output
    assert "not a defi-ledger log" not in output
    assert ledger.read_bytes() == before


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (150_000, 150_000))


def test_4_disk_full_through_a_file_size_limit(ledger: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    block = head_block(ledger)
    line = {
        "block": block,
        "event": {"type": "Minted", "asset": "USDC", "to_account": "x", "amount": 1},
    }
    big.write_text("\n".join(json.dumps(line) for _ in range(5000)))
    before = ledger.read_bytes()
    done = subprocess.run(
        [*CLI, "append", str(ledger), str(big)],
        preexec_fn=_limit_file_size,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == ExitCode.ENVIRONMENT, done.stderr
    assert "Traceback" not in done.stderr and str(ledger) in done.stderr
    assert run("verify", str(ledger))[0] == 0 and ledger.read_bytes() == before


def test_4_a_read_only_file(ledger: Path) -> None:
    if os.geteuid() == 0:
        if shutil.which("chattr") is None:
            pytest.skip("root ignores file modes and chattr is absent")
        made = subprocess.run(["chattr", "+i", str(ledger)], capture_output=True)
        if made.returncode != 0:
            pytest.skip(f"chattr +i failed here: {made.stderr!r}")
        undo = ["chattr", "-i", str(ledger)]
    else:
        ledger.chmod(0o444)
        undo = ["chmod", "644", str(ledger)]
    try:
        mint = {"type": "Minted", "asset": "USDC", "to_account": "zed", "amount": 1}
        code, output = run(
            "append", str(ledger), "-", stdin=json.dumps({"block": 99, "event": mint})
        )
    finally:
        subprocess.run(undo, check=True)
    assert code == ExitCode.ENVIRONMENT, output
    assert "read-only" in output or "cannot open" in output


def test_5_an_internal_error_says_it_is_a_bug(
    ledger: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import replay.cli.log as log_module

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ZeroDivisionError("a planted bug")

    monkeypatch.setattr(log_module, "parse_lines", broken)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    code, output = run("append", str(ledger), "-", stdin="{}")
    assert code == ExitCode.INTERNAL
    assert "a bug in defi-ledger" in output and "report it" in output
    assert "Traceback" not in output
    saved = list(tmp_path.glob("defi-ledger-crash-*.txt"))
    assert len(saved) == 1 and "a planted bug" in saved[0].read_text()
    code, output = run("--debug", "append", str(ledger), "-", stdin="{}")
    assert code == ExitCode.INTERNAL and "Traceback" in output


def test_a_closed_pipe_is_not_an_error(ledger: Path) -> None:
    block = head_block(ledger)
    mint = {
        "block": block,
        "event": {"type": "Minted", "asset": "USDC", "to_account": "x", "amount": 1},
    }
    lines = "\n".join(json.dumps(mint) for _ in range(3000))
    assert run("append", str(ledger), "-", stdin=lines)[0] == 0
    reader = subprocess.Popen(
        [*CLI, "log", str(ledger)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT
    )
    assert reader.stdout is not None and reader.stdout.readline()
    reader.stdout.close()  # `| head -1`
    _, error = reader.communicate(timeout=60)
    assert reader.returncode == 0, error
    assert b"Traceback" not in error and b"BrokenPipe" not in error


def test_1_an_empty_file_is_not_a_log_and_reading_it_writes_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    for args in (["info"], ["verify"], ["log"], ["state"], ["audit"], ["append", str(GENESIS)]):
        code, output = run(args[0], str(empty), *args[1:])
        assert code == ExitCode.REFUSED, (args, output)
        assert f"{empty} is an empty file, not a defi-ledger log" in output, args
        assert empty.stat().st_size == 0, args
    assert sorted(tmp_path.iterdir()) == [empty]


def test_1_an_sqlite_database_without_the_schema_is_left_as_it_was(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (body TEXT)")
    connection.close()
    before = other.read_bytes()
    for args in (["info"], ["verify"], ["log"], ["state"], ["digest"], ["audit"], ["solvency"],
                 ["append", str(GENESIS)]):  # fmt: skip
        code, output = run(args[0], str(other), *args[1:])
        assert code == ExitCode.REFUSED, (args, output)
        assert "is an SQLite database with no defi-ledger schema" in output, args
        assert other.read_bytes() == before, args  # still a rollback-journal file, unchanged
        assert sorted(tmp_path.iterdir()) == [other], args
