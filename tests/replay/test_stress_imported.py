"""`stress` on an imported log: the fork's price read from an imported pair, worked out by hand.

The book (`tests.replay.stress_imported`): a WETH/USDC Uniswap V2 pair imported from generated
ethereum-etl logs, three f(x) positions of 9.97 WETH opened at $2,000 with 10,000, 11,000 and
12,800 fxUSD of debt, then imported swaps that move the pair's price and no price fact after
the opening one. The stress (ETH -25% in one step) reads the price at the fork from the pair's
reserves at the fork block (`[path] oracle`).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.sqlite_store import SqliteStore
from replay.cli import cli
from replay.fork import diff_logs
from replay.scenario import ScenarioError
from replay.stress_log import stress_log
from replay.stress_many import stress_many
from replay.stress_spec import load_stress
from replay.verify import verify_replay
from tests.replay.stress_book import assert_lines_and_baseline
from tests.replay.stress_imported import (
    BOUGHT_WITH_USDC,
    DEBTS,
    E18,
    POOL_USDC,
    POOL_WETH,
    SOLD_WETH,
    build_imported_book,
    stress_text,
)

NO_PRICES = Path("/nonexistent")
COLLATERAL = Fraction(997, 100)
"""10 WETH less the 0.3% supply fee."""


def amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """Uniswap V2's getAmountOut (0.3% fee), as the pair pays it."""
    return amount_in * 997 * reserve_out // (reserve_in * 1000 + amount_in * 997)


def reserves_at(block: int) -> tuple[int, int]:
    """(WETH, USDC) in the pair at the end of `block`, from the swaps in the log."""
    weth = POOL_WETH + SOLD_WETH
    usdc = POOL_USDC - amount_out(SOLD_WETH, POOL_WETH, POOL_USDC)
    if block >= 110:
        weth -= amount_out(BOUGHT_WITH_USDC, usdc, weth)
        usdc += BOUGHT_WITH_USDC
    return weth, usdc


def pair_price(block: int) -> int:
    """USDC per WETH at 1e18 from the reserves (WETH has 18 decimals, USDC 6)."""
    weth, usdc = reserves_at(block)
    return usdc * 10**18 * E18 // (weth * 10**6)


def rebalanced(debt: Fraction, price: Fraction) -> tuple[Fraction, Fraction]:
    """Debt and collateral after a rebalance to the 0.88 line with a 2.5% bonus."""
    repaid = (debt - Fraction(88, 100) * COLLATERAL * price) / (1 - Fraction(88 * 1025, 100_000))
    return debt - repaid, COLLATERAL - repaid * Fraction(1025, 1000) / price


@pytest.fixture()
def imported(tmp_path: Path) -> tuple[Path, Path]:
    """The log and a stress file whose oracle is the imported pair."""
    log = tmp_path / "book.db"
    pool = build_imported_book(log)
    scenario = tmp_path / "step.toml"
    scenario.write_text(stress_text(pool))
    return log, scenario


def test_a_stress_at_block_105_takes_the_pairs_price_and_liquidates_carol(
    imported: tuple[Path, Path], tmp_path: Path
) -> None:
    """At block 105 the pair holds 550 WETH and 1,000,000 - 90,661.089388 USDC: $1,653.3435.

    The step: -25%, $1,240.0076 (p1). Collateral 9.97 WETH is worth 12,362.876 there; debt
    ratios alice 0.809, bob 0.890 (past the 0.88 rebalance line), carol 1.035 (past the 0.92
    liquidation line, under water). Carol's liquidation takes her collateral for 9.97 x p1 of
    debt: bad debt 12,800 - 12,362.876 = 437.124 fxUSD, socialised over the 21,000 left: alice
    10,208.15 (0.826, healthy), bob 11,228.97 (0.908: rebalanced to 0.88, not liquidated).
    """
    log, scenario = imported
    spec = load_stress(scenario)
    report = stress_log(log, 105, spec, tmp_path / "s.db", NO_PRICES)
    p0 = pair_price(105)
    assert p0 // E18 == 1653
    assert report["price_start"] == p0 and report["price_end"] == p0 * 7500 // 10_000
    assert "reserves at block 105" in report["price_source"]
    p1 = p0 * 7500 // 10_000
    rows = {row["owner"]: row for row in report["positions"]}
    assert [rows[name]["outcome"] for name in DEBTS] == ["untouched", "rebalanced", "liquidated"]
    assert {rows[name]["collateral_before"] for name in DEBTS} == {COLLATERAL * E18}
    bad_debt = DEBTS["carol"] * E18 - 997 * p1 // 100
    assert bad_debt // 10**15 == 437_124
    stressed = report["stressed"]
    assert stressed["bad_debt_raw_total"] == bad_debt
    assert (stressed["liquidated"], stressed["rebalanced"]) == (1, 1)
    left = DEBTS["alice"] + DEBTS["bob"]
    assert rows["alice"]["debt_after"] == DEBTS["alice"] * E18 + bad_debt * DEBTS["alice"] // left
    debt, collateral = rebalanced(
        DEBTS["bob"] + Fraction(bad_debt * DEBTS["bob"], left * E18), Fraction(p1, E18)
    )
    assert abs(rows["bob"]["debt_after"] - debt * E18) < 10**6
    assert abs(rows["bob"]["collateral_after"] - collateral * E18) < 10**6
    assert rows["carol"]["debt_after"] == 0 and rows["carol"]["status_after"] == "closed"
    # The step is 60 s after the fork: 5 blocks of 12 s.
    assert_lines_and_baseline(report, rows, 110)


