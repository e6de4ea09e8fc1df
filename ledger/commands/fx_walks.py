"""f(x) walks: redeem fxUSD at the max price, rebalance (a tick or a batch), liquidate.

A keeper pays with its own fxUSD (burned) and USDC, or has the stability pool (fxBASE) pay and
pays it back in its own token. A liquidation's bonus beyond the tick's collateral comes from
the collateral's reserve pool through `cover_shortfall` (reported and covered before the walk
pays the receiver); bad debt is spread over every position by the recorded debtIndex.
"""

from __future__ import annotations

from events.fx import STABILITY_ACCOUNT, FxRedeemed, FxStabilityAbsorbed, FxWalked, fx_vault_account
from events.rejections import RejectCode
from events.reserve import FX_RESERVE, reserve_key
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from ledger.commands.core import check_funds
from ledger.commands.fx import STABLE_ASSET, live_fx_pool, pool_price, priced_fx_pool
from ledger.commands.reserve import CoverShortfall, cover_shortfall
from projections.balances import Balances
from projections.contracts.fx_pool import FxPool
from projections.contracts.fx_results import RedeemRequest, SettlementTerms, WalkPreview
from projections.contracts.fx_stability import BaseToken
from projections.contracts.fx_ticks import PRECISION
from projections.fx_pools import FxPoolMeta, FxPools, tick_moves
from projections.prices import Prices
from projections.reserve import ReserveSolvency


class RedeemFxUSD(Command, frozen=True, kw_only=True):
    """Burn fxUSD for collateral from the top ticks at the oracle's max price (long pools)."""

    pool_id: str
    redeemer: str
    debts: int
    redeem_allowed: bool = True
    """False while fxUSD is at or above its peg band (the protocol's gate)."""


class WalkFx(Command, frozen=True, kw_only=True):
    """Shared fields of rebalance and liquidate: who pays, and how much at most."""

    pool_id: str
    keeper: str
    max_fxusd: int = 0
    """The debt asset the keeper pays (fxUSD on the long side)."""
    max_stable: int = 0
    """USDC the keeper pays after its fxUSD (long side)."""
    use_stability_pool: bool = False
    """fxBASE pays (fxUSD first, then USDC); the keeper pays it back in `token_in`."""
    token_in: str = "USDC"
    amount_max: int = 0
    """With the stability pool: the most the keeper pays back, in `token_in`."""


class RebalanceFx(WalkFx, frozen=True, kw_only=True):
    """Rebalance one tick (`tick`) or a batch from the top."""

    tick: int | None = None


class LiquidateFx(WalkFx, frozen=True, kw_only=True):
    """Liquidate every tick past the liquidation line from the top, within the budget."""


def usdc_price_1e18(context: Context) -> int:
    quote = context.get(Prices).quote(STABLE_ASSET)
    return PRECISION if quote is None else quote.rescaled(PRECISION)


def redeem_fxusd(command: RedeemFxUSD, context: Context) -> list[Emit] | Rejected:
    found = live_fx_pool(context, command.pool_id)
    if isinstance(found, Rejected):
        return found
    pool, meta = found
    if meta.side != "long":
        return reject(RejectCode.INVALID_PARAMETER, "fxUSD is redeemed against long pools")
    price = pool_price(context, meta, maximum=True)
    if isinstance(price, Rejected):
        return price
    held = context.get(Balances).balance(command.redeemer, meta.debt_asset)
    preview = pool.preview_redeem(
        RedeemRequest(
            debts=command.debts,
            price_1e18=price,
            redeem_allowed=command.redeem_allowed,
            fxusd_balance=held,
        )
    )
    return [
        Emit(
            FxRedeemed(
                pool_id=command.pool_id,
                collateral_asset=meta.collateral_asset,
                debt_asset=meta.debt_asset,
                debt_lender=meta.debt_lender,
                redeemer=command.redeemer,
                price_1e18=preview.price_1e18,
                movements=tick_moves(preview.movements),
                raw_debts=preview.raw_debts,
                raw_colls=preview.raw_colls,
                colls_token=preview.colls_token,
                fee_token=preview.fee_token,
                colls_to_redeemer_token=preview.colls_to_redeemer_token,
                coll_shares_removed=preview.coll_shares_removed,
                debt_shares_removed=preview.debt_shares_removed,
            )
        )
    ]


def _terms(command: WalkFx, context: Context, meta: FxPoolMeta) -> SettlementTerms | Rejected:
    usdc_price = usdc_price_1e18(context)
    if meta.side == "short" and (command.use_stability_pool or command.max_stable):
        return reject(RejectCode.INVALID_PARAMETER, "a short pool is repaid in its token only")
    if command.use_stability_pool:
        token = BaseToken(command.token_in)
        budget = context.get(FxPools).stability.absorb_budget(token, command.amount_max, usdc_price)
        return SettlementTerms(
            max_fxusd=budget.fxusd_to_use, max_stable=budget.usdc_to_use, usdc_price_1e18=usdc_price
        )
    return SettlementTerms(
        max_fxusd=command.max_fxusd, max_stable=command.max_stable, usdc_price_1e18=usdc_price
    )


