"""The governance book as tables: proposals with their status at a block, locks, settings, and
the parameter changes each proposal carries (with whether they have taken effect)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from projections.base import Table

if TYPE_CHECKING:
    from projections.governance import Proposal, Settings

PROPOSAL_COLUMNS = (
    "proposal_id",
    "kind",
    "proposer",
    "start_height",
    "end_height",
    "votes_for",
    "votes_against",
    "voters",
    "locked_outstanding",
    "status",
)


def governance_tables(
    proposals: dict[str, Proposal], settings: Settings, block: int | None
) -> list[Table]:
    """Every governance table, statuses answered at `block` (None: without a block)."""
    ordered = sorted(proposals.items())
    rows = [
        (
            proposal_id,
            p.kind,
            p.proposer,
            p.start_height,
            p.end_height,
            p.votes_for,
            p.votes_against,
            len(p.voters),
            p.locked_outstanding,
            p.status_at(block),
        )
        for proposal_id, p in ordered
    ]
    locks = [
        (proposal_id, voter, amount)
        for proposal_id, p in ordered
        for voter, amount in sorted(p.locked.items())
    ]
    settings_row = (
        "governance",
        settings.authority,
        settings.paused,
        settings.quorum,
        settings.signals_required,
        settings.safety_period_end,
        ",".join(settings.genesis_team),
    )
    return [
        Table("governance", PROPOSAL_COLUMNS, rows, key_columns=("proposal_id",)),
        Table(
            "governance_locks",
            ("proposal_id", "account", "amount"),
            locks,
            key_columns=("proposal_id", "account"),
        ),
        Table(
            "governance_settings",
            (
                "scope",
                "authority",
                "paused",
                "quorum",
                "signals_required",
                "safety_period_end",
                "genesis_team",
            ),
            [settings_row],
            key_columns=("scope",),
        ),
        _changes_table(ordered),
    ]


CHANGE_COLUMNS = (
    "proposal_id",
    "index",
    "parameter",
    "target",
    "value",
    "values",
    "recipient",
    "effective_height",
    "enacted",
)


def _changes_table(ordered: list[tuple[str, Proposal]]) -> Table:
    """Each proposal's parameter changes, and whether each has taken effect."""
    rows = [
        (
            proposal_id,
            index,
            change.parameter,
            change.target,
            change.value,
            ",".join(str(value) for value in change.values),
            change.recipient,
            p.effective_height,
            index < p.enacted,
        )
        for proposal_id, p in ordered
        for index, change in enumerate(p.actions)
    ]
    return Table("governance_changes", CHANGE_COLUMNS, rows, key_columns=("proposal_id", "index"))
