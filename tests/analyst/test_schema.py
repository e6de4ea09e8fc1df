"""`defi-ledger schema` reads the code's registries, and docs/reference.md is its rendering."""

from __future__ import annotations

import json

from click.testing import CliRunner

import events  # noqa: F401  (the package registers every event type)
from events.base import event_types
from events.units import event_units
from ledger.commands import HANDLERS
from projections.runtime import PROJECTIONS, READ_MODELS
from replay.agents.catalog import AGENT_KINDS
from replay.cli import cli
from replay.schema import render_markdown, schema
from tests.analyst.conftest import ROOT

REFERENCE = ROOT / "docs" / "reference.md"


def test_docs_reference_is_up_to_date() -> None:
    assert REFERENCE.read_text() == render_markdown(schema()), (
        "docs/reference.md is out of date: run "
        "`.venv/bin/defi-ledger schema --markdown > docs/reference.md`"
    )


def test_schema_json_lists_every_registry_with_fields_and_units() -> None:
    result = CliRunner().invoke(cli, ["schema", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {c["command"] for c in data["commands"]} == {c.__name__ for c in HANDLERS}
    assert {a["kind"] for a in data["agent_kinds"]} == set(AGENT_KINDS)
    assert [p["projection"] for p in data["projections"]] == list(PROJECTIONS)
    assert [p["projection"] for p in data["read_models"]] == list(READ_MODELS)
    (positions,) = data["read_models"]
    tables = {t["table"]: {c["name"]: c for c in t["columns"]} for t in positions["tables"]}
    assert {"fx_positions", "strike_markets", "crp_loans"} <= set(tables)
    assert "liquidated" in tables["fx_positions"]["status"]["doc"]
    walked = next(e for e in data["event_types"] if e["type"] == "FxWalked")
    units = {f["name"]: f["unit"] for f in walked["fields"]}
    assert units["price_1e18"] == "price, 1e18 = 1" and units["raw_debts"] == "raw debt, 1e18 = 1"
    balances = data["projections"][0]["tables"][0]
    assert balances["view"] == "view_balances" and "amount_key TEXT" in balances["view_columns"]


def test_the_markdown_option_prints_the_reference() -> None:
    result = CliRunner().invoke(cli, ["schema", "--markdown"])
    assert result.exit_code == 0 and result.output == REFERENCE.read_text()


def test_every_int_field_of_every_event_type_has_a_unit() -> None:
    """Block heights, ids, indices and counts say so too: no int is left to be guessed."""
    missing = [
        f"{tag}.{name}"
        for tag, cls in sorted(event_types().items())
        for name, unit in event_units(cls).items()
        if unit is None
    ]
    assert not missing, f"declare their units in events/units.py: {missing}"


def test_the_reference_gives_the_unit_the_log_converts_by() -> None:
    """One catalog: `schema`'s unit of each event field is the unit `log` reads."""
    listed = {
        e["type"]: {f["name"]: f["unit"] for f in e["fields"]} for e in schema()["event_types"]
    }
    for tag, cls in event_types().items():
        for name, unit in event_units(cls).items():
            assert unit is not None and listed[tag][name] == unit.words(), (tag, name)
    assert listed["AlphaxPairMinted"]["pair_amount"] == "base units of the asset in `long_token`"
    assert listed["CollateralMinted"]["dx"] == "base units of the asset in `collateral`"
    assert listed["FxStabilityDeposited"]["shares"] == "shares, 1e18 = 1"
    assert listed["VoteCast"]["amount"] == "base units of the asset in `governance_token`"
    assert listed["StacksTransactionImported"]["tx_index"] == "index (a position, from 0)"
    assert listed["PriceUpdated"]["price"] == "price, the event's `scale` = 1"
