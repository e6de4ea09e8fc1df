"""Leveraged opens by flash loan on either side: xPOSITION (long) and sPOSITION (short).

The long open is `ledger.commands.fx.open_leveraged`. The short open is the research article's
example 2: "the protocol borrows $3,000 of stETH and sells it for fxUSD". With c0 fxUSD of the
owner's and leverage L, the flash lender advances B = L c0 fxUSD; the position deposits c0 + B
fxUSD and borrows B / P of the asset from the short pool's counterparty; the owner sells that
asset to the lender for the B it advanced (at the oracle price). The position's exposure is
B = L c0 against an equity of c0 (less the supply fee): collateral value = debt value + equity.
"""

from __future__ import annotations

from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.command import Context, Emit, reject
from ledger.commands.core import check_funds
from ledger.commands.fx import (
    OpenLeveragedFxPosition,
    leveraged_open_emits,
    live_fx_pool,
    open_leveraged,
    pool_price,
)
from projections.balances import Balances
from projections.contracts.fx_pool import FxPool
from projections.contracts.fx_results import OperatePreview, OperateRequest
from projections.contracts.fx_ticks import PRECISION
from projections.fx_pools import FxPoolMeta
from projections.positions import fx_price_1e18
from projections.prices import Prices


def open_leveraged_either(
    command: OpenLeveragedFxPosition, context: Context
) -> list[Emit] | Rejected:
    """A long pool opens an xPOSITION, a short pool an sPOSITION (see the module docstring)."""
    found = live_fx_pool(context, command.pool_id)
    if isinstance(found, Rejected) or found[1].side == "long":
        return open_leveraged(command, context)
    return open_leveraged_short(command, context, *found)


def _short_preview(
    command: OpenLeveragedFxPosition, context: Context, pool: FxPool, meta: FxPoolMeta
) -> tuple[OperatePreview, int, int, int] | Rejected:
    """(preview, B fxUSD advanced, asset borrowed, USD price) of a short open, or a refusal."""
    if command.leverage_1e18 <= 0:
        return reject(RejectCode.INVALID_PARAMETER, "leverage must be positive")
    price = pool_price(context, meta)
    if isinstance(price, Rejected):
        return price
    usd_price = fx_price_1e18(context.get(Prices), meta.price_asset, "long")
    if not usd_price:
        return reject(RejectCode.PRICE_STALE, f"no {meta.price_asset} price")
    c0 = command.collateral_token
    flash = c0 * command.leverage_1e18 // PRECISION
    decimals = context.get(Balances).decimals.get(meta.debt_asset, 18)
    borrowed = -(-flash * 10**decimals // usd_price)  # rounded up: the lender is paid in full
    balances = context.get(Balances)
    refused = check_funds(balances, command.owner, meta.collateral_asset, c0)
    if refused is not None:
        return refused
    refused = check_funds(balances, command.lender, meta.collateral_asset, flash)
    if refused is not None:
        return reject(RejectCode.INSUFFICIENT_LIQUIDITY, f"flash lender: {refused.detail}")
    preview = pool.preview_operate(
        OperateRequest(
            owner=command.owner,
            price_1e18=price,
            collateral_delta_token=c0 + flash,
            debt_delta=borrowed,
            aave_rate_1e18=command.aave_rate_1e18,
        )
    )
    if preview.fxusd_to_owner < borrowed:
        return reject(RejectCode.INVALID_PARAMETER, "a borrow fee leaves too little to sell")
    return preview, flash, borrowed, usd_price


def open_leveraged_short(
    command: OpenLeveragedFxPosition, context: Context, pool: FxPool, meta: FxPoolMeta
) -> list[Emit] | Rejected:
    """Deposit c0 + L c0 fxUSD, borrow L c0 / P of the asset, sell it to the flash lender."""
    done = _short_preview(command, context, pool, meta)
    if isinstance(done, Rejected):
        return done
    preview, flash, borrowed, usd_price = done
    c0 = command.collateral_token
    collateral_value = preview.raw_coll_after  # fxUSD is valued at $1
    debt_value = preview.raw_debt_after * usd_price // PRECISION
    equity = c0 - preview.fee_open_token
    residual = collateral_value - debt_value - equity
    if abs(residual) > max(10**9, collateral_value // 10**12):
        return reject(RejectCode.INVALID_PARAMETER, f"C != D + equity by {residual}: a model bug")
    balance_sheet = (collateral_value, debt_value, max(equity, 0), residual)
    return leveraged_open_emits(command, meta, preview, flash, borrowed, usd_price, balance_sheet)
