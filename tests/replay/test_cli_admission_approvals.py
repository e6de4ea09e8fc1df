"""`append` holds what governance enacts to the approval its command checks: a vote concludes
once it has ended, with the outcome its tally gives, a proposal is executed only by its vote or
enough executive signals, a `ParameterChanged` only enacts the
next change of an executed proposal, from the block `EnactProposal` would give it, and an
`EmergencyIssued` mints only what an enacted issuance change still allows (no ALEX from
nowhere)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.replay import test_cli_admission_authority as authority
from tests.replay.test_cli_admission import assert_admitted, assert_refused, line

ledger = authority.ledger  # genesis, alice's 900 ALEX, the foundation's authority, an open AGP-1

#: AGP-2 approves issuing up to 1000 base units of ALEX for the reserve of USDC.
ISSUANCE = {"parameter": "issuance", "target": "USDC", "value": 1000}
PROPOSED = [
    line({"type": "ProposalAdded", "proposal_id": "AGP-2", "proposer": "alice"} | {
        "start_height": 20, "end_height": 100, "actions": [ISSUANCE]
    }),
    line({"type": "VoteCast", "proposal_id": "AGP-2", "voter": "alice", "amount": 900} | {
        "in_favour": True
    }),
]  # fmt: skip
CONCLUDED = {"type": "ProposalConcluded", "proposal_id": "AGP-2", "votes_for": 900} | {
    "votes_against": 0,
    "passed": True,
}
EXECUTED = {"type": "ProposalExecuted", "proposal_id": "AGP-2"}
ENACTED = {"type": "ParameterChanged", "proposal_id": "AGP-2", "change": ISSUANCE} | {
    "effective_height": 100
}


@pytest.fixture
def proposed(ledger: Path) -> Path:
    """AGP-2, carried by alice's vote and open until block 100."""
    assert_admitted(ledger, PROPOSED)
    return ledger


@pytest.fixture
def executed(proposed: Path) -> Path:
    """AGP-2, concluded as passed and executed at block 100."""
    assert_admitted(proposed, [line(CONCLUDED, block=100), line(EXECUTED, block=100)])
    return proposed


#: AGP-1, no one voting, concludes as failed at its end.
AGP_1_FAILED = {"type": "ProposalConcluded", "proposal_id": "AGP-1", "votes_for": 0} | {
    "votes_against": 0,
    "passed": False,
}

#: Executions no command records: (what comes before, the fact at block 101, code, detail).
UNEXECUTABLE = {
    "before the vote is concluded": ([], EXECUTED, "NOT_CONCLUDED", "conclude AGP-2 first"),
    "by executive signals no one gave": (
        [],
        EXECUTED | {"via": "executive"},
        "NOT_APPROVED",
        "AGP-2 has 0 of the 3 executive signals that execute it",
    ),
    "after the vote failed": (
        [line(AGP_1_FAILED, block=100)],
        EXECUTED | {"proposal_id": "AGP-1"},
        "INVALID_PARAMETER",
        "AGP-1 is failed: only a proposal that passed and was not vetoed is executed",
    ),
}


@pytest.mark.parametrize("case", sorted(UNEXECUTABLE))
def test_a_proposal_is_executed_only_by_its_vote_or_its_signals(proposed: Path, case: str) -> None:
    before, event, code, detail = UNEXECUTABLE[case]
    if before:
        assert_admitted(proposed, before)
    assert detail in assert_refused(proposed, line(event, block=101), code)


#: Conclusions no command records, of AGP-2 (alice's 900 for): (fact, block, code, detail).
MISCONCLUDED = {
    "before its voting ends": (CONCLUDED, 99, "VOTING_NOT_ENDED", "conclude it at or after"),
    "as failed when its tally passes it": (
        CONCLUDED | {"passed": False},
        100,
        "TALLY_MISMATCH",
        "the books tally 900 for, 0 against: passed; the fact says 900 for, 0 against: failed",
    ),
}


