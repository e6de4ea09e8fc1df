"""ALEX collateral rebalancing pool commands: create, mint yield and key tokens, rebalancing
swaps. Settlement and redemption after expiry (a shortfall is paid by the reserve pool, then
by governance-approved emergency issuance) are in `ledger.commands.alex_crp_settle`.

Where the contract calls the swap router, these commands use a conversion desk
(`DeskRouter`): an ordinary account (`router:<pool_id>` by default) that pays token y for
collateral (the reverse never happens) on a stated impact curve around the oracle price
(`projections.contracts.crp_desk`), so a conversion in a crash pays slippage. It keeps the CRP
independent of the AMM pools; a desk with no token y refuses (INSUFFICIENT_LIQUIDITY).
"""

from __future__ import annotations

from events.alex_lending import (
    CollateralMinted,
    CollateralPoolCreated,
    CollateralSwapped,
)
from events.assets import AssetRegistered
from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from ledger.commands.core import check_funds
from ledger.commands.reserve import swap_fee_credited
from projections.alex_lending import AlexLending, CrpBook
from projections.alex_lending_crp import spot_e8
from projections.balances import Balances
from projections.contracts import MathRejected
from projections.contracts.crp import creation_terms, ltv, validate_creation
from projections.contracts.crp_desk import desk_collateral_to_token, desk_token_to_collateral
from projections.contracts.crp_trades import mint, swap_x_for_y, swap_y_for_x
from projections.contracts.fixed_point import ONE_8
from projections.prices import Prices


class DeskRouter:
    """The `TokenRouter` the CRP math calls: converts through a desk account with the stated
    price impact of `projections.contracts.crp_desk` (a constant-product curve at the oracle
    spot, as deep as the token y the desk holds), never at the oracle price for free."""

    def __init__(self, spot: int, token_held: int) -> None:
        self.spot = spot
        self.token_held = token_held

    def quote_collateral_to_token(self, collateral_in: int) -> int:
        return desk_collateral_to_token(collateral_in, self.spot, self.token_held)

    def quote_token_to_collateral(self, token_in: int) -> int:
        return desk_token_to_collateral(token_in, self.spot, self.token_held)

    def swap_collateral_to_token(self, collateral_in: int) -> int:
        token_out = self.quote_collateral_to_token(collateral_in)
        if collateral_in and not token_out:
            raise MathRejected(
                RejectCode.INSUFFICIENT_LIQUIDITY,
                f"the conversion desk holds {self.token_held} of the token; it cannot convert",
            )
        self.token_held -= token_out
        return token_out


class CreateCollateralPool(Command, frozen=True, kw_only=True):
    pool_id: str
    collateral: str
    token: str
    expiry: int
    ltv_0: int
    conversion_ltv: int
    bs_vol: int
    moving_average: int
    token_to_maturity: int
    yield_token: str | None = None
    """`yield-<pool_id>` by default (registered with token y's decimals)."""
    key_token: str | None = None
    """`key-<pool_id>` by default."""
    router: str | None = None
    """The conversion desk account (`router:<pool_id>` by default)."""
    fee_rate_x: int = 0
    fee_rate_y: int = 0
    fee_rebate: int = 0


class MintCollateralPool(Command, frozen=True, kw_only=True):
    pool_id: str
    borrower: str
    dx: int


class SwapCollateralPool(Command, frozen=True, kw_only=True):
    """A rebalancing trade: collateral for token (asset_in = collateral) or the reverse."""

    pool_id: str
    trader: str
    asset_in: str
    amount_in: int
    min_out: int | None = None


class RedeemCollateralPool(Command, frozen=True, kw_only=True):
    """After expiry, redeem yield tokens (1:1 in token y) or key tokens (what is left)."""

    pool_id: str
    holder: str
    redeemed_token: str
    percent: int = ONE_8


def oracle_spot(context: Context, collateral: str, token: str) -> int | Rejected:
    """Token y base units per collateral base unit (x 1e8) from the Prices projection."""
    prices, balances = context.get(Prices), context.get(Balances)
    quote_x, quote_y = prices.quote(collateral), prices.quote(token)
    if quote_x is None or quote_y is None:
        return reject(RejectCode.PRICE_STALE, f"the CRP needs prices of {collateral} and {token}")
    spot = spot_e8(
        (quote_x.price, quote_x.scale),
        (quote_y.price, quote_y.scale),
        balances.decimals.get(collateral, 8),
        balances.decimals.get(token, 8),
    )
    if not spot:
        return reject(RejectCode.PRICE_STALE, f"{collateral}/{token} has no usable spot")
    return spot