def test_a_stress_at_block_110_sees_the_pair_after_the_buy_back(
    imported: tuple[Path, Path], tmp_path: Path
) -> None:
    """At block 110 the buy-back has lifted the pair to $1,878.37; -25% is $1,408.78: carol's
    ratio 12,800 / (9.97 x 1,408.78) = 0.911 is past the rebalance line only. No bad debt."""
    log, scenario = imported
    report = stress_log(log, 110, load_stress(scenario), tmp_path / "s.db", NO_PRICES)
    p0 = pair_price(110)
    assert p0 // E18 == 1878 and report["price_start"] == p0
    p1 = p0 * 7500 // 10_000
    rows = {row["owner"]: row for row in report["positions"]}
    assert [rows[name]["outcome"] for name in DEBTS] == ["untouched", "untouched", "rebalanced"]
    assert report["stressed"]["bad_debt_raw_total"] == 0
    debt, collateral = rebalanced(Fraction(DEBTS["carol"]), Fraction(p1, E18))
    assert abs(rows["carol"]["debt_after"] - debt * E18) < 10**6
    assert abs(rows["carol"]["collateral_after"] - collateral * E18) < 10**6


def test_without_the_oracle_the_stress_starts_from_the_logs_stale_price(
    imported: tuple[Path, Path], tmp_path: Path
) -> None:
    """The log's last price is the $2,000 posted at opening: -25% is $1,500, where carol's
    12,800 / 14,955 = 0.856 crosses no line. The pair is what makes the stress see the fall."""
    log, scenario = imported
    text = "\n".join(
        line for line in scenario.read_text().splitlines() if not line.startswith("oracle")
    )
    stale = tmp_path / "stale.toml"
    stale.write_text(text)
    report = stress_log(log, 105, load_stress(stale), tmp_path / "s.db", NO_PRICES)
    assert report["price_start"] == 2000 * E18
    assert report["price_source"] == "the log's price (posted at block 101)"
    assert (report["stressed"]["liquidated"], report["stressed"]["rebalanced"]) == (0, 0)


def test_the_stressed_imported_log_verifies_and_records_the_oracle_price(
    imported: tuple[Path, Path], tmp_path: Path
) -> None:
    log, scenario = imported
    report = stress_log(log, 105, load_stress(scenario), tmp_path / "s.db", NO_PRICES)
    stressed, unstressed = SqliteStore(tmp_path / "s.db"), SqliteStore(tmp_path / "s-unstressed.db")
    parent = SqliteStore(log)
    try:
        assert stressed.verify().ok and unstressed.verify().ok
        assert verify_replay(stressed).ok
        assert [row[11] for row in stressed.rows()][: report["fork_seq"]] == [
            row[11] for row in parent.rows() if row[1] <= 105
        ]
        prices = [
            (r.block, r.event.price, r.event.source)
            for r in stressed.read()
            if r.type == "PriceUpdated" and r.block >= 105
        ]
        assert prices[0] == (105, pair_price(105), report["price_source"])
        assert diff_logs(stressed, unstressed, 105) == []
    finally:
        for store in (stressed, unstressed, parent):
            store.close()


def test_many_paths_on_the_imported_log_start_from_the_pairs_price(
    imported: tuple[Path, Path], tmp_path: Path
) -> None:
    log, scenario = imported
    scenario.write_text(scenario.read_text().replace("shock =", "volatility_bps = 0\nshock ="))
    spec = load_stress(scenario)
    many = stress_many(log, 105, spec, NO_PRICES, paths=2, seed=3, workers=1)
    assert "reserves at block 105" in many["price_source"]
    single = stress_log(log, 105, spec, tmp_path / "s.db", NO_PRICES)["stressed"]
    for row in many["per_path"]:
        assert row["price_end"] == pair_price(105) * 7500 // 10_000
        assert row["bad_debt_raw_total"] == single["bad_debt_raw_total"] > 0


@pytest.mark.parametrize(
    ("oracle", "refusal"),
    [
        ('{ pool = "evm:1:0xnone" }', "is not in the log at block 105"),
        ('{ pool = "POOL", token = "USDC" }', "not 'USDC'"),
    ],
)
def test_an_oracle_the_log_cannot_price_is_refused_by_name(
    imported: tuple[Path, Path], tmp_path: Path, oracle: str, refusal: str
) -> None:
    log, scenario = imported
    pool = next(
        line.split('"')[1] for line in scenario.read_text().splitlines() if "oracle" in line
    )
    text = "\n".join(
        f"oracle = {oracle.replace('POOL', pool)}" if line.startswith("oracle") else line
        for line in scenario.read_text().splitlines()
    )
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    with pytest.raises(ScenarioError, match=refusal):
        stress_log(log, 105, load_stress(bad), tmp_path / "s.db", NO_PRICES)
    out = tmp_path / "cli.db"
    args = ["stress", str(log), "--at-block", "105", "--scenario", str(bad), "--out", str(out)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1 and refusal in result.output
    assert not out.exists() and not (tmp_path / "cli-unstressed.db").exists()
