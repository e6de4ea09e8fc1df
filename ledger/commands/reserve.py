"""Reserve-pool commands, and `cover_shortfall`, which the lending side calls.

A shortfall is reported against one reserve pool (the ALEX reserve, or the f(x) reserve for
liquidation bonuses) and paid from what that reserve may spend: its balance less the stakers'
principal it holds for them. What it cannot pay stays owed to the beneficiary in the
`reserve_solvency` book, until governance-approved emergency issuance (`ledger.commands.
alex_issuance`) raises the rest.
"""

from __future__ import annotations

from events.amm import swap_fee_source
from events.rejections import RejectCode
from events.reserve import (
    ALEX_RESERVE,
    ReserveCredited,
    ShortfallCovered,
    ShortfallReported,
)
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from ledger.commands.core import check_funds
from projections.balances import Balances
from projections.reserve import ReserveSolvency


class CreditReserve(Command, frozen=True, kw_only=True):
    """Pay tokens into a reserve pool (e.g. a treasury top-up)."""

    token: str
    amount: int
    from_account: str
    source: str = "deposit"
    reserve: str = ALEX_RESERVE
    """"" the ALEX reserve pool, `fx` the f(x) reserve for liquidation bonuses."""


class CoverShortfall(Command, frozen=True, kw_only=True):
    """A lending position is short: report it, and pay `beneficiary` what the reserve can."""

    token: str
    amount: int
    beneficiary: str
    reason: str = ""
    reserve: str = ALEX_RESERVE


def swap_fee_credited(token: str, reserve_share: int, trader: str, pool: str) -> list[Emit]:
    """The `ReserveCredited` of a swap fee's reserve share (none when the share is zero).

    The rebate stays in the pool for its LPs; the rest of the fee is the reserve pool's inflow.
    """
    if not reserve_share:
        return []
    credited = ReserveCredited(
        token=token, amount=reserve_share, from_account=trader, source=swap_fee_source(pool)
    )
    return [Emit(credited)]


def cover_shortfall(context: Context, command: CoverShortfall) -> list[Emit] | Rejected:
    """Report the shortfall and pay what the reserve may spend (its free balance)."""
    if command.amount <= 0:
        return reject(RejectCode.ZERO_AMOUNT, "a shortfall is a positive amount")
    book = context.get(ReserveSolvency).book(command.token, command.reserve)
    emits = [
        Emit(
            ShortfallReported(
                token=command.token,
                amount=command.amount,
                beneficiary=command.beneficiary,
                reason=command.reason,
                reserve=command.reserve,
            )
        )
    ]
    from_reserve = min(max(book.free_balance, 0), command.amount)
    if from_reserve:
        emits.append(
            Emit(
                ShortfallCovered(
                    token=command.token,
                    amount=from_reserve,
                    beneficiary=command.beneficiary,
                    reserve=command.reserve,
                )
            )
        )
    return emits


def handle_cover_shortfall(command: CoverShortfall, context: Context) -> list[Emit] | Rejected:
    return cover_shortfall(context, command)


def handle_credit_reserve(command: CreditReserve, context: Context) -> list[Emit] | Rejected:
    refused = check_funds(
        context.get(Balances), command.from_account, command.token, command.amount
    )
    return refused or [
        Emit(
            ReserveCredited(
                token=command.token,
                amount=command.amount,
                from_account=command.from_account,
                source=command.source,
                reserve=command.reserve,
            )
        )
    ]
