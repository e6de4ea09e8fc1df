"""`defi-ledger log` in display units: each int field in the unit its event type declares
(`events.units`), read back against the same records as JSON (exact integers) through a
`Decimal` and `Fraction` model."""

from __future__ import annotations

import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from events.base import event_type
from events.units import field_unit
from replay.cli import cli
from replay.cli.log_view import payload_text
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


def number_of(text: str) -> Fraction:
    """The number a printed value starts with (`1,500.5`, `-0.3%`), read back exactly."""
    return Fraction(re.match(r"-?[\d,]+(\.\d+)?", text)[0].replace(",", ""))  # type: ignore[index]


def printed_value(line: str, key: str) -> str:
    start = line.index(f" {key}=") + len(key) + 2
    return line[start:].split(" ", 1)[0]


def test_every_int_field_reads_in_the_unit_its_event_type_declares(
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
            unit = field_unit(event_type(event["type"]), key)  # type: ignore[arg-type]
            if isinstance(value, dict | list) and unit is None:  # nested: compact JSON
                start = line.index(f" {key}=") + len(key) + 2
                assert json.JSONDecoder().raw_decode(line, start)[0] == value, line
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                continue
            assert unit is not None, (event["type"], key)
            shown_text = printed_value(line, key)
            if unit.kind == "amount":
                asset = unit.of.split("=", 1)[1] if "=" in unit.of else event[unit.of[6:]]
                assert shown_text == f"{display(value, decimals[asset])}\u00a0{asset}", line
                converted += 1
            elif unit.kind == "fixed":
                scale = unit.scale or event["scale"]
                exact = Fraction(value * (100 if unit.of == "ratio" else 1), scale)
                assert abs(number_of(shown_text) - exact) <= Fraction(1, 10**18), (key, line)
                assert shown_text.endswith("%" if unit.of == "ratio" else ""), (key, line)
            elif unit.of.startswith("scale"):
                assert shown_text == f"1e{len(str(value)) - 1}", line
            else:
                assert shown_text == str(value), (key, line)
    assert converted >= 20  # swaps, mints and liquidity in each scenario


def test_amounts_whose_asset_the_event_type_declares_read_in_it(
    printed: tuple[list[dict[str, Any]], list[str]],
) -> None:
    """Shares, LP amounts, a collateral pool's dx and dy, AlphaX pairs and votes were printed
    as stored: the event names their asset in a field their name does not point at."""
    lines = "\n".join(printed[1])
    scenario_lines = {
        "CollateralMinted": "dx=20\u00a0WBTC",
        "VoteCast": "amount=30,000\u00a0ALEX",
        "AlphaxPairMinted": "pair_amount=200\u00a0ETH-1500-3000:ETH-1500",
        "FxStabilityDeposited": "shares=500,000\u00a0shares",
        "PriceUpdated": "scale=1e",
    }
    found = [text for tag, text in scenario_lines.items() if f" {tag} " in lines]
    assert found and all(text in lines for text in found), found
    assert "scale=1000000000000000000 " not in lines and "scale=100000000 " not in lines


def test_a_unit_that_cannot_be_known_leaves_the_value_as_stored() -> None:
    """A chain token whose decimals are unknown, or an asset the event leaves empty."""
    swap = {"type": "Swapped", "asset_in": "0xabc", "asset_out": "", "fee": 9, "amount_out": 5}
    text = payload_text(swap, {})
    assert "fee=9\u00a0base\u00a0units\u00a0of\u00a00xabc" in text and "amount_out=5" in text
    retracted = {"type": "BlocksRetracted", "chain_id": 1, "fork_block": 10**12, "from_seq": 3}
    assert payload_text(retracted, {}) == f"chain_id=1 fork_block={10**12} from_seq=3"
