"""ALEX yield-token pool commands: create a pool, add and remove liquidity, lend and borrow at
the pool's fixed rate (swaps both ways).

The fee is charged in yield terms (`projections.contracts.yield_token_pool`); its reserve share is
a separate `ReserveCredited` fact, so the reserve pool's books see every fee.
"""

from __future__ import annotations

from events.alex_lending import YieldLiquidityChanged, YieldPoolCreated, YieldTokenSwapped
from events.assets import AssetRegistered
from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from ledger.commands.core import check_funds
from ledger.commands.reserve import swap_fee_credited
from projections.alex_lending import AlexLending, YtpBook
from projections.balances import Balances
from projections.contracts.fixed_point import ONE_8
from projections.contracts.yield_token_pool import MAX_EXPIRY_DEFAULT, price
from projections.contracts.yield_token_pool_liquidity import (
    PositionChange,
    add_to_position,
    reduce_position,
)
from projections.contracts.yield_token_pool_swaps import swap_x_for_y, swap_y_for_x


class CreateYieldPool(Command, frozen=True, kw_only=True):
    pool_id: str
    token: str
    yield_token: str
    expiry: int
    lp_token: str | None = None
    """The LP token's asset id (`<pool_id>-LP` by default; registered if new)."""
    max_expiry: int = MAX_EXPIRY_DEFAULT
    fee_rate_token: int = 0
    fee_rate_yield_token: int = 0
    fee_rebate: int = 0
    min_fee: int = 0
    small_threshold: int = 0


class AddYieldLiquidity(Command, frozen=True, kw_only=True):
    pool_id: str
    provider: str
    dx: int
    dy_actual_max: int | None = None


class RemoveYieldLiquidity(Command, frozen=True, kw_only=True):
    pool_id: str
    provider: str
    percent: int = ONE_8
    """Fraction of the provider's LP tokens to burn (x 1e8)."""


class SwapYieldPool(Command, frozen=True, kw_only=True):
    """Lend (asset_in = the token) or borrow (asset_in = the ayToken) at the pool's rate."""

    pool_id: str
    trader: str
    asset_in: str
    amount_in: int
    min_out: int | None = None


def _book(context: Context, pool_id: str) -> YtpBook | Rejected:
    found = context.get(AlexLending).yield_pool(pool_id)
    if found is None:
        return reject(RejectCode.UNKNOWN_POOL, f"no yield-token pool {pool_id!r}")
    return found


def handle_create(command: CreateYieldPool, context: Context) -> list[Emit] | Rejected:
    balances = context.get(Balances)
    if context.get(AlexLending).yield_pool(command.pool_id) is not None:
        return reject(RejectCode.POOL_EXISTS, f"yield-token pool {command.pool_id!r} exists")
    for asset in (command.token, command.yield_token):
        if asset not in balances.decimals:
            return reject(RejectCode.UNKNOWN_ASSET, f"asset {asset!r} is not registered")
    if command.expiry <= context.block:
        return reject(RejectCode.EXPIRED, f"expiry {command.expiry} is not after this block")
    if command.max_expiry <= command.expiry:
        return reject(RejectCode.INVALID_PARAMETER, "max_expiry must exceed the expiry")
    lp_token = command.lp_token or f"{command.pool_id}-LP"
    emits = []
    if lp_token not in balances.decimals:
        decimals = balances.decimals[command.token]
        emits.append(Emit(AssetRegistered(asset=lp_token, symbol=lp_token, decimals=decimals)))
    emits.append(
        Emit(
            YieldPoolCreated(
                pool_id=command.pool_id,
                token=command.token,
                yield_token=command.yield_token,
                lp_token=lp_token,
                expiry=command.expiry,
                listed=context.block,
                max_expiry=command.max_expiry,
                fee_rate_token=command.fee_rate_token,
                fee_rate_yield_token=command.fee_rate_yield_token,
                fee_rebate=command.fee_rebate,
                min_fee=command.min_fee,
                small_threshold=command.small_threshold,
            )
        )
    )
    return emits


def _liquidity_changed(
    command: AddYieldLiquidity | RemoveYieldLiquidity,
    book: YtpBook,
    change: PositionChange,
    added: bool,
) -> Emit:
    """The provider's position change in the pool's tokens, as added or removed liquidity."""
    return Emit(
        YieldLiquidityChanged(
            pool_id=command.pool_id,
            provider=command.provider,
            added=added,
            lp_amount=change.supply,
            dx=change.dx,
            dy_actual=change.dy_actual,
            dy_virtual=change.dy_virtual,
            token=book.token,
            yield_token=book.yield_token,
            lp_token=book.lp_token,
        )
    )


def handle_add(command: AddYieldLiquidity, context: Context) -> list[Emit] | Rejected:
    book = _book(context, command.pool_id)
    if isinstance(book, Rejected):
        return book
    if context.block >= book.expiry:
        return reject(RejectCode.EXPIRED, f"{command.pool_id} matured at {book.expiry}")
    change = add_to_position(book.to_math(), command.dx, command.dy_actual_max)
    balances = context.get(Balances)
    refused = check_funds(balances, command.provider, book.token, change.dx)
    if refused is None and change.dy_actual:
        refused = check_funds(balances, command.provider, book.yield_token, change.dy_actual)
    return refused or [_liquidity_changed(command, book, change, added=True)]


def handle_remove(command: RemoveYieldLiquidity, context: Context) -> list[Emit] | Rejected:
    book = _book(context, command.pool_id)
    if isinstance(book, Rejected):
        return book
    held = context.get(Balances).balance(command.provider, book.lp_token)
    if held <= 0:
        return reject(RejectCode.INSUFFICIENT_BALANCE, f"{command.provider} holds no LP tokens")
    change = reduce_position(book.to_math(), held, command.percent)
    return [_liquidity_changed(command, book, change, added=False)]


def handle_swap(command: SwapYieldPool, context: Context) -> list[Emit] | Rejected:
    book = _book(context, command.pool_id)
    if isinstance(book, Rejected):
        return book
    if command.asset_in not in (book.token, book.yield_token):
        return reject(
            RejectCode.INVALID_PARAMETER,
            f"{command.pool_id} trades {book.token} and {book.yield_token}, not {command.asset_in}",
        )
    refused = check_funds(
        context.get(Balances), command.trader, command.asset_in, command.amount_in
    )
    if refused is not None:
        return refused
    pool, t = book.to_math(), book.time_fraction(context.block)
    lend = command.asset_in == book.token
    swap = (swap_x_for_y if lend else swap_y_for_x)(pool, t, command.amount_in, command.min_out)
    emits = [
        Emit(
            YieldTokenSwapped(
                pool_id=command.pool_id,
                trader=command.trader,
                asset_in=command.asset_in,
                asset_out=book.yield_token if lend else book.token,
                amount_in=swap.amount_in,
                amount_in_net=swap.amount_in_net,
                amount_out=swap.amount_out,
                fee=swap.fee,
                rebate=swap.rebate,
                reserve_share=swap.reserve_share,
                time_fraction=t,
                price_before=price(pool.balance_token, pool.balance_yield_total, t),
            )
        )
    ]
    emits += swap_fee_credited(
        command.asset_in, swap.reserve_share, command.trader, command.pool_id
    )
    return emits
