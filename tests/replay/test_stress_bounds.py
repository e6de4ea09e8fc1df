"""`stress`: a path past the last instant a timestamp can name, or one the machine cannot hold,
is refused before anything is written; one that fits runs, with its progress told."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from replay import memory
from replay.cli import cli
from replay.scenario import LAST_SECOND, ScenarioError
from replay.step_memory import (
    PATHS_COMMAND_BYTES,
    PATHS_STEP_BYTES,
    STRESS_COMMAND_BYTES,
    STRESS_STEP_BYTES,
)
from replay.stress_log import stress_log
from replay.stress_many import stress_many
from replay.stress_paths import check_before_the_fork, check_path_in_time
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


PAYMENTS = """
[[actors]]
name = "payer"
holdings = { USDC = 1_000_000 }
[[agents]]
kind = "payments"
params = { asset = "USDC", per_step = PER_STEP }
"""


def with_payments(scenario: Path, per_step: int) -> Path:
    scenario.write_text(scenario.read_text() + PAYMENTS.replace("PER_STEP", str(per_step)))
    return scenario


def available(monkeypatch: pytest.MonkeyPatch, size_bytes: int) -> None:
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: size_bytes)


@pytest.mark.parametrize("many", [False, True])
def test_a_shock_the_machine_cannot_hold_is_refused_before_anything_is_written(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, many: bool
) -> None:
    """10^8 steps of a second end in 1973, but hold 33 GB (105 GB a path in memory)."""
    available(monkeypatch, 10**9)
    scenario = stress_with(tmp_path, steps="100_000_000", step_seconds="1")
    more = ["--paths", "2", "--workers", "1"] if many else ["--out", str(tmp_path / "s.db")]
    code, output = run_stress(book, scenario, *more, "--report", str(tmp_path / "report"))
    assert code == 1, output
    assert "`path.steps` (100,000,000 steps of 1 s): would need about" in output
    assert "of memory, more than the 1.0 GB this machine has available" in output
    assert "; give fewer steps" in output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["book.db", "late.toml"]


@pytest.mark.parametrize("running", [None, 1, 2])
def test_the_longest_shock_that_fits_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, running: int | None
) -> None:
    """Into logs, or as paths in memory (one, two at once): N steps fit exactly, N + 1 do not."""
    step_bytes = STRESS_STEP_BYTES if running is None else running * PATHS_STEP_BYTES
    available(monkeypatch, 1000 * step_bytes)
    check_before_the_fork(load_stress(stress_with(tmp_path, steps="1000")), running)
    with pytest.raises(ScenarioError, match=r"`path.steps` \(1,001 steps of 60 s\): would"):
        check_before_the_fork(load_stress(stress_with(tmp_path, steps="1001")), running)


@pytest.mark.parametrize("running", [None, 2])
def test_the_commands_of_per_step_agents_count_towards_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, running: int | None
) -> None:
    """Two steps, and 500 payments a step: a step's list into logs, every record in memory."""
    if running is None:
        fits = 2 * STRESS_STEP_BYTES + 500 * STRESS_COMMAND_BYTES
    else:
        fits = running * 2 * (PATHS_STEP_BYTES + 500 * PATHS_COMMAND_BYTES)
    available(monkeypatch, fits)
    check_before_the_fork(load_stress(with_payments(stress_with(tmp_path), 500)), running)
    spec = load_stress(with_payments(stress_with(tmp_path), 501))
    with pytest.raises(ScenarioError) as refused:
        check_before_the_fork(spec, running)
    said = str(refused.value)
    assert "`path.steps` (2 steps of 60 s) and 501 commands a step from `per_step`" in said
    assert said.endswith("a smaller `per_step`")


