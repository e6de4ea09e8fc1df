"""Governance tallies: per proposal, votes for and against, distinct voters, tokens locked, the
parameter changes it puts to the vote, and its status at any block.

The state holds no block: status that depends on time (pending, active, closed) is answered
at the block the reader asks about (`status_at(block)`, `tables_at(block)`), so the status at
a block after a proposal's end is never "active", whatever the last record was.

    pending   block < start_height
    active    start_height <= block < end_height, not concluded
    closed    block >= end_height, not concluded
    passed    concluded with for > against (and the quorum met), not vetoed, not executed
    failed    concluded without passing
    vetoed    vetoed by the foundation while it would pass or had passed
    executed  executed (after passing, or by executive signals)

`tables()` (no block) shows `open` for a proposal that is not concluded.
"""

from __future__ import annotations

import msgspec

from events.alex_governance import (
    ExecutiveSignalled,
    GovernanceConfigured,
    GovernancePauseSet,
    ParameterChange,
    ParameterChanged,
    ProposalAdded,
    ProposalConcluded,
    ProposalExecuted,
    ProposalVetoed,
    VoteCast,
    VotesReclaimed,
)
from events.base import Event
from events.record import Record
from projections.base import Table, Violation, canonical_bytes, digest_of
from projections.governance_tables import governance_tables

_GOVERNANCE_EVENTS = frozenset(
    {
        ExecutiveSignalled,
        GovernanceConfigured,
        GovernancePauseSet,
        ParameterChanged,
        ProposalAdded,
        ProposalConcluded,
        ProposalExecuted,
        ProposalVetoed,
        VoteCast,
        VotesReclaimed,
    }
)


class Proposal(msgspec.Struct):
    """One proposal's tally, outcome and the changes it carries."""

    proposer: str
    start_height: int
    end_height: int
    kind: str
    title: str = ""
    votes_for: int = 0
    votes_against: int = 0
    locked: dict[str, int] = msgspec.field(default_factory=dict)
    """Tokens each voter has locked and not yet reclaimed."""
    voters: dict[str, int] = msgspec.field(default_factory=dict)
    """Votes cast by each distinct voter (for and against together)."""
    concluded: bool = False
    passed: bool = False
    vetoed: bool = False
    executed: bool = False
    signals: list[str] = msgspec.field(default_factory=list)
    actions: list[ParameterChange] = msgspec.field(default_factory=list)
    effective_height: int = 0
    implements: str = ""
    enacted: int = 0
    """How many of `actions` have taken effect (`ParameterChanged`)."""

    @property
    def locked_outstanding(self) -> int:
        return sum(self.locked.values())

    def status_at(self, block: int | None) -> str:
        """The status at `block` (see the module docstring); None: `open` if undecided."""
        if self.executed:
            return "executed"
        if self.vetoed and (self.passed or not self.concluded):
            return "vetoed"
        if self.concluded:
            return "passed" if self.passed else "failed"
        if block is None:
            return "open"
        if block < self.start_height:
            return "pending"
        return "active" if block < self.end_height else "closed"


class Settings(msgspec.Struct):
    authority: str | None = None
    governance_token: str = "ALEX"
    quorum: int = 0
    emergency_team: list[str] = msgspec.field(default_factory=list)
    emergency_window_blocks: int = 1440
    emergency_sunset_height: int = 0
    executive_team: list[str] = msgspec.field(default_factory=list)
    signals_required: int = 3
    executive_sunset_height: int = 0
    paused: bool = False
    genesis_team: list[str] = msgspec.field(default_factory=list)
    safety_period_end: int = 0

    def in_safety_period(self, block: int) -> bool:
        """Whether the foundation's veto and pause still hold at `block`."""
        return not self.safety_period_end or block < self.safety_period_end


class _GovernanceState(msgspec.Struct):
    settings: Settings = msgspec.field(default_factory=Settings)
    proposals: dict[str, Proposal] = msgspec.field(default_factory=dict)
    violations: list[Violation] = msgspec.field(default_factory=list)


