"""`defi-ledger var`: the white paper's calibration, its headline, the sensitivity table, books.

The white paper (ALEXnomics, reserve pool risk management) calibrates on the 0.017% hourly
frequency of -10%..-18% falls, injects -20% crashes at up to 100x that, and states that at LTV
75% P(default >= 12.5% of collateral) < 1%. These tests run the command on the real ETH/USDT
series (skipped, with the path, when ../shared/data/prices is absent) and on a replayed log.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from events.reserve import ReserveCredited
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from projections.alex_lending import AlexLending
from projections.balances import Balances
from projections.prices import Prices, Quote
from replay import memory
from replay.cli import cli
from replay.cli import var as cli_var
from replay.var import VarParameters
from replay.var_books import BLOCKS_PER_MONTH, _value, inputs_at_block
from replay.var_memory import memory_bytes, memory_refusal
from replay.var_study import sensitivity_runs
from tests.replay.var_data import PRICES, ROOT

SERIES = PRICES / "eth-usdt-1h.csv"
needs_series = pytest.mark.skipif(
    not SERIES.exists(), reason=f"real price series not found at {SERIES}"
)


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@needs_series
def test_var_is_seeded_and_writes_its_chart(tmp_path: Path) -> None:
    args = ["var", "--series", str(SERIES), "--paths", "2000", "--horizon-hours", "720"]
    args += ["--crash-multiplier", "30", "--seed", "5", "--no-sensitivity", "--json"]
    code, first = run(*args, "--chart", str(tmp_path / "a.svg"))
    assert code == 0, first
    code, second = run(*args, "--chart", str(tmp_path / "b.svg"))
    table = json.loads(first)["runs"][0]["exceedance"]
    assert json.loads(second)["runs"][0]["exceedance"] == table
    assert table[0]["probability"] > 0  # 30x the band frequency does default some paths
    probabilities = [row["probability"] for row in table]
    assert probabilities == sorted(probabilities, reverse=True)
    assert all(row["low"] <= row["probability"] <= row["high"] for row in table)
    chart = ElementTree.parse(tmp_path / "a.svg").getroot()
    assert chart.tag == "{http://www.w3.org/2000/svg}svg"
    assert chart.find("{http://www.w3.org/2000/svg}polyline") is not None  # the curve


def test_a_chart_name_that_is_not_svg_is_a_usage_error(tmp_path: Path) -> None:
    code, output = run("var", "--series", str(SERIES), "--chart", str(tmp_path / "v.png"))
    assert code == 2 and "ending in .svg" in output
    assert not (tmp_path / "v.png").exists()


@needs_series
def test_the_white_papers_calibration_prints_rate_band_headline_and_sensitivity(
    tmp_path: Path,
) -> None:
    # The white paper's inputs are the defaults: band -10%..-18%, 100x, -20%, LTV 75%.
    code, output = run(
        "var", "--series", str(SERIES), "--paths", "1000", "--chart", str(tmp_path / "v.svg")
    )
    assert code == 0, output
    # ETH/USDT: 13 hours fell 10%..18% in 72,554, 0.0179% (the white paper: 0.017%).
    assert "hours falling 10%..18%: 13 of 72,554 = 0.0179% per hour" in output
    assert "(white paper: 0.017%)" in output
    assert "crash rate used: 100 x 0.0179% = 1.7918% per hour of a -20% crash" in output
    headline = next(line for line in output.splitlines() if line.startswith("P(loss >= 12.5%"))
    assert "95% Wilson interval" in headline and "of 1000 paths" in headline
    assert "disagrees with the white paper's < 1%" in headline
    table = output.split("sensitivity (")[1].split("\n\n")[0].splitlines()[2:]
    factors = {line.split()[0] for line in table}
    expected = {"base", "multiplier", "ltv", "crash", "settlement", "slippage", "calibration"}
    assert expected <= factors
    assert "fees versus losses (white paper): pool 31.25% of TVL, fees 1.250%" in output
    assert "white paper: 12.5% default          12.50%    3.91%            3.12" in output


def test_db_and_at_block_go_together(tmp_path: Path) -> None:
    series = tmp_path / "s.csv"
    series.write_text("timestamp,open,high,low,close,volume\n2020-01-01T00:00:00Z,1,1,1,1,0\n")
    code, output = run("var", "--series", str(series), "--at-block", "3")
    assert code == 2 and "--db and --at-block" in output


def test_var_rejects_an_impossible_ltv(tmp_path: Path) -> None:
    series = tmp_path / "s.csv"
    series.write_text("timestamp,open,high,low,close,volume\n2020-01-01T00:00:00Z,1,1,1,1,0\n")
    code, output = run("var", "--series", str(series), "--ltv", "1.5")
    assert code == 2 and "ltv" in output.lower()


@needs_series
def test_a_log_without_a_crp_is_refused(tmp_path: Path) -> None:
    log = tmp_path / "empty.db"
    SqliteStore(log, create=True).close()
    code, output = run("var", "--series", str(SERIES), "--db", str(log), "--at-block", "0")
    assert code == 1, output
    assert "no collateral rebalancing pool with debt at block 0" in output


@pytest.fixture(scope="module")
def alex_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`alex-cycles` replayed: a CRP lending WBTC against USDA, swaps paying the reserve."""
    log = tmp_path_factory.mktemp("alex") / "alex.db"
    scenario = ROOT / "fixtures" / "scenarios" / "alex-cycles.toml"
    code, output = run("replay", str(scenario), "--db", str(log))
    assert code == 0, output
    return log


