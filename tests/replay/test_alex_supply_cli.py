"""Through the CLI: after `alex-cycles` the ALEX supply is the genesis billion at most, and the
staking-incentives allocation is lower by exactly the rewards the log shows paid."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from replay.cli import cli

ROOT = Path(__file__).resolve().parents[2]
ALEX_CYCLES = ROOT / "fixtures" / "scenarios" / "alex-cycles.toml"
BILLION_ALEX = 1_000_000_000 * 10**8
STAKING_ALLOCATION = BILLION_ALEX // 2


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_alex_cycles_pays_rewards_from_the_staking_allocation(tmp_path: Path) -> None:
    db = str(tmp_path / "alex.db")
    run("replay", str(ALEX_CYCLES), "--db", db, "--json")
    state = json.loads(
        run(
            "state", db, "--projection", "balances", "--asset", "ALEX", "--json", "--json-bare-ints"
        )
    )
    tables = state["projections"]["balances"]["tables"]
    supply = {row["asset"]: row["amount"] for row in tables["supply"]}["ALEX"]
    held = {row["account"]: row["amount"] for row in tables["balances"]}
    lines = run(
        "log", db, "--type", "StakingRewardClaimed", "--json", "--json-bare-ints"
    ).splitlines()
    rewards = [json.loads(line)["event"]["reward"] for line in lines if line.strip()]

    assert len(rewards) >= 3 and sum(rewards) > 0
    assert supply <= BILLION_ALEX
    assert held["vault:staking-incentives"] == STAKING_ALLOCATION - sum(rewards)
