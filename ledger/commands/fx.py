"""f(x) commands: create a pool, operate a position, a leveraged open by flash loan, transfer.

Handlers read the live `FxPools`, `Prices` and `Balances`, ask the pool model for a preview
(`projections.contracts.fx_pool`) and emit it as an event with every amount; the model's
`MathRejected` (LTV_TOO_HIGH, POSITION_NOT_OWNED, DEBT_TOO_SMALL, ...) becomes the rejection.
Walks (redeem, rebalance, liquidate) are in `commands_fx_walks`, fxBASE in
`commands_fx_stability`, funding in `commands_fx_funding`, the keeper in `commands_fx_keeper`.
"""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

import msgspec

from events.assets import AssetRegistered, issuer_account
from events.fx import (
    FxFlashLoaned,
    FxLeveragedOpened,
    FxPoolCreated,
    FxPositionOperated,
    FxPositionTransferred,
)
from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from ledger.commands.core import check_funds
from projections.balances import Balances
from projections.contracts.fx_pool import FxPool
from projections.contracts.fx_profiles import profile_parameters
from projections.contracts.fx_results import OperatePreview, OperateRequest
from projections.contracts.fx_ticks import PRECISION, scale_up, scaling_factor
from projections.fx_pools import FxPoolMeta, FxPools, parameters_from
from projections.positions import fx_price_1e18
from projections.prices import Prices

FXUSD_ASSET = "fxUSD"
STABLE_ASSET = "USDC"


class CreateFxPool(Command, frozen=True, kw_only=True):
    """A long pool (collateral against fxUSD) or a short pool (fxUSD against the asset)."""

    pool_id: str
    side: str = "long"
    price_asset: str
    """The collateral of a long pool, the borrowed token of a short pool (ETH)."""
    counterparty: str = ""
    """Short pools: the account that lends the borrowed token."""
    parameters: dict[str, Any] = msgspec.field(default_factory=dict)
    """Overrides of `FxPoolParameters` (ints; `version` as a str)."""
    price_age_blocks_max: int = 0
    profile: str = "contract"
    """`contract` or `whitepaper` (`projections.contracts.fx_profiles`); `parameters` win."""


class OperateFxPosition(Command, frozen=True, kw_only=True):
    """Open (no position_id), add/remove collateral, borrow, repay, close (withdraw+repay all)."""

    pool_id: str
    owner: str
    position_id: int | None = None
    collateral_delta_token: int = 0
    debt_delta: int = 0
    withdraw_all: bool = False
    repay_all: bool = False
    borrow_allowed: bool = True
    aave_rate_1e18: int = 0


class OpenLeveragedFxPosition(Command, frozen=True, kw_only=True):
    """c0 collateral and a target leverage in; a position and its fxUSD debt out (flash loan)."""

    pool_id: str
    owner: str
    collateral_token: int
    leverage_1e18: int
    lender: str
    """Flash lender and swap venue: advances collateral, is repaid in fxUSD at the oracle price."""
    aave_rate_1e18: int = 0


class TransferFxPosition(Command, frozen=True, kw_only=True):
    pool_id: str
    position_id: int
    from_owner: str
    to_owner: str


def live_fx_pool(context: Context, pool_id: str) -> tuple[FxPool, FxPoolMeta] | Rejected:
    fx = context.get(FxPools)
    pool = fx.pools.get(pool_id)
    if pool is None:
        return reject(RejectCode.UNKNOWN_POOL, f"no f(x) pool {pool_id!r}; create it first")
    return pool, fx.meta[pool_id]


def pool_price(context: Context, meta: FxPoolMeta, maximum: bool = False) -> int | Rejected:
    """The pool's oracle price at 1e18, or PRICE_STALE when missing or too old."""
    prices = context.get(Prices)
    quote = prices.quote(meta.price_asset)
    price = fx_price_1e18(prices, meta.price_asset, meta.side, maximum)
    age_max = meta.price_age_blocks_max
    if quote is None or price is None or (age_max and context.block - quote.block > age_max):
        return reject(
            RejectCode.PRICE_STALE, f"no fresh {meta.price_asset} price; post a PriceUpdated"
        )
    return price


def priced_fx_pool(context: Context, pool_id: str) -> tuple[FxPool, FxPoolMeta, int] | Rejected:
    """The live pool, its metadata and its oracle price at 1e18 (`pool_price`)."""
    found = live_fx_pool(context, pool_id)
    if isinstance(found, Rejected):
        return found
    pool, meta = found
    price = pool_price(context, meta)
    if isinstance(price, Rejected):
        return price
    return pool, meta, price


