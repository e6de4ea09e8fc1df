"""Admission rules for ALEX governance facts: proposals exist, the tally is the books' tally,
votes carry tokens the voter holds, and each power stays with whoever holds it.

The checks here are the engine's own: the governance commands call them too, so a fact from
`append` is held to exactly what its command checks. The foundation's veto and pause, and
reconfiguring governance (`GovernanceConfigured.sender`), belong to the configured authority,
veto and pause only for its safety period; emergency proposals to the emergency team before its
sunset; implementation proposals to the Genesis team; executive signals to the executive team
before its sunset. While governance is paused no proposal is made and no vote cast
(GOVERNANCE_PAUSED); an emergency proposal votes for the emergency window from the block it is
made at; an implementation proposal implements a community AGP that passed and was executed
(NOT_APPROVED); a configuration needs a signal to execute (`signals_required` > 0); a member
signals once, and neither a signal nor a veto comes after the proposal is decided. A vote is
concluded once its voting has ended, with the outcome its tally gives (for > against, the
quorum met); a proposal is executed once, by its vote (concluded, passed, not vetoed) or by
enough executive signals.

The voter's holding is checked with every other posting (`ledger.admission`): a `VoteCast`
moves the voted tokens into the governance lock, so a vote by an account holding nothing
overdraws it. Here: the vote names the configured governance token and an open proposal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events.alex_governance import (
    ExecutiveSignalled,
    GovernanceConfigured,
    GovernancePauseSet,
    ProposalAdded,
    ProposalConcluded,
    ProposalExecuted,
    ProposalVetoed,
    VoteCast,
    VotesReclaimed,
)
from events.base import Event
from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.command import Context, reject
from projections.governance import Governance, Proposal


def _proposal(books: Context, proposal_id: str) -> Proposal | Rejected:
    found = books.get(Governance).proposal(proposal_id)
    if found is None:
        return reject(RejectCode.UNKNOWN_PROPOSAL, f"no proposal {proposal_id!r}")
    return found


def authority_refusal(books: Context, by: str, power: str) -> Rejected | None:
    """Refused unless `by` is the configured governance authority."""
    authority = books.get(Governance).settings.authority
    if authority is None or by != authority:
        return reject(
            RejectCode.NOT_AUTHORISED,
            f"only the governance authority ({authority or 'none configured'}) may {power}; "
            f"the fact is by {by or 'no one it names'}",
        )
    return None


def safety_power_refusal(books: Context, by: str, power: str) -> Rejected | None:
    """The foundation's veto and pause: its alone, and only during the safety period."""
    refused = authority_refusal(books, by, power)
    settings = books.get(Governance).settings
    if refused is None and not settings.in_safety_period(books.block):
        refused = reject(
            RejectCode.NOT_AUTHORISED,
            f"the foundation's safety period ended at height {settings.safety_period_end}",
        )
    return refused


def reconfiguration_refusal(books: Context, sender: str) -> Rejected | None:
    """The first configuration names the authority; after it, only that authority changes it."""
    authority = books.get(Governance).settings.authority
    if authority is None:
        return None
    if not sender:
        return reject(
            RejectCode.NOT_AUTHORISED,
            f"only the governance authority ({authority}) may reconfigure governance, and the "
            f'fact names no sender: record it from {authority} with "sender": "{authority}"',
        )
    return authority_refusal(books, sender, "reconfigure governance")


def team_refusal(books: Context, kind: str, member: str) -> Rejected | None:
    """An emergency or implementation proposal, or an executive signal, from its team, before
    the team's sunset (the Genesis team has none)."""
    settings = books.get(Governance).settings
    team, sunset = {
        "emergency": (settings.emergency_team, settings.emergency_sunset_height),
        "implementation": (settings.genesis_team, None),
        "executive": (settings.executive_team, settings.executive_sunset_height),
    }[kind]
    name = "Genesis" if kind == "implementation" else kind
    if member not in team:
        return reject(RejectCode.NOT_AUTHORISED, f"{member} is not on the {name} team")
    if sunset is not None and books.block >= sunset:
        action = "proposals" if kind == "emergency" else "action"
        return reject(RejectCode.NOT_AUTHORISED, f"{kind} {action} ended at height {sunset}")
    return None


def paused_refusal(books: Context) -> Rejected | None:
    """No proposal is made and no vote cast while the foundation has governance paused."""
    settings = books.get(Governance).settings
    if settings.paused:
        return reject(
            RejectCode.GOVERNANCE_PAUSED,
            "governance is paused by the foundation: proposals and votes wait until its "
            f"authority ({settings.authority}) resumes it",
        )
    return None