def _walk_inputs(
    command: WalkFx, context: Context
) -> tuple[FxPool, FxPoolMeta, int, SettlementTerms] | Rejected:
    """What a rebalance or liquidation walks with: the live pool, its price and the terms."""
    priced = priced_fx_pool(context, command.pool_id)
    if isinstance(priced, Rejected):
        return priced
    pool, meta, price = priced
    terms = _terms(command, context, meta)
    if isinstance(terms, Rejected):
        return terms
    return pool, meta, price, terms


def _walk_emits(
    command: WalkFx, context: Context, meta: FxPoolMeta, kind: str, preview: WalkPreview
) -> list[Emit] | Rejected:
    settlement = preview.settlement
    payer = STABILITY_ACCOUNT if command.use_stability_pool else command.keeper
    emits: list[Emit] = []
    balances = context.get(Balances)
    absorbed = None
    if command.use_stability_pool:
        stability = context.get(FxPools).stability
        absorbed = stability.preview_absorb(
            BaseToken(command.token_in),
            settlement.fxusd_used,
            settlement.stable_used,
            usdc_price_1e18(context),
        )
        refused = check_funds(balances, command.keeper, command.token_in, absorbed.token_used)
    else:
        refused = None
        for asset, amount in (
            (meta.debt_asset, settlement.fxusd_used),
            (STABLE_ASSET, settlement.stable_used),
        ):
            if amount and refused is None:
                refused = check_funds(balances, command.keeper, asset, amount)
    if refused is not None:
        return refused
    if preview.bonus_from_reserve_token:
        covered = cover_shortfall(context, _bonus_claim(command.pool_id, meta, preview))
        if isinstance(covered, Rejected):
            return covered
        emits.extend(covered)
    emits.append(
        Emit(
            FxWalked(
                kind=kind,
                pool_id=command.pool_id,
                collateral_asset=meta.collateral_asset,
                debt_asset=meta.debt_asset,
                debt_lender=meta.debt_lender,
                stable_asset=STABLE_ASSET,
                payer=payer,
                receiver=command.keeper,
                price_1e18=preview.price_1e18,
                movements=tick_moves(preview.movements),
                raw_debts=preview.raw_debts,
                raw_colls=preview.raw_colls,
                bonus_raw_colls=preview.bonus_raw_colls,
                bonus_from_reserve_raw=preview.bonus_from_reserve_raw,
                bonus_from_reserve_token=preview.bonus_from_reserve_token,
                bad_debt_raw=preview.bad_debt_raw,
                coll_shares_removed=preview.coll_shares_removed,
                debt_shares_removed=preview.debt_shares_removed,
                debt_index_after=preview.debt_index_after,
                colls_token=settlement.colls_token,
                protocol_revenue_token=settlement.protocol_revenue_token,
                colls_to_receiver_token=settlement.colls_to_receiver_token,
                fxusd_used=settlement.fxusd_used,
                stable_used=settlement.stable_used,
            )
        )
    )
    if absorbed is not None:
        after = absorbed.totals_after
        emits.append(
            Emit(
                FxStabilityAbsorbed(
                    keeper=command.keeper,
                    token_in=command.token_in,
                    fxusd_used=absorbed.fxusd_used,
                    usdc_used=absorbed.usdc_used,
                    token_used=absorbed.token_used,
                    total_fxusd_after=after.total_fxusd,
                    total_usdc_after=after.total_usdc,
                    share_supply_after=after.share_supply,
                )
            )
        )
    return emits


def rebalance_fx(command: RebalanceFx, context: Context) -> list[Emit] | Rejected:
    inputs = _walk_inputs(command, context)
    if isinstance(inputs, Rejected):
        return inputs
    pool, meta, price, terms = inputs
    if command.tick is None:
        return _walk_emits(
            command, context, meta, "rebalance", pool.preview_rebalance(price, terms)
        )
    preview = pool.preview_rebalance_tick(command.tick, price, terms)
    return _walk_emits(command, context, meta, "rebalance_tick", preview)


def _bonus_claim(pool_id: str, meta: FxPoolMeta, preview: WalkPreview) -> CoverShortfall:
    """The liquidation bonus the f(x) reserve (its own book, not ALEX's) owes the vault."""
    return CoverShortfall(
        token=meta.collateral_asset,
        amount=preview.bonus_from_reserve_token,
        beneficiary=fx_vault_account(pool_id),
        reason=f"f(x) liquidation bonus, pool {pool_id}",
        reserve=FX_RESERVE,
    )


def liquidate_fx(command: LiquidateFx, context: Context) -> list[Emit] | Rejected:
    inputs = _walk_inputs(command, context)
    if isinstance(inputs, Rejected):
        return inputs
    pool, meta, price, terms = inputs
    key = reserve_key(meta.collateral_asset, FX_RESERVE)
    book = context.get(ReserveSolvency).books.get(key)
    reserve = 0 if book is None else max(book.free_balance, 0)  # read only: no `book()`
    preview = pool.preview_liquidate(price, terms, reserve)
    return _walk_emits(command, context, meta, "liquidate", preview)
