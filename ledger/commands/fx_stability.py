"""The stability pool (fxBASE) and funding: deposit, request redeem, redeem; accrue funding;
harvest (realise the funding and pay the collateral fees out of the vault).

Times are block timestamps in seconds carried by the command (the ledger reads no clock).
"""

from __future__ import annotations

from events.fx import (
    FUNDING_TREASURY_ACCOUNT,
    TREASURY_ACCOUNT,
    FxFundingAccrued,
    FxHarvested,
    FxStabilityDeposited,
    FxStabilityRedeemed,
    FxStabilityRedeemRequested,
)
from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from ledger.commands.core import check_funds
from ledger.commands.fx import FXUSD_ASSET, STABLE_ASSET, live_fx_pool
from ledger.commands.fx_walks import usdc_price_1e18
from projections.balances import Balances
from projections.contracts.fx_params import FundingConditions, PoolSide
from projections.contracts.fx_peg import DEPEG_PRICE_1E18, is_depegged
from projections.contracts.fx_stability import BaseToken
from projections.contracts.fx_ticks import PRECISION
from projections.fx_pools import FxPools, fxusd_market_price_1e18
from projections.pools import Pools


class DepositStability(Command, frozen=True, kw_only=True):
    account: str
    token: str
    """`fxUSD` or `USDC`."""
    amount: int


class RequestStabilityRedeem(Command, frozen=True, kw_only=True):
    account: str
    shares: int
    now_seconds: int


class RedeemStability(Command, frozen=True, kw_only=True):
    """Redeem requested shares after the cooldown, or free shares now (`instant`, with its fee)."""

    account: str
    shares: int
    now_seconds: int
    instant: bool = False


class AccrueFxFunding(Command, frozen=True, kw_only=True):
    """Raise collIndex for the time since the last accrual (the branch follows the market)."""

    pool_id: str
    now_seconds: int
    aave_rate_1e18: int
    fxusd_depegged: bool = False
    """A flag, read only without `fxusd_market`."""
    fxusd_market: str = ""
    """The fxUSD/USDC pair (a Uniswap V2 pool) whose price decides the depeg branch."""
    depeg_price_1e18: int = DEPEG_PRICE_1E18


class HarvestFx(Command, frozen=True, kw_only=True):
    """`PoolManager.harvest`: funding collateral split into expense, bounty and treasury."""

    pool_id: str
    harvester: str
    collateral_rate_1e18: int = PRECISION
    """The rate provider's rate (1e18: a collateral without one)."""
    funding_treasury: str = FUNDING_TREASURY_ACCOUNT
    expense_treasury: str = TREASURY_ACCOUNT


def deposit_stability(command: DepositStability, context: Context) -> list[Emit] | Rejected:
    if command.token not in (FXUSD_ASSET, STABLE_ASSET):
        return reject(RejectCode.INVALID_PARAMETER, "deposit fxUSD or USDC")
    refused = check_funds(context.get(Balances), command.account, command.token, command.amount)
    if refused is not None:
        return refused
    preview = context.get(FxPools).stability.preview_deposit(
        command.account, BaseToken(command.token), command.amount, usdc_price_1e18(context)
    )
    after = preview.totals_after
    return [
        Emit(
            FxStabilityDeposited(
                account=command.account,
                token=command.token,
                amount=command.amount,
                amount_usd=preview.amount_usd,
                shares=preview.shares,
                total_fxusd_after=after.total_fxusd,
                total_usdc_after=after.total_usdc,
                share_supply_after=after.share_supply,
            )
        )
    ]


def request_redeem(command: RequestStabilityRedeem, context: Context) -> list[Emit] | Rejected:
    preview = context.get(FxPools).stability.preview_request_redeem(
        command.account, command.shares, command.now_seconds
    )
    return [
        Emit(
            FxStabilityRedeemRequested(
                account=command.account,
                shares=preview.shares,
                shares_requested_after=preview.shares_requested_after,
                unlock_at_seconds=preview.unlock_at_seconds,
            )
        )
    ]


def redeem_stability(command: RedeemStability, context: Context) -> list[Emit] | Rejected:
    stability = context.get(FxPools).stability
    if command.instant:
        preview = stability.preview_instant_redeem(command.account, command.shares)
    else:
        preview = stability.preview_redeem(command.account, command.shares, command.now_seconds)
    after = preview.totals_after
    return [
        Emit(
            FxStabilityRedeemed(
                account=command.account,
                fxusd_asset=FXUSD_ASSET,
                usdc_asset=STABLE_ASSET,
                shares=preview.shares,
                instant=preview.instant,
                fxusd_out=preview.fxusd_out,
                usdc_out=preview.usdc_out,
                fxusd_fee=preview.fxusd_fee,
                usdc_fee=preview.usdc_fee,
                total_fxusd_after=after.total_fxusd,
                total_usdc_after=after.total_usdc,
                share_supply_after=after.share_supply,
            )
        )
    ]


