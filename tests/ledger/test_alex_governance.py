"""ALEX governance: votes lock ALEX inside the window, conclusion, reclaim, teams, veto, pause."""

from __future__ import annotations

from events import RejectCode
from events.alex_governance import GovernanceConfigured
from ledger.batch import Rejected
from ledger.commands.alex_governance import (
    AddEmergencyProposal,
    AddProposal,
    ConcludeProposal,
    ConfigureGovernance,
    ReclaimVotes,
    SetGovernancePause,
    SignalExecutive,
    VetoProposal,
    Vote,
)
from ledger.commands.alex_staking import AlexGenesis
from ledger.commands.core import Transfer
from ledger.engine import Command, Engine, Executed
from ledger.memory import MemoryStore
from ledger.store import ReadFilter
from projections.balances import Balances
from projections.books import Books
from projections.governance import Governance
from projections.runtime import fold

ONE = 10**8
EXECUTIVES = tuple(f"exec{i}" for i in range(5))


def ok(engine: Engine, commands: list[Command], block: int) -> Executed:
    result = engine.execute(commands, block=block)
    assert isinstance(result, Executed), result
    return result


def refused(engine: Engine, command: Command, block: int) -> RejectCode:
    head = engine.store.head()
    result = engine.execute([command], block=block)
    assert isinstance(result, Rejected), result
    assert engine.store.head() == head
    return result.code


def governed() -> Engine:
    engine = Engine(MemoryStore())
    ok(
        engine,
        [
            AlexGenesis(),
            ConfigureGovernance(
                sender="foundation",
                authority="foundation",
                emergency_team=("em1",),
                emergency_sunset_height=5000,
                executive_team=EXECUTIVES,
                executive_sunset_height=5000,
            ),
            *(
                Transfer(asset="ALEX", from_account="team", to_account=who, amount=100 * ONE)
                for who in ("alice", "bob", "carol")
            ),
            AddProposal(proposal_id="AGP-1", proposer="alice", start_height=10, end_height=20),
        ],
        block=1,
    )
    return engine


def vote(voter: str, amount: int, in_favour: bool = True, proposal: str = "AGP-1") -> Vote:
    return Vote(proposal_id=proposal, voter=voter, amount=amount * ONE, in_favour=in_favour)


def test_votes_lock_alex_and_repeat_votes_add_up() -> None:
    engine = governed()
    ok(engine, [vote("alice", 30), vote("bob", 20, in_favour=False)], block=10)
    ok(engine, [vote("alice", 15)], block=19)
    proposal = engine.projection(Governance).proposal("AGP-1")
    assert proposal is not None
    assert (proposal.votes_for, proposal.votes_against) == (45 * ONE, 20 * ONE)
    assert (len(proposal.voters), proposal.locked_outstanding) == (2, 65 * ONE)
    balances = engine.projection(Balances)
    assert balances.balance("alice", "ALEX") == 55 * ONE
    assert balances.balance("vault:governance", "ALEX") == 65 * ONE
    assert proposal.status_at(19) == "active"


def test_votes_outside_the_window_after_conclusion_or_beyond_unlocked_alex_are_refused() -> None:
    engine = governed()
    assert refused(engine, vote("alice", 1), block=9) == RejectCode.VOTING_CLOSED
    ok(engine, [vote("alice", 60)], block=10)
    assert refused(engine, vote("alice", 41), block=11) == RejectCode.INSUFFICIENT_BALANCE
    assert refused(engine, vote("dave", 1), block=11) == RejectCode.INSUFFICIENT_BALANCE
    assert refused(engine, vote("bob", 1), block=20) == RejectCode.VOTING_CLOSED
    unknown = vote("bob", 1, proposal="AGP-9")
    assert refused(engine, unknown, block=20) == RejectCode.UNKNOWN_PROPOSAL
    ok(engine, [ConcludeProposal(proposal_id="AGP-1", sender="bob")], block=20)
    assert refused(engine, vote("bob", 1), block=21) == RejectCode.VOTING_CLOSED


def test_conclusion_passes_iff_for_beats_against_then_votes_are_reclaimed() -> None:
    engine = governed()
    ok(
        engine,
        [
            AddProposal(proposal_id="AGP-2", proposer="bob", start_height=10, end_height=20),
            vote("alice", 30),
            vote("bob", 30, in_favour=False),
            vote("alice", 10, proposal="AGP-2"),
        ],
        block=10,
    )
    conclude = ConcludeProposal(proposal_id="AGP-1", sender="carol")
    assert refused(engine, conclude, block=19) == RejectCode.VOTING_NOT_ENDED
    reclaim = ReclaimVotes(proposal_id="AGP-1", voter="alice")
    assert refused(engine, reclaim, block=19) == RejectCode.NOT_CONCLUDED
    ok(engine, [conclude, ConcludeProposal(proposal_id="AGP-2", sender="carol")], block=25)
    assert refused(engine, conclude, block=26) == RejectCode.ALREADY_CONCLUDED
    governance = engine.projection(Governance)
    statuses = {row[0]: row[-1] for row in governance.tables()[0].rows}
    assert statuses == {"AGP-1": "failed", "AGP-2": "executed"}  # a tie fails
    ok(engine, [reclaim], block=26)
    assert refused(engine, reclaim, block=27) == RejectCode.NOTHING_TO_CLAIM
    assert engine.projection(Balances).balance("alice", "ALEX") == 90 * ONE
    assert governance.proposal("AGP-1").locked_outstanding == 30 * ONE  # type: ignore[union-attr]


