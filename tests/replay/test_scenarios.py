"""Every shipped scenario replays, verifies and is deterministic; the flash crash does damage."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest
from click.testing import CliRunner

from events.record import Record
from ledger.sqlite_store import SqliteStore
from projections.runtime import fold, make_projections
from replay.cli import cli
from replay.cli.replay import replay  # noqa: F401  (registers the replay commands)
from replay.runner import replay_scenario
from replay.scenario import AgentSpec, ScenarioError, load_scenario
from tests.replay.printed import no_base_units, shown

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "fixtures" / "scenarios"
SHARED_PRICES = ROOT.parent / "shared" / "data" / "prices"
SHIPPED = sorted(SCENARIOS.glob("*.toml"))
REAL = sorted((SCENARIOS / "real").glob("*.toml"))
FLASH = SCENARIOS / "flash-crash.toml"


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def replayed_summary(scenario: Path, db: Path) -> dict[str, object]:
    code, output = run("replay", str(scenario), "--db", str(db), "--json")
    assert code == 0, output
    summary: dict[str, object] = json.loads(output)
    return summary


@pytest.fixture(scope="module")
def flash(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    db = tmp_path_factory.mktemp("flash") / "flash.db"
    return db, replayed_summary(FLASH, db)


@pytest.mark.parametrize("scenario", SHIPPED, ids=[path.stem for path in SHIPPED])
def test_a_shipped_scenario_replays_and_verifies(scenario: Path, tmp_path: Path) -> None:
    if scenario == FLASH:
        pytest.skip("replayed by the flash-crash tests below")
    db = tmp_path / "log.db"
    summary = replayed_summary(scenario, db)
    assert summary["checkpoints"]
    code, output = run("replay", "--verify", str(db))
    assert code == 0 and "checkpoints match" in output, output
    assert_projections_read_only_what_folds_carry(db)


def scrambled(record: Record) -> Record:
    """The record with every field a fold read may leave out set to a misleading value."""
    return msgspec.structs.replace(
        record,
        ts_ms=-record.seq,
        stream=f"scrambled-{record.seq}",
        stream_version=10**6 + record.seq,
        event_id=f"scrambled-{record.seq}",
        idempotency_key="scrambled",
        prev_hash="f" * 64,
        hash="e" * 64,
    )


def assert_projections_read_only_what_folds_carry(db: Path) -> None:
    """Every projection folds to the same digests whatever the fields it must not read hold
    (`Projection.apply`: the fold read leaves them out)."""
    store = SqliteStore(db)
    try:
        full, blind = make_projections(), make_projections()
        fold(store.read(), full)
        fold(map(scrambled, store.read()), blind)
    finally:
        store.close()
    assert [projection.digest() for projection in blind] == [
        projection.digest() for projection in full
    ]


def test_the_shipped_scenarios_are_the_three_the_issue_names_and_one_reads_a_csv() -> None:
    names = {path.stem for path in SHIPPED}
    assert {"calm-month", "flash-crash", "slow-bleed"} <= names
    csv_sourced = [
        path for path in SHIPPED if any(source.csv for source in load_scenario(path).prices)
    ]
    assert csv_sourced
    for path in csv_sourced:
        for source in load_scenario(path).prices:
            assert source.csv is not None
            assert (path.parent / source.csv).resolve().is_relative_to(ROOT / "fixtures" / "prices")


def test_the_flash_crash_rebalances_liquidates_and_kills_a_strike(
    flash: tuple[Path, dict[str, object]],
) -> None:
    _, summary = flash
    outcomes = summary["protocol_outcomes"]
    assert isinstance(outcomes, dict)
    assert outcomes["fx_rebalances"] > 0
    assert outcomes["fx_liquidations"] > 0
    assert outcomes["dead_strikes"] == ["ETH-1500-3000 (long)"]
    events = summary["events_by_type"]
    assert isinstance(events, dict)
    assert events["AlphaxStrikeLiquidated"] == 1 and events["AlphaxGraveyardBought"] >= 1
    assert events["ShortfallCovered"] >= 1  # the liquidation bonus came from the reserve pool


def test_the_flash_crash_replays_byte_identically_and_verifies(
    flash: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    db, summary = flash
    again = tmp_path / "again.db"
    assert replayed_summary(FLASH, again)["head"] == summary["head"]
    first, second = SqliteStore(db), SqliteStore(again)
    try:
        assert list(first.rows()) == list(second.rows())
    finally:
        first.close()
        second.close()
    code, output = run("replay", "--verify", str(db))
    assert code == 0 and "checkpoints match" in output
    assert_projections_read_only_what_folds_carry(db)


def test_the_summary_names_every_headline_the_issue_lists_in_display_units(
    flash: tuple[Path, dict[str, object]],
) -> None:
    db, summary = flash
    code, output = run("replay", str(FLASH), "--db", str(db.parent / "printed.db"))
    assert code == 0, output
    for headline in (
        "events by type:",
        "fx_rebalances:",
        "fx_liquidations:",
        "dead_strikes:",
        "fx_bad_debt_raw:",
        "reserve_coverage:",
        "positions_worst:",
        "governance_outcomes:",
    ):
        assert headline in output, headline
    assert no_base_units(output.splitlines()) == []
    assert "governance_outcomes: none" in output.splitlines()  # no proposal in this scenario
    assert "refusals: none" in output.splitlines()
    outcomes = summary["protocol_outcomes"]
    assert isinstance(outcomes, dict)
    market = outcomes["alphax_graveyards"]["ETH-1500-3000"]
    usd = {key: shown(market[key], 6, 2) for key in market if key.endswith("_per_token")}
    assert (
        f"settlement value {usd['settlement_value_per_token']} USD a token, holders recover "
        f"{usd['holder_recovery_per_token']} USD a token; dead supply "
        f"{shown(market['dead_supply'], market['token_decimals'], 4)} tokens" in output
    )
    (quote,) = outcomes["alphax_quotes"]
    assert f"premium {shown(quote['premium'] * 100, 8, 2)}%" in output
    assert f"capital efficiency {shown(quote['capital_efficiency'], 8, 4)}×" in output
    reserve = outcomes["reserve_coverage"]["fx:ETH"]
    assert f"  fx:ETH: balance {shown(reserve['balance'], 18, 4)} ETH, shortfalls " in output


def test_bad_agent_params_name_the_file_and_the_param(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        FLASH.read_text().replace('params = { keeper = "keeper" }', 'params = { pay_with = "x" }')
    )
    with pytest.raises(ScenarioError, match=r"bad\.toml.*fx_keeper.*`keeper`"):
        replay_scenario(load_scenario(bad), tmp_path / "bad.db")
    from replay.agents.catalog import make_agent

    scenario = load_scenario(FLASH)
    spec = AgentSpec(kind="fx_keeper", params={"keeper": "k", "pay_with": "credit"})
    with pytest.raises(ScenarioError, match="pay_with"):
        make_agent(spec, scenario)


@pytest.mark.parametrize("scenario", REAL, ids=[path.stem for path in REAL])
def test_a_real_series_scenario_replays_and_verifies(scenario: Path, tmp_path: Path) -> None:
    if not SHARED_PRICES.is_dir():
        pytest.skip(f"the real price series are not here ({SHARED_PRICES} is absent)")
    db = tmp_path / "log.db"
    summary = replayed_summary(scenario, db)
    outcomes = summary["protocol_outcomes"]
    assert isinstance(outcomes, dict)
    assert outcomes["fx_rebalances"] + outcomes["fx_liquidations"] > 0
    assert run("replay", "--verify", str(db))[0] == 0
