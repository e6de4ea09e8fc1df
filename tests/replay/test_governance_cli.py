"""`state --projection governance --at-block N` shows the tally a naive recount of the votes
up to block N gives, on an SQLite log written by the engine."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from click.testing import CliRunner

from events.alex_governance import VoteCast
from ledger.commands.alex_governance import AddProposal, ConcludeProposal, ConfigureGovernance, Vote
from ledger.commands.alex_staking import AlexGenesis
from ledger.commands.core import Transfer
from ledger.engine import Engine, Executed
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from replay.cli import cli
from replay.cli.state import state  # noqa: F401  (registers the command)
from tests.conftest import Rand

ONE = 10**8
VOTERS = ("alice", "bob", "carol", "dave")


def write_log(path: Path, rand: Rand) -> list[tuple[int, VoteCast]]:
    store = SqliteStore(path, create=True)
    engine = Engine(store)
    setup = [
        AlexGenesis(),
        ConfigureGovernance(sender="foundation", authority="foundation"),
        *(
            Transfer(asset="ALEX", from_account="team", to_account=who, amount=1000 * ONE)
            for who in VOTERS
        ),
        AddProposal(proposal_id="AGP-1", proposer="alice", start_height=10, end_height=60),
        AddProposal(proposal_id="AGP-2", proposer="bob", start_height=30, end_height=90),
    ]
    assert isinstance(engine.execute(setup, block=1), Executed)
    for block in range(10, 95, 3):
        proposal = rand.choice(["AGP-1", "AGP-2"])
        command = Vote(
            proposal_id=proposal,
            voter=rand.choice(VOTERS),
            amount=rand.randint(1, 20) * ONE,
            in_favour=rand.random() < 0.5,
        )
        engine.execute([command], block=block)  # refusals (closed window) append nothing
        if block == 64:
            engine.execute([ConcludeProposal(proposal_id="AGP-1", sender="x")], block=block)
    tick = Transfer(asset="ALEX", from_account="team", to_account="alice", amount=1)
    assert isinstance(engine.execute([tick], block=95), Executed)
    votes = [
        (record.block, record.event)
        for record in store.read(ReadFilter())
        if isinstance(record.event, VoteCast)
    ]
    store.close()
    return votes


def recount(votes: list[tuple[int, VoteCast]], at_block: int) -> dict[str, tuple[int, int, int]]:
    """(for, against, distinct voters) per proposal, by a plain loop."""
    votes_for: dict[str, int] = defaultdict(int)
    votes_against: dict[str, int] = defaultdict(int)
    voters: dict[str, set[str]] = defaultdict(set)
    for block, event in votes:
        if block <= at_block:
            side = votes_for if event.in_favour else votes_against
            side[event.proposal_id] += event.amount
            voters[event.proposal_id].add(event.voter)
    return {key: (votes_for[key], votes_against[key], len(who)) for key, who in voters.items()}


def test_state_at_block_matches_a_naive_recount(tmp_path: Path, rand: Rand) -> None:
    path = tmp_path / "ledger.db"
    votes = write_log(path, rand)
    assert votes
    for at_block in (1, 10, 31, 52, 64, 80, 94):
        result = CliRunner().invoke(
            cli,
            [
                "state",
                str(path),
                "--projection",
                "governance",
                "--at-block",
                str(at_block),
                "--json",
            ],
        )
        assert result.exit_code == 0, result.output
        rows = json.loads(result.output)["projections"]["governance"]["tables"]["governance"]
        shown = {
            row["proposal_id"]: (row["votes_for"], row["votes_against"], row["voters"])
            for row in rows
        }
        expected = recount(votes, at_block)
        for proposal_id in ("AGP-1", "AGP-2"):
            assert shown[proposal_id] == expected.get(proposal_id, (0, 0, 0)), at_block
        status = {row["proposal_id"]: row["status"] for row in rows}
        if at_block < 10:
            assert status == {"AGP-1": "pending", "AGP-2": "pending"}
        if at_block >= 64:
            assert status["AGP-1"] in ("passed", "failed", "executed")