_OPERATED_FIELDS = tuple(
    item.name
    for item in fields(OperatePreview)
    if item.name in FxPositionOperated.__struct_fields__
)
"""The preview's fields the event records (read once: `fields()` is slow per command)."""


def operated_event(preview: OperatePreview, pool_id: str, meta: FxPoolMeta) -> FxPositionOperated:
    values = {name: getattr(preview, name) for name in _OPERATED_FIELDS}
    return FxPositionOperated(
        pool_id=pool_id,
        collateral_asset=meta.collateral_asset,
        debt_asset=meta.debt_asset,
        debt_lender=meta.debt_lender,
        **values,
    )


def create_fx_pool(command: CreateFxPool, context: Context) -> list[Emit] | Rejected:
    if command.pool_id in context.get(FxPools).pools:
        return reject(RejectCode.POOL_EXISTS, f"f(x) pool {command.pool_id!r} exists already")
    decimals = context.get(Balances).decimals
    if command.price_asset not in decimals:
        return reject(RejectCode.UNKNOWN_ASSET, f"asset {command.price_asset!r} is not registered")
    if command.side not in ("long", "short") or (command.side == "short") != bool(
        command.counterparty
    ):
        return reject(RejectCode.INVALID_PARAMETER, "side is long, or short with a counterparty")
    long = command.side == "long"
    collateral = command.price_asset if long else FXUSD_ASSET
    overrides = {
        "side": command.side,
        "collateral_decimals": decimals.get(collateral, 18),
        **profile_parameters(command.profile, command.price_asset, command.side),
        **command.parameters,
    }
    parameters = {
        key: str(value) if isinstance(value, str) else value
        for key, value in asdict(parameters_from(overrides)).items()
    }
    emits = []
    if FXUSD_ASSET not in decimals:
        emits.append(Emit(AssetRegistered(asset=FXUSD_ASSET, symbol=FXUSD_ASSET, decimals=18)))
    emits.append(
        Emit(
            FxPoolCreated(
                pool_id=command.pool_id,
                side=command.side,
                collateral_asset=collateral,
                debt_asset=FXUSD_ASSET if long else command.price_asset,
                price_asset=command.price_asset,
                debt_lender=issuer_account(FXUSD_ASSET) if long else command.counterparty,
                parameters=parameters,
                price_age_blocks_max=command.price_age_blocks_max,
                profile=command.profile,
            )
        )
    )
    return emits


def _operate(
    context: Context, command: OperateFxPosition
) -> tuple[OperatePreview, FxPoolMeta] | Rejected:
    priced = priced_fx_pool(context, command.pool_id)
    if isinstance(priced, Rejected):
        return priced
    pool, meta, price = priced
    balances = context.get(Balances)
    if command.collateral_delta_token > 0:
        refused = check_funds(
            balances, command.owner, meta.collateral_asset, command.collateral_delta_token
        )
        if refused is not None:
            return refused
    request = OperateRequest(
        owner=command.owner,
        price_1e18=price,
        position_id=command.position_id,
        collateral_delta_token=command.collateral_delta_token,
        debt_delta=command.debt_delta,
        withdraw_all=command.withdraw_all,
        repay_all=command.repay_all,
        borrow_allowed=command.borrow_allowed,
        aave_rate_1e18=command.aave_rate_1e18,
    )
    preview = pool.preview_operate(request)
    if preview.fxusd_from_owner:
        refused = check_funds(balances, command.owner, meta.debt_asset, preview.fxusd_from_owner)
        if refused is not None:
            return refused
    return preview, meta


def operate_fx_position(command: OperateFxPosition, context: Context) -> list[Emit] | Rejected:
    done = _operate(context, command)
    if isinstance(done, Rejected):
        return done
    preview, meta = done
    return [Emit(operated_event(preview, command.pool_id, meta))]


