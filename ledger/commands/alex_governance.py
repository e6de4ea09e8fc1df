"""ALEX governance (AGP) commands: propose, vote with locked ALEX, conclude, reclaim, emergency
proposals, executive signals, and the foundation's veto and pause.

Veto and pause belong to the authority named in `ConfigureGovernance`, for its safety period
(`safety_period_end`); anyone else, or the authority afterwards, gets NOT_AUTHORISED. Who may
do what, and when (the pause, the emergency window, a signal or a veto once a proposal is
decided), is checked by `ledger.admission_governance`, which holds appended facts to it too.
Parameter changes a proposal carries are checked here and enacted by
`ledger.commands.alex_governance_acts`. While paused, proposals and votes are refused with
GOVERNANCE_PAUSED; concluding and reclaiming still work, so locked tokens never get stuck.
"""

from __future__ import annotations

from events.alex_governance import (
    ExecutiveSignalled,
    GovernanceConfigured,
    GovernancePauseSet,
    ParameterChange,
    ProposalAdded,
    ProposalConcluded,
    ProposalExecuted,
    ProposalVetoed,
    VoteCast,
    VotesReclaimed,
)
from events.rejections import RejectCode
from ledger.admission_governance import (
    authority_refusal,
    conclusion_refusal,
    configuration_refusal,
    emergency_window,
    execution_refusal,
    outcome,
    paused_refusal,
    reconfiguration_refusal,
    safety_power_refusal,
    signal_refusal,
    team_refusal,
    veto_refusal,
)
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from ledger.commands.alex_governance_acts import check_actions
from ledger.commands.core import check_funds
from projections.balances import Balances
from projections.governance import Governance, Proposal


class ConfigureGovernance(Command, frozen=True, kw_only=True):
    """Name the authority and teams; once set, only the authority may change them."""

    sender: str
    authority: str
    governance_token: str = "ALEX"
    quorum: int = 0
    emergency_team: tuple[str, ...] = ()
    emergency_window_blocks: int = 1440
    emergency_sunset_height: int = 0
    executive_team: tuple[str, ...] = ()
    signals_required: int = 3
    executive_sunset_height: int = 0
    genesis_team: tuple[str, ...] = ()
    safety_period_end: int = 0


class AddProposal(Command, frozen=True, kw_only=True):
    proposal_id: str
    proposer: str
    start_height: int
    end_height: int
    title: str = ""
    actions: tuple[ParameterChange, ...] = ()
    effective_height: int = 0


class AddEmergencyProposal(Command, frozen=True, kw_only=True):
    """An emergency-team member proposes; voting runs from now for the emergency window."""

    proposal_id: str
    proposer: str
    title: str = ""
    actions: tuple[ParameterChange, ...] = ()
    effective_height: int = 0


class Vote(Command, frozen=True, kw_only=True):
    proposal_id: str
    voter: str
    amount: int
    in_favour: bool


class ConcludeProposal(Command, frozen=True, kw_only=True):
    """Close the vote; a passing, unvetoed proposal is executed in the same batch by default."""

    proposal_id: str
    sender: str
    execute: bool = True


class ExecuteProposal(Command, frozen=True, kw_only=True):
    proposal_id: str
    sender: str


class ReclaimVotes(Command, frozen=True, kw_only=True):
    proposal_id: str
    voter: str


class SignalExecutive(Command, frozen=True, kw_only=True):
    proposal_id: str
    member: str


class VetoProposal(Command, frozen=True, kw_only=True):
    proposal_id: str
    sender: str


class SetGovernancePause(Command, frozen=True, kw_only=True):
    sender: str
    paused: bool


def _proposal(context: Context, proposal_id: str) -> Proposal | Rejected:
    found = context.get(Governance).proposal(proposal_id)
    if found is None:
        return reject(RejectCode.UNKNOWN_PROPOSAL, f"no proposal {proposal_id!r}")
    return found


def handle_configure(command: ConfigureGovernance, context: Context) -> list[Emit] | Rejected:
    refused = reconfiguration_refusal(context, command.sender)
    refused = refused or configuration_refusal(command.signals_required, command.quorum)
    return refused or [
        Emit(
            GovernanceConfigured(
                authority=command.authority,
                governance_token=command.governance_token,
                quorum=command.quorum,
                emergency_team=command.emergency_team,
                emergency_window_blocks=command.emergency_window_blocks,
                emergency_sunset_height=command.emergency_sunset_height,
                executive_team=command.executive_team,
                signals_required=command.signals_required,
                executive_sunset_height=command.executive_sunset_height,
                genesis_team=command.genesis_team,
                safety_period_end=command.safety_period_end,
                sender=command.sender,
            )
        )
    ]


def _new_proposal(
    context: Context, proposal_id: str, actions: tuple[ParameterChange, ...] = ()
) -> Rejected | None:
    refused = paused_refusal(context)
    if refused is None and context.get(Governance).proposal(proposal_id) is not None:
        refused = reject(RejectCode.INVALID_PARAMETER, f"proposal {proposal_id!r} exists already")
    return refused or check_actions(context, actions)


