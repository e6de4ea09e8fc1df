"""`alex-cycles` exercises the Genesis DAO through the voter agent: the community's AGP, the
Genesis team's implementation voted through and enacted from its stated block (the staking
emission schedule changes for cycles from that block on), a veto and a pause by the foundation
within its safety period."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from replay.cli import cli

ROOT = Path(__file__).resolve().parents[2]
ALEX_CYCLES = ROOT / "fixtures" / "scenarios" / "alex-cycles.toml"
OLD_BAND, NEW_BAND = 62_100_000_000_000, 70_000_000_000_000
ACTIVATION, CYCLE = 10, 525


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def events(db: str, event_type: str) -> list[dict[str, object]]:
    lines = run("log", db, "--type", event_type, "--json").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def test_the_genesis_dao_changes_the_emission_schedule_from_the_block_it_states(
    tmp_path: Path,
) -> None:
    db = str(tmp_path / "alex.db")
    summary = json.loads(run("replay", str(ALEX_CYCLES), "--db", db, "--json"))
    outcomes = summary["protocol_outcomes"]["governance_outcomes"]
    assert outcomes["IMP-1"].startswith("executed") and outcomes["AGP-1"].startswith("executed")
    assert outcomes["AGP-3"].startswith("vetoed") and outcomes["AGP-2"].startswith("failed")
    assert summary["refusals"] == {}
    (changed,) = events(db, "ParameterChanged")
    effective = changed["event"]["effective_height"]  # type: ignore[index]
    # Stated: block 700; enacted at the first step from it, and in force from then.
    assert effective == changed["block"] and 700 <= effective < 710  # type: ignore[operator]
    fixed = events(db, "CycleEmissionFixed")
    assert len(fixed) >= 3
    for record in fixed:
        event = record["event"]
        first_block = ACTIVATION + event["cycle"] * CYCLE  # type: ignore[index]
        expected = NEW_BAND if first_block >= effective else OLD_BAND
        assert event["coinbase"] == expected, record  # type: ignore[index]
    pauses = [record["event"]["paused"] for record in events(db, "GovernancePauseSet")]  # type: ignore[index]
    assert pauses == [True, False]
    # The schedule's bands read in ALEX (they were its base units, comma-joined).
    changes = ("--projection", "governance", "--table", "governance_changes")
    shown = run("state", db, *changes)
    assert "700,000 ALEX; 350,000 ALEX; 175,000 ALEX" in shown and str(NEW_BAND) not in shown
    assert f"{NEW_BAND},{NEW_BAND // 2}" in run("state", db, *changes, "--units", "base")
