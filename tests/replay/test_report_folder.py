"""Report folders: a report appears whole or not at all, replaces an earlier report, and never
writes over a folder holding anyone else's files (unless `report --force` says so)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from replay import report as report_module
from replay.cli import cli
from tests.replay.stress_book import build_book, write_stress


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.db"
    build_book(path)
    return path


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, " ".join(result.output.split())


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_report_into_a_folder_of_other_files_is_refused_and_writes_nothing(
    book: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>the user's own page</p>")
    (site / "notes.txt").write_text("kept")
    before = contents(site)
    code, output = invoke("report", str(book), "--out", str(site))
    assert code == 1, output
    assert (
        f"OUTPUT_EXISTS: {site} holds notes.txt, which is not part of a report; pass --force"
        in (output)
    )
    assert "outside its allowed range" not in output  # the help is the refusal's own
    assert contents(site) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["book.db", "site"]
    code, output = invoke("report", str(book), "--out", str(site), "--force")
    assert code == 0, output
    assert "notes.txt" not in contents(site) and "charts.json" in contents(site)


def test_an_earlier_report_is_replaced_whole(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert invoke("report", str(book), "--out", str(out))[0] == 0
    first = contents(out)
    (out / "gone.svg").write_text("<svg/>")  # a chart an earlier report drew, this one does not
    code, output = invoke("report", str(book), "--out", str(out))
    assert code == 0, output
    assert contents(out) == first


def test_a_report_that_fails_midway_leaves_the_earlier_one(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    assert invoke("report", str(book), "--out", str(out))[0] == 0
    (out / "charts.json").write_text("[]")  # as an earlier report of another log had it
    first = contents(out)

    def full_disk(*_: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(report_module, "write_html", full_disk)
    code, output = invoke("report", str(book), "--out", str(out))
    assert code == 4, output
    assert contents(out) == first
    assert sorted(path.name for path in tmp_path.iterdir()) == ["book.db", "out"]


def test_a_stress_report_folder_of_other_files_is_refused_before_the_stress_runs(
    book: Path, tmp_path: Path
) -> None:
    scenario = write_stress(tmp_path / "s.toml")
    folder = tmp_path / "rep"
    folder.mkdir()
    (folder / "mine.txt").write_text("kept")
    stress = ["stress", str(book), "--at-block", "3", "--scenario", str(scenario)]
    code, output = invoke(*stress, "--out", str(tmp_path / "s.db"), "--report", str(folder))
    assert code == 1, output
    assert "rep holds mine.txt, which is not part of a stress report; pick a new or empty" in output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["book.db", "rep", "s.toml"]
    assert contents(folder) == {"mine.txt": b"kept"}
    (folder / "mine.txt").unlink()
    code, output = invoke(*stress, "--paths", "2", "--workers", "1", "--report", str(folder))
    assert code == 0, output
    assert sorted(contents(folder)) == ["paths.parquet", "stress-paths.json"]
    code, output = invoke(*stress, "--out", str(tmp_path / "s.db"), "--report", str(folder))
    assert code == 0, output
    assert sorted(contents(folder)) == ["positions.parquet", "stress.json", "summary.parquet"]