def configuration_refusal(signals_required: int, quorum: int) -> Rejected | None:
    """A configuration under which executive signals can execute and a quorum can be met."""
    if signals_required <= 0 or quorum < 0:
        return reject(
            RejectCode.INVALID_PARAMETER,
            f"signals_required must be above 0 and quorum at least 0, not {signals_required} "
            f"and {quorum}",
        )
    return None


def emergency_window(books: Context) -> tuple[int, int]:
    """An emergency proposal's voting blocks: from the block it is made at, for the window."""
    return books.block, books.block + books.get(Governance).settings.emergency_window_blocks


def approved_agp(books: Context, implements: str) -> Proposal | Rejected:
    """The community AGP an implementation proposal implements: one that passed and was
    executed."""
    approved = books.get(Governance).proposal(implements)
    if approved is None or approved.kind != "standard" or not approved.executed:
        return reject(
            RejectCode.NOT_APPROVED,
            f"{implements!r} is not a community AGP that passed and was executed: an "
            "implementation proposal implements one that was",
        )
    return approved


def signal_refusal(found: Proposal, proposal_id: str, member: str) -> Rejected | None:
    """A member signals once, and only for a proposal not yet executed or vetoed."""
    if found.executed or found.vetoed:
        return reject(RejectCode.ALREADY_CONCLUDED, f"{proposal_id} is decided already")
    if member in found.signals:
        return reject(RejectCode.INVALID_PARAMETER, f"{member} has signalled already")
    return None


def veto_refusal(found: Proposal, proposal_id: str, block: int) -> Rejected | None:
    """A veto stops a proposal that may yet pass, or passed: not one executed, vetoed or
    failed."""
    if found.executed:
        return reject(RejectCode.ALREADY_CONCLUDED, f"{proposal_id} is executed already")
    if found.vetoed or (found.concluded and not found.passed):
        status = found.status_at(block)
        return reject(RejectCode.INVALID_PARAMETER, f"{proposal_id} is {status}")
    return None


def governance_configured(event: GovernanceConfigured, books: Context) -> Rejected | None:
    refused = reconfiguration_refusal(books, event.sender)
    return refused or configuration_refusal(event.signals_required, event.quorum)


def proposal_added(event: ProposalAdded, books: Context) -> Rejected | None:
    refused = paused_refusal(books)
    if refused is not None:
        return refused
    if books.get(Governance).proposal(event.proposal_id) is not None:
        return reject(RejectCode.PROPOSAL_EXISTS, f"proposal {event.proposal_id!r} exists")
    if event.start_height >= event.end_height:
        return reject(RejectCode.INVALID_PARAMETER, "start_height must be below end_height")
    if event.kind in ("emergency", "implementation"):
        refused = team_refusal(books, event.kind, event.proposer)
    if refused is None and event.kind == "emergency":
        refused = _window_refusal(event, books)
    if refused is None and event.kind == "implementation":
        approved = approved_agp(books, event.implements)
        refused = approved if isinstance(approved, Rejected) else None
    return refused


def _window_refusal(event: ProposalAdded, books: Context) -> Rejected | None:
    start, end = emergency_window(books)
    if (event.start_height, event.end_height) != (start, end):
        return reject(
            RejectCode.INVALID_PARAMETER,
            "an emergency proposal takes votes for the emergency window from the block it is "
            f"made at: start_height {start} and end_height {end}, not {event.start_height} and "
            f"{event.end_height}",
        )
    return None


def vote_cast(event: VoteCast, books: Context) -> Rejected | None:
    refused = paused_refusal(books)
    if refused is not None:
        return refused
    found = _proposal(books, event.proposal_id)
    if isinstance(found, Rejected):
        return found
    token = books.get(Governance).settings.governance_token
    if event.governance_token != token:
        return reject(
            RejectCode.WRONG_ASSET,
            f"votes are cast in {token}, not {event.governance_token}",
        )
    if found.concluded or not found.start_height <= books.block < found.end_height:
        return reject(
            RejectCode.VOTING_CLOSED,
            f"{event.proposal_id} takes votes in blocks {found.start_height}.."
            f"{found.end_height - 1} until concluded; block {books.block}",
        )
    return None


