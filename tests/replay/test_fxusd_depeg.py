"""An fxUSD depeg replayed: fxUSD's price in its pair, the depeg funding the books accrue from
that price, harvests, a flash-loan open, and the stability pool's arbitrage restoring the peg."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from replay.cli import cli
from tests.replay.printed import no_base_units, shown

SCENARIO = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "fxusd-depeg.toml"
DOLLAR = 10**18
DEPEG = 995 * 10**15


def peg_outcome(scenario: Path, db: Path) -> dict[str, Any]:
    result = CliRunner().invoke(
        cli, ["replay", str(scenario), "--db", str(db), "--json", "--json-bare-ints"]
    )
    assert result.exit_code == 0, result.output
    outcome: dict[str, Any] = json.loads(result.output)["protocol_outcomes"]["fxusd_peg"]
    return outcome


def test_the_depeg_accrues_funding_and_the_stability_pool_arbitrage_restores_the_peg(
    tmp_path: Path,
) -> None:
    peg = peg_outcome(SCENARIO, tmp_path / "depeg.db")
    assert peg["fxusd_price_min_1e18"] < DEPEG
    assert peg["funding_accrued_raw"]["depeg"] > 0
    assert peg["depegged_at_block"] is not None
    assert peg["peg_restored_at_block"] > peg["depegged_at_block"]
    assert abs(peg["fxusd_price_end_1e18"]["fxUSD-USDC"] - DOLLAR) * 1000 < 2 * DOLLAR
    assert peg["harvests"] >= 1 and peg["funding_harvested_token"] > 0
    assert peg["leveraged_opens"] == 1
    assert peg["harvested_asset"] == "ETH"


def test_the_printed_peg_reads_in_usd_and_the_collateral(tmp_path: Path) -> None:
    db = tmp_path / "depeg.db"
    peg = peg_outcome(SCENARIO, db)
    printed = CliRunner().invoke(cli, ["replay", str(SCENARIO), "--db", str(tmp_path / "p.db")])
    assert printed.exit_code == 0, printed.output
    lines = printed.output.splitlines()
    assert no_base_units(lines) == []
    section = lines[lines.index("fxusd_peg:") :]
    assert f"  lowest fxUSD price: {shown(peg['fxusd_price_min_1e18'], 18, 4)} USD" in section
    end = shown(peg["fxusd_price_end_1e18"]["fxUSD-USDC"], 18, 4)
    assert f"  fxUSD price at the end: fxUSD-USDC {end} USD" in section
    paid = shown(peg["funding_harvested_token"], 18, 6)
    assert f"  harvests: {peg['harvests']}, paying out {paid} ETH" in section
    depeg = shown(peg["funding_accrued_raw"]["depeg"], 18, 6)
    assert any(f" depeg {depeg}" in line for line in section if line.startswith("  funding"))


def test_without_the_peg_keeper_fxusd_stays_below_the_peg_and_funding_keeps_accruing(
    tmp_path: Path,
) -> None:
    text = SCENARIO.read_text()
    keeper = text.index('[[agents]]\nkind = "fx_peg_keeper"')
    scenario = tmp_path / "no-keeper.toml"
    scenario.write_text(text[:keeper])
    alone = peg_outcome(scenario, tmp_path / "alone.db")
    kept = peg_outcome(SCENARIO, tmp_path / "kept.db")
    assert alone["peg_restored_at_block"] is None
    assert alone["fxusd_price_end_1e18"]["fxUSD-USDC"] < DEPEG
    assert alone["funding_accrued_raw"]["depeg"] > kept["funding_accrued_raw"]["depeg"]
