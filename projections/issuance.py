"""Which emergency issuance governance has approved: one rule for the command that issues and
for the admission of an `EmergencyIssued` fact from outside (`ledger.admission_acts`).

Emergency ALEX is approved only by a proposal that passed, was executed, was not vetoed and
whose changes were enacted, naming an `issuance` change for the reserve of the token it fills;
its value is the most ALEX it allows, across every issuance under it.
"""

from __future__ import annotations

from events.alex_governance import ISSUANCE
from projections.governance import Governance
from projections.reserve import ReserveSolvency


def issuance_left(
    governance: Governance, solvency: ReserveSolvency, proposal_id: str, token: str
) -> int | None:
    """ALEX `proposal_id` still allows for the reserve of `token`; None: it approves none."""
    found = governance.proposal(proposal_id)
    if found is None or not found.executed or found.vetoed or not found.enacted:
        return None
    allowed = sum(
        change.value
        for change in found.actions
        if change.parameter == ISSUANCE and change.target == token
    )
    if not allowed:
        return None
    return max(allowed - solvency.issued_by_approval(proposal_id), 0)
