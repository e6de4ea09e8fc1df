"""A collateral rebalancing pool after expiry: settlement of its shortfall, and redemption.

At expiry a pool short of token y buys the gap (times the 1.1 coverage) with its collateral
through the conversion desk (paying its price impact); collateral beyond its balance is the
reserve pool's to pay. The contract does this inside the first redemption and reverts when the
reserve cannot pay; the ledger also lets a keeper settle first (`SettleCollateralPool`): the
shortfall is reported against the ALEX reserve pool of the collateral, the reserve pays what it
can into the pool's account at once, and the rest stays owed until governance-approved
emergency issuance (`ledger.commands.alex_issuance`) fills it.

Cover paid in ahead of a redemption sits in the pool's account, beyond the pool's own book
(`pending_cover`): a redemption counts it as the pool's collateral, records it in
`reserve_cover_x`, and asks the reserve only for what is still missing.
"""

from __future__ import annotations

from dataclasses import replace

from events.alex_lending import CollateralRedeemed, pool_account
from events.rejections import RejectCode
from events.reserve import ShortfallCovered
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from ledger.commands.alex_crp import DeskRouter, RedeemCollateralPool, pool_and_spot
from ledger.commands.reserve import CoverShortfall, cover_shortfall
from projections.alex_lending import CrpBook
from projections.balances import Balances
from projections.contracts.crp import CollateralPool
from projections.contracts.crp_redemption import Redemption, redeem_key, redeem_yield
from projections.contracts.fixed_point import ONE_8
from projections.reserve import ReserveSolvency


class SettleCollateralPool(Command, frozen=True, kw_only=True):
    """After expiry: report the pool's shortfall to the reserve and take what it can pay."""

    pool_id: str


def pending_cover(context: Context, pool_id: str, book: CrpBook) -> int:
    """Collateral paid into the pool's account ahead of a redemption, not yet in its book."""
    held = context.get(Balances).balance(pool_account(pool_id), book.collateral)
    return max(held - book.balance_x, 0)


def _covered_pool(context: Context, pool_id: str, book: CrpBook) -> tuple[CollateralPool, int]:
    pool = book.to_math()
    pending = pending_cover(context, pool_id, book)
    return replace(pool, balance_x=pool.balance_x + pending), pending


def _shortfall_reason(pool_id: str) -> str:
    return f"crp:{pool_id} shortfall after expiry"


def handle_settle(command: SettleCollateralPool, context: Context) -> list[Emit] | Rejected:
    found = pool_and_spot(context, command.pool_id)
    if isinstance(found, Rejected):
        return found
    book, spot = found
    pool, _ = _covered_pool(context, command.pool_id, book)
    router = DeskRouter(spot, context.get(Balances).balance(book.router, book.token))
    whole = redeem_yield(pool, context.block, max(book.yield_supply, 1), ONE_8, router)
    beneficiary = pool_account(command.pool_id)
    reserve = context.get(ReserveSolvency).book(book.collateral)
    missing = whole.shortfall.reserve_cover_x - reserve.owed.get(beneficiary, 0)
    if missing <= 0:
        return reject(
            RejectCode.NOTHING_TO_CLAIM,
            f"{command.pool_id} needs nothing more from reserve:{book.collateral}",
        )
    return cover_shortfall(
        context,
        CoverShortfall(
            token=book.collateral,
            amount=missing,
            beneficiary=beneficiary,
            reason=_shortfall_reason(command.pool_id),
        ),
    )


def _extra_cover(
    context: Context, command: RedeemCollateralPool, book: CrpBook, cover_x: int
) -> list[Emit] | Rejected:
    """The reserve pays the collateral still missing at redemption, or the redemption waits."""
    if cover_x == 0:
        return []
    covered = cover_shortfall(
        context,
        CoverShortfall(
            token=book.collateral,
            amount=cover_x,
            beneficiary=pool_account(command.pool_id),
            reason=_shortfall_reason(command.pool_id),
        ),
    )
    if isinstance(covered, Rejected):
        return covered
    paid = sum(item.event.amount for item in covered if isinstance(item.event, ShortfallCovered))
    if paid < cover_x:
        return reject(
            RejectCode.INSUFFICIENT_LIQUIDITY,
            f"reserve:{book.collateral} can pay {paid} of the {cover_x} {book.collateral} "
            f"{command.pool_id} is short; settle it (SettleCollateralPool) and fill the "
            "reserve (CreditReserve, or IssueEmergency under an enacted proposal)",
        )
    return covered


def _redeemed(
    command: RedeemCollateralPool, book: CrpBook, result: Redemption, pending: int
) -> CollateralRedeemed:
    return CollateralRedeemed(
        pool_id=command.pool_id,
        holder=command.holder,
        redeemed_token=command.redeemed_token,
        shares=result.shares,
        paid_x=result.paid_x,
        paid_y=result.paid_y,
        shortfall_y=result.shortfall.amount_y,
        collateral_sold=result.shortfall.collateral_sold,
        token_bought=result.shortfall.token_bought,
        reserve_cover_x=pending + result.shortfall.reserve_cover_x,
        collateral=book.collateral,
        token=book.token,
        router=book.router,
    )


def handle_redeem(command: RedeemCollateralPool, context: Context) -> list[Emit] | Rejected:
    found = pool_and_spot(context, command.pool_id)
    if isinstance(found, Rejected):
        return found
    book, spot = found
    if command.redeemed_token not in (book.yield_token, book.key_token):
        return reject(
            RejectCode.INVALID_PARAMETER, f"redeem {book.yield_token} or {book.key_token}"
        )
    balances = context.get(Balances)
    held = balances.balance(command.holder, command.redeemed_token)
    if held <= 0:
        return reject(
            RejectCode.INSUFFICIENT_BALANCE, f"{command.holder} holds no {command.redeemed_token}"
        )
    pool, pending = _covered_pool(context, command.pool_id, book)
    router = DeskRouter(spot, balances.balance(book.router, book.token))
    redeem = redeem_yield if command.redeemed_token == book.yield_token else redeem_key
    result = redeem(pool, context.block, held, command.percent, router)
    if pool.balance_y + result.shortfall.token_bought < result.paid_y:
        return reject(RejectCode.INSUFFICIENT_LIQUIDITY, "the pool cannot pay the yield tokens")
    emits = _extra_cover(context, command, book, result.shortfall.reserve_cover_x)
    if isinstance(emits, Rejected):
        return emits
    emits.append(Emit(_redeemed(command, book, result, pending)))
    return emits
