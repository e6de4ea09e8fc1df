"""`stress`: a path that would run past the last instant a timestamp can name is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from replay.cli import cli
from replay.scenario import LAST_SECOND, ScenarioError
from replay.stress_paths import check_path_in_time
from replay.stress_spec import load_stress
from tests.replay.stress_book import STEP_STRESS, build_book, write_stress

FORK_S = 1_600_000_000
"""The time of the book's records (`build_book`'s clock), 2020-09-13T12:26:40Z."""


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    path = tmp_path / "book.db"
    build_book(path)
    return path


def stress_with(tmp_path: Path, **keys: str) -> Path:
    """The one-step stress file with keys of its `[path]` replaced."""
    text = STEP_STRESS
    for key, value in keys.items():
        old = next(line for line in text.splitlines() if line.startswith(f"{key} ="))
        text = text.replace(old, f"{key} = {value}")
    return write_stress(tmp_path / "late.toml", text)


def run_stress(book: Path, scenario: Path, *more: str) -> tuple[int, str]:
    args = ["stress", str(book), "--at-block", "3", "--scenario", str(scenario), *more]
    result = CliRunner().invoke(cli, args)
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize("many", [False, True])
def test_a_path_past_the_last_instant_from_any_fork_is_refused_when_the_file_loads(
    book: Path, tmp_path: Path, many: bool
) -> None:
    """2 steps of 200,000,000,000 s: 12,674 years from 1970 already, whatever the fork."""
    scenario = stress_with(tmp_path, step_seconds="200_000_000_000")
    more = ["--paths", "2", "--workers", "1"] if many else ["--out", str(tmp_path / "s.db")]
    code, output = run_stress(book, scenario, *more, "--report", str(tmp_path / "report"))
    assert code == 1, output
    assert (
        "`path.steps` (2 steps of 200,000,000,000 s) from a fork at the earliest time a log "
        "records: a step at 1970-01-01T00:00:00Z + 400,000,000,000 s is past "
        "9999-12-31T23:59:59Z, the last instant a timestamp can name" in output
    )
    assert sorted(path.name for path in tmp_path.iterdir()) == ["book.db", "late.toml"]


def test_the_longest_path_from_the_earliest_fork_loads(tmp_path: Path) -> None:
    """steps x step_seconds up to the last second after 1970 loads; one second more does not."""
    scenario = stress_with(tmp_path, steps="1", step_seconds=str(LAST_SECOND))
    assert load_stress(scenario).path.step_seconds == LAST_SECOND
    scenario = stress_with(tmp_path, steps="1", step_seconds=str(LAST_SECOND + 1))
    with pytest.raises(ScenarioError, match=r"`path.steps` \(1 steps of 253,402,300,800 s\)"):
        load_stress(scenario)


def test_a_shock_without_steps_is_measured_by_twice_its_duration(tmp_path: Path) -> None:
    scenario = write_stress(
        tmp_path / "long.toml",
        STEP_STRESS.replace("steps = 2", "steps = 0").replace(
            "duration_steps = 1", "duration_steps = 3_000_000_000"
        ),
    )
    with pytest.raises(ScenarioError) as refused:
        load_stress(scenario)
    assert "`path.shock.duration_steps` x 2 (6,000,000,000 steps of 60 s;" in str(refused.value)


@pytest.mark.parametrize("many", [False, True])
def test_a_path_past_the_last_instant_from_its_fork_is_refused_and_writes_nothing(
    book: Path, tmp_path: Path, many: bool
) -> None:
    """From 1970 the two steps would end in time; from the fork's 2020 they do not."""
    step_seconds = (LAST_SECOND - FORK_S) // 2 + 1
    scenario = stress_with(tmp_path, step_seconds=str(step_seconds))
    more = ["--paths", "2", "--workers", "1"] if many else ["--out", str(tmp_path / "s.db")]
    code, output = run_stress(book, scenario, *more)
    assert code == 1, output
    assert (
        f"`path.steps` (2 steps of {step_seconds:,} s) from the fork at block 3: a step at "
        f"2020-09-13T12:26:40Z + {2 * step_seconds:,} s is past 9999-12-31T23:59:59Z" in output
    )
    assert "or fork at an earlier block" in output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["book.db", "late.toml"]


def test_a_path_ending_at_the_last_instant_from_its_fork_runs(tmp_path: Path) -> None:
    spec = load_stress(stress_with(tmp_path, steps="1", step_seconds=str(LAST_SECOND - FORK_S)))
    path = [(0, 1), (LAST_SECOND - FORK_S, 1)]
    check_path_in_time(spec, path, 3, FORK_S * 1000)
    with pytest.raises(ScenarioError, match=r"`path.steps` \(1 steps of .* from the fork"):
        check_path_in_time(spec, path, 3, FORK_S * 1000 + 1000)
