"""Numbers people read: exact display units with their unit; JSON that keeps every digit."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from replay.cli import cli
from replay.units import Units, decimal_text, json_safe, percent_text, scaled_text
from tests.analyst.conftest import SECOND, WHALE


@given(st.integers(min_value=-(10**40), max_value=10**40), st.integers(0, 30))
def test_display_text_is_the_exact_quotient(value: int, decimals: int) -> None:
    from fractions import Fraction

    text = decimal_text(value, decimals)
    assert Fraction(text) == Fraction(value, 10**decimals)


def test_rounding_is_for_display_only_and_half_even() -> None:
    assert decimal_text(1_500_000, 6) == "1.5"
    assert decimal_text(125, 2, places=1) == "1.2"
    assert decimal_text(135, 2, places=1) == "1.4"
    assert decimal_text(10**30, 18, grouped=True) == "1,000,000,000,000"
    assert percent_text(7 * 10**17, 10**18) == "70%"
    assert scaled_text(2**96 * 3 // 2, 2**96, 2) == "1.5"


def test_cells_carry_their_unit() -> None:
    units = Units({"ETH": 18, "USDC": 6})
    row = {"account": "a", "asset": "ETH", "amount": 15 * 10**17}
    assert units.cell("balances", "amount", row) == "1.5 ETH"
    assert units.cell("fx_positions", "ltv_1e18", {"ltv_1e18": 55 * 10**16}) == "55%"
    assert units.header("fx_positions", "ltv_1e18") == "ltv"
    base = Units({"ETH": 18}, "base")
    assert base.cell("balances", "amount", row) == str(15 * 10**17)
    unknown = units.cell("balances", "amount", {"asset": "XYZ", "amount": 7})
    assert unknown == "7 base units of XYZ"


@pytest.mark.parametrize(
    ("parameter", "value", "shown"),
    [
        ("issuance", 5 * 10**14, "5,000,000 ALEX"),  # ALEX has 8 decimals
        ("reserve-distribution", 25 * 10**7, "2.5 WBTC"),  # the target's token
        ("fee-rebate", 5 * 10**7, "50%"),  # a rebate x 1e8
        ("emission-schedule", 0, "0"),  # the bands are in `values`
        ("a-parameter-not-known", 7, "7"),  # no unit known: as stored, never a guess
    ],
)
def test_a_governance_change_value_has_its_parameters_unit(
    parameter: str, value: int, shown: str
) -> None:
    units = Units({"ALEX": 8, "WBTC": 8})
    row = {"parameter": parameter, "target": "WBTC", "value": value}
    assert units.cell("governance_changes", "value", row) == shown
    assert Units({}, mode="base").cell("governance_changes", "value", row) == str(value)


def test_an_emission_schedule_s_bands_are_alex() -> None:
    units = Units({"ALEX": 8})
    row = {"parameter": "emission-schedule", "target": "ALEX", "values": "70000000000000,5"}
    assert units.cell("governance_changes", "values", row) == "700,000 ALEX; 0.00000005 ALEX"
    assert Units({}, mode="base").cell("governance_changes", "values", row) == row["values"]
    other = {**row, "parameter": "a-parameter-not-known"}
    assert units.cell("governance_changes", "values", other) == row["values"]


def test_a_price_s_scale_reads_as_a_power() -> None:
    row = {"asset": "ETH", "price": 2000 * 10**18, "scale": 10**18, "quote": "USD"}
    assert Units({}).cell("prices", "scale", row) == "1e18"
    assert Units({}).cell("prices", "price", row) == "2,000 USD"
    assert Units({}, mode="base").cell("prices", "scale", row) == str(10**18)


def test_datasette_and_the_reference_say_a_governance_change_s_unit_is_its_rows() -> None:
    from replay.schema import schema
    from replay.serve import table_metadata

    described = table_metadata()["view_governance_changes"]["columns"]["value"]
    assert "tokens" not in described and "set by the row" in described
    (governance,) = [p for p in schema()["projections"] if p["projection"] == "governance"]
    changes = {t["table"]: t for t in governance["tables"]}["governance_changes"]
    value = {c["name"]: c for c in changes["columns"]}["value"]
    assert "tokens" not in value["unit"] and "set by the row" in value["unit"]


class ViewRow(dict[str, object]):
    """A row as Datasette hands it to `render_cell` (sqlite3.Row: keys, then its values)."""

    def __iter__(self):  # type: ignore[override]
        return iter(self.values())


def test_datasette_shows_bands_and_scales_in_their_units(monkeypatch: pytest.MonkeyPatch) -> None:
    from replay import datasette_plugin

    monkeypatch.setitem(datasette_plugin.DECIMALS, "ALEX", 8)
    bands = ViewRow(parameter="emission-schedule", value="0", values="70000000000000,5")
    cell = datasette_plugin.render_cell(
        bands, bands["values"], "values", "view_governance_changes", "log", None
    )
    assert str(cell) == "700,000 ALEX; 0.00000005 ALEX"
    prices = ViewRow(asset="ETH", price="2000", scale=10**18, quote="USD")
    cell = datasette_plugin.render_cell(prices, 10**18, "scale", "view_prices", "log", None)
    assert str(cell) == "1e18"


def test_json_writes_ints_beyond_2_53_as_strings() -> None:
    assert json_safe({"a": [2**53, 2**53 + 1, -(2**60), True]}) == {
        "a": [2**53, str(2**53 + 1), str(-(2**60)), True]
    }


def state_json(db: Path, *extra: str) -> str:
    result = CliRunner().invoke(
        cli, ["state", str(db), "--projection", "balances", "--asset", "ETH", "--json", *extra]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_state_json_through_jq_keeps_every_digit(whale_log: Path) -> None:
    jq = shutil.which("jq")
    if jq is None:
        pytest.skip("jq is not installed (apt-get install jq); the JSON itself is checked below")
    output = state_json(whale_log)
    piped = subprocess.run(
        [jq, "-c", '.projections.balances.tables.balances[] | select(.account == "whale")'],
        input=output,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    assert int(json.loads(piped)["amount"]) == WHALE
    assert f'"{WHALE}"' in piped


def test_bare_ints_are_there_on_request(whale_log: Path) -> None:
    rows = json.loads(state_json(whale_log, "--json-bare-ints"))["projections"]["balances"]
    amounts = {row["account"]: row["amount"] for row in rows["tables"]["balances"]}
    assert amounts["second"] == SECOND and isinstance(amounts["second"], int)


def test_state_text_is_in_display_units_and_base_on_request(whale_log: Path) -> None:
    args = ["state", str(whale_log), "--projection", "balances", "--account", "whale"]
    shown = CliRunner().invoke(cli, args).output
    assert "1,000,000,000,000 ETH" in shown
    base = CliRunner().invoke(cli, [*args, "--units", "base"]).output
    assert str(WHALE) in base
