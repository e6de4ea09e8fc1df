"""The projection commands end to end: `rebuild` gives the digests of a fold from scratch;
`follow` streams whole records as JSON lines, picks up appends made while it runs, and exits 0
when idle or interrupted; each command is documented with an example."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from events.core import Minted
from ledger.batch import Appended, NewEvent
from ledger.follow import follow as real_follow
from ledger.sqlite_store import SqliteStore
from projections.runtime import fold, make_projections, projection_names
from replay.cli import cli
from replay.cli import projections as cli_projections
from replay.cli import replay as cli_replay

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "events" / "genesis.jsonl"
RECORD_FIELDS = {
    "seq", "block", "ts_ms", "stream", "stream_version", "type", "version", "event_id",
    "hash", "event",
}  # fmt: skip


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    assert invoke("init", str(path)).exit_code == 0
    result = invoke("append", str(path), str(FIXTURE))
    assert result.exit_code == 0, result.output
    return path


def json_lines(result: Result) -> list[dict[str, object]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_rebuild_gives_the_digests_of_a_fold_from_scratch(ledger: Path) -> None:
    result = invoke("rebuild", str(ledger), "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    store = SqliteStore(ledger)
    try:
        projections = make_projections()
        fold(store.read(), projections)
    finally:
        store.close()
    assert report["seq"] == 8
    assert report["digests"] == {p.name: p.digest() for p in projections}
    result = invoke("rebuild", str(ledger), "--projection", "balances")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"rebuilt balances to seq 8: digest {report['digests']['balances']}"
    ]


def test_rebuild_of_an_unknown_projection_lists_the_known_ones(ledger: Path) -> None:
    result = invoke("rebuild", str(ledger), "--projection", "nonesuch")
    assert result.exit_code == 2
    assert f"known: {', '.join(projection_names())}" in result.output


def test_follow_json_prints_whole_records_from_the_checkpoint(ledger: Path) -> None:
    # Bare ints: the records compare equal to the events as Python reads them.
    result = invoke("follow", str(ledger), "--until-idle", "0.2", "--json", "--json-bare-ints")
    assert result.exit_code == 0, result.output
    records = json_lines(result)
    assert [record["seq"] for record in records] == list(range(1, 9))
    assert all(record.keys() >= RECORD_FIELDS for record in records)
    assert records[4]["event"] == {
        "type": "Minted",
        "asset": "ETH",
        "to_account": "bob",
        "amount": 250000000000000000000000000000,
        "memo": "a balance above 2^64 base units",
    }
    assert "resume with --from-seq 9" in result.stderr
    resumed = invoke("follow", str(ledger), "--from-seq", "6", "--until-idle", "0", "--json")
    assert [record["seq"] for record in json_lines(resumed)] == [6, 7, 8]


def test_follow_text_prints_one_readable_line_per_record(ledger: Path) -> None:
    result = invoke("follow", str(ledger), "--from-seq", "8", "--until-idle", "0.2")
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.splitlines()
    assert line.split()[:4] == ["8", "5", "asset:USDC", "Burned"]


def test_follow_sees_records_appended_while_it_runs(ledger: Path) -> None:
    mint = NewEvent(
        event=Minted(asset="USDC", to_account="carol", amount=5), block=7, event_id="late-mint"
    )

    def append_later() -> None:
        store = SqliteStore(ledger)
        try:
            assert isinstance(store.append([mint]), Appended)
        finally:
            store.close()

    # The idle time leaves the appending thread a wide margin: on a loaded machine opening the
    # log and appending took longer than the 0.4 s a 0.5 s idle time left it.
    timer = threading.Timer(0.1, append_later)
    timer.start()
    try:
        result = invoke(
            "follow", str(ledger), "--from-seq", "8", "--until-idle", "2",
            "--poll-interval", "0.01", "--json",
        )  # fmt: skip
    finally:
        timer.join()
    assert result.exit_code == 0, result.output
    records = json_lines(result)
    assert [(record["seq"], record["event_id"]) for record in records] == [
        (8, "asset:USDC#3"),
        (9, "late-mint"),
    ]


def test_ctrl_c_ends_follow_cleanly(ledger: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> Iterator[object]:
        yield next(real_follow(*args, **kwargs))  # type: ignore[arg-type]
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_projections, "follow", interrupted)
    result = invoke("follow", str(ledger), "--json")
    assert result.exit_code == 0, result.output
    assert [record["seq"] for record in json_lines(result)] == [1]
    assert "resume with --from-seq 2" in result.stderr


def test_follow_of_a_missing_log_says_how_to_make_one(tmp_path: Path) -> None:
    result = invoke("follow", str(tmp_path / "missing.db"), "--until-idle", "0")
    assert result.exit_code == 4  # a missing file is an environment fault
    assert "defi-ledger init" in result.output


@pytest.mark.parametrize(
    ("option", "value", "shown"),
    [
        ("--poll-interval", "nan", "nan is not a number in the range 0<x<=604800"),
        ("--poll-interval", "0", "0.0 is not in the range 0<x<=604800"),
        ("--poll-interval", "1e308", "1e+308 is not in the range 0<x<=604800"),
        ("--until-idle", "nan", "nan is not a number in the range 0<=x<=604800"),
        ("--until-idle", "inf", "inf is not in the range 0<=x<=604800"),
        ("--until-idle", "-1", "-1.0 is not in the range 0<=x<=604800"),
    ],
)
def test_follow_takes_seconds_that_are_finite_and_at_most_a_week(
    ledger: Path, monkeypatch: pytest.MonkeyPatch, option: str, value: str, shown: str
) -> None:
    def must_not_start(*_args: object, **_kwargs: object) -> Iterator[object]:
        raise AssertionError("follow started with an unusable number of seconds")

    monkeypatch.setattr(cli_projections, "follow", must_not_start)
    result = invoke("follow", str(ledger), option, value)
    assert result.exit_code == 2, result.output
    assert f"Invalid value for '{option}': {shown}." in result.output


def test_the_progress_bar_shows_only_where_it_is_drawn_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bars go to stderr: a terminal there shows one (stdout may be a file), and a terminal on
    stdout alone does not (stderr is then a log the bar would fill)."""
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    for bar in (cli_projections.progress_bar(10, "test"), cli_replay.progress_printer()):
        with bar as progress:
            assert progress is None
    monkeypatch.setattr(sys.stdout, "isatty", lambda: False)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    with cli_projections.progress_bar(10, "test") as progress:
        assert progress is not None
        progress(10)
    with cli_replay.progress_printer() as told:
        assert told is not None
        told(3, 7)
    err = capsys.readouterr().err
    assert "10/10" in err and "3/7" in err


@pytest.mark.parametrize("name", ["follow", "rebuild", "export"])
def test_each_command_is_documented_with_an_example(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command.help is not None and "Example: defi-ledger " + name in command.help
    result = invoke(name, "--help")
    assert result.exit_code == 0 and "Example:" in result.output