def conclusion_refusal(books: Context, found: Proposal, proposal_id: str) -> Rejected | None:
    """A vote is concluded once, at or after the block its voting ends."""
    if found.concluded:
        return reject(RejectCode.ALREADY_CONCLUDED, f"{proposal_id} is concluded already")
    if books.block < found.end_height:
        return reject(
            RejectCode.VOTING_NOT_ENDED,
            f"{proposal_id} takes votes until block {found.end_height}: conclude it at or after "
            "that block",
        )
    return None


def outcome(books: Context, found: Proposal) -> bool:
    """Passed: more votes for than against, and the quorum (if any) met."""
    quorum = books.get(Governance).settings.quorum
    passed = found.votes_for > found.votes_against
    return passed and found.votes_for + found.votes_against >= quorum


def proposal_concluded(event: ProposalConcluded, books: Context) -> Rejected | None:
    found = _proposal(books, event.proposal_id)
    if isinstance(found, Rejected):
        return found
    refused = conclusion_refusal(books, found, event.proposal_id)
    if refused is not None:
        return refused
    tally = (found.votes_for, found.votes_against, outcome(books, found))
    if (event.votes_for, event.votes_against, event.passed) != tally:
        return reject(
            RejectCode.TALLY_MISMATCH,
            f"the books tally {found.votes_for} for, {found.votes_against} against: "
            f"{'passed' if tally[2] else 'failed'}; the fact says {event.votes_for} for, "
            f"{event.votes_against} against: {'passed' if event.passed else 'failed'}",
        )
    return None


def proposal_vetoed(event: ProposalVetoed, books: Context) -> Rejected | None:
    found = _proposal(books, event.proposal_id)
    if isinstance(found, Rejected):
        return found
    refused = safety_power_refusal(books, event.by, "veto")
    return refused or veto_refusal(found, event.proposal_id, books.block)


def execution_refusal(
    books: Context, found: Proposal, proposal_id: str, via: str
) -> Rejected | None:
    """Executed once: by the vote, once concluded as passed and not vetoed; or by executive
    signals, once enough members have signalled."""
    if found.executed:
        return reject(RejectCode.ALREADY_CONCLUDED, f"{proposal_id} is executed already")
    if via == "executive":
        required = books.get(Governance).settings.signals_required
        if len(found.signals) < required:
            return reject(
                RejectCode.NOT_APPROVED,
                f"{proposal_id} has {len(found.signals)} of the {required} executive signals "
                "that execute it",
            )
        return None
    if not found.concluded:
        return reject(RejectCode.NOT_CONCLUDED, f"conclude {proposal_id} first")
    if not found.passed or found.vetoed:
        status = found.status_at(books.block)
        return reject(
            RejectCode.INVALID_PARAMETER,
            f"{proposal_id} is {status}: only a proposal that passed and was not vetoed is "
            "executed",
        )
    return None


def proposal_executed(event: ProposalExecuted, books: Context) -> Rejected | None:
    found = _proposal(books, event.proposal_id)
    if isinstance(found, Rejected):
        return found
    return execution_refusal(books, found, event.proposal_id, event.via)


def executive_signalled(event: ExecutiveSignalled, books: Context) -> Rejected | None:
    found = _proposal(books, event.proposal_id)
    if isinstance(found, Rejected):
        return found
    refused = team_refusal(books, "executive", event.member)
    return refused or signal_refusal(found, event.proposal_id, event.member)


def votes_reclaimed(event: VotesReclaimed, books: Context) -> Rejected | None:
    found = _proposal(books, event.proposal_id)
    if isinstance(found, Rejected):
        return found
    locked = found.locked.get(event.voter, 0)
    if event.amount > locked:
        return reject(
            RejectCode.NOTHING_TO_CLAIM,
            f"{event.voter} has {locked} locked on {event.proposal_id}, not {event.amount}",
        )
    return None


def pause_set(event: GovernancePauseSet, books: Context) -> Rejected | None:
    if event.paused:
        return safety_power_refusal(books, event.by, "pause governance")
    # resuming is always allowed, so governance never stays stuck
    return authority_refusal(books, event.by, "resume governance")


GOVERNANCE_RULES: dict[type[Event], Callable[[Any, Context], Rejected | None]] = {
    GovernanceConfigured: governance_configured,
    ProposalAdded: proposal_added,
    VoteCast: vote_cast,
    ProposalConcluded: proposal_concluded,
    ProposalVetoed: proposal_vetoed,
    ProposalExecuted: proposal_executed,
    ExecutiveSignalled: executive_signalled,
    VotesReclaimed: votes_reclaimed,
    GovernancePauseSet: pause_set,
}
