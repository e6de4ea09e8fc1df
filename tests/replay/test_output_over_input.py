"""No command writes its output over its own input: a usage error naming both, nothing written."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from replay.cli.common import ExitCode, same_location
from tests.replay.test_cli_log import ledger, run

__all__ = ["ledger"]

ROOT = Path(__file__).resolve().parents[2]
STRESS = ROOT / "fixtures" / "stress" / "eth-drop-40.toml"
SCENARIO = ROOT / "fixtures" / "scenarios" / "flash-crash.toml"


def same_log_spellings(ledger: Path) -> list[str]:
    link = ledger.with_name("link.db")
    link.symlink_to(ledger.name)
    return [str(ledger), str(ledger.parent / "." / ledger.name), str(link)]


def test_fork_over_its_parent_is_refused_even_with_force(ledger: Path) -> None:
    before = ledger.read_bytes()
    for out in same_log_spellings(ledger):
        code, output = run("fork", str(ledger), "--at-block", "1", "--out", out, "--force")
        assert code == ExitCode.USAGE, (out, output)
        assert "is the same file as PATH" in output and str(ledger) in output, out
    assert ledger.read_bytes() == before


def test_copy_and_stress_onto_their_input_are_refused(ledger: Path, tmp_path: Path) -> None:
    before = ledger.read_bytes()
    code, output = run("copy", str(ledger), str(tmp_path / "." / ledger.name))
    assert code == ExitCode.USAGE and "DESTINATION" in output and "SOURCE" in output
    code, output = run(
        "stress", str(ledger), "--at-block", "1", "--scenario", str(STRESS), "--out", str(ledger)
    )
    assert code == ExitCode.USAGE and "--out" in output and "LOG" in output
    new = tmp_path / "new.db"
    code, output = run(
        "stress", str(ledger), "--at-block", "1", "--scenario", str(STRESS),
        "--out", str(new), "--unstressed-out", str(new),
    )  # fmt: skip
    assert code == ExitCode.USAGE and "--unstressed-out" in output
    assert not new.exists() and ledger.read_bytes() == before


def test_export_into_the_folder_holding_the_log_is_refused(tmp_path: Path, ledger: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    log = folder / "ledger.db"
    shutil.move(ledger, log)
    code, output = run(
        "export", str(log), "--projection", "balances", "--out", str(folder), "--force"
    )
    assert code == ExitCode.USAGE and "holds PATH" in output
    assert sorted(os.listdir(folder)) == ["ledger.db"]


def test_replay_over_its_scenario_is_refused(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    shutil.copy(SCENARIO, scenario)
    code, output = run("replay", str(scenario), "--db", str(scenario), "--force")
    assert code == ExitCode.USAGE and "SCENARIO" in output
    assert scenario.read_bytes() == SCENARIO.read_bytes()


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("postgresql://u@h/db", "postgresql://u@h/db", True),
        ("postgresql://u@h/db", "postgresql://u@h/other", False),
        ("a.db", "./a.db", True),
        ("a.db", "b.db", False),
    ],
)
def test_same_location(first: str, second: str, same: bool) -> None:
    assert same_location(first, second) is same


def test_same_location_sees_a_hard_link(tmp_path: Path) -> None:
    original = tmp_path / "a.db"
    original.write_bytes(b"x")
    os.link(original, tmp_path / "b.db")
    assert same_location(original, tmp_path / "b.db")


def test_import_into_one_of_its_files_is_refused(tmp_path: Path) -> None:
    logs = tmp_path / "logs.json"
    logs.touch()
    code, output = run("import", str(logs), "--format", "etl-json", str(logs))
    assert code == ExitCode.USAGE and "PATH" in output and "FILES" in output
    assert logs.stat().st_size == 0
