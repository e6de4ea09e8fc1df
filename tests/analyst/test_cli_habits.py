"""Dates wherever blocks are taken, the log by account, and --format on data commands."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from replay.cli import cli
from tests.analyst.conftest import replay_scenario


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def some_block_and_date(db: Path) -> tuple[int, str, int]:
    """The first block at or after a minute in the middle of the log, the minute as text, and
    the last block at or before it."""
    with sqlite3.connect(db) as connection:
        (ts_ms,) = connection.execute(
            "SELECT ts_ms FROM events WHERE ts_ms > 0 ORDER BY seq LIMIT 1 OFFSET 300"
        ).fetchone()
        minute = datetime.fromtimestamp(ts_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M")
        start = int(datetime.fromisoformat(minute).replace(tzinfo=UTC).timestamp() * 1000)
        (last,) = connection.execute(
            "SELECT max(block) FROM events WHERE ts_ms < ?", (start + 1,)
        ).fetchone()
        (first,) = connection.execute(
            "SELECT min(block) FROM events WHERE ts_ms >= ?", (start,)
        ).fetchone()
    return first, minute, last


def test_since_and_until_map_dates_through_the_logs_clock(whale_log: Path) -> None:
    first, minute, last = some_block_and_date(whale_log)
    lines = run("log", str(whale_log), "--until", minute, "--json").splitlines()
    assert max(json.loads(line)["block"] for line in lines) == last
    after = run("log", str(whale_log), "--since", minute, "--json").splitlines()
    assert min(json.loads(line)["block"] for line in after) == first
    by_block = run(
        "state", str(whale_log), "--at-block", str(last), "--projection", "balances", "--json"
    )
    by_date = run("state", str(whale_log), "--until", minute, "--projection", "balances", "--json")
    assert json.loads(by_block)["projections"] == json.loads(by_date)["projections"]


def test_a_date_and_its_block_together_are_a_usage_error(whale_log: Path) -> None:
    result = CliRunner().invoke(
        cli, ["state", str(whale_log), "--at-block", "5", "--until", "2021-06-01"]
    )
    assert result.exit_code == 2 and "not both" in result.output


def an_empty_window(db: Path) -> tuple[str, str, int, int]:
    """Two instants between two records seconds apart, as text, and those records' blocks."""
    with sqlite3.connect(db) as connection:
        before, after = connection.execute(
            "SELECT a.ts_ms, b.ts_ms FROM events a JOIN events b ON b.seq = a.seq + 1 "
            "WHERE b.ts_ms - a.ts_ms > 3000 ORDER BY a.seq LIMIT 1"
        ).fetchone()
        blocks = [
            connection.execute("SELECT block FROM events WHERE ts_ms = ?", (ts,)).fetchone()[0]
            for ts in (before, after)
        ]
    since, until = (
        datetime.fromtimestamp(ts // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        for ts in (before + 1000, after - 2000)
    )
    return since, until, blocks[0], blocks[1]


@pytest.mark.parametrize(
    "command", [["log"], ["audit"], ["export", "--projection", "balances", "--out", "x"]]
)
def test_a_window_holding_no_record_is_a_usage_error_saying_so(
    whale_log: Path, command: list[str]
) -> None:
    """Not an empty answer for one command and "--from-block is after --to-block" (options
    the user never gave) for another: the dates map to the records on either side."""
    since, until, before, after = an_empty_window(whale_log)
    args = [command[0], str(whale_log), *command[1:], "--since", since, "--until", until]
    result = CliRunner().invoke(cli, args)
    said = " ".join(result.output.split())
    assert result.exit_code == 2, said
    assert f"the log has no record from {since} to {until} (the nearest are at blocks " in said
    assert f"{before} and {after}): give a wider window" in said


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["log", "--blocks", "10:5"], "--blocks: block 10 is after block 5; swap them"),
        (["log", "--from-seq", "10", "--to-seq", "5"], "--from-seq 10 is after --to-seq 5"),
        (["audit", "--from-block", "10", "--to-block", "5"], "--from-block 10 is after"),
    ],
)
def test_a_range_given_backwards_is_a_usage_error(
    whale_log: Path, args: list[str], said: str
) -> None:
    result = CliRunner().invoke(cli, [args[0], str(whale_log), *args[1:]])
    assert result.exit_code == 2 and said in " ".join(result.output.split()), result.output


