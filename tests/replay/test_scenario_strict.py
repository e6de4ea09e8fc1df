"""Scenario files read strictly: unknown keys with a "did you mean", malformed price CSVs
named by line and column, and files confined to the scenario's folder or a data folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.clock import FixedClock
from ledger.memory import MemoryStore
from replay import memory
from replay.prices import price_path
from replay.runner import Replayer
from replay.scenario import ScenarioError, load_scenario
from replay.step_memory import REPLAY_COMMAND_BYTES, REPLAY_POINT_BYTES
from tests.replay.test_cli_log import run

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
FLASH = SCENARIOS / "flash-crash.toml"
SMALL = """
name = "small"
[chain]
block_seconds = 12
[[prices]]
asset = "ETH"
csv = "{csv}"
"""
GOOD_CSV = "timestamp,open,high,low,close\n2022-05-01T00:00:00Z,1,1,1,2000.5\n"


def scenario_with_csv(folder: Path, csv_text: str | bytes, name: str = "p.csv") -> Path:
    csv = folder / name
    csv.write_bytes(csv_text if isinstance(csv_text, bytes) else csv_text.encode())
    toml = folder / "s.toml"
    toml.write_text(SMALL.format(csv=name))
    return toml


def prices_of(toml: Path, **kwargs: object) -> list[tuple[int, int]]:
    scenario = load_scenario(toml, **kwargs)  # type: ignore[arg-type]
    return price_path(scenario.prices[0], scenario)


def test_a_misspelt_agent_param_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(FLASH.read_text().replace("threshold_bps = 30 }", "threshhold_bps = 30 }"))
    db = tmp_path / "bad.db"
    code, output = run("replay", str(bad), "--db", str(db))
    assert code == 1, output
    assert "unknown param `threshhold_bps` (did you mean `threshold_bps`?)" in output
    assert not db.exists()


def test_a_misspelt_table_key_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(FLASH.read_text().replace("block_seconds", "block_second"))
    with pytest.raises(ScenarioError, match=r"chain\.block_second`: unknown key \(did you mean"):
        load_scenario(bad)


def test_a_misspelt_setup_field_is_refused(tmp_path: Path) -> None:
    from replay.runner import resolve_command

    with pytest.raises(ScenarioError, match=r"unknown field `amuont` \(did you mean `amount`"):
        resolve_command("Mint", {"asset": "USDC", "to_account": "a", "amuont": 5}, "setup[0]")


def test_a_good_csv_reads_exactly(tmp_path: Path) -> None:
    assert prices_of(scenario_with_csv(tmp_path, GOOD_CSV)) == [(1651363200, 2000_5 * 10**17)]


MALFORMED_CSVS = {
    "no close column": ("timestamp,open\n2022-05-01T00:00:00Z,1\n", "line 1: no `close` column"),
    "not a number": (GOOD_CSV + "2022-05-01T01:00:00Z,1,1,1,abc\n", "line 3: not a decimal"),
    "empty price": (GOOD_CSV + "2022-05-01T01:00:00Z,1,1,1,\n", "line 3: `close` is empty"),
    "short row": (GOOD_CSV + "2022-05-01T01:00:00Z,1\n", "line 3: `close` is empty"),
    "bad time": (GOOD_CSV + "yesterday,1,1,1,5\n", "line 3: Invalid isoformat"),
    "no time zone": (GOOD_CSV + "2022-05-01T01:00:00,1,1,1,5\n", "line 3: timestamp"),
    "time going back": (GOOD_CSV + "2022-04-01T00:00:00Z,1,1,1,5\n", "line 3: timestamp"),
    "zero price": (GOOD_CSV + "2022-05-01T01:00:00Z,1,1,1,0\n", "not a positive price"),
    "negative price": (GOOD_CSV + "2022-05-01T01:00:00Z,1,1,1,-3\n", "not a positive price"),
    "not UTF-8": (GOOD_CSV.encode() + b"2022-05-01T01:00:00Z,1,1,1,\xff\n", "line 3: not UTF-8"),
    "NUL byte": (GOOD_CSV + "2022-05-01T01:00:00Z,1,1,1,5\x00\n", "line 3"),
    "empty file": ("", "line 1: no `timestamp` column"),
}


@pytest.mark.parametrize("name", sorted(MALFORMED_CSVS))
def test_a_malformed_csv_is_named_by_line(tmp_path: Path, name: str) -> None:
    text, message = MALFORMED_CSVS[name]
    toml = scenario_with_csv(tmp_path, text)
    with pytest.raises(ScenarioError) as caught:
        prices_of(toml)
    assert message in str(caught.value) and "p.csv" in str(caught.value)
    db = tmp_path / "x.db"
    code, output = run("replay", str(toml), "--db", str(db))
    assert code == 1 and "Traceback" not in output and not db.exists()


def test_a_path_out_of_the_scenario_folder_is_refused(tmp_path: Path) -> None:
    toml = tmp_path / "s.toml"
    toml.write_text(SMALL.format(csv="/etc/passwd"))
    with pytest.raises(ScenarioError, match="outside the scenario's folder"):
        prices_of(toml)
    (tmp_path / "up").mkdir()
    inner = tmp_path / "up" / "s.toml"
    inner.write_text(SMALL.format(csv="../p.csv"))
    (tmp_path / "p.csv").write_text(GOOD_CSV)
    with pytest.raises(ScenarioError, match=r"`prices.csv` = '../p.csv' resolves to"):
        prices_of(inner)
    assert prices_of(inner, data_dirs=[tmp_path]) == prices_of(
        scenario_with_csv(tmp_path, GOOD_CSV)
    )


def test_a_symlink_cannot_lead_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "p.csv").write_text(GOOD_CSV)
    folder = tmp_path / "scenario"
    folder.mkdir()
    (folder / "p.csv").symlink_to(outside / "p.csv")
    (folder / "s.toml").write_text(SMALL.format(csv="p.csv"))
    with pytest.raises(ScenarioError, match="outside"):
        prices_of(folder / "s.toml")


def test_the_cli_passes_data_dirs(tmp_path: Path) -> None:
    (tmp_path / "up").mkdir()
    inner = tmp_path / "up" / "s.toml"
    inner.write_text(SMALL.format(csv="../p.csv"))
    (tmp_path / "p.csv").write_text(GOOD_CSV + "2022-05-01T01:00:00Z,1,1,1,1999\n")
    db = tmp_path / "x.db"
    assert run("replay", str(inner), "--db", str(db))[0] == 1
    code, output = run("replay", str(inner), "--db", str(db), "--data-dir", str(tmp_path))
    assert code == 0, output


def test_the_shipped_scenarios_still_load() -> None:
    for toml in sorted(SCENARIOS.glob("*.toml")):
        scenario = load_scenario(toml)
        for source in scenario.prices:
            assert price_path(source, scenario)


CALM = SCENARIOS / "calm-payments.toml"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("steps = 720", "steps = 99999999999999999999", "is past 9999-12-31T23:59:59Z"),
        ('start = "2100"', 'start = "1e5"', "`prices.generated.start` (ETH): not a decimal"),
        ("per_step = 2", 'per_step = "x"', "param `per_step` should be int, got 'x'"),
        ("per_step = 2", "per_step = -1", "param `per_step` must be an int >= 0, got -1"),
        ("seed = 11", "seed = -11", "`seed`: Input should be greater than or equal to 0"),
        ("seed = 3", "seed = -3", "`prices[0].generated.seed`: Input should be greater than"),
    ],
)
def test_a_bad_value_is_refused_when_the_scenario_loads(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    bad = tmp_path / "bad.toml"
    text = CALM.read_text()
    assert old in text
    bad.write_text(text.replace(old, new))
    db = tmp_path / "x.db"
    code, output = run("replay", str(bad), "--db", str(db))
    assert code == 1 and message in " ".join(output.split()), output
    assert not db.exists()


def test_a_series_past_the_last_instant_is_refused_when_the_scenario_loads(
    tmp_path: Path,
) -> None:
    late = tmp_path / "late.toml"
    start = "start = 2021-06-01T00:00:00Z"
    late.write_text(FLASH.read_text().replace(start, "start = 9999-12-31T23:00:00Z"))
    db = tmp_path / "late.db"
    code, output = run("replay", str(late), "--db", str(db))
    assert code == 1, output
    assert "`prices[0].generated.steps` (ETH): a step at 9999-12-31T23:00:00Z + 86,100 s" in output
    assert "past 9999-12-31T23:59:59Z" in output
    assert not db.exists()


def test_a_series_ending_at_the_last_instant_loads(tmp_path: Path) -> None:
    edge = tmp_path / "edge.toml"
    edge.write_text(
        "name = 'edge'\n[chain]\nstart = 9999-12-31T23:59:00Z\n"
        "[[prices]]\nasset = 'ETH'\nstep_seconds = 59\npoints = ['1', '2']\n"
    )
    assert prices_of(edge)[-1] == (253402300799, 2 * 10**18)  # 9999-12-31T23:59:59Z
    edge.write_text(edge.read_text().replace("'2']", "'2', '3']"))
    with pytest.raises(ScenarioError, match=r"`prices\[0\]\.points` \(ETH\): a step at"):
        load_scenario(edge)


def test_a_csv_row_past_the_last_instant_is_named_by_line(tmp_path: Path) -> None:
    rows = "2022-05-01T00:00:00Z,1,1,1,2\n9999-12-31T23:30:00-01:00,1,1,1,3\n"
    toml = scenario_with_csv(tmp_path, "timestamp,open,high,low,close\n" + rows)
    with pytest.raises(ScenarioError, match=r"p\.csv line 3: a step at 9999-12-31 23:30:00-01:00"):
        prices_of(toml)


def calm_with_per_step(folder: Path, per_step: int) -> Path:
    toml = folder / "calm.toml"
    toml.write_text(CALM.read_text().replace("per_step = 2", f"per_step = {per_step:_}"))
    return toml


def test_a_per_step_the_machine_cannot_hold_is_refused_with_nothing_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replay holds a run of 144 steps (three 48-step checkpoint intervals) for one append:
    10^8 payments a step would be 29 TB."""
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: 10**9)
    db = tmp_path / "x.db"
    code, output = run("replay", str(calm_with_per_step(tmp_path, 10**8)), "--db", str(db))
    said = " ".join(output.split())
    assert code == 1, output
    assert "`agents`: 100,000,000 commands a step from `per_step`: would need about" in said
    assert "more than the 1.0 GB this machine has available" in said
    assert "held for runs of 144 steps until they are appended); give a smaller `per_step`" in said
    assert sorted(path.name for path in tmp_path.iterdir()) == ["calm.toml"]