class Governance:
    """The `governance` projection (see the module docstring)."""

    name = "governance"
    version = 2

    def __init__(self) -> None:
        self.state = _GovernanceState()

    @property
    def settings(self) -> Settings:
        return self.state.settings

    def proposal(self, proposal_id: str) -> Proposal | None:
        return self.state.proposals.get(proposal_id)

    def proposals(self) -> dict[str, Proposal]:
        return self.state.proposals

    def folds(self, event_type: type[Event]) -> bool:
        return event_type in _GOVERNANCE_EVENTS

    def apply(self, record: Record) -> None:
        event = record.event
        if isinstance(event, VoteCast):
            self._apply_vote(event, record.seq)
        elif isinstance(event, VotesReclaimed):
            self._apply_reclaim(event, record.seq)
        elif isinstance(event, ProposalAdded):
            self.state.proposals[event.proposal_id] = Proposal(
                proposer=event.proposer,
                start_height=event.start_height,
                end_height=event.end_height,
                kind=event.kind,
                title=event.title,
                actions=list(event.actions),
                effective_height=event.effective_height,
                implements=event.implements,
            )
        elif isinstance(event, ProposalConcluded):
            if found := self._found(event.proposal_id, record.seq):
                found.concluded, found.passed = True, event.passed
        elif isinstance(event, ProposalVetoed):
            if found := self._found(event.proposal_id, record.seq):
                found.vetoed = True
        elif isinstance(event, ProposalExecuted):
            if found := self._found(event.proposal_id, record.seq):
                found.executed = True
        elif isinstance(event, ExecutiveSignalled):
            if found := self._found(event.proposal_id, record.seq):
                found.signals.append(event.member)
        elif isinstance(event, ParameterChanged):
            if found := self._found(event.proposal_id, record.seq):
                found.enacted += 1
        elif isinstance(event, GovernancePauseSet):
            self.state.settings.paused = event.paused
        elif isinstance(event, GovernanceConfigured):
            self._apply_configured(event)

    def _apply_configured(self, event: GovernanceConfigured) -> None:
        self.state.settings = Settings(
            authority=event.authority,
            governance_token=event.governance_token,
            quorum=event.quorum,
            emergency_team=list(event.emergency_team),
            emergency_window_blocks=event.emergency_window_blocks,
            emergency_sunset_height=event.emergency_sunset_height,
            executive_team=list(event.executive_team),
            signals_required=event.signals_required,
            executive_sunset_height=event.executive_sunset_height,
            paused=self.state.settings.paused,
            genesis_team=list(event.genesis_team),
            safety_period_end=event.safety_period_end,
        )

    def _found(self, proposal_id: str, seq: int) -> Proposal | None:
        """The proposal a fact names; a log written before facts were checked on the way in
        may name one that was never added: that is a finding, not a crash."""
        found = self.state.proposals.get(proposal_id)
        if found is None:
            self.state.violations.append(
                Violation("UNKNOWN_PROPOSAL", seq, f"no proposal {proposal_id!r}")
            )
        return found

    def _apply_vote(self, event: VoteCast, seq: int) -> None:
        found = self._found(event.proposal_id, seq)
        if found is None:
            return
        if event.in_favour:
            found.votes_for += event.amount
        else:
            found.votes_against += event.amount
        found.voters[event.voter] = found.voters.get(event.voter, 0) + event.amount
        found.locked[event.voter] = found.locked.get(event.voter, 0) + event.amount

    def _apply_reclaim(self, event: VotesReclaimed, seq: int) -> None:
        found = self._found(event.proposal_id, seq)
        if found is None:
            return
        left = found.locked.get(event.voter, 0) - event.amount
        if left < 0:
            self.state.violations.append(
                Violation("RECLAIM_ABOVE_LOCKED", seq, f"{event.voter} on {event.proposal_id}")
            )
        if left:
            found.locked[event.voter] = left
        else:
            found.locked.pop(event.voter, None)

    def snapshot(self) -> bytes:
        return canonical_bytes(self.state)

    def restore(self, data: bytes) -> None:
        self.state = msgspec.json.decode(data, type=_GovernanceState)

    def digest(self) -> str:
        return digest_of(self.snapshot())

    def violations(self) -> list[Violation]:
        return list(self.state.violations)

    def tables(self) -> list[Table]:
        """The tables without a block: undecided proposals show `open`."""
        return governance_tables(self.state.proposals, self.state.settings, None)

    def tables_at(self, block: int) -> list[Table]:
        """The tables with every status answered at `block`."""
        return governance_tables(self.state.proposals, self.state.settings, block)
