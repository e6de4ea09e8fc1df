"""`defi-ledger log` in display units: each amount whose asset the event names, read back
against the same records as JSON (exact integers) through a `Decimal` model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from replay.cli import cli
from replay.cli.log_view import field_asset
from tests.replay.printed import shown

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"


def run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def display(amount: int, decimals: int) -> str:
    """The model: exact decimal text (rounded to all its places), thousands grouped."""
    return shown(amount, decimals, decimals)


@pytest.fixture(
    scope="module", params=["flash-crash.toml", "alex-risk-chain.toml", "calm-month.toml"]
)
def printed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[list[dict[str, Any]], list[str]]:
    db = tmp_path_factory.mktemp("log") / "log.db"
    run("replay", str(SCENARIOS / request.param), "--db", str(db))
    records = [
        json.loads(line) for line in run("log", str(db), "--json", "--json-bare-ints").splitlines()
    ]
    return records, run("log", str(db)).splitlines()


def test_every_amount_whose_asset_the_event_names_reads_in_that_asset(
    printed: tuple[list[dict[str, Any]], list[str]],
) -> None:
    records, lines = printed
    decimals = {
        r["event"]["asset"]: r["event"]["decimals"]
        for r in records
        if r["event"]["type"] == "AssetRegistered"
    }
    assert len(records) == len(lines)
    converted = 0
    for record, line in zip(records, lines, strict=True):
        event = record["event"]
        for key, value in event.items():
            if isinstance(value, dict | list):  # nested: compact JSON, not a Python repr
                start = line.index(f" {key}=") + len(key) + 2
                assert json.JSONDecoder().raw_decode(line, start)[0] == value, line
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                continue
            asset = field_asset(key, event)
            if key == "price" and event.get("scale"):
                scale = event["scale"]
                shown = display(value * 10**18 // scale, 18)  # these scales are powers of ten
                assert f" price={shown}\u00a0{event['quote']} " in line, line
            elif asset is not None and asset in decimals:
                assert f" {key}={display(value, decimals[asset])}\u00a0{asset}" in line, line
                converted += 1
            else:
                assert f" {key}={value}" in line, (key, line)
    assert converted >= 20  # swaps, mints and liquidity in each scenario


def test_the_asset_comes_from_the_event_and_nothing_else() -> None:
    swap = {"type": "Swapped", "asset_in": "fxUSD", "asset_out": "USDC", "fee": 9}
    assert field_asset("fee", swap) == "fxUSD"
    assert field_asset("amount_out", swap) == "USDC"
    assert field_asset("amount_x", {"token_x": "ALEX", "token_y": "WBTC"}) == "ALEX"
    assert field_asset("alex_amount", {"token": "WBTC", "alex_asset": "ALEX"}) == "ALEX"
    assert field_asset("lp_minted", {"lp_asset": "LP-A-B"}) == "LP-A-B"
    assert field_asset("collateral_usdc", {"collateral_asset": "USDC"}) == "USDC"
    assert field_asset("bonus_fxusd", {}) == "fxUSD"
    # Named by nothing: left as stored, never guessed from the event's other assets.
    assert field_asset("coll_shares_delta", {"collateral_asset": "ETH"}) is None
    assert field_asset("fee", {"type": "FxPositionOperated", "asset": "ETH"}) is None
    assert field_asset("pair_amount", {"collateral_asset": "USDC"}) is None
    assert field_asset("amount_usd", {"token": "USDC"}) is None  # a value, in no asset
    assert field_asset("dead_token_amount", {"asset": "ETH"}) is None
    assert field_asset("amount_in_net", {"asset_in": "WBTC"}) == "WBTC"
    assert field_asset("amount_x_in", {"token_x": "ALEX"}) == "ALEX"
    assert field_asset("amount_fxusd", {"fxusd": "0xabc"}) == "fxUSD"
