"""Reserve-pool commands, and `cover_shortfall`, which the lending side calls.

A shortfall is paid by the reserve pool of its token first; what the reserve cannot pay is
raised by an emergency issuance of ALEX (governance-approved) sold to a buyer at the oracle
prices, whose proceeds fill the reserve until the shortfall is covered. Whatever neither can
pay stays outstanding in the `reserve_solvency` projection.
"""

from __future__ import annotations

import msgspec

from events.amm import swap_fee_source
from events.rejections import RejectCode
from events.reserve import EmergencyIssued, ReserveCredited, ShortfallCovered, ShortfallReported
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from ledger.commands.core import check_funds
from projections.balances import Balances
from projections.prices import Prices
from projections.reserve import ReserveSolvency


class CreditReserve(Command, frozen=True, kw_only=True):
    """Pay tokens into a reserve pool (e.g. a treasury top-up)."""

    token: str
    amount: int
    from_account: str
    source: str = "deposit"


class EmergencyRoute(msgspec.Struct, frozen=True, kw_only=True):
    """Who buys newly issued ALEX, and the governance decision that allows it."""

    buyer: str
    approval: str
    alex_asset: str = "ALEX"


class CoverShortfall(Command, frozen=True, kw_only=True):
    """A lending position is short: pay `beneficiary` from the reserve, then by issuance."""

    token: str
    amount: int
    beneficiary: str
    reason: str = ""
    emergency: EmergencyRoute | None = None


def alex_for_proceeds(context: Context, token: str, proceeds: int, alex_asset: str) -> int | None:
    """ALEX base units worth `proceeds` of `token` at the oracle prices, rounded up."""
    prices, balances = context.get(Prices), context.get(Balances)
    token_quote, alex_quote = prices.quote(token), prices.quote(alex_asset)
    if token_quote is None or alex_quote is None or alex_quote.price == 0:
        return None
    token_decimals = balances.decimals.get(token, 0)
    alex_decimals = balances.decimals.get(alex_asset, 8)
    scale = max(token_quote.scale, alex_quote.scale)
    # value = proceeds * p_token / 10^dec_token; alex = value * 10^dec_alex / p_alex
    numerator = proceeds * token_quote.rescaled(scale) * 10**alex_decimals
    denominator = alex_quote.rescaled(scale) * 10**token_decimals
    return -(-numerator // denominator) if denominator else None


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
    """Report the shortfall, pay what the reserve holds, raise the rest by emergency issuance."""
    if command.amount <= 0:
        return reject(RejectCode.ZERO_AMOUNT, "a shortfall is a positive amount")
    book = context.get(ReserveSolvency).book(command.token)
    emits = [
        Emit(
            ShortfallReported(
                token=command.token,
                amount=command.amount,
                beneficiary=command.beneficiary,
                reason=command.reason,
            )
        )
    ]
    from_reserve = min(book.balance, command.amount)
    if from_reserve:
        emits.append(
            Emit(
                ShortfallCovered(
                    token=command.token, amount=from_reserve, beneficiary=command.beneficiary
                )
            )
        )
    remaining = command.amount - from_reserve
    route = command.emergency
    if remaining and route is not None:
        buyer_holds = context.get(Balances).balance(route.buyer, command.token)
        proceeds = min(remaining, buyer_holds)
        alex_amount = alex_for_proceeds(context, command.token, proceeds, route.alex_asset)
        if alex_amount is None:
            return reject(
                RejectCode.PRICE_STALE,
                f"emergency issuance needs prices of {command.token} and {route.alex_asset}",
            )
        if proceeds:
            emits.append(
                Emit(
                    EmergencyIssued(
                        token=command.token,
                        alex_amount=alex_amount,
                        proceeds=proceeds,
                        buyer=route.buyer,
                        alex_asset=route.alex_asset,
                        approval=route.approval,
                    )
                )
            )
            emits.append(
                Emit(
                    ShortfallCovered(
                        token=command.token, amount=proceeds, beneficiary=command.beneficiary
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
            )
        )
    ]
