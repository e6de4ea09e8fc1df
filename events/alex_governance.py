"""ALEX governance (AGP) facts: proposals, votes with locked ALEX, conclusion, teams, veto, pause.

Votes lock the governance token: a vote moves `amount` from the voter to the governance lock
account (`vault:governance`), and reclaiming after conclusion moves it back. The foundation's
veto and pause (the Genesis DAO powers of the tokenomics write-up) belong to one named
authority, set when governance is configured, for its safety period.

A proposal may name parameter changes (`ParameterChange`: fee rebate, emission schedule,
reserve distribution, emergency issuance) and the block they take effect from. Once it is
executed and that block is reached, `ParameterChanged` records each change; the books that own
the parameter fold it. Under the Genesis DAO (a Genesis team is configured) a community AGP
approves, and the Genesis team's implementation proposal, voted on in turn, is what enacts.
"""

from __future__ import annotations

import msgspec

from events.base import Amount, Block, Event, Name, register

FEE_REBATE = "fee-rebate"
"""A pool's LP fee rebate (x 1e8): target = the pool id."""
EMISSION_SCHEDULE = "emission-schedule"
"""A staking pool's coinbase per emission band: target = the staked token, `values` = bands."""
RESERVE_DISTRIBUTION = "reserve-distribution"
"""Pay `value` of the reserve pool of `target` to `recipient` (a buy-back desk, stakers...)."""
ISSUANCE = "issuance"
"""Allow emergency issuance of up to `value` ALEX whose proceeds fill the reserve of `target`."""
PARAMETERS = (FEE_REBATE, EMISSION_SCHEDULE, RESERVE_DISTRIBUTION, ISSUANCE)


class ParameterChange(msgspec.Struct, frozen=True, kw_only=True):
    """One parameter a proposal puts to the vote."""

    parameter: Name
    """One of `PARAMETERS`."""
    target: Name
    """What it applies to: a pool id, a staked token, a reserve pool's token."""
    value: Amount = 0
    """The new value (a rebate x 1e8, an amount in base units)."""
    values: tuple[Amount, ...] = ()
    """A list-valued parameter (an emission schedule's bands)."""
    recipient: str = ""
    """Who is paid (reserve distribution)."""


GOVERNANCE_LOCK_ACCOUNT = "vault:governance"
"""Where votes' tokens are locked until reclaimed."""


def proposal_stream(proposal_id: str) -> str:
    return f"proposal:{proposal_id}"


@register
class GovernanceConfigured(Event, frozen=True, kw_only=True):
    """Who holds which governance power, and the parameters of voting."""

    authority: Name
    """The foundation account that alone may veto and pause."""
    governance_token: Name = "ALEX"
    """The token that votes (one token, one vote)."""
    quorum: Amount = 0
    """Votes (for + against) a proposal needs to pass; 0, as in the contract, means none."""
    emergency_team: tuple[Name, ...] = ()
    """Accounts that may submit emergency proposals."""
    emergency_window_blocks: Amount = 1440
    """Voting window of an emergency proposal."""
    emergency_sunset_height: Block = 0
    """Emergency proposals are refused from this height on."""
    executive_team: tuple[Name, ...] = ()
    """Accounts whose signals execute a proposal."""
    signals_required: Amount = 3
    """Signals that execute a proposal (3 of 5)."""
    executive_sunset_height: Block = 0
    """Signals are refused from this height on."""
    genesis_team: tuple[Name, ...] = ()
    """Genesis DAO: the team whose implementation proposals enact approved AGPs (empty: any
    executed proposal enacts its own changes, as the contract does)."""
    safety_period_end: Block = 0
    """The foundation's veto and pause are refused from this height on (0: no end)."""
    sender: str = ""
    """Who recorded it: once an authority is configured, only it may reconfigure ("" in records
    written before the field: such a reconfiguration is refused on the way in, and folds as
    it always did)."""

    def default_stream(self) -> str:
        return "governance"