def test_the_largest_per_step_that_fits_is_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: 144 * 1000 * REPLAY_COMMAND_BYTES)
    store = MemoryStore()
    Replayer(load_scenario(calm_with_per_step(tmp_path, 1000)), store, FixedClock(0))
    with pytest.raises(ScenarioError, match="1,001 commands a step from `per_step`"):
        Replayer(load_scenario(calm_with_per_step(tmp_path, 1001)), store, FixedClock(0))


def test_a_generated_series_the_machine_cannot_hold_is_refused_with_nothing_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`generated.steps` has no fixed limit: its 720 points, held for the whole replay, are
    273.6 kB, refused on a machine with 200 kB available (before the agents are counted)."""
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: 200_000)
    db = tmp_path / "x.db"
    code, output = run("replay", str(CALM), "--db", str(db))
    said = " ".join(output.split())
    assert code == 1, output
    assert "`prices`: 720 points in `points` and `generated` series: would need about" in said
    assert "273.6 kB of memory, more than the 200.0 kB this machine has available" in said
    assert "(380 bytes a point, held for the whole run); give fewer steps" in said
    assert not db.exists()


def test_the_longest_series_that_fits_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The points of every `points` and `generated` series count: 720 generated and 3 listed."""
    toml = tmp_path / "two.toml"
    listed = '[[prices]]\nasset = "BTC"\npoints = ["1", "2", "3"]\n'
    toml.write_text(CALM.read_text() + listed)
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: 723 * REPLAY_POINT_BYTES)
    load_scenario(toml)
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: 723 * REPLAY_POINT_BYTES - 1)
    with pytest.raises(ScenarioError, match="723 points in `points` and `generated` series"):
        load_scenario(toml)
