"""Admission rules for what governance enacts: a parameter change and emergency issuance, each
held to the approval its command checks (`EnactProposal` and `IssueEmergency` call these too).

A `ParameterChanged` takes effect only for a proposal that was executed and not vetoed, that
enacts (under the Genesis DAO the Genesis team's implementation, not the community's approval)
and whose effective block has come: it is the proposal's next change not yet in effect, from
the block `EnactProposal` gives it, and a reserve distribution fits the reserve's free balance.
An `EmergencyIssued` mints only what an enacted `issuance` change still allows for the reserve
it fills (`projections.issuance`): anything else is ALEX from nowhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events.alex_governance import RESERVE_DISTRIBUTION, ParameterChanged
from events.base import Event
from events.rejections import RejectCode
from events.reserve import EmergencyIssued
from ledger.batch import Rejected
from ledger.command import Context, reject
from projections.governance import Governance, Proposal
from projections.issuance import issuance_left
from projections.reserve import ReserveSolvency


def enactable(books: Context, proposal_id: str) -> Proposal | Rejected:
    """The proposal, if changes of it may take effect now: executed, not vetoed, the one that
    enacts, with changes not yet in effect, at or after its effective block."""
    governance = books.get(Governance)
    found = governance.proposal(proposal_id)
    if found is None:
        return reject(RejectCode.UNKNOWN_PROPOSAL, f"no proposal {proposal_id!r}")
    if not found.executed or found.vetoed:
        return reject(
            RejectCode.NOT_APPROVED,
            f"{proposal_id} is {found.status_at(books.block)}: only an executed proposal's "
            "changes take effect",
        )
    if governance.settings.genesis_team and found.kind == "standard" and found.actions:
        return reject(
            RejectCode.NOT_APPROVED,
            f"{proposal_id} is the community's approval; the Genesis team's implementation "
            "proposal, once voted through, enacts it",
        )
    if not found.actions:
        return reject(RejectCode.INVALID_PARAMETER, f"{proposal_id} changes no parameter")
    if found.enacted >= len(found.actions):
        return reject(RejectCode.ALREADY_CONCLUDED, f"{proposal_id} is enacted already")
    if books.block < found.effective_height:
        return reject(
            RejectCode.NOT_APPROVED,
            f"{proposal_id} takes effect from block {found.effective_height}",
        )
    return found


def enactment_height(found: Proposal, block: int) -> int:
    """The first block a change enacted at `block` applies to: never before the proposal's."""
    return max(found.effective_height, block)


def distribution_refusal(token: str, free: int, amount: int) -> Rejected | None:
    """A reserve distribution pays only from what the reserve holds beyond stakers' principal."""
    if amount > free:
        return reject(
            RejectCode.INSUFFICIENT_BALANCE,
            f"reserve:{token} has {free} free to distribute, not {amount}",
        )
    return None


def parameter_changed(event: ParameterChanged, books: Context) -> Rejected | None:
    found = enactable(books, event.proposal_id)
    if isinstance(found, Rejected):
        return found
    change = found.actions[found.enacted]
    if event.change != change:
        return reject(
            RejectCode.NOT_APPROVED,
            f"the next change {event.proposal_id} enacts is {change.parameter} of "
            f"{change.target!r} (value {change.value}); the fact names {event.change.parameter} "
            f"of {event.change.target!r} (value {event.change.value})",
        )
    height = enactment_height(found, books.block)
    if event.effective_height != height:
        return reject(
            RejectCode.INVALID_PARAMETER,
            f"{event.proposal_id}'s change enacted at block {books.block} takes effect from "
            f"block {height}, not {event.effective_height}",
        )
    if change.parameter != RESERVE_DISTRIBUTION:
        return None
    free = books.get(ReserveSolvency).book(change.target).free_balance
    return distribution_refusal(change.target, free, change.value)


def issuance_allowed(books: Context, proposal_id: str, token: str) -> int | Rejected:
    """ALEX a proposal still allows to be issued for the reserve of `token`, if any."""
    left = issuance_left(books.get(Governance), books.get(ReserveSolvency), proposal_id, token)
    if left is None:
        return reject(
            RejectCode.NOT_APPROVED,
            f"{proposal_id!r} is not an enacted proposal allowing issuance for reserve:{token}: "
            "emergency ALEX is issued only under one",
        )
    if left == 0:
        return reject(RejectCode.NOT_APPROVED, f"{proposal_id}'s allowance is spent")
    return left


def issuance_excess(proposal_id: str, allowed: int, amount: int) -> Rejected | None:
    """Refused: more ALEX than the proposal still allows."""
    if amount > allowed:
        return reject(
            RejectCode.NOT_APPROVED,
            f"{proposal_id} allows {allowed} more ALEX, not {amount}",
        )
    return None


def emergency_issued(event: EmergencyIssued, books: Context) -> Rejected | None:
    allowed = issuance_allowed(books, event.approval, event.token)
    if isinstance(allowed, Rejected):
        return allowed
    return issuance_excess(event.approval, allowed, event.alex_amount)


ACTS_RULES: dict[type[Event], Callable[[Any, Context], Rejected | None]] = {
    ParameterChanged: parameter_changed,
    EmergencyIssued: emergency_issued,
}