def pool_and_spot(context: Context, pool_id: str) -> tuple[CrpBook, int] | Rejected:
    book = context.get(AlexLending).collateral_pool(pool_id)
    if book is None:
        return reject(RejectCode.UNKNOWN_POOL, f"no collateral rebalancing pool {pool_id!r}")
    spot = oracle_spot(context, book.collateral, book.token)
    return spot if isinstance(spot, Rejected) else (book, spot)


def handle_create(command: CreateCollateralPool, context: Context) -> list[Emit] | Rejected:
    balances = context.get(Balances)
    if context.get(AlexLending).collateral_pool(command.pool_id) is not None:
        return reject(RejectCode.POOL_EXISTS, f"collateral pool {command.pool_id!r} exists")
    spot = oracle_spot(context, command.collateral, command.token)
    if isinstance(spot, Rejected):
        return spot
    if command.expiry <= context.block:
        return reject(RejectCode.EXPIRED, f"expiry {command.expiry} is not after this block")
    validate_creation(
        command.expiry,
        context.block,
        command.ltv_0,
        command.conversion_ltv,
        command.moving_average,
        command.token_to_maturity,
    )
    terms = creation_terms(spot, command.expiry, context.block, command.ltv_0, command.bs_vol)
    yield_token = command.yield_token or f"yield-{command.pool_id}"
    key_token = command.key_token or f"key-{command.pool_id}"
    decimals = balances.decimals.get(command.token, 8)
    emits = [
        Emit(AssetRegistered(asset=asset, symbol=asset, decimals=decimals))
        for asset in (yield_token, key_token)
        if asset not in balances.decimals
    ]
    emits.append(
        Emit(
            CollateralPoolCreated(
                pool_id=command.pool_id,
                collateral=command.collateral,
                token=command.token,
                yield_token=yield_token,
                key_token=key_token,
                expiry=command.expiry,
                strike=terms.strike,
                weight_x=terms.weight_x,
                bs_vol=command.bs_vol,
                ltv_0=command.ltv_0,
                conversion_ltv=command.conversion_ltv,
                moving_average=command.moving_average,
                token_to_maturity=command.token_to_maturity,
                spot=spot,
                router=command.router or f"router:{command.pool_id}",
                fee_rate_x=command.fee_rate_x,
                fee_rate_y=command.fee_rate_y,
                fee_rebate=command.fee_rebate,
            )
        )
    )
    return emits


def handle_mint(command: MintCollateralPool, context: Context) -> list[Emit] | Rejected:
    found = pool_and_spot(context, command.pool_id)
    if isinstance(found, Rejected):
        return found
    book, spot = found
    balances = context.get(Balances)
    refused = check_funds(balances, command.borrower, book.collateral, command.dx)
    if refused is not None:
        return refused
    pool = book.to_math()
    router = DeskRouter(spot, balances.balance(book.router, book.token))
    minted = mint(pool, spot, context.block, command.dx, router)
    return [
        Emit(
            CollateralMinted(
                pool_id=command.pool_id,
                borrower=command.borrower,
                dx=command.dx,
                minted=minted.split.minted,
                dx_kept=minted.split.dx_kept,
                dx_converted=minted.split.dx_converted,
                dy_bought=minted.dy_bought,
                spot=spot,
                ltv=ltv(pool, spot),
                collateral=book.collateral,
                token=book.token,
                yield_token=book.yield_token,
                key_token=book.key_token,
                router=book.router,
            )
        )
    ]


def handle_swap(command: SwapCollateralPool, context: Context) -> list[Emit] | Rejected:
    found = pool_and_spot(context, command.pool_id)
    if isinstance(found, Rejected):
        return found
    book, spot = found
    if command.asset_in not in (book.collateral, book.token):
        return reject(
            RejectCode.INVALID_PARAMETER,
            f"{command.pool_id} trades {book.collateral} and {book.token}, not {command.asset_in}",
        )
    balances = context.get(Balances)
    refused = check_funds(balances, command.trader, command.asset_in, command.amount_in)
    if refused is not None:
        return refused
    x_in = command.asset_in == book.collateral
    swap = (swap_x_for_y if x_in else swap_y_for_x)(
        book.to_math(), spot, context.block, command.amount_in, command.min_out
    )
    leg = swap.swap
    emits = [
        Emit(
            CollateralSwapped(
                pool_id=command.pool_id,
                trader=command.trader,
                asset_in=command.asset_in,
                asset_out=book.token if x_in else book.collateral,
                amount_in=leg.amount_in,
                amount_in_net=leg.amount_in_net,
                amount_out=leg.amount_out,
                fee=leg.fee,
                rebate=leg.rebate,
                reserve_share=leg.reserve_share,
                weight_x_after=swap.pool_after.weight_x,
                spot=spot,
            )
        )
    ]
    emits += swap_fee_credited(command.asset_in, leg.reserve_share, command.trader, command.pool_id)
    return emits