@needs_series
def test_at_block_takes_the_loan_and_fees_from_the_books(alex_log: Path, tmp_path: Path) -> None:
    block = 2000
    args = ["var", "--series", str(PRICES / "btc-usd-1h.csv"), "--invert", "--json"]
    args += ["--db", str(alex_log), "--at-block", str(block), "--paths", "300"]
    args += ["--no-sensitivity", "--chart", str(tmp_path / "v.svg")]
    code, output = run(*args)
    assert code == 0, output
    (report,) = json.loads(output)["runs"]
    store = SqliteStore(alex_log)
    try:
        (lending,) = Projector(store, ["alex_lending"]).state_at(block)
    finally:
        store.close()
    assert isinstance(lending, AlexLending)
    (loan,) = lending.crp_loans()
    book = lending.collateral_pool("crp")
    assert book is not None
    parameters = report["parameters"]
    assert parameters["ltv"] == loan.ltv_e8 / 1e8
    assert parameters["conversion_ltv"] == book.conversion_ltv / 1e8
    assert parameters["initial_weight"] == book.weight_x / 1e8
    assert parameters["horizon_hours"] == math.ceil((loan.expiry - block) / 6)
    assert parameters["strike_fraction"] == book.strike / loan.spot_e8
    # The case study uses the books' fee income, not the white paper's 1.25%.
    fees = report["fees_versus_losses"][0]
    assert fees["loss_of_collateral"] == 0.125
    assert fees["loss_of_tvl"] != pytest.approx(0.125 * 0.3125)
    assert "books at block 2000, pool crp" in report["text"]


def test_the_books_fee_income_is_the_reserves_swap_fees_of_the_month(alex_log: Path) -> None:
    # A 1,000-block window, so that the fees before it are read from the books and taken off.
    block, start = 2900, 1900
    store = SqliteStore(alex_log)
    try:
        inputs = inputs_at_block(store, block, fee_window_blocks=block - start)
        prices, balances = Projector(store, ["prices", "balances"]).state_at(block)
        fees: dict[str, int] = {}
        for record in store.read():
            event = record.event
            if (
                start < record.block <= block
                and isinstance(event, ReserveCredited)
                and event.source.startswith("swap-fee:")
            ):
                fees[event.token] = fees.get(event.token, 0) + event.amount
    finally:
        store.close()
    assert isinstance(prices, Prices) and isinstance(balances, Balances)
    assert fees, "alex-cycles pays swap fees to the reserve"
    expected = 0.0
    for token, amount in fees.items():
        quote = prices.quote(token)
        assert quote is not None
        expected += amount * quote.price / quote.scale / 10 ** balances.decimals[token]
    assert inputs.fees_window_quote == pytest.approx(expected, rel=1e-12)
    assert inputs.fees_window_blocks == block - start
    assert inputs.fees_month_quote == pytest.approx(expected * BLOCKS_PER_MONTH / 1000)
    (pool,) = inputs.pools
    assert inputs.fee_case(pool).monthly_fees_share_of_tvl == pytest.approx(
        inputs.fees_month_quote / inputs.tvl_quote
    )
    assert 0 < pool.value_quote <= inputs.tvl_quote


def three_hours(folder: Path) -> Path:
    """A series of three hourly closes (1, 2, 3): enough for `var` to read its options."""
    series = folder / "s.csv"
    hours = [f"2020-01-01T0{hour}:00:00Z,1,1,1,{1 + hour},0" for hour in range(3)]
    series.write_text("timestamp,open,high,low,close,volume\n" + "\n".join(hours) + "\n")
    return series


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_a_db_with_no_log_is_an_environment_fault(tmp_path: Path, kind: str) -> None:
    series = three_hours(tmp_path)
    log = tmp_path / "no.db"
    if kind == "directory":
        log.mkdir()
    before = sorted(tmp_path.rglob("*"))
    code, output = run("var", "--series", str(series), "--db", str(log), "--at-block", "1")
    assert code == 4, output
    said = "no ledger at" if kind == "missing" else "cannot open"
    assert f"I/O or environment fault: {said} {log}" in output
    assert sorted(tmp_path.rglob("*")) == before


