"""`append` holds governance facts to when their commands may record them: no proposal or vote
while governance is paused, an emergency proposal's fixed window, an implementation of an
executed community AGP only, a configuration whose executive signals can execute, one signal
per member, and neither a signal nor a veto once a proposal is decided."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.replay import test_cli_admission_authority as authority
from tests.replay.test_cli_admission import assert_admitted, assert_refused, line
from tests.replay.test_cli_admission_authority import PAUSE, SIGNAL, configured, proposal

ledger = authority.ledger  # genesis, alice's 900 ALEX, the foundation's authority, an open AGP-1

#: The foundation's governance from block 20, every power held until block 10,000: em1 may make
#: emergency proposals, exec0 and exec1 signal (2 execute), gen1 implements approved AGPs.
GOVERNANCE = configured(
    "foundation",
    sender="foundation",
    emergency_team=["em1"],
    emergency_sunset_height=10_000,
    executive_team=["exec0", "exec1"],
    signals_required=2,
    executive_sunset_height=10_000,
    genesis_team=["gen1"],
)

#: alice's 900 ALEX carry AGP-1, which is concluded and executed at its end, block 100.
VOTED_THROUGH = [
    line({"type": "VoteCast", "proposal_id": "AGP-1", "voter": "alice", "amount": 900} | {
        "in_favour": True
    }),
    line({"type": "ProposalConcluded", "proposal_id": "AGP-1", "votes_for": 900} | {
        "votes_against": 0, "passed": True
    }, block=100),
    line({"type": "ProposalExecuted", "proposal_id": "AGP-1"}, block=100),
]  # fmt: skip

VETO = {"type": "ProposalVetoed", "proposal_id": "AGP-1", "by": "foundation"}


@pytest.fixture
def governed(ledger: Path) -> Path:
    """The books of `ledger`, governed by `GOVERNANCE` from block 20."""
    assert_admitted(ledger, [line(GOVERNANCE)])
    return ledger


#: What waits while governance is paused (at block 22).
WAITING = {
    "a proposal": proposal("AGP-2", "alice", "standard", 22),
    "an emergency proposal": proposal("E-1", "em1", "emergency", 22),
    "a vote": {"type": "VoteCast", "proposal_id": "AGP-1", "voter": "alice", "amount": 1}
    | {"in_favour": True},
}


@pytest.mark.parametrize("case", sorted(WAITING))
def test_while_paused_no_proposal_is_made_and_no_vote_cast(governed: Path, case: str) -> None:
    assert_admitted(governed, [line(PAUSE, block=21)])
    output = assert_refused(governed, line(WAITING[case], block=22), "GOVERNANCE_PAUSED")
    assert "wait until its authority (foundation) resumes it" in output
    resume = PAUSE | {"paused": False}
    assert_admitted(governed, [line(resume, block=22), line(WAITING[case], block=22)])


def test_an_implementation_proposal_implements_an_executed_community_agp(governed: Path) -> None:
    implementation = proposal("I-1", "gen1", "implementation", 100)
    for implements in ("AGP-1", "AGP-9"):  # open, and never made
        named = implementation | {"implements": implements}
        output = assert_refused(governed, line(named, block=100), "NOT_APPROVED")
        assert f"{implements!r} is not a community AGP that passed and was executed" in output
    assert_admitted(governed, [*VOTED_THROUGH, line(implementation, block=100)])


@pytest.mark.parametrize(
    "window", [(25, 61), (26, 1466), (24, 1464)], ids=["shorter", "later", "earlier"]
)
def test_an_emergency_proposal_votes_for_its_window_from_its_block(
    governed: Path, window: tuple[int, int]
) -> None:
    start, end = window
    emergency = proposal("E-1", "em1", "emergency", 25)
    stretched = emergency | {"start_height": start, "end_height": end}
    output = assert_refused(governed, line(stretched, block=25), "INVALID_PARAMETER")
    assert "start_height 25 and end_height 1465" in output
    assert_admitted(governed, [line(emergency, block=25)])


def test_a_configuration_under_which_no_signal_executes_is_refused(governed: Path) -> None:
    unsignable = GOVERNANCE | {"signals_required": 0}
    output = assert_refused(governed, line(unsignable, block=21), "INVALID_PARAMETER")
    assert "signals_required must be above 0" in output


def test_a_member_signals_once_and_not_once_the_proposal_is_vetoed(governed: Path) -> None:
    assert_admitted(governed, [line(SIGNAL, block=21)])
    again = SIGNAL | {"signals": 2}
    output = assert_refused(governed, line(again, block=21), "INVALID_PARAMETER")
    assert "exec0 has signalled already" in output
    assert_admitted(governed, [line(VETO, block=22)])
    late = SIGNAL | {"member": "exec1", "signals": 2}
    assert "AGP-1 is decided already" in assert_refused(
        governed, line(late, block=22), "ALREADY_CONCLUDED"
    )
    assert "AGP-1 is vetoed" in assert_refused(governed, line(VETO, block=22), "INVALID_PARAMETER")


def test_neither_a_veto_nor_a_signal_comes_after_the_execution(governed: Path) -> None:
    assert_admitted(governed, VOTED_THROUGH)
    output = assert_refused(governed, line(VETO, block=101), "ALREADY_CONCLUDED")
    assert "AGP-1 is executed already" in output
    assert_refused(governed, line(SIGNAL, block=101), "ALREADY_CONCLUDED")


def test_a_failed_proposal_is_not_vetoed(governed: Path) -> None:
    failed = {"type": "ProposalConcluded", "proposal_id": "AGP-1", "votes_for": 0}
    assert_admitted(governed, [line(failed | {"votes_against": 0, "passed": False}, block=100)])
    assert "AGP-1 is failed" in assert_refused(governed, line(VETO, block=101), "INVALID_PARAMETER")
