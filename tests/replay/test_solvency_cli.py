"""`defi-ledger solvency`: a reserve's assets against the exposure it backs (what it owes plus
CRP debt at risk at the current price), coverage, and the first block of a price path at
which it would fail, on the replayed risk-chain scenario."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from replay.cli import cli
from replay.units import decimal_text

ROOT = Path(__file__).resolve().parents[2]
CHAIN = ROOT / "fixtures" / "scenarios" / "alex-risk-chain.toml"
PATH = "WBTC=200:50000,210:45000,220:40000,230:35000,240:30000,250:25000"


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    db = str(tmp_path_factory.mktemp("solvency") / "chain.db")
    return db, json.loads(run("replay", str(CHAIN), "--db", db, "--json"))


def wbtc(db: str, *args: str) -> dict[str, Any]:
    rows = json.loads(run("solvency", db, "--json", *args))["reserves"]
    (row,) = [row for row in rows if row["reserve"] == "alex" and row["token"] == "WBTC"]
    return dict(row)


def test_before_the_crash_nothing_is_exposed_but_a_falling_path_breaks_the_reserve(
    replayed: tuple[str, dict[str, Any]],
) -> None:
    db, _ = replayed
    calm = wbtc(db, "--at-block", "150", "--price-path", PATH)
    assert (calm["assets"], calm["exposure"], calm["coverage_bps"]) == (10**8, 0, None)
    failing = calm["first_failing_block"]
    assert failing is not None and failing > 200  # at $50,000 the reserve still holds
    points = PATH.split("=")[1].split(",")
    cut = next(index for index, point in enumerate(points) if point.startswith(f"{failing}:"))
    before = "WBTC=" + ",".join(points[:cut])
    assert wbtc(db, "--at-block", "150", "--price-path", before)["first_failing_block"] is None


def test_after_the_crash_the_debt_at_risk_is_what_settlement_then_reports(
    replayed: tuple[str, dict[str, Any]],
) -> None:
    db, summary = replayed
    crashed = wbtc(db, "--at-block", "200")
    assert crashed["crp_at_risk"] == summary["alex_risk_chain"]["shortfall"]["amount"]
    assert crashed["coverage_bps"] == crashed["assets"] * 10_000 // crashed["exposure"] < 10_000
    settled = wbtc(db, "--at-block", str(summary["alex_risk_chain"]["shortfall"]["blocks"][0]))
    assert settled["crp_at_risk"] == 0 and settled["owed"] == crashed["crp_at_risk"] - 10**8
    assert wbtc(db)["exposure"] == 0  # refilled by issuance, redeemed


def test_the_text_shows_the_reserve_in_wbtc_and_coverage_in_percent(
    replayed: tuple[str, dict[str, Any]],
) -> None:
    db, _ = replayed
    crashed = wbtc(db, "--at-block", "200")
    text = run("solvency", db, "--at-block", "200")
    (line,) = [line for line in text.splitlines() if "reserve=alex  token=WBTC" in line]
    fields = dict(part.split("=", 1) for part in line.split("  "))
    # WBTC has 8 decimals: the reserve's 10**8 base units read as 1 WBTC.
    assert fields["assets"] == f"{decimal_text(crashed['assets'], 8, grouped=True)} WBTC"
    assert fields["exposure"] == f"{decimal_text(crashed['exposure'], 8, grouped=True)} WBTC"
    assert fields["coverage"] == f"{decimal_text(crashed['coverage_bps'], 2)}%"
    assert fields["first_failing_block"] == "none"  # no price path asked for
    base = run("solvency", db, "--at-block", "200", "--units", "base")
    assert f"assets={crashed['assets']}  " in base and "coverage_bps=" in base


def test_the_text_says_in_words_when_nothing_is_exposed(
    replayed: tuple[str, dict[str, Any]],
) -> None:
    db, _ = replayed
    assert wbtc(db, "--at-block", "150")["coverage_bps"] is None
    text = run("solvency", db, "--at-block", "150")
    (line,) = [line for line in text.splitlines() if "reserve=alex  token=WBTC" in line]
    assert "coverage=nothing exposed  " in line and "None" not in line


@pytest.mark.parametrize("scale", ["0", "-1", "20"])
def test_a_scale_that_is_no_power_of_ten_is_a_usage_error(
    replayed: tuple[str, dict[str, Any]], scale: str
) -> None:
    """The path's decimal prices are read at the scale: 0 would price everything at zero."""
    db, _ = replayed
    result = CliRunner().invoke(cli, ["solvency", db, f"--scale={scale}", "--price-path", PATH])
    assert result.exit_code == 2 and "give a power of ten" in result.output
    assert wbtc(db, "--scale", "1", "--price-path", "WBTC=200:50000")["token"] == "WBTC"


def test_a_path_of_an_asset_the_log_does_not_price_is_refused(
    replayed: tuple[str, dict[str, Any]],
) -> None:
    """The log has reserves, so a path moving nothing they hold would say they never fail."""
    db, _ = replayed
    result = CliRunner().invoke(cli, ["solvency", db, "--price-path", "DOGE=1:100"])
    assert result.exit_code == 1, result.output
    assert "no price for DOGE" in result.output and "WBTC" in result.output
