"""Start-up: a command loads only what it uses (pandas, pyarrow, matplotlib, ... only on demand).

Each command runs in a fresh interpreter, which then lists the heavy packages it loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "pyarrow", "matplotlib", "numpy", "pydantic", "duckdb")

RUN_AND_LIST = """
import json, sys
from replay.cli import main
sys.argv = ["defi-ledger", *sys.argv[1:]]
try:
    main()
except SystemExit:
    pass
heavy = {heavy!r}
print(json.dumps(sorted(name for name in sys.modules if name.split(".")[0] in heavy)))
""".replace("{heavy!r}", repr(HEAVY))


@pytest.fixture(scope="module")
def small_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("startup") / "small.db"
    for args in (["init", str(path)], ["append", str(path), "fixtures/events/genesis.jsonl"]):
        subprocess.run(
            [sys.executable, "-m", "replay.cli", *args], cwd=ROOT, check=True, capture_output=True
        )
    return path


def loaded_by(*args: str) -> list[str]:
    found = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    loaded: list[str] = json.loads(found.stdout.splitlines()[-1])
    return loaded


@pytest.mark.parametrize(
    "command", [["info"], ["verify"], ["log"], ["state"], ["digest"]], ids=lambda c: c[0]
)
def test_reading_commands_load_no_heavy_package(small_log: Path, command: list[str]) -> None:
    assert loaded_by(*command, str(small_log)) == []


def test_help_loads_no_heavy_package() -> None:
    assert loaded_by("--help") == []


def test_creating_a_log_loads_no_heavy_package(tmp_path: Path) -> None:
    """`init` creates the schema through sqlite-utils, without the pandas it would pull in."""
    assert loaded_by("init", str(tmp_path / "new.db")) == []


def test_report_draws_its_charts_without_a_plotting_or_array_library(
    small_log: Path, tmp_path: Path
) -> None:
    """The charts are SVG written by `replay.svg_chart`: no matplotlib, numpy or pandas.
    (pydantic may load: a log with a dead AlphaX market reads the agents' claim rule.)"""
    loaded = loaded_by("report", str(small_log), "--out", str(tmp_path / "report"))
    assert {name.split(".")[0] for name in loaded} <= {"pydantic"}
    assert list((tmp_path / "report").glob("*.svg"))  # charts were drawn