def test_a_series_is_measured_once_read(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A series' steps are its file's: refused at the fork (two steps: 660 bytes), no logs left."""
    (tmp_path / "eth.csv").write_text(
        "timestamp,open,high,low,close\n2020-01-01T00:00:00Z,1,1,1,2000\n"
        "2020-01-01T01:00:00Z,1,1,1,1900\n2020-01-01T02:00:00Z,1,1,1,1500\n"
    )
    text = STEP_STRESS.replace(
        'shock = { size_bps = -2500, duration_steps = 1, shape = "step" }',
        'series = { csv = "eth.csv" }',
    )
    scenario = write_stress(tmp_path / "late.toml", text)
    available(monkeypatch, 2 * STRESS_STEP_BYTES - 1)
    code, output = run_stress(book, scenario, "--out", str(tmp_path / "s.db"))
    assert code == 1, output
    assert "`path.series` (2 steps): would need about 660 bytes of memory" in output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["book.db", "eth.csv", "late.toml"]


def test_a_stress_into_logs_tells_its_progress_over_both_runs(book: Path, tmp_path: Path) -> None:
    told: list[tuple[int, int]] = []
    spec = load_stress(stress_with(tmp_path, steps="3"))
    stress_log(book, 3, spec, tmp_path / "s.db", tmp_path, progress=lambda *at: told.append(at))
    assert told == [(1, 6), (2, 6), (3, 6), (4, 6), (5, 6), (6, 6)]


@pytest.mark.parametrize("workers", [1, 2])
def test_many_paths_tell_the_paths_finished(book: Path, tmp_path: Path, workers: int) -> None:
    told: list[tuple[int, int]] = []
    spec = load_stress(stress_with(tmp_path, steps="3"))
    stress_many(book, 3, spec, tmp_path, 4, 0, workers, progress=lambda *at: told.append(at))
    assert told[-1] == (4, 4) and told == sorted(told)


def test_a_negative_seed_is_refused_before_anything_is_written(book: Path, tmp_path: Path) -> None:
    """Python's `random` seeds by the absolute value: `--seed -3` would seed its paths -3, -2,
    ..., 2, which repeat one another, and a file's `seed = -1` would draw `seed = 1`'s numbers."""
    scenario = write_stress(tmp_path / "s.toml")
    code, output = run_stress(book, scenario, "--paths", "6", "--seed", "-3")
    assert code == 2 and "Invalid value for '--seed': -3 is not in the range x>=0" in output
    negative = write_stress(tmp_path / "n.toml", STEP_STRESS.replace("seed = 1", "seed = -1"))
    code, output = run_stress(book, negative, "--out", str(tmp_path / "out.db"))
    assert code == 1 and "`seed`: Input should be greater than or equal to 0" in output, output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["book.db", "n.toml", "s.toml"]


@pytest.mark.parametrize("taken", ["s.db", "s-unstressed.db"])
def test_a_log_already_at_an_output_is_refused_naming_its_option(
    book: Path, tmp_path: Path, taken: str
) -> None:
    """A stress writes new logs and has no --force: the refusal says which option to change."""
    (tmp_path / taken).write_bytes(b"someone's file")
    scenario = write_stress(tmp_path / "s.toml")
    code, output = run_stress(book, scenario, "--out", str(tmp_path / "s.db"))
    option = "--out" if taken == "s.db" else "--unstressed-out"
    assert code == 1 and f"exists already; a stress writes new logs: give {option} a new" in output
    assert (tmp_path / taken).read_bytes() == b"someone's file"
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(["book.db", "s.toml", taken])


def test_a_stress_that_fails_in_its_second_run_leaves_neither_log_nor_folder(
    book: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from replay import stress_log as module

    real_run = module.run_on_log

    def failing_unstressed(*args: Any, **kwargs: Any) -> Any:
        if len(args) > 4 and args[4]:  # the unstressed continuation (flat)
            raise OSError(28, "No space left on device")
        return real_run(*args, **kwargs)

    monkeypatch.setattr(module, "run_on_log", failing_unstressed)
    scenario = write_stress(tmp_path / "s.toml")
    code, output = run_stress(book, scenario, "--out", str(tmp_path / "new" / "s.db"))
    assert code == 4 and "No space left on device" in output, output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["book.db", "s.toml"]
