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

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
GENESIS = FIXTURES / "events" / "genesis.jsonl"
CHAIN = FIXTURES / "chain"


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), input=stdin)
    return result.exit_code, result.output


def line(event: dict[str, object], block: int = 20) -> str:
    return json.dumps({"block": block, "event": event})


POOL = {"pool": "ETH-USDC", "token_x": "ETH", "token_y": "USDC", "lp_asset": "ETH-USDC-LP"}
#: bob sells 0.001 ETH into the pool bob provides to (the amounts the pair's math gives).
SWAP = {"type": "Swapped", "pool": "ETH-USDC", "trader": "bob", "asset_in": "ETH"} | {
    "asset_out": "USDC",
    "amount_in": 10**15,
    "amount_out": 996_005,
    "fee": 3 * 10**12,
}

#: Genesis, plus a governance authority, ALEX for alice, an open proposal AGP-1 and a Uniswap
#: pool of 1 ETH and 1,000 USDC from bob.
BOOKS = [
    line({"type": "GovernanceConfigured", "authority": "foundation"}, block=10),
    line({"type": "Minted", "asset": "ALEX", "to_account": "alice", "amount": 900}, block=10),
    line(
        {"type": "ProposalAdded", "proposal_id": "AGP-1", "proposer": "alice"}
        | {"start_height": 10, "end_height": 100},
        block=10,
    ),
    line({"type": "AssetRegistered", "asset": "ETH-USDC-LP", "symbol": "LP", "decimals": 18}),
    line({"type": "PoolCreated", "kind": "uniswap_v2", "owner": "bob"} | POOL),
    line(
        {"type": "LiquidityAdded", "provider": "bob", "amount_x": 10**18, "amount_y": 10**9}
        | {"lp_minted": 31_622_776_600_683, "lp_locked": 1000}
        | POOL
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
    # A mint or a swap is held to the check the `Mint` and swap commands make.
    "a mint of an asset never registered": (
        {"type": "Minted", "asset": "NOPE", "to_account": "mallory", "amount": 5},
        "UNKNOWN_ASSET",
    ),
    "a mint of nothing": (
        {"type": "Minted", "asset": "USDC", "to_account": "mallory", "amount": 0},
        "ZERO_AMOUNT",
    ),
    "a mint of a negative amount": (
        {"type": "Minted", "asset": "USDC", "to_account": "mallory", "amount": -1},
        "NEGATIVE_AMOUNT",
    ),
    "a swap paying nothing in": (SWAP | {"amount_in": 0, "fee": 0}, "ZERO_AMOUNT"),
    "a swap paying nothing out": (SWAP | {"amount_out": 0}, "ZERO_AMOUNT"),
    "a swap of nothing for nothing": (
        SWAP | {"amount_in": 0, "amount_out": 0, "fee": 0},
        "ZERO_AMOUNT",
    ),
}


def head_seq(ledger: Path) -> int:
    code, output = run("info", str(ledger), "--json")
    assert code == 0, output
    seq: int = json.loads(output)["head_seq"]
    return seq


def assert_refused(ledger: Path, text: str, code: str) -> str:
    """Refused with `code` (exit 1), the log's head and bytes as they were; the output."""
    seq, before = head_seq(ledger), sha256(ledger)
    exit_code, output = run("append", str(ledger), "-", stdin=text)
    assert exit_code == 1, output
    assert f"rejected ({code})" in output, output
    assert "hint:" in output
    assert sha256(ledger) == before
    assert head_seq(ledger) == seq
    return output


def assert_admitted(ledger: Path, lines: list[str]) -> None:
    seq = head_seq(ledger)
    code, output = run("append", str(ledger), "-", stdin="\n".join(lines))
    assert code == 0, output
    assert head_seq(ledger) == seq + len(lines)


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


def test_a_mint_and_a_swap_that_fit_are_admitted(ledger: Path) -> None:
    mint = {"type": "Minted", "asset": "USDC", "to_account": "carol", "amount": 5}
    assert_admitted(ledger, [line(mint), line(SWAP)])


# -- facts imported from a chain ----------------------------------------------------------------

#: Not in `fixtures/chain/tokens.json`: registered by the import with its decimals unknown.
MYST = "evm:1:0x9c50aee3590cc917d9dd95eb546748040928e958"
WETH = "evm:1:0x5359e9235cc41cabee78f7f2a4fcf01e650ab475"
MYST_PAIR = "evm:1:0x664470debb4605318727403c8b789e21a8825331"
PROVENANCE = {"chain_id": 1, "block": 200, "tx_index": 0, "log_index": 0} | {
    "block_hash": "0x" + "1" * 64,
    "tx_hash": "0x" + "2" * 64,
}
ALEX_POOL = "stacks:sp3k8bc0ppevcv7nz6qsrwpq2je9e5b6n3pa0kbr9.fwp-wstx-alex-50-50-v1-01"
WSTX = "stacks:sp3k8bc0ppevcv7nz6qsrwpq2je9e5b6n3pa0kbr9.token-wstx"
#: One unit of wSTX sold: the fee (rounded up) takes it whole and the pool pays out nothing,
#: as ALEX's pools do; the fee goes to the reserve.
ALEX_DUST_SWAP = [
    {"type": "Swapped", "pool": ALEX_POOL, "trader": "outside:stacks", "asset_in": WSTX}
    | {"asset_out": "stacks:sp3k8bc0ppevcv7nz6qsrwpq2je9e5b6n3pa0kbr9.age000-governance-token"}
    | {"amount_in": 1, "amount_out": 0, "fee": 1, "reserve_share": 1},
    {"type": "ReserveCredited", "token": WSTX, "amount": 1, "from_account": "outside:stacks"}
    | {"source": f"swap-fee:{ALEX_POOL}"},
]


def imported(path: Path, *args: str) -> Path:
    code, output = run("import", str(path), *args)
    assert code == 0, output
    return path


@pytest.fixture
def uniswap_ledger(tmp_path: Path) -> Path:
    """The shipped Uniswap V2 demo, MYST's decimals unknown (not in the token list)."""
    logs, tokens = CHAIN / "uniswap-v2-demo.logs.json", CHAIN / "tokens.json"
    args = ("--format", "etl-json", "--token-list", str(tokens), str(logs))
    return imported(tmp_path / "uniswap.db", *args)


@pytest.fixture
def alex_ledger(tmp_path: Path) -> Path:
    """The shipped ALEX demo: a wSTX/ALEX pool imported from Stacks prints."""
    pages, pools = CHAIN / "alex-demo.events.json", CHAIN / "alex-demo.pools.json"
    args = ("--format", "stacks-json", "--pool-state", str(pools), str(pages))
    return imported(tmp_path / "alex.db", *args)


def test_chain_facts_of_a_token_with_unknown_decimals_are_still_admitted(
    uniswap_ledger: Path,
) -> None:
    transfer = {"type": "TokenTransferred", "asset": MYST, "amount": 0} | {
        "from_address": "0x" + "a" * 40,
        "to_address": "0x" + "b" * 40,
        "from_account": "outside:evm:1",
        "to_account": "outside:evm:1",
        "provenance": PROVENANCE,
    }
    swap = {"type": "PairSwapped", "pool": MYST_PAIR, "token_x": WETH, "token_y": MYST} | {
        "sender": "0x" + "a" * 40,
        "to": "0x" + "b" * 40,
        "amount_x_in": 10**16,
        "amount_y_in": 0,
        "amount_x_out": 0,
        "amount_y_out": 1_580_844_146_000_436,  # what the pair pays for 0.01 WETH at its reserves
        "reserve_x_after": 6_241_289_502_936_705_242_512,
        "reserve_y_after": 989_617_870_187_563_164_977,
        "provenance": PROVENANCE | {"log_index": 1},
    }
    # An ERC-20 transfer of 0 is real chain history, as is a swap of a token no list names.
    assert_admitted(uniswap_ledger, [line(transfer, block=200), line(swap, block=200)])


def test_a_mint_of_a_chain_token_with_unknown_decimals_is_refused_saying_so(
    uniswap_ledger: Path,
) -> None:
    mint = {"type": "Minted", "asset": MYST, "to_account": "mallory", "amount": 5}
    output = assert_refused(uniswap_ledger, line(mint, block=200), "UNKNOWN_ASSET")
    assert "registered from a chain without its decimals" in output


def test_an_alex_swap_paying_out_nothing_is_admitted_as_its_pools_pay_it(
    alex_ledger: Path,
) -> None:
    assert_admitted(alex_ledger, [line(fact, block=150_000) for fact in ALEX_DUST_SWAP])
    # The audit holds it to the pool contract, which pays out nothing here, not to the engine's
    # Swap command, which refuses such a trade for the trader.
    code, output = run("audit", str(alex_ledger))
    assert code == 0, output
    assert "0 violation" in output


def test_an_alex_swap_paying_nothing_in_is_refused(alex_ledger: Path) -> None:
    swap = ALEX_DUST_SWAP[0] | {"amount_in": 0, "fee": 0, "reserve_share": 0}
    assert_refused(alex_ledger, line(swap, block=150_000), "ZERO_AMOUNT")


def genesis_mint(label: str) -> dict[str, object]:
    return {"type": "Minted", "asset": "GOV", "to_account": label, "amount": 1000} | {
        "memo": f"genesis:{label}"
    }


#: A genesis as the engine's `AlexGenesis` records it: the token, one mint per allocation, the
#: emission cap.
GOV_GENESIS = [
    {"type": "AssetRegistered", "asset": "GOV", "symbol": "GOV", "decimals": 8},
    genesis_mint("foundation"),
    genesis_mint("team"),
    {"type": "StakingEmissionCapped", "caps_annual": [100]}
    | {"emission_start_height": 20, "blocks_per_year": 52_560},
]


@pytest.mark.parametrize("memo", ["airdrop", "genesis:foundation", "genesis:late"])
def test_a_token_with_a_genesis_is_not_minted_by_append(ledger: Path, memo: str) -> None:
    assert_admitted(ledger, [line(fact) for fact in GOV_GENESIS])
    mint = {"type": "Minted", "asset": "GOV", "to_account": "mallory", "amount": 5, "memo": memo}
    output = assert_refused(ledger, line(mint), "SUPPLY_FIXED")
    assert "GOV had a genesis" in output and "emergency issuance" in output
    _, output = run("state", str(ledger), "--projection", "alex_staking", "--json")
    (gov,) = [
        row
        for row in json.loads(output)["projections"]["alex_staking"]["tables"]["supply_origins"]
        if row["asset"] == "GOV"
    ]
    assert (gov["genesis"], gov["other_mints"]) == (2000, 0)


def test_a_chain_import_onto_a_log_with_a_genesis_records_no_genesis_of_its_own(
    tmp_path: Path,
) -> None:
    path = tmp_path / "alex.db"
    assert run("init", str(path))[0] == 0
    assert_admitted(path, [line(fact) for fact in GOV_GENESIS])
    pages, pools = CHAIN / "alex-demo.events.json", CHAIN / "alex-demo.pools.json"
    imported(path, "--format", "stacks-json", "--pool-state", str(pools), str(pages))
    _, output = run("state", str(path), "--projection", "alex_staking", "--json")
    origins = json.loads(output)["projections"]["alex_staking"]["tables"]["supply_origins"]
    assert {row["asset"] for row in origins if row["genesis"]} == {"GOV"}
    assert_refused(path, line(genesis_mint("late"), block=150_000), "SUPPLY_FIXED")
