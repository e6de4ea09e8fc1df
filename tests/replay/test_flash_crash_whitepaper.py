"""The flash crash under the AlphaX white paper's profile: holders recover 70% of the preset and
the dead token's pair trades at no more than that claim once the agents have reacted."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from replay.cli import cli

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
USDC = 10**6


def outcomes_of(scenario: str, db: Path) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli, ["replay", str(SCENARIOS / scenario), "--db", str(db), "--json", "--json-bare-ints"]
    )
    assert result.exit_code == 0, result.output
    outcomes: dict[str, Any] = json.loads(result.output)["protocol_outcomes"]
    return outcomes


def test_holders_recover_70_percent_of_the_preset_and_no_dead_trade_beats_the_claim(
    tmp_path: Path,
) -> None:
    outcomes = outcomes_of("flash-crash-whitepaper.toml", tmp_path / "wp.db")
    market = outcomes["alphax_graveyards"]["ETH-1500-3000"]
    # Preset at creation where capital efficiency reaches 5x: ETH 1,875, the LONG at 375.
    assert market["profile"] == "whitepaper" and market["dead_side"] == "long"
    assert market["asset_price_at_death"] <= 1_875 * USDC
    assert market["settlement_value_per_token"] == 375 * USDC
    assert market["holder_recovery_per_token"] == 375 * USDC * 70 // 100
    assert market["claimed"] > 0
    trades = market["dead_token_trades"]
    # Holders sell down to the claim in the block the side dies, and nobody pays more after.
    assert trades["reaction_block"] == market["death_block"]
    assert trades["above_claim_after_reaction"] == 0
    claim = market["holder_recovery_per_token"]
    assert abs(market["market_price_at_end"] - claim) * 100 <= claim
    # The live SHORT is quoted with its market price M beside its anchor O and the premium.
    (short,) = outcomes["alphax_quotes"]
    assert short["side"] == "short" and short["liquidation_price"] == 500 * USDC
    premium = (short["market_price"] - short["anchor_price"]) * 10**8 // short["anchor_price"]
    assert short["premium"] == premium
    assert short["risk_level"] == 500 * USDC * 10**8 // short["anchor_price"]


def test_under_the_contract_profile_the_dead_pair_drifts_far_above_the_claim(
    tmp_path: Path,
) -> None:
    market = outcomes_of("flash-crash.toml", tmp_path / "fc.db")["alphax_graveyards"][
        "ETH-1500-3000"
    ]
    assert market["profile"] == "contract"
    assert market["settlement_value_per_token"] < 300 * USDC  # the oracle anchor at liquidation
    assert market["dead_token_trades"]["above_claim_after_reaction"] > 0
    assert market["market_price_at_end"] > 2 * market["holder_recovery_per_token"]