def test_a_holding_beyond_float_range_is_valued_infinite_not_a_crash() -> None:
    prices, balances = Prices(), Balances()
    prices.latest["ALEX"] = Quote(price=150_000_000, scale=10**8, quote="USD", block=1)
    balances.decimals["ALEX"] = 8
    assert _value(prices, balances, "ALEX", 200_000_000) == 3.0
    assert _value(prices, balances, "ALEX", 10**400) == math.inf
    assert _value(prices, balances, "STX", 1) is None


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--crash-multiplier", "inf", "inf is not a finite number"),
        ("--ltv", "nan", "nan is not a finite number"),
        ("--monthly-fees", "nan", "nan is not a number in the range x>=0"),
        ("--pool-share", "nan", "nan is not a number in the range 0<=x<=1"),
    ],
)
def test_a_float_option_that_is_not_finite_is_a_usage_error(
    tmp_path: Path, option: str, value: str, said: str
) -> None:
    """NaN passes every comparison of a range, and infinity an open one: each is refused."""
    series = three_hours(tmp_path)
    code, output = run("var", "--series", str(series), option, value)
    assert code == 2, output
    assert said in output


@pytest.mark.parametrize("option", ["--paths", "--horizon-hours"])
def test_a_run_the_machine_cannot_hold_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str
) -> None:
    """10^12 paths hold 24 TB, 10^12 hours 92 TB: refused before the series is read."""
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: 10**9)
    chart = tmp_path / "v.svg"
    args = ["var", "--series", str(tmp_path / "none.csv"), option, str(10**12)]
    code, output = run(*args, "--chart", str(chart))
    assert code == 2, output
    said = " ".join(output.split())
    assert "--paths x --horizon-hours:" in said
    assert "of memory, more than the 1.0 GB this machine has available" in said
    assert "(92 bytes an hour, 24 a path, 980 a path of each chunk running at once)" in said
    assert "give fewer --paths or --horizon-hours" in said
    assert not chart.exists()


def test_the_largest_run_that_fits_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With exactly the memory 50 paths x 3 hours need, they run; one path or hour more is refused."""
    fits = VarParameters(paths=50, horizon_hours=3)
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: memory_bytes(fits))
    assert memory_refusal(fits) is None
    assert memory_refusal(fits.model_copy(update={"paths": 51})) is not None
    assert memory_refusal(fits.model_copy(update={"horizon_hours": 4})) is not None
    series, chart = three_hours(tmp_path), tmp_path / "v.svg"
    args = ["var", "--series", str(series), "--no-sensitivity", "--chart", str(chart)]
    code, output = run(*args, "--paths", "50", "--horizon-hours", "3")
    assert code == 0, output
    code, output = run(*args, "--paths", "50", "--horizon-hours", "4")
    assert code == 2 and "50 paths x 4 hours need about" in output, output


@needs_series
def test_a_pool_whose_expiry_the_machine_cannot_hold_is_refused(
    alex_log: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hours come from the books (the loan's expiry), so the refusal is of input (1)."""
    monkeypatch.setattr(memory, "available_memory_bytes", lambda: 1000)
    chart = tmp_path / "v.svg"
    args = ["var", "--series", str(PRICES / "btc-usd-1h.csv"), "--invert", "--paths", "300"]
    code, output = run(*args, "--db", str(alex_log), "--at-block", "2000", "--chart", str(chart))
    assert code == 1, output
    said = " ".join(output.split())
    assert "pool crp at block 2000," in said and "hours to expiry: 300 paths x" in said
    assert "more than the 1.0 kB this machine has available" in said
    assert "give fewer --paths, or a block nearer the expiry" in said
    assert not chart.exists()


def test_the_progress_bar_counts_every_path_hour_it_is_told_of(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bar's total is what the runs and the sensitivity table report, no more, no less."""
    seen: dict[str, int] = {"total": 0, "done": 0}

    @contextmanager
    def bar(total: int, *_args: object, **_kwargs: object) -> Iterator[Callable[[int], None]]:
        seen["total"] = total

        def update(done: int) -> None:
            seen["done"] += done

        yield update

    monkeypatch.setattr(cli_var, "progress_bar", bar)
    series = three_hours(tmp_path)
    args = ["var", "--series", str(series), "--paths", "30", "--horizon-hours", "50"]
    code, output = run(*args, "--chart", str(tmp_path / "v.svg"))
    assert code == 0, output
    runs = len(sensitivity_runs(VarParameters(paths=30, horizon_hours=50)))
    assert seen == {"total": (1 + runs) * 30 * 50, "done": (1 + runs) * 30 * 50}