@register
class ProposalAdded(Event, frozen=True, kw_only=True):
    """A proposal opens for votes from start_height up to end_height (exclusive)."""

    proposal_id: Name
    """The proposal's id (e.g. `AGP-042`)."""
    proposer: Name
    """Who submitted it."""
    start_height: Block
    """First block votes count."""
    end_height: Block
    """First block votes no longer count; conclusion is allowed from here."""
    kind: Name = "standard"
    """`standard`, `emergency` (emergency-team, fixed window) or `implementation` (Genesis
    team, enacting an approved AGP)."""
    title: str = ""
    """What it proposes."""
    actions: tuple[ParameterChange, ...] = ()
    """The parameter changes it enacts once executed."""
    effective_height: Block = 0
    """The changes take effect from this block (0: as soon as it is executed)."""
    implements: str = ""
    """An implementation proposal: the approved AGP it implements."""

    def default_stream(self) -> str:
        return proposal_stream(self.proposal_id)


@register
class VoteCast(Event, frozen=True, kw_only=True):
    """A vote locks `amount` of the governance token (posting: voter -> vault:governance)."""

    proposal_id: Name
    """The proposal voted on."""
    voter: Name
    """Who voted."""
    amount: Amount
    """Tokens locked, and votes cast (one token, one vote)."""
    in_favour: bool
    """True: for; False: against."""
    governance_token: Name = "ALEX"
    """The token locked."""

    def default_stream(self) -> str:
        return proposal_stream(self.proposal_id)


@register
class ProposalConcluded(Event, frozen=True, kw_only=True):
    """Voting is over: passed iff for > against (and the quorum, if any, is met)."""

    proposal_id: Name
    """The proposal concluded."""
    votes_for: Amount
    """Votes for at conclusion."""
    votes_against: Amount
    """Votes against at conclusion."""
    passed: bool
    """The vote's outcome (before any veto)."""

    def default_stream(self) -> str:
        return proposal_stream(self.proposal_id)


@register
class ProposalVetoed(Event, frozen=True, kw_only=True):
    """The foundation vetoes a proposal: if it passes (or passed), it ends VETOED."""

    proposal_id: Name
    """The proposal vetoed."""
    by: Name
    """The authority."""

    def default_stream(self) -> str:
        return proposal_stream(self.proposal_id)


@register
class ExecutiveSignalled(Event, frozen=True, kw_only=True):
    """An executive-team member signals for a proposal's immediate execution."""

    proposal_id: Name
    """The proposal signalled for."""
    member: Name
    """The executive-team member."""
    signals: Amount
    """Distinct signals for the proposal, counting this one."""

    def default_stream(self) -> str:
        return proposal_stream(self.proposal_id)


@register
class ProposalExecuted(Event, frozen=True, kw_only=True):
    """The DAO executes a proposal (after passing, or on enough executive signals)."""

    proposal_id: Name
    """The proposal executed."""
    via: Name = "vote"
    """`vote` (passed and concluded) or `executive` (signals)."""

    def default_stream(self) -> str:
        return proposal_stream(self.proposal_id)


@register
class VotesReclaimed(Event, frozen=True, kw_only=True):
    """After conclusion a voter takes back the locked tokens (posting: vault -> voter)."""

    proposal_id: Name
    """The proposal the tokens were locked for."""
    voter: Name
    """Who reclaims."""
    amount: Amount
    """Tokens unlocked."""
    governance_token: Name = "ALEX"
    """The token unlocked."""

    def default_stream(self) -> str:
        return proposal_stream(self.proposal_id)


@register
class GovernancePauseSet(Event, frozen=True, kw_only=True):
    """The foundation pauses (or resumes) governance: proposals and votes are refused."""

    paused: bool
    """True: paused."""
    by: Name
    """The authority."""

    def default_stream(self) -> str:
        return "governance"


@register
class ParameterChanged(Event, frozen=True, kw_only=True):
    """An executed proposal's change takes effect (from `effective_height`)."""

    proposal_id: Name
    """The proposal enacted."""
    change: ParameterChange
    """The parameter and its new value."""
    effective_height: Block
    """The first block the change applies to."""

    def default_stream(self) -> str:
        return proposal_stream(self.proposal_id)
