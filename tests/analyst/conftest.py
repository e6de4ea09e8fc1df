"""A real log for the analyst-facing tests: the flash-crash replay plus two very large holders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from replay.cli import cli

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "fixtures" / "scenarios"
WHALE = 10**30
SECOND = 10**24


def replay_scenario(name: str, db: Path) -> None:
    result = CliRunner().invoke(cli, ["replay", str(SCENARIOS / name), "--db", str(db)])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="session")
def whale_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """flash-crash, then `whale` minted 1e30 wei of ETH and `second` 1e24, through `append`."""
    db = tmp_path_factory.mktemp("whale") / "ledger.db"
    replay_scenario("flash-crash.toml", db)
    lines = tmp_path_factory.mktemp("lines") / "mints.jsonl"
    block = 10**7
    mints = [("whale", WHALE), ("second", SECOND), ("small", 9 * 10**18 + 1)]
    lines.write_text(
        "".join(
            json.dumps(
                {
                    "block": block,
                    "event": {"type": "Minted", "asset": "ETH", "to_account": who, "amount": n},
                }
            )
            + "\n"
            for who, n in mints
        )
    )
    result = CliRunner().invoke(cli, ["append", str(db), str(lines)])
    assert result.exit_code == 0, result.output
    return db