@pytest.mark.parametrize("command", ["state", "log", "digest", "audit"])
def test_the_last_whole_day_is_a_usage_error_not_a_crash(whale_log: Path, command: str) -> None:
    """A date alone ends the next day: 9999-12-31 would end in year 10000, which has no date."""
    result = CliRunner().invoke(cli, [command, str(whale_log), "--until", "9999-12-31"])
    assert result.exit_code == 2 and "out of range" in result.output
    timed = CliRunner().invoke(cli, [command, str(whale_log), "--until", "9999-12-31T23:59"])
    assert timed.exit_code in (0, 3), timed.output  # a time on that day is a date like any


def test_log_by_account_shows_only_records_that_name_it(whale_log: Path) -> None:
    lines = run("log", str(whale_log), "--account", "whale", "--json").splitlines()
    records = [json.loads(line) for line in lines]
    assert [r["event"]["type"] for r in records] == ["Minted"]
    text = run("log", str(whale_log), "--account", "whale")
    assert "1,000,000,000,000\u00a0ETH" in text  # display units in text


def test_state_csv_is_one_table_of_exact_integers(whale_log: Path) -> None:
    output = run(
        "state",
        str(whale_log),
        "--projection",
        "balances",
        "--table",
        "balances",
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(output)))
    assert {"account": "whale", "asset": "ETH", "amount": str(10**30)} in rows
    result = CliRunner().invoke(cli, ["state", str(whale_log), "--format", "csv"])
    assert result.exit_code == 2 and "--table" in result.output


@pytest.mark.parametrize("fmt", [["--format", "table"], ["--json"], ["--format", "csv"]])
def test_an_unknown_table_is_a_usage_error_listing_the_tables_shown(
    whale_log: Path, fmt: list[str]
) -> None:
    result = CliRunner().invoke(cli, ["state", str(whale_log), "--table", "nope", *fmt])
    assert result.exit_code == 2, result.output
    assert "unknown table 'nope'" in result.output
    assert "balances, " in result.output and "fx_positions" in result.output


def test_the_tables_a_table_is_picked_from_are_those_of_the_projections_chosen(
    whale_log: Path,
) -> None:
    args = ["state", str(whale_log), "--projection", "prices", "--table", "balances"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2 and "have: prices" in result.output
    ranked = ["state", str(whale_log), "--at-risk", "3", "--table", "fx_positions"]
    result = CliRunner().invoke(cli, ranked)
    assert result.exit_code == 2 and "with --at-risk have: positions_at_risk" in result.output
    shown = run("state", str(whale_log), "--at-risk", "3", "--table", "positions_at_risk")
    assert "[positions_at_risk]" in shown


def test_log_csv_has_a_header_and_json_payloads(whale_log: Path) -> None:
    output = run("log", str(whale_log), "--type", "Minted", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(output)))
    assert rows and json.loads(rows[-1]["payload"])["type"] == "Minted"


def test_diff_shows_rows_in_display_units(whale_log: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain.db"
    replay_scenario("flash-crash.toml", plain)
    # Both logs reach block 1e7 (a block past either head is refused), only one with the whale.
    later = tmp_path / "later.jsonl"
    mint = {"type": "Minted", "asset": "ETH", "to_account": "small", "amount": 9 * 10**18 + 1}
    later.write_text(json.dumps({"block": 10**7, "event": mint}) + "\n")
    run("append", str(plain), str(later))
    args = [
        "diff",
        str(whale_log),
        str(plain),
        "--at-block",
        str(10**7),
        "--projection",
        "balances",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output  # the logs differ, like `diff` itself
    output = result.output
    assert "  - account whale, asset ETH, amount 1,000,000,000,000 ETH" in output
