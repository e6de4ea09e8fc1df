"""`append` checks every fact against the books: a fact that breaks a rule is refused by name
and the log file stays byte-identical; a fact that fits is appended."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import msgspec
import pytest
from click.testing import CliRunner

from events.base import event_type
from replay.cli import cli
from tests.facts import dangling_fact

GENESIS = Path(__file__).resolve().parents[2] / "fixtures" / "events" / "genesis.jsonl"


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.output


def line(event: dict[str, object], block: int = 20) -> str:
    return json.dumps({"block": block, "event": event})


#: Genesis, plus a governance authority, ALEX for alice and an open proposal AGP-1.
BOOKS = [
    line({"type": "GovernanceConfigured", "authority": "foundation"}, block=10),
    line({"type": "Minted", "asset": "ALEX", "to_account": "alice", "amount": 900}, block=10),
    line(
        {"type": "ProposalAdded", "proposal_id": "AGP-1", "proposer": "alice"}
        | {"start_height": 10, "end_height": 100},
        block=10,
    ),
]


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    path = tmp_path / "ledger.db"
    assert run("init", str(path))[0] == 0
    books = GENESIS.read_text() + "\n".join(BOOKS) + "\n"
    code, output = run("append", str(path), "-", stdin=books)
    assert code == 0, output
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


#: The event types whose facts, naming a pool, proposal or staking token that does not exist,
#: used to be appended and then crash every fold; each with the code `append` now gives.
POISON = {
    "CollateralMinted": "UNKNOWN_POOL",
    "CollateralRedeemed": "UNKNOWN_POOL",
    "CollateralSwapped": "UNKNOWN_POOL",
    "YieldLiquidityChanged": "UNKNOWN_POOL",
    "YieldTokenSwapped": "UNKNOWN_POOL",
    "ExecutiveSignalled": "UNKNOWN_PROPOSAL",
    "ProposalConcluded": "UNKNOWN_PROPOSAL",
    "ProposalExecuted": "UNKNOWN_PROPOSAL",
    "ProposalVetoed": "UNKNOWN_PROPOSAL",
    "VoteCast": "UNKNOWN_PROPOSAL",
    "VotesReclaimed": "UNKNOWN_PROPOSAL",
    "StakingActivationSet": "UNKNOWN_STAKING_TOKEN",
    "StakingUserRegistered": "UNKNOWN_STAKING_TOKEN",
}


def poison_line(tag: str) -> str:
    cls = event_type(tag)
    assert cls is not None
    return line(msgspec.to_builtins(dangling_fact(cls)))


#: Facts that break one of the books' rules, each with the code that names it.
BROKEN_RULES = {
    "overdraft": (
        {"type": "Transferred", "asset": "USDC", "from_account": "bob"}
        | {"to_account": "carol", "amount": 2_000_000_001},
        "INSUFFICIENT_BALANCE",
    ),
    "transfer out of issuer:USDC without a mint": (
        {"type": "Transferred", "asset": "USDC", "from_account": "issuer:USDC"}
        | {"to_account": "mallory", "amount": 5},
        "NOT_MINTED",
    ),
    # A chain's `outside:` account goes negative only by facts imported from that chain.
    "transfer out of a chain's outside account by a plain fact": (
        {"type": "Transferred", "asset": "USDC", "from_account": "outside:evm:1"}
        | {"to_account": "mallory", "amount": 5},
        "INSUFFICIENT_BALANCE",
    ),
    "transfer out of the Stacks outside account by a plain fact": (
        {"type": "Transferred", "asset": "USDC", "from_account": "outside:stacks"}
        | {"to_account": "mallory", "amount": 5},
        "INSUFFICIENT_BALANCE",
    ),
    "a second AssetRegistered changing decimals": (
        {"type": "AssetRegistered", "asset": "USDC", "symbol": "USDC", "decimals": 18},
        "ASSET_EXISTS",
    ),
    "pause by a non-authority": (
        {"type": "GovernancePauseSet", "paused": True, "by": "mallory"},
        "NOT_AUTHORISED",
    ),
    "veto by a non-authority": (
        {"type": "ProposalVetoed", "proposal_id": "AGP-1", "by": "mallory"},
        "NOT_AUTHORISED",
    ),
    "vote by an account holding nothing": (
        {"type": "VoteCast", "proposal_id": "AGP-1", "voter": "mallory", "amount": 1}
        | {"in_favour": True},
        "INSUFFICIENT_BALANCE",
    ),
    "vote with more than the voter holds": (
        {"type": "VoteCast", "proposal_id": "AGP-1", "voter": "alice", "amount": 901}
        | {"in_favour": True},
        "INSUFFICIENT_BALANCE",
    ),
}


def assert_refused(ledger: Path, text: str, code: str) -> None:
    before = sha256(ledger)
    exit_code, output = run("append", str(ledger), "-", stdin=text)
    assert exit_code == 1, output
    assert f"rejected ({code})" in output, output
    assert "hint:" in output
    assert sha256(ledger) == before


@pytest.mark.parametrize("tag", sorted(POISON))
def test_a_fact_naming_nothing_is_refused_and_appends_nothing(ledger: Path, tag: str) -> None:
    assert_refused(ledger, poison_line(tag), POISON[tag])


@pytest.mark.parametrize("case", sorted(BROKEN_RULES))
def test_a_fact_breaking_the_books_rules_is_refused(ledger: Path, case: str) -> None:
    event, code = BROKEN_RULES[case]
    assert_refused(ledger, line(event), code)


def test_a_refused_line_refuses_the_whole_batch(ledger: Path) -> None:
    fine = {"type": "Minted", "asset": "USDC", "to_account": "carol", "amount": 5}
    event, code = BROKEN_RULES["transfer out of issuer:USDC without a mint"]
    assert_refused(ledger, line(fine) + "\n" + line(event), code)
    _, output = run("state", str(ledger), "--projection", "balances", "--account", "carol")
    assert "carol" not in output


def test_each_fact_is_checked_against_the_books_the_lines_before_it_left(ledger: Path) -> None:
    batch = [
        {"type": "Minted", "asset": "USDC", "to_account": "carol", "amount": 5},
        {"type": "Transferred", "asset": "USDC", "from_account": "carol"}
        | {"to_account": "dave", "amount": 5},
        {"type": "VoteCast", "proposal_id": "AGP-1", "voter": "alice", "amount": 900}
        | {"in_favour": True},
        {"type": "GovernancePauseSet", "paused": True, "by": "foundation"},
    ]
    code, output = run("append", str(ledger), "-", stdin="\n".join(map(line, batch)))
    assert code == 0, output
    _, output = run("state", str(ledger), "--projection", "governance", "--json")
    tables = json.loads(output)["projections"]["governance"]["tables"]
    assert tables["governance"][0]["votes_for"] == 900
    assert tables["governance_settings"][0]["paused"] is True


def test_input_that_is_not_utf8_is_refused_by_name(ledger: Path, tmp_path: Path) -> None:
    source = tmp_path / "bad.jsonl"
    source.write_bytes(b"\xff\xfe\n")
    before = sha256(ledger)
    exit_code, output = run("append", str(ledger), str(source))
    assert exit_code == 1 and "rejected (NOT_UTF8)" in output
    assert sha256(ledger) == before


def test_a_block_the_log_cannot_store_is_refused_by_name(ledger: Path) -> None:
    mint = {"type": "Minted", "asset": "USDC", "to_account": "a", "amount": 1}
    assert_refused(ledger, line(mint, block=10**20), "INT_OUT_OF_RANGE")
