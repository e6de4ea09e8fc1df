"""Emergency issuance: the reserve pool's second line of defence, approved by a proposal.

When a reserve cannot pay what it owes, the white paper has the community approve new ALEX;
it is sold and all proceeds go to the reserve until the shortfall is covered. Here an enacted
proposal with an `issuance` change (target: the reserve's token, value: the most ALEX) is the
only approval; anything else is refused (NOT_APPROVED). `IssueEmergency` mints the ALEX to
the issuance account (`EmergencyIssued`, naming the proposal), sells it through a real AMM
pool (its own `Swapped`, paying the pool's price impact and fee), credits the proceeds to the
reserve (`ReserveCredited`, source `emergency-issuance:<proposal>`) and pays what the reserve
owes, beneficiary by beneficiary (`ShortfallCovered`). The approval is checked by
`ledger.admission_acts`, which holds an appended `EmergencyIssued` to it too.
"""

from __future__ import annotations

from events.rejections import RejectCode
from events.reserve import (
    ALEX_RESERVE,
    EMERGENCY_SOURCE,
    EmergencyIssued,
    ReserveCredited,
    ShortfallCovered,
)
from ledger.admission_acts import issuance_allowed, issuance_excess
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from ledger.commands.amm import live_pool
from ledger.commands.amm_swaps import leg_emits, other_token
from projections.pools import PoolBook
from projections.pools_quotes import SwapQuote, swap_exact_in, swap_exact_out
from projections.reserve import ReserveSolvency

ISSUANCE_ACCOUNT = "issuance:ALEX"
"""Where emergency ALEX is minted before it is sold through a pool."""


class IssueEmergency(Command, frozen=True, kw_only=True):
    """Mint ALEX under an enacted issuance proposal, sell it through `pool`, fill the reserve.

    `alex_amount` None: as much as the reserve's outstanding shortfall needs (at the pool's
    price), up to what the proposal still allows.
    """

    proposal_id: str
    token: str
    pool: str
    alex_amount: int | None = None
    alex_asset: str = "ALEX"
    reserve: str = ALEX_RESERVE


def _sale(
    book: PoolBook, command: IssueEmergency, allowed: int, needed: int, block: int
) -> SwapQuote | Rejected:
    """The pool sale: exactly `alex_amount`, or enough ALEX for `needed` proceeds (capped)."""
    if command.alex_amount is not None:
        refused = issuance_excess(command.proposal_id, allowed, command.alex_amount)
        return refused or swap_exact_in(book, command.alex_asset, command.alex_amount, block)
    if needed <= 0:
        return reject(RejectCode.NOTHING_TO_CLAIM, f"reserve of {command.token} owes nothing")
    quote = swap_exact_out(book, command.token, needed, block)
    if quote.amount_in > allowed:
        quote = swap_exact_in(book, command.alex_asset, allowed, block)
    return quote


def owed_paid(solvency: ReserveSolvency, token: str, reserve: str, available: int) -> list[Emit]:
    """Pay what the reserve owes, beneficiary by beneficiary (by name), from `available`."""
    emits = []
    for beneficiary, owed in sorted(solvency.book(token, reserve).owed.items()):
        paid = min(owed, available)
        if paid <= 0:
            break
        available -= paid
        covered = ShortfallCovered(
            token=token, amount=paid, beneficiary=beneficiary, reserve=reserve
        )
        emits.append(Emit(covered))
    return emits


def handle_issue(command: IssueEmergency, context: Context) -> list[Emit] | Rejected:
    allowed = issuance_allowed(context, command.proposal_id, command.token)
    if isinstance(allowed, Rejected):
        return allowed
    book = live_pool(context, command.pool)
    if isinstance(book, Rejected):
        return book
    pair = {book.spec.token_x, book.spec.token_y}
    if pair != {command.alex_asset, command.token}:
        return reject(
            RejectCode.INVALID_PARAMETER,
            f"{command.pool} trades {sorted(pair)}, not {command.alex_asset}/{command.token}",
        )
    solvency = context.get(ReserveSolvency)
    reserve = solvency.book(command.token, command.reserve)
    needed = sum(reserve.owed.values()) - max(reserve.free_balance, 0)
    quote = _sale(book, command, allowed, needed, context.block)
    if isinstance(quote, Rejected):
        return quote
    asset_out = other_token(book, command.alex_asset)
    emits = [
        Emit(
            EmergencyIssued(
                token=command.token,
                alex_amount=quote.amount_in,
                proceeds=quote.amount_out,
                buyer=ISSUANCE_ACCOUNT,
                alex_asset=command.alex_asset,
                approval=command.proposal_id,
                sold_through=command.pool,
                reserve=command.reserve,
            )
        ),
        *leg_emits(book, ISSUANCE_ACCOUNT, command.alex_asset, quote, "exact_in"),
        Emit(
            ReserveCredited(
                token=asset_out,
                amount=quote.amount_out,
                from_account=ISSUANCE_ACCOUNT,
                source=f"{EMERGENCY_SOURCE}:{command.proposal_id}",
                reserve=command.reserve,
            )
        ),
    ]
    available = max(reserve.free_balance, 0) + quote.amount_out
    return emits + owed_paid(solvency, command.token, command.reserve, available)
