"""ALEX collateral rebalancing pool commands: create, mint yield and key tokens, rebalancing
swaps, redemption after expiry (a shortfall is paid by the reserve pool, then by emergency
issuance, through `cover_shortfall`).

Where the contract calls the swap router, these commands use a conversion desk at the oracle
price (`DeskRouter`): the desk is an ordinary account (`router:<pool_id>` by default) that
pays token y for collateral (and the reverse never happens). It keeps the CRP independent of
the AMM pools; a desk without enough token y refuses the conversion (INSUFFICIENT_LIQUIDITY).
"""

from __future__ import annotations

from events.alex_lending import (
    CollateralMinted,
    CollateralPoolCreated,
    CollateralRedeemed,
    CollateralSwapped,
    pool_account,
)
from events.assets import AssetRegistered
from events.rejections import RejectCode
from events.reserve import ShortfallCovered
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from ledger.commands.core import check_funds
from ledger.commands.reserve import (
    CoverShortfall,
    EmergencyRoute,
    cover_shortfall,
    swap_fee_credited,
)
from projections.alex_lending import AlexLending, CrpBook
from projections.alex_lending_crp import spot_e8
from projections.balances import Balances
from projections.contracts import MathRejected
from projections.contracts.crp import creation_terms, ltv, validate_creation
from projections.contracts.crp_redemption import redeem_key, redeem_yield
from projections.contracts.crp_trades import mint, swap_x_for_y, swap_y_for_x
from projections.contracts.fixed_point import ONE_8, div_down, mul_down
from projections.prices import Prices


class DeskRouter:
    """The `TokenRouter` the CRP math calls: converts at the oracle spot through a desk account.

    Quotes never fail (the desk quotes any size at the oracle price), so the contract's
    capacity check passes whenever there is a spot; swaps fail when the desk runs out of y.
    """

    def __init__(self, spot: int, token_held: int) -> None:
        self.spot = spot
        self.token_held = token_held

    def quote_collateral_to_token(self, collateral_in: int) -> int:
        return mul_down(collateral_in, self.spot)

    def quote_token_to_collateral(self, token_in: int) -> int:
        return div_down(token_in, self.spot)

    def swap_collateral_to_token(self, collateral_in: int) -> int:
        token_out = mul_down(collateral_in, self.spot)
        if token_out > self.token_held:
            raise MathRejected(
                RejectCode.INSUFFICIENT_LIQUIDITY,
                f"the conversion desk holds {self.token_held}, needs {token_out}",
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
    emergency: EmergencyRoute | None = None
    """Who buys emergency ALEX if the reserve pool cannot cover the shortfall."""


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


def _pool(context: Context, pool_id: str) -> tuple[CrpBook, int] | Rejected:
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
    found = _pool(context, command.pool_id)
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
    found = _pool(context, command.pool_id)
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


def _shortfall_emits(
    context: Context, command: RedeemCollateralPool, book: CrpBook, cover_x: int
) -> list[Emit] | Rejected:
    """The reserve pool (then emergency issuance) pays `cover_x` collateral into the pool."""
    if cover_x == 0:
        return []
    covered = cover_shortfall(
        context,
        CoverShortfall(
            token=book.collateral,
            amount=cover_x,
            beneficiary=pool_account(command.pool_id),
            reason=f"crp:{command.pool_id} redemption after expiry",
            emergency=command.emergency,
        ),
    )
    if isinstance(covered, Rejected):
        return covered
    paid = sum(item.event.amount for item in covered if isinstance(item.event, ShortfallCovered))
    if paid < cover_x:
        return reject(
            RejectCode.INSUFFICIENT_LIQUIDITY,
            f"the reserve pool and emergency issuance cover {paid} of the {cover_x} "
            f"{book.collateral} shortfall; fund reserve:{book.collateral} or pass an emergency "
            "route with a funded buyer",
        )
    return covered


def handle_redeem(command: RedeemCollateralPool, context: Context) -> list[Emit] | Rejected:
    found = _pool(context, command.pool_id)
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
    router = DeskRouter(spot, balances.balance(book.router, book.token))
    redeem = redeem_yield if command.redeemed_token == book.yield_token else redeem_key
    result = redeem(book.to_math(), context.block, held, command.percent, router)
    if book.balance_y + result.shortfall.token_bought < result.paid_y:
        return reject(RejectCode.INSUFFICIENT_LIQUIDITY, "the pool cannot pay the yield tokens")
    emits = _shortfall_emits(context, command, book, result.shortfall.reserve_cover_x)
    if isinstance(emits, Rejected):
        return emits
    emits.append(
        Emit(
            CollateralRedeemed(
                pool_id=command.pool_id,
                holder=command.holder,
                redeemed_token=command.redeemed_token,
                shares=result.shares,
                paid_x=result.paid_x,
                paid_y=result.paid_y,
                shortfall_y=result.shortfall.amount_y,
                collateral_sold=result.shortfall.collateral_sold,
                token_bought=result.shortfall.token_bought,
                reserve_cover_x=result.shortfall.reserve_cover_x,
                collateral=book.collateral,
                token=book.token,
                router=book.router,
            )
        )
    )
    return emits
