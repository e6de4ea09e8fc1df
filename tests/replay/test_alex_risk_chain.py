"""The shipped risk-chain scenario: a WBTC crash leaves a CRP short at expiry, the reserve
covers what it holds, an emergency issuance proposal passes and is enacted, ALEX is sold
through a pool and the proceeds fill the reserve; the summary tells it in blocks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from projections.balances import Balances
from replay.cli import cli
from replay.scenario import load_scenario
from replay.summary import render_summary
from tests.replay.printed import no_base_units, shown

ROOT = Path(__file__).resolve().parents[2]
CHAIN = ROOT / "fixtures" / "scenarios" / "alex-risk-chain.toml"
ONE = 10**8


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    db = tmp_path_factory.mktemp("chain") / "chain.db"
    code, output = run("replay", str(CHAIN), "--db", str(db), "--json")
    assert code == 0, output
    summary: dict[str, Any] = json.loads(output)
    return db, summary


def test_the_risk_chain_replays_verifies_and_runs_in_order(
    replayed: tuple[Path, dict[str, Any]],
) -> None:
    db, summary = replayed
    code, output = run("replay", "--verify", str(db))
    assert code == 0 and "checkpoints match" in output, output
    chain = summary["alex_risk_chain"]
    expiry = next(
        step.args["expiry"]
        for step in load_scenario(CHAIN).setup
        if step.command == "CreateCollateralPool"
    )
    (shortfall_block,) = chain["shortfall"]["blocks"]
    assert shortfall_block > expiry and chain["shortfall"]["amount"] > 0
    assert chain["reserve_cover"]["blocks"] == [shortfall_block]
    assert chain["reserve_cover"]["amount"] == ONE  # all the reserve of WBTC held
    (proposal,) = chain["proposals"].values()
    assert proposal["passed"] and proposal["added_block"] > shortfall_block
    assert proposal["enacted_block"] >= proposal["concluded_block"] >= proposal["voting_blocks"][1]
    (issuance,) = chain["issuance"]
    assert issuance["block"] >= proposal["enacted_block"] and issuance["sold_through"]
    assert chain["reserve_refilled"] == {
        "blocks": [issuance["block"]],
        "amount": issuance["proceeds"],
    }
    owed = chain["shortfall"]["amount"] - chain["reserve_cover"]["amount"]
    assert chain["covered_by_issuance"]["amount"] == owed <= issuance["proceeds"]
    assert chain["outstanding"] == 0
    assert min(chain["redemptions_blocks"]) > issuance["block"]


def test_the_books_agree_with_the_story(replayed: tuple[Path, dict[str, Any]]) -> None:
    db, summary = replayed
    (issuance,) = summary["alex_risk_chain"]["issuance"]
    store = SqliteStore(db)
    try:
        balances = next(p for p in Projector(store).current() if isinstance(p, Balances))
    finally:
        store.close()
    assert balances.supply("ALEX") == 10**9 * ONE + issuance["alex_amount"]  # only issuance
    # Yield tokens paid 1:1 (800,000 USDA lent); the key tokens take what the 1.1 coverage left.
    assert balances.balance("borrower", "USDA") >= 800_000 * ONE
    assert balances.supply("yield-crp") == balances.supply("key-crp") == 0
    assert balances.balance("pool:crp", "WBTC") == 0
    assert balances.violations() == []
    assert summary["refusals"] == {}


def test_without_the_vote_nothing_is_issued_and_the_shortfall_stays_owed(tmp_path: Path) -> None:
    text = CHAIN.read_text()
    without_voter = text[: text.index('kind = "alex_voter"')].rsplit("[[agents]]", 1)[0]
    scenario = tmp_path / "no-vote.toml"
    scenario.write_text(without_voter)
    code, output = run("replay", str(scenario), "--db", str(tmp_path / "no-vote.db"), "--json")
    assert code == 0, output
    chain = json.loads(output)["alex_risk_chain"]
    assert chain["issuance"] == [] and chain["proposals"] == {}
    assert chain["outstanding"] == chain["shortfall"]["amount"] - ONE > 0


def whole(amount: int) -> str:
    return shown(amount, 8, 4)


def test_the_printed_chain_reads_in_token_units(replayed: tuple[Path, dict[str, Any]]) -> None:
    _, summary = replayed
    chain = summary["alex_risk_chain"]
    assert chain["token"] == "WBTC"
    lines = render_summary(summary)
    printed = "\n".join(lines[lines.index("alex_risk_chain:") :])
    shortfall = chain["shortfall"]
    assert (
        f"  shortfall: {whole(shortfall['amount'])} WBTC "
        f"(blocks {', '.join(map(str, shortfall['blocks']))})" in printed
    )
    assert f"  reserve_cover: {whole(chain['reserve_cover']['amount'])} WBTC" in printed
    ((proposal_id, proposal),), (issuance,) = chain["proposals"].items(), chain["issuance"]
    assert f"  proposal {proposal_id} ({proposal['kind']}): allows " in printed
    assert f"{whole(proposal['allows_alex'])} ALEX of issuance" in printed
    assert f"passed at block {proposal['concluded_block']}" in printed
    assert (
        f"  issuance at block {issuance['block']}: {whole(issuance['alex_amount'])} ALEX sold "
        f"through {issuance['sold_through']} for {whole(issuance['proceeds'])} WBTC" in printed
    )
    assert f"  outstanding: {whole(chain['outstanding'])} WBTC" in printed
    assert no_base_units(lines) == []
