"""Nothing looks complete unless it is: replay, fork and export outputs appear whole or not
at all, `--force` replaces them, and every file of one export carries the same head. Every
output may go into a folder not made yet."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ledger.sqlite_store import SqliteStore
from replay.runner import Replayer
from tests.replay.stress_book import build_book, write_stress
from tests.replay.test_cli_log import ledger, run
from tests.replay.test_cli_var import three_hours

__all__ = ["ledger"]

ROOT = Path(__file__).resolve().parents[2]
CALM = ROOT / "fixtures" / "scenarios" / "calm-payments.toml"
CLI = [sys.executable, "-c", "from replay.cli import main; main()"]


def test_every_command_makes_the_folders_its_new_output_goes_into(
    ledger: Path, tmp_path: Path
) -> None:
    """As `mkdir -p`: a new output's missing folders are made, whichever command writes it."""
    book, stress = tmp_path / "book.db", write_stress(tmp_path / "step.toml")
    build_book(book)
    series, chain = three_hours(tmp_path), ROOT / "fixtures" / "chain"
    new = tmp_path / "new"
    commands = {
        "init": (["init", str(new / "init" / "a" / "l.db")], ["l.db"]),
        "copy": (["copy", str(ledger), str(new / "copy" / "a" / "l.db")], ["l.db"]),
        "import": (["import", str(new / "import" / "a" / "l.db"), "--format", "etl-json",
                    "--token-list", str(chain / "tokens.json"),
                    str(chain / "uniswap-v2-demo.logs.json")], ["l.db"]),
        "replay": (["replay", str(CALM), "--db", str(new / "replay" / "a" / "l.db")], ["l.db"]),
        "fork": (["fork", str(ledger), "--at-block", "1", "--out", str(new / "fork" / "a" / "l.db")],
                 ["l.db"]),
        "stress": (["stress", str(book), "--at-block", "3", "--scenario", str(stress),
                    "--out", str(new / "stress" / "a" / "s.db"),
                    "--unstressed-out", str(new / "stress" / "b" / "u.db"),
                    "--report", str(new / "stress" / "c")],
                   ["s.db", "u.db", "positions.parquet", "stress.json", "summary.parquet"]),
        "stress --paths": (["stress", str(book), "--at-block", "3", "--scenario", str(stress),
                            "--paths", "2", "--workers", "1",
                            "--report", str(new / "stress --paths" / "a")],
                           ["paths.parquet", "stress-paths.json"]),
        "export": (["export", str(ledger), "--projection", "balances", "--format", "csv",
                    "--out", str(new / "export" / "a")], ["balances.csv", "supply.csv"]),
        "report": (["report", str(ledger), "--out", str(new / "report" / "a")], ["index.html"]),
        "var": (["var", "--series", str(series), "--paths", "10", "--horizon-hours", "2",
                 "--no-sensitivity", "--chart", str(new / "var" / "a" / "v.svg")], ["v.svg"]),
    }  # fmt: skip
    for name, (args, written) in commands.items():
        code, output = run(*args)
        assert code == 0, (name, output)
        made = {path.name for path in (new / name).rglob("*") if path.is_file()}
        assert set(written) <= made, (name, made)


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if ".partial-" in path.name)


def test_a_replay_that_fails_midway_leaves_no_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_checkpoint = Replayer.checkpoint

    def failing_checkpoint(self: Replayer, label: str, block: int) -> None:
        real_checkpoint(self, label, block)
        raise OSError(28, "No space left on device", str(self.store.path))

    monkeypatch.setattr(Replayer, "checkpoint", failing_checkpoint)
    db = tmp_path / "calm.db"
    code, output = run("replay", str(CALM), "--db", str(db))
    assert code == 4 and "No space left on device" in output
    assert not db.exists() and leftovers(tmp_path) == []
    # The folders made for it go too, those it found stay.
    (tmp_path / "kept").mkdir()
    code, output = run("replay", str(CALM), "--db", str(tmp_path / "kept" / "a" / "b" / "c.db"))
    assert code == 4 and "No space left on device" in output
    assert sorted(path.name for path in tmp_path.rglob("*")) == ["kept"]


def test_a_report_or_an_export_that_fails_takes_the_folders_made_for_it_away(
    ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from replay import export, report

    def full_disk(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report, "write_html", full_disk)
    monkeypatch.setattr(export, "_write_jsonl", full_disk)
    out = tmp_path / "out"
    code, output = run("report", str(ledger), "--out", str(out / "report" / "a"))
    assert code == 4, output
    args = ["--projection", "balances", "--format", "jsonl", "--out", str(out / "export" / "a")]
    code, output = run("export", str(ledger), *args)
    assert code == 4, output
    assert not out.exists()


def test_a_killed_replay_leaves_no_log_that_looks_finished(tmp_path: Path) -> None:
    db = tmp_path / "calm.db"
    child = subprocess.Popen([*CLI, "replay", str(CALM), "--db", str(db)], cwd=ROOT)
    deadline = time.monotonic() + 60
    while not leftovers(tmp_path) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGKILL)
    child.wait()
    # Killed while building: nothing at the target. Finished first: a whole log.
    if db.exists():
        assert run("replay", "--verify", str(db))[0] == 0
    else:
        assert leftovers(tmp_path)  # the hidden partial, which nothing reads
    code, output = run("replay", str(CALM), "--db", str(db), "--force")
    assert code == 0, output
    assert leftovers(tmp_path) == []  # the next run cleared the dead run's partial
    assert run("replay", "--verify", str(db))[0] == 0