def open_leveraged(command: OpenLeveragedFxPosition, context: Context) -> list[Emit] | Rejected:
    """Supply c0 + B, borrow F, pay F for B: debt ratio about (leverage - 1) / leverage."""
    found = live_fx_pool(context, command.pool_id)
    if isinstance(found, Rejected):
        return found
    pool, meta = found
    if meta.side != "long" or command.leverage_1e18 <= PRECISION:
        return reject(RejectCode.INVALID_PARAMETER, "leverage > 1e18 on a long pool")
    price = pool_price(context, meta)
    if isinstance(price, Rejected):
        return price
    c0 = command.collateral_token
    flash = c0 * (command.leverage_1e18 - PRECISION) // PRECISION
    factor = scaling_factor(pool.parameters.collateral_decimals, PRECISION)
    fxusd = -(-scale_up(flash, factor) * price // PRECISION)
    balances = context.get(Balances)
    refused = check_funds(balances, command.owner, meta.collateral_asset, c0)
    if refused is not None:
        return refused
    refused = check_funds(balances, command.lender, meta.collateral_asset, flash)
    if refused is not None:
        return reject(RejectCode.INSUFFICIENT_LIQUIDITY, f"flash lender: {refused.detail}")
    operate = OperateFxPosition(
        pool_id=command.pool_id,
        owner=command.owner,
        collateral_delta_token=c0 + flash,
        debt_delta=fxusd,
        aave_rate_1e18=command.aave_rate_1e18,
    )
    preview = pool.preview_operate(
        OperateRequest(
            owner=command.owner,
            price_1e18=price,
            collateral_delta_token=operate.collateral_delta_token,
            debt_delta=fxusd,
            aave_rate_1e18=command.aave_rate_1e18,
        )
    )
    if preview.fxusd_to_owner < fxusd:
        return reject(RejectCode.INVALID_PARAMETER, "a borrow fee leaves too little to repay B")
    collateral_value = preview.raw_coll_after * price // PRECISION
    own_after_fee = scale_up(c0, factor) - scale_up(preview.fee_open_token, factor)
    nav = own_after_fee * price // PRECISION - (
        fxusd - scale_up(flash, factor) * price // PRECISION
    )
    residual = collateral_value - preview.raw_debt_after - nav
    if abs(residual) > max(10**9, collateral_value // 10**12):
        return reject(RejectCode.INVALID_PARAMETER, f"C != S + L by {residual}: a model bug")
    balance_sheet = (collateral_value, preview.raw_debt_after, max(nav, 0), residual)
    return leveraged_open_emits(command, meta, preview, flash, fxusd, price, balance_sheet)


def leveraged_open_emits(
    command: OpenLeveragedFxPosition,
    meta: FxPoolMeta,
    preview: OperatePreview,
    flash: int,
    paid: int,
    price: int,
    balance_sheet: tuple[int, int, int, int],
) -> list[Emit]:
    """The flash leg, the position and the repayment with its C = S + L check, as events.

    `balance_sheet` is (collateral value, stable / debt value, equity, residual) in USD 1e18.
    """
    collateral_value, stable, equity, residual = balance_sheet
    return [
        Emit(
            FxFlashLoaned(
                pool_id=command.pool_id,
                asset=meta.collateral_asset,
                lender=command.lender,
                owner=command.owner,
                amount=flash,
            )
        ),
        Emit(operated_event(preview, command.pool_id, meta)),
        Emit(
            FxLeveragedOpened(
                pool_id=command.pool_id,
                position_id=preview.position_id,
                owner=command.owner,
                lender=command.lender,
                debt_asset=meta.debt_asset,
                own_collateral_token=command.collateral_token,
                flash_collateral_token=flash,
                fxusd_paid=paid,
                leverage_1e18=command.leverage_1e18,
                price_1e18=price,
                collateral_value_usd=collateral_value,
                stable_usd=stable,
                leveraged_nav_usd=equity,
                residual_usd=residual,
            )
        ),
    ]


def transfer_fx_position(command: TransferFxPosition, context: Context) -> list[Emit] | Rejected:
    found = live_fx_pool(context, command.pool_id)
    if isinstance(found, Rejected):
        return found
    position = found[0].tree.positions.get(command.position_id)
    if position is None:
        return reject(RejectCode.UNKNOWN_POSITION, f"no position {command.position_id}")
    if position.owner != command.from_owner:
        return reject(
            RejectCode.POSITION_NOT_OWNED,
            f"position {command.position_id} belongs to {position.owner}, not "
            f"{command.from_owner}; only its owner may transfer it",
        )
    return [
        Emit(
            FxPositionTransferred(
                pool_id=command.pool_id,
                position_id=command.position_id,
                from_owner=command.from_owner,
                to_owner=command.to_owner,
            )
        )
    ]