def handle_add(command: AddProposal, context: Context) -> list[Emit] | Rejected:
    refused = _new_proposal(context, command.proposal_id, command.actions)
    if refused is not None:
        return refused
    if not context.block <= command.start_height < command.end_height:
        return reject(
            RejectCode.INVALID_PARAMETER,
            f"need block {context.block} <= start_height < end_height",
        )
    return [
        Emit(
            ProposalAdded(
                proposal_id=command.proposal_id,
                proposer=command.proposer,
                start_height=command.start_height,
                end_height=command.end_height,
                title=command.title,
                actions=command.actions,
                effective_height=command.effective_height,
            )
        )
    ]


def handle_add_emergency(command: AddEmergencyProposal, context: Context) -> list[Emit] | Rejected:
    refused = _new_proposal(context, command.proposal_id, command.actions)
    if refused is not None:
        return refused
    refused = team_refusal(context, "emergency", command.proposer)
    if refused is not None:
        return refused
    start_height, end_height = emergency_window(context)
    return [
        Emit(
            ProposalAdded(
                proposal_id=command.proposal_id,
                proposer=command.proposer,
                start_height=start_height,
                end_height=end_height,
                kind="emergency",
                title=command.title,
                actions=command.actions,
                effective_height=command.effective_height,
            )
        )
    ]


def handle_vote(command: Vote, context: Context) -> list[Emit] | Rejected:
    refused = paused_refusal(context)
    if refused is not None:
        return refused
    found = _proposal(context, command.proposal_id)
    if isinstance(found, Rejected):
        return found
    if found.concluded or not found.start_height <= context.block < found.end_height:
        return reject(
            RejectCode.VOTING_CLOSED,
            f"{command.proposal_id} takes votes in blocks {found.start_height}.."
            f"{found.end_height - 1} until concluded; block {context.block}",
        )
    token = context.get(Governance).settings.governance_token
    refused = check_funds(context.get(Balances), command.voter, token, command.amount)
    return refused or [
        Emit(
            VoteCast(
                proposal_id=command.proposal_id,
                voter=command.voter,
                amount=command.amount,
                in_favour=command.in_favour,
                governance_token=token,
            )
        )
    ]


def handle_conclude(command: ConcludeProposal, context: Context) -> list[Emit] | Rejected:
    found = _proposal(context, command.proposal_id)
    if isinstance(found, Rejected):
        return found
    refused = conclusion_refusal(context, found, command.proposal_id)
    if refused is not None:
        return refused
    passed = outcome(context, found)
    emits = [
        Emit(
            ProposalConcluded(
                proposal_id=command.proposal_id,
                votes_for=found.votes_for,
                votes_against=found.votes_against,
                passed=passed,
            )
        )
    ]
    if passed and command.execute and not found.vetoed and not found.executed:
        emits.append(Emit(ProposalExecuted(proposal_id=command.proposal_id, via="vote")))
    return emits


def handle_execute(command: ExecuteProposal, context: Context) -> list[Emit] | Rejected:
    found = _proposal(context, command.proposal_id)
    if isinstance(found, Rejected):
        return found
    refused = execution_refusal(context, found, command.proposal_id, "vote")
    return refused or [Emit(ProposalExecuted(proposal_id=command.proposal_id, via="vote"))]


def handle_reclaim(command: ReclaimVotes, context: Context) -> list[Emit] | Rejected:
    found = _proposal(context, command.proposal_id)
    if isinstance(found, Rejected):
        return found
    if not found.concluded:
        return reject(RejectCode.NOT_CONCLUDED, f"{command.proposal_id} is not concluded yet")
    locked = found.locked.get(command.voter, 0)
    if locked == 0:
        return reject(RejectCode.NOTHING_TO_CLAIM, f"{command.voter} has nothing locked")
    token = context.get(Governance).settings.governance_token
    return [
        Emit(
            VotesReclaimed(
                proposal_id=command.proposal_id,
                voter=command.voter,
                amount=locked,
                governance_token=token,
            )
        )
    ]


def handle_signal(command: SignalExecutive, context: Context) -> list[Emit] | Rejected:
    found = _proposal(context, command.proposal_id)
    if isinstance(found, Rejected):
        return found
    refused = team_refusal(context, "executive", command.member)
    if refused is not None:
        return refused
    refused = signal_refusal(found, command.proposal_id, command.member)
    if refused is not None:
        return refused
    settings = context.get(Governance).settings
    signals = len(found.signals) + 1
    emits = [
        Emit(
            ExecutiveSignalled(
                proposal_id=command.proposal_id, member=command.member, signals=signals
            )
        )
    ]
    if signals >= settings.signals_required:
        emits.append(Emit(ProposalExecuted(proposal_id=command.proposal_id, via="executive")))
    return emits


def handle_veto(command: VetoProposal, context: Context) -> list[Emit] | Rejected:
    refused = safety_power_refusal(context, command.sender, "veto")
    if refused is not None:
        return refused
    found = _proposal(context, command.proposal_id)
    if isinstance(found, Rejected):
        return found
    refused = veto_refusal(found, command.proposal_id, context.block)
    return refused or [Emit(ProposalVetoed(proposal_id=command.proposal_id, by=command.sender))]


def handle_pause(command: SetGovernancePause, context: Context) -> list[Emit] | Rejected:
    if command.paused:
        refused = safety_power_refusal(context, command.sender, "pause governance")
    else:  # resuming is always allowed, so governance never stays stuck
        refused = authority_refusal(context, command.sender, "resume governance")
    return refused or [Emit(GovernancePauseSet(paused=command.paused, by=command.sender))]