def test_a_quorum_is_optional() -> None:
    engine = governed()
    ok(
        engine,
        [
            ConfigureGovernance(sender="foundation", authority="foundation", quorum=50 * ONE),
            vote("alice", 30),
        ],
        block=10,
    )
    ok(engine, [ConcludeProposal(proposal_id="AGP-1", sender="x")], block=20)
    assert engine.projection(Governance).proposal("AGP-1").status_at(20) == "failed"  # type: ignore[union-attr]


def test_only_the_authority_can_veto_or_pause() -> None:
    engine = governed()
    ok(engine, [vote("alice", 30)], block=10)
    for sender in ("alice", "em1", "exec0"):
        veto = VetoProposal(proposal_id="AGP-1", sender=sender)
        assert refused(engine, veto, block=11) == RejectCode.NOT_AUTHORISED
        pause = SetGovernancePause(sender=sender, paused=True)
        assert refused(engine, pause, block=11) == RejectCode.NOT_AUTHORISED
    stolen = ConfigureGovernance(sender="alice", authority="alice")
    assert refused(engine, stolen, block=11) == RejectCode.NOT_AUTHORISED

    ok(engine, [VetoProposal(proposal_id="AGP-1", sender="foundation")], block=11)
    ok(engine, [ConcludeProposal(proposal_id="AGP-1", sender="bob")], block=20)
    proposal = engine.projection(Governance).proposal("AGP-1")
    assert proposal is not None and proposal.passed and not proposal.executed
    assert proposal.status_at(20) == "vetoed"

    ok(engine, [SetGovernancePause(sender="foundation", paused=True)], block=21)
    new = AddProposal(proposal_id="AGP-3", proposer="bob", start_height=30, end_height=40)
    assert refused(engine, new, block=22) == RejectCode.GOVERNANCE_PAUSED
    ok(engine, [SetGovernancePause(sender="foundation", paused=False), new], block=23)
    ok(engine, [SetGovernancePause(sender="foundation", paused=True)], block=30)
    assert refused(engine, vote("bob", 1, proposal="AGP-3"), 31) == RejectCode.GOVERNANCE_PAUSED
    ok(engine, [ReclaimVotes(proposal_id="AGP-1", voter="alice")], block=31)  # never stuck


def test_a_reconfiguration_records_who_made_it() -> None:
    """So that admission can hold the fact, wherever it comes from, to the authority."""
    engine = governed()
    handover = ConfigureGovernance(sender="foundation", authority="council")
    configured = ok(engine, [handover], block=11).events[-1]
    assert isinstance(configured, GovernanceConfigured)
    assert (configured.sender, configured.authority) == ("foundation", "council")
    stale = ConfigureGovernance(sender="foundation", authority="foundation")
    assert refused(engine, stale, block=12) == RejectCode.NOT_AUTHORISED


def test_emergency_proposals_have_a_1440_block_window_until_the_sunset() -> None:
    engine = governed()
    outsider = AddEmergencyProposal(proposal_id="E-1", proposer="alice")
    assert refused(engine, outsider, block=100) == RejectCode.NOT_AUTHORISED
    ok(engine, [AddEmergencyProposal(proposal_id="E-1", proposer="em1")], block=100)
    proposal = engine.projection(Governance).proposal("E-1")
    assert proposal is not None and (proposal.start_height, proposal.end_height) == (100, 1540)
    late = AddEmergencyProposal(proposal_id="E-2", proposer="em1")
    assert refused(engine, late, block=5000) == RejectCode.NOT_AUTHORISED


def test_three_of_five_executive_signals_execute_a_proposal() -> None:
    engine = governed()
    ok(engine, [SignalExecutive(proposal_id="AGP-1", member="exec0")], block=5)
    twice = SignalExecutive(proposal_id="AGP-1", member="exec0")
    assert refused(engine, twice, block=6) == RejectCode.INVALID_PARAMETER
    outsider = SignalExecutive(proposal_id="AGP-1", member="alice")
    assert refused(engine, outsider, block=6) == RejectCode.NOT_AUTHORISED
    ok(engine, [SignalExecutive(proposal_id="AGP-1", member="exec3")], block=6)
    assert engine.projection(Governance).proposal("AGP-1").status_at(6) == "pending"  # type: ignore[union-attr]
    result = ok(engine, [SignalExecutive(proposal_id="AGP-1", member="exec4")], block=7)
    assert type(result.events[-1]).__name__ == "ProposalExecuted"
    assert engine.projection(Governance).proposal("AGP-1").status_at(7) == "executed"  # type: ignore[union-attr]


def test_status_is_answered_at_the_block_asked_not_the_last_record() -> None:
    engine = governed()
    ok(engine, [vote("alice", 1)], block=12)  # the last governance record is at block 12
    governance = engine.projection(Governance)

    def status(block: int) -> str:
        statuses = {row[0]: str(row[-1]) for row in governance.tables_at(block)[0].rows}
        return statuses["AGP-1"]

    assert [status(block) for block in (9, 10, 19, 20, 500)] == [
        "pending",
        "active",
        "active",
        "closed",
        "closed",
    ]
    assert {str(row[-1]) for row in governance.tables()[0].rows} == {"open"}


def test_replaying_the_log_and_restoring_a_snapshot_give_the_same_tally() -> None:
    engine = governed()
    ok(engine, [vote("alice", 30), vote("bob", 20, in_favour=False)], block=10)
    ok(engine, [ConcludeProposal(proposal_id="AGP-1", sender="x")], block=20)
    live = engine.projection(Governance)
    rebuilt, restored = Governance(), Governance()
    fold(engine.store.read(ReadFilter()), [rebuilt])
    # The position in the log (the block statuses are shown at) is the books', not the book's.
    head = engine.store.head()
    Books([restored]).restore({"governance": live.snapshot()}, head.seq, head.block)
    assert live.digest() == rebuilt.digest() == restored.digest()
    assert restored.tables() == live.tables()