@pytest.mark.parametrize("case", sorted(MISCONCLUDED))
def test_a_vote_concludes_once_it_ends_with_the_outcome_its_tally_gives(
    proposed: Path, case: str
) -> None:
    event, block, code, detail = MISCONCLUDED[case]
    assert detail in assert_refused(proposed, line(event, block=block), code)


def test_a_proposal_no_one_voted_for_does_not_pass(ledger: Path) -> None:
    """Else any account could pass, execute and enact its own proposal by appending."""
    passed = AGP_1_FAILED | {"passed": True}
    output = assert_refused(ledger, line(passed, block=100), "TALLY_MISMATCH")
    assert "the books tally 0 for, 0 against: failed" in output


def test_a_change_of_a_proposal_not_executed_is_refused(proposed: Path) -> None:
    output = assert_refused(proposed, line(ENACTED, block=50), "NOT_APPROVED")
    assert "AGP-2 is active: only an executed proposal's changes take effect" in output
    unknown = ENACTED | {"proposal_id": "AGP-9"}
    assert "no proposal 'AGP-9'" in assert_refused(proposed, line(unknown), "UNKNOWN_PROPOSAL")


def test_a_change_the_proposal_does_not_carry_is_refused(executed: Path) -> None:
    more = ENACTED | {"change": ISSUANCE | {"value": 10**12}}
    output = assert_refused(executed, line(more, block=100), "NOT_APPROVED")
    assert "the next change AGP-2 enacts is issuance of 'USDC' (value 1000)" in output
    elsewhere = ENACTED | {"change": ISSUANCE | {"target": "ETH"}}
    assert_refused(executed, line(elsewhere, block=100), "NOT_APPROVED")


def test_a_change_takes_effect_once_from_the_block_it_is_enacted_at(executed: Path) -> None:
    backdated = ENACTED | {"effective_height": 0}
    output = assert_refused(executed, line(backdated, block=120), "INVALID_PARAMETER")
    assert "takes effect from block 120, not 0" in output
    assert_admitted(executed, [line(ENACTED | {"effective_height": 120}, block=120)])
    output = assert_refused(executed, line(ENACTED, block=121), "ALREADY_CONCLUDED")
    assert "AGP-2 is enacted already" in output


#: 1,000 ALEX (8 decimals) minted to mallory for the reserve of USDC, naming no approval.
ISSUED = {"type": "EmergencyIssued", "token": "USDC", "alex_amount": 1000 * 10**8} | {
    "proceeds": 0,
    "buyer": "mallory",
}


@pytest.mark.parametrize("approval", ["", "AGP-1", "AGP-2"])
def test_emergency_alex_without_an_enacted_issuance_approval_is_refused(
    executed: Path, approval: str
) -> None:
    """None, a proposal approving nothing, and AGP-2 executed but not yet enacted."""
    issued = ISSUED | {"approval": approval}
    output = assert_refused(executed, line(issued, block=101), "NOT_APPROVED")
    assert f"{approval!r} is not an enacted proposal allowing issuance for reserve:USDC" in output


def test_emergency_alex_is_issued_only_up_to_what_the_approval_allows(executed: Path) -> None:
    assert_admitted(executed, [line(ENACTED, block=100)])
    approved = ISSUED | {"approval": "AGP-2"}
    elsewhere = approved | {"token": "ETH", "alex_amount": 1}
    assert_refused(executed, line(elsewhere, block=101), "NOT_APPROVED")
    output = assert_refused(executed, line(approved, block=101), "NOT_APPROVED")
    assert "AGP-2 allows 1000 more ALEX, not 100000000000" in output
    assert_admitted(executed, [line(approved | {"alex_amount": 1000}, block=101)])
    output = assert_refused(
        executed, line(approved | {"alex_amount": 1}, block=102), "NOT_APPROVED"
    )
    assert "AGP-2's allowance is spent" in output
