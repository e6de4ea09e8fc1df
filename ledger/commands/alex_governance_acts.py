"""Governance that acts: the Genesis DAO's implementation proposals, and enacting an executed
proposal's parameter changes from the block it states.

The white paper puts to the vote the LP fee rebate, the staking (emission) policy, the reserve
distribution policy and the ALEX supply policy (emergency issuance). A proposal names its
changes (`ParameterChange`); once executed and its `effective_height` reached, `EnactProposal`
records each as `ParameterChanged`, which the owning book folds: `pools` (fee rebate),
`alex_staking` (emission schedule), the reserve pays a distribution by `ReserveDebited`, and an
issuance allowance is what `IssueEmergency` checks.

Genesis DAO (a Genesis team configured): the community's AGP approves; a Genesis-team member
then proposes its implementation (`AddImplementationProposal`, naming the approved AGP), which
is voted on in turn, and only that second proposal enacts. Emergency proposals enact directly.
"""

from __future__ import annotations

from events.alex_governance import (
    EMISSION_SCHEDULE,
    FEE_REBATE,
    PARAMETERS,
    RESERVE_DISTRIBUTION,
    ParameterChange,
    ParameterChanged,
    ProposalAdded,
)
from events.rejections import RejectCode
from events.reserve import ReserveDebited
from ledger.admission_acts import distribution_refusal, enactable, enactment_height
from ledger.admission_governance import approved_agp, paused_refusal, team_refusal
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from projections.alex_staking import AlexStaking
from projections.contracts.fixed_point import ONE_8
from projections.governance import Governance
from projections.pools import Pools
from projections.reserve import ReserveSolvency

DISTRIBUTION_REASON = "distribution"
"""Reason prefix of a reserve distribution a proposal enacted."""


class AddImplementationProposal(Command, frozen=True, kw_only=True):
    """Genesis DAO step two: the Genesis team proposes how an approved AGP is implemented."""

    proposal_id: str
    proposer: str
    implements: str
    start_height: int
    end_height: int
    actions: tuple[ParameterChange, ...] = ()
    """The changes it enacts (the approved AGP's by default)."""
    effective_height: int = 0
    title: str = ""


class EnactProposal(Command, frozen=True, kw_only=True):
    """Put an executed proposal's changes into effect (at or after its effective block)."""

    proposal_id: str
    sender: str


def check_actions(context: Context, actions: tuple[ParameterChange, ...]) -> Rejected | None:
    """Each change names a known parameter, an existing target and a value in range."""
    for change in actions:
        problem = _problem(context, change)
        if problem:
            return reject(RejectCode.INVALID_PARAMETER, f"{change.parameter}: {problem}")
    return None


def _problem(context: Context, change: ParameterChange) -> str:
    if change.parameter not in PARAMETERS:
        return f"the parameters are {', '.join(PARAMETERS)}"
    if change.parameter == FEE_REBATE:
        book = context.get(Pools).books.get(change.target)
        if book is None or book.spec.kind != "weighted":
            return f"{change.target!r} is not an ALEX weighted pool"
        return "" if 0 <= change.value <= ONE_8 else "a rebate is in [0, 1e8]"
    if change.parameter == EMISSION_SCHEDULE:
        if context.get(AlexStaking).pool(change.target) is None:
            return f"{change.target!r} is not stakeable"
        return "" if change.values else "name the coinbase of each band in `values`"
    if change.value <= 0:
        return "a positive amount"
    if change.parameter == RESERVE_DISTRIBUTION and not change.recipient:
        return "name the recipient"
    return ""


def handle_add_implementation(
    command: AddImplementationProposal, context: Context
) -> list[Emit] | Rejected:
    refused = team_refusal(context, "implementation", command.proposer)
    if refused is not None:
        return refused
    approved = approved_agp(context, command.implements)
    if isinstance(approved, Rejected):
        return approved
    refused = paused_refusal(context)
    if refused is not None:
        return refused
    if context.get(Governance).proposal(command.proposal_id) is not None:
        return reject(RejectCode.INVALID_PARAMETER, f"proposal {command.proposal_id!r} exists")
    if not context.block <= command.start_height < command.end_height:
        return reject(RejectCode.INVALID_PARAMETER, "need block <= start_height < end_height")
    actions = command.actions or tuple(approved.actions)
    refused = check_actions(context, actions)
    return refused or [
        Emit(
            ProposalAdded(
                proposal_id=command.proposal_id,
                proposer=command.proposer,
                start_height=command.start_height,
                end_height=command.end_height,
                kind="implementation",
                title=command.title or f"implements {command.implements}",
                actions=actions,
                effective_height=command.effective_height,
                implements=command.implements,
            )
        )
    ]


def handle_enact(command: EnactProposal, context: Context) -> list[Emit] | Rejected:
    """Each change not yet in effect, in order; a distribution pays from the free balance."""
    found = enactable(context, command.proposal_id)
    if isinstance(found, Rejected):
        return found
    effective = enactment_height(found, context.block)
    emits: list[Emit] = []
    free = dict[str, int]()
    for change in found.actions[found.enacted :]:
        emits.append(
            Emit(
                ParameterChanged(
                    proposal_id=command.proposal_id, change=change, effective_height=effective
                )
            )
        )
        if change.parameter == RESERVE_DISTRIBUTION:
            book = context.get(ReserveSolvency).book(change.target)
            held = free.setdefault(change.target, book.free_balance)
            refused = distribution_refusal(change.target, held, change.value)
            if refused is not None:
                return refused
            free[change.target] = held - change.value
            reason = f"{DISTRIBUTION_REASON}:{command.proposal_id}"
            emits.append(
                Emit(
                    ReserveDebited(
                        token=change.target,
                        amount=change.value,
                        to_account=change.recipient,
                        reason=reason,
                    )
                )
            )
    return emits
