"""Posting rules for fx facts: each event type to the value moves it makes."""

from __future__ import annotations

from collections.abc import Iterable

from events.fx import (
    PEGKEEPER_ACCOUNT,
    REVENUE_CLOSE_ACCOUNT,
    REVENUE_MISC_ACCOUNT,
    REVENUE_OPEN_ACCOUNT,
    STABILITY_ACCOUNT,
    FxFlashLoaned,
    FxHarvested,
    FxLeveragedOpened,
    FxPositionOperated,
    FxRedeemed,
    FxStabilityAbsorbed,
    FxStabilityDeposited,
    FxStabilityRedeemed,
    FxWalked,
    fx_vault_account,
)
from projections.postings.base import Posting


def operated(event: FxPositionOperated) -> Iterable[Posting]:
    vault, owner, lender = fx_vault_account(event.pool_id), event.owner, event.debt_lender
    moves = [
        (owner, vault, event.collateral_asset, event.collateral_in_token),
        (vault, owner, event.collateral_asset, event.collateral_out_token),
        (lender, owner, event.debt_asset, event.fxusd_to_owner),
        (lender, REVENUE_OPEN_ACCOUNT, event.debt_asset, event.fxusd_fee_to_open_revenue),
        (owner, lender, event.debt_asset, event.fxusd_from_owner),
        (lender, REVENUE_CLOSE_ACCOUNT, event.debt_asset, event.fxusd_fee_to_close_revenue),
        (owner, PEGKEEPER_ACCOUNT, event.stable_asset, event.usdc_from_owner),
    ]
    if event.usdc_fee_to_close_revenue:
        fee = event.usdc_fee_to_close_revenue
        moves[-1] = (owner, PEGKEEPER_ACCOUNT, event.stable_asset, event.usdc_from_owner - fee)
        moves.append((owner, REVENUE_CLOSE_ACCOUNT, event.stable_asset, fee))
    return [move for move in moves if move[3]]


def flash_loaned(event: FxFlashLoaned) -> Iterable[Posting]:
    return ((event.lender, event.owner, event.asset, event.amount),)


def leveraged(event: FxLeveragedOpened) -> Iterable[Posting]:
    return ((event.owner, event.lender, event.debt_asset, event.fxusd_paid),)


def redeemed(event: FxRedeemed) -> Iterable[Posting]:
    vault = fx_vault_account(event.pool_id)
    return (
        (event.redeemer, event.debt_lender, event.debt_asset, event.raw_debts),
        (vault, event.redeemer, event.collateral_asset, event.colls_to_redeemer_token),
    )


def walked(event: FxWalked) -> Iterable[Posting]:
    vault = fx_vault_account(event.pool_id)
    moves = [
        (event.payer, event.debt_lender, event.debt_asset, event.fxusd_used),
        (event.payer, PEGKEEPER_ACCOUNT, event.stable_asset, event.stable_used),
        (vault, event.receiver, event.collateral_asset, event.colls_to_receiver_token),
    ]
    return [move for move in moves if move[3]]


def harvested(event: FxHarvested) -> Iterable[Posting]:
    vault, asset = fx_vault_account(event.pool_id), event.collateral_asset
    to_treasury = event.funding_to_treasury_token + event.rewards_to_treasury_token
    moves = [
        (vault, event.expense_treasury, asset, event.expense_token),
        (vault, event.harvester, asset, event.bounty_token),
        (vault, event.funding_treasury, asset, to_treasury),
        (vault, REVENUE_OPEN_ACCOUNT, asset, event.fees_open_paid_token),
        (vault, REVENUE_CLOSE_ACCOUNT, asset, event.fees_close_paid_token),
        (vault, REVENUE_MISC_ACCOUNT, asset, event.fees_misc_paid_token),
    ]
    return [move for move in moves if move[3]]


def deposited(event: FxStabilityDeposited) -> Iterable[Posting]:
    return ((event.account, STABILITY_ACCOUNT, event.token, event.amount),)


def sp_redeemed(event: FxStabilityRedeemed) -> Iterable[Posting]:
    moves = [
        (STABILITY_ACCOUNT, event.account, event.fxusd_asset, event.fxusd_out),
        (STABILITY_ACCOUNT, event.account, event.usdc_asset, event.usdc_out),
    ]
    return [move for move in moves if move[3]]


def absorbed(event: FxStabilityAbsorbed) -> Iterable[Posting]:
    return ((event.keeper, STABILITY_ACCOUNT, event.token_in, event.token_used),)