def test_a_partial_of_a_killed_run_not_yet_waited_for_is_removed(
    tmp_path: Path, zombie_pid: int
) -> None:
    """A killed run stays a zombie until its parent waits for it (one killed too never does):
    the zombie does not run, so its partial is stale."""
    db = tmp_path / "calm.db"
    (tmp_path / f".calm.db.partial-{zombie_pid}").write_bytes(b"half a log")
    code, output = run("replay", str(CALM), "--db", str(db))
    assert code == 0, output
    assert leftovers(tmp_path) == []


def test_an_existing_log_is_replaced_only_with_force(tmp_path: Path) -> None:
    db = tmp_path / "calm.db"
    assert run("replay", str(CALM), "--db", str(db))[0] == 0
    before = db.read_bytes()
    code, output = run("replay", str(CALM), "--db", str(db))
    assert code == 1 and "--force" in output and db.read_bytes() == before
    db.write_bytes(b"not a log")
    code, output = run("replay", str(CALM), "--db", str(db), "--force")
    assert code == 0, output
    assert db.read_bytes() == before  # the same scenario gives the same bytes


def test_a_fork_appears_only_when_its_what_if_has_run(
    ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    child = tmp_path / "fork.db"

    def failing_run(self: Replayer, *args: object, **kwargs: object) -> None:
        raise OSError(27, "File too large", str(self.store.path))

    monkeypatch.setattr(Replayer, "run", failing_run)
    code, output = run(
        "fork", str(ledger), "--at-block", "2", "--out", str(child), "--scenario", str(CALM)
    )
    assert code == 4 and "File too large" in output
    assert not child.exists() and leftovers(tmp_path) == []
    monkeypatch.undo()
    assert run("fork", str(ledger), "--at-block", "2", "--out", str(child))[0] == 0
    code, output = run("fork", str(ledger), "--at-block", "3", "--out", str(child))
    assert code == 1 and "--force" in output
    assert run("fork", str(ledger), "--at-block", "3", "--out", str(child), "--force")[0] == 0


def export(ledger: Path, out: Path, *extra: str) -> tuple[int, str]:
    base = ["export", str(ledger), "--projection", "balances", "--format", "csv"]
    return run(*base, "--every-blocks", "1", "--out", str(out), *extra)


def test_every_file_of_an_export_carries_the_same_head(ledger: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, output = export(ledger, out)
    assert code == 0, output
    sidecars = sorted(out.glob("*.meta.json"))
    assert len(sidecars) >= 2
    heads = {json.loads(path.read_text())["head_hash"] for path in sidecars}
    store = SqliteStore(ledger)
    try:
        assert heads == {store.head().hash}
    finally:
        store.close()


def test_an_export_replaces_a_whole_set_or_nothing(
    ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert export(ledger, out)[0] == 0
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    code, output = export(ledger, out)
    assert code == 1 and "--force" in output
    import replay.export as export_module

    real_write = export_module._write_table
    written: list[str] = []

    def failing_write(table: object, meta: object, path: Path) -> str | None:
        if written:
            raise OSError(28, "No space left on device", str(path))
        written.append(str(path))
        return real_write(table, meta, path)  # type: ignore[arg-type]

    monkeypatch.setattr(export_module, "_write_table", failing_write)
    code, output = export(ledger, out, "--force")
    assert code == 4 and "No space left" in output
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before
    assert leftovers(tmp_path) == []
    monkeypatch.undo()
    assert export(ledger, out, "--force")[0] == 0
    assert sorted(path.name for path in out.iterdir()) == sorted(before)


def test_a_killed_export_leaves_the_old_set(ledger: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert export(ledger, out)[0] == 0
    before = {path.name: path.read_bytes() for path in out.iterdir()}
    args = ["export", str(ledger), "--projection", "balances", "--format", "csv",
            "--every-blocks", "1", "--out", str(out), "--force"]  # fmt: skip
    child = subprocess.Popen([*CLI, *args], cwd=ROOT, stdout=subprocess.DEVNULL)
    time.sleep(0.3)
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    after = {path.name: path.read_bytes() for path in out.iterdir()}
    assert set(after) == set(before)  # one whole set: the old one, or a new one just as whole
    heads = {json.loads(after[name])["head_hash"] for name in after if name.endswith(".json")}
    assert len(heads) == 1


def test_a_chart_that_fails_midway_leaves_the_old_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`var --chart`'s file is written beside it and renamed: a failure keeps the old chart."""
    from replay import outputs

    chart = tmp_path / "var.svg"
    outputs.write_whole(chart, "<svg>old</svg>")

    def full_disk(_: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs.os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        outputs.write_whole(chart, "<svg>new</svg>")
    assert chart.read_text() == "<svg>old</svg>"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["var.svg"]


def test_a_final_rename_that_fails_leaves_no_folder_and_the_old_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The steps after a build (the checks, the fsync, the rename) fail like the build: the
    folders made for it go, and a set already there stays there."""
    from replay import outputs

    real_replace = os.replace

    def refusing(source: str | Path, target: str | Path) -> None:
        if outputs.PARTIAL_MARK in Path(source).name and "-old" not in Path(source).name:
            raise OSError(28, "No space left on device", str(target))
        real_replace(source, target)

    monkeypatch.setattr(outputs.os, "replace", refusing)
    log = tmp_path / "new" / "deeper" / "l.db"
    with pytest.raises(OSError, match="No space"), outputs.building_log(log) as temp:
        SqliteStore(temp, create=True).close()
    assert not (tmp_path / "new").exists()
    kept = tmp_path / "set"
    kept.mkdir()
    (kept / "a.csv").write_text("old")
    with (
        pytest.raises(OSError, match="No space"),
        outputs.building_folder(kept, force=True) as temp,
    ):
        (temp / "a.csv").write_text("new")
    assert [(p.name, p.read_text()) for p in tmp_path.joinpath("set").iterdir()] == [
        ("a.csv", "old")
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["set"]