def funding_conditions(
    context: Context, pool_id: str, depegged: bool
) -> tuple[FundingConditions, str]:
    """The market facts funding reads, and the branch they select (for the record)."""
    fx = context.get(FxPools)
    pool, meta = fx.pools[pool_id], fx.meta[pool_id]
    totals = fx.stability.totals
    usdc_usd = totals.total_usdc * fx.stability.stable_price_with_scale(PRECISION) // PRECISION
    held = totals.total_fxusd + usdc_usd
    ratio = totals.total_fxusd * PRECISION // held if held else 0
    borrowed, available = pool.totals().raw_debt, 0
    for other_id, other in fx.pools.items():
        other_meta = fx.meta[other_id]
        if other_meta.side == "long" and other_meta.price_asset == meta.price_asset:
            available += other.totals().raw_coll
    short_ratio = borrowed * PRECISION // available if available else 0
    conditions = FundingConditions(depegged, ratio, short_ratio)
    parameters = pool.parameters
    if parameters.side is PoolSide.SHORT:
        branch = "short_borrow" if short_ratio >= parameters.short_borrow_ratio_max_1e18 else "none"
    elif depegged:
        branch = "depeg"
    elif ratio >= parameters.fxusd_ratio_max_1e18:
        branch = "stability_pool_heavy"
    else:
        branch = "none"
    return conditions, branch


def accrue_funding(command: AccrueFxFunding, context: Context) -> list[Emit] | Rejected:
    found = live_fx_pool(context, command.pool_id)
    if isinstance(found, Rejected):
        return found
    pool, meta = found
    last = meta.funding_seconds_last
    if last and command.now_seconds < last:
        return reject(RejectCode.INVALID_PARAMETER, f"time {command.now_seconds} before {last}")
    duration = command.now_seconds - last if last else 0
    depegged, fxusd_price = command.fxusd_depegged, 0
    if command.fxusd_market:
        price = fxusd_market_price_1e18(
            context.get(Pools).books,
            command.fxusd_market,
            usdc_price_1e18(context),
            context.get(Balances).decimals,
        )
        if price is None:
            return reject(
                RejectCode.UNKNOWN_POOL, f"{command.fxusd_market!r} is no fxUSD/USDC pair"
            )
        depegged, fxusd_price = is_depegged(price, command.depeg_price_1e18), price
    conditions, branch = funding_conditions(context, command.pool_id, depegged)
    preview = pool.preview_funding(duration, command.aave_rate_1e18, conditions)
    return [
        Emit(
            FxFundingAccrued(
                pool_id=command.pool_id,
                branch=branch if preview.funding_raw else "none",
                now_seconds=command.now_seconds,
                duration_seconds=preview.duration_seconds,
                funding_ratio=preview.funding_ratio,
                total_raw_coll=preview.total_raw_coll,
                funding_raw=preview.funding_raw,
                coll_index_before=preview.coll_index_before,
                coll_index_after=preview.coll_index_after,
                fxusd_price_1e18=fxusd_price,
            )
        )
    ]


def harvest_fx(command: HarvestFx, context: Context) -> list[Emit] | Rejected:
    found = live_fx_pool(context, command.pool_id)
    if isinstance(found, Rejected):
        return found
    pool, meta = found
    if command.collateral_rate_1e18 <= 0:
        return reject(RejectCode.INVALID_PARAMETER, "the collateral rate is a positive 1e18 int")
    preview = pool.preview_harvest(command.collateral_rate_1e18)
    paid = (
        preview.funding_token
        + preview.rewards_token
        + preview.fees_open_paid_token
        + preview.fees_close_paid_token
        + preview.fees_misc_paid_token
    )
    if paid == 0:
        return reject(
            RejectCode.NOTHING_TO_CLAIM,
            f"{command.pool_id} has no funding, rewards or fees to harvest; accrue funding first",
        )
    return [
        Emit(
            FxHarvested(
                pool_id=command.pool_id,
                collateral_asset=meta.collateral_asset,
                harvester=command.harvester,
                funding_treasury=command.funding_treasury,
                expense_treasury=command.expense_treasury,
                collateral_rate_1e18=command.collateral_rate_1e18,
                funding_token=preview.funding_token,
                funding_raw=preview.funding_raw,
                rewards_token=preview.rewards_token,
                expense_token=preview.expense_token,
                bounty_token=preview.bounty_token,
                funding_to_treasury_token=preview.funding_to_treasury_token,
                rewards_to_treasury_token=preview.rewards_to_treasury_token,
                fees_open_paid_token=preview.fees_open_paid_token,
                fees_close_paid_token=preview.fees_close_paid_token,
                fees_misc_paid_token=preview.fees_misc_paid_token,
            )
        )
    ]
