"""`state --at-block N` answers a proposal's status at N: after its end it is not "active",
even when the last governance record is from inside the voting window."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ledger.commands.alex_governance import AddProposal, ConfigureGovernance, Vote
from ledger.commands.alex_staking import AlexGenesis
from ledger.commands.core import Transfer
from ledger.engine import Engine, Executed
from ledger.sqlite_store import SqliteStore
from replay.cli import cli

ONE = 10**8


def status_at(path: Path, block: int | None) -> str:
    args = ["state", str(path), "--projection", "governance", "--json"]
    args += [] if block is None else ["--at-block", str(block)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)["projections"]["governance"]["tables"]["governance"]
    return str({row["proposal_id"]: row["status"] for row in rows}["AGP-1"])


def test_a_proposal_is_not_active_at_a_block_after_its_end(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    store = SqliteStore(path, create=True)
    engine = Engine(store)
    setup = [
        AlexGenesis(),
        ConfigureGovernance(sender="foundation", authority="foundation"),
        Transfer(asset="ALEX", from_account="team", to_account="alice", amount=10 * ONE),
        AddProposal(proposal_id="AGP-1", proposer="alice", start_height=10, end_height=60),
    ]
    assert isinstance(engine.execute(setup, block=1), Executed)
    vote = Vote(proposal_id="AGP-1", voter="alice", amount=ONE, in_favour=True)
    assert isinstance(engine.execute([vote], block=30), Executed)
    tick = Transfer(asset="ALEX", from_account="team", to_account="bob", amount=1)
    assert isinstance(engine.execute([tick], block=200), Executed)
    store.close()

    assert status_at(path, 5) == "pending"
    assert status_at(path, 30) == "active"
    assert status_at(path, 59) == "active"
    for after_end in (60, 120, 199, 200, None):  # None: the head, block 200
        assert status_at(path, after_end) == "closed", after_end
