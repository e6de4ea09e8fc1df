"""Posting rules for alex facts: each event type to the value moves it makes."""

from __future__ import annotations

from collections.abc import Iterable

from events.alex import (
    Staked,
    StakingRewardClaimed,
    staking_vault,
)
from events.alex_governance import (
    GOVERNANCE_LOCK_ACCOUNT,
    VoteCast,
    VotesReclaimed,
)
from events.alex_lending import (
    CollateralMinted,
    CollateralRedeemed,
    CollateralSwapped,
    YieldLiquidityChanged,
    YieldTokenSwapped,
    pool_account,
)
from projections.postings.base import Posting


def staking_staked(event: Staked) -> Iterable[Posting]:
    """Nothing when the reserve pool took the stake by its `ReserveCredited` (see `events.alex`)."""
    if event.reserve_credited:
        return ()
    return ((event.staker, staking_vault(event.token), event.token, event.amount),)


def staking_claimed(event: StakingRewardClaimed) -> Iterable[Posting]:
    postings = []
    if event.reward:
        payer = event.reward_from or f"issuer:{event.reward_asset}"
        postings.append((payer, event.staker, event.reward_asset, event.reward))
    if event.apower:
        postings.append(
            (f"issuer:{event.apower_asset}", event.staker, event.apower_asset, event.apower)
        )
    if event.principal_returned and not event.principal_from_reserve:
        postings.append(
            (staking_vault(event.token), event.staker, event.token, event.principal_returned)
        )
    return postings


def lending_liquidity(event: YieldLiquidityChanged) -> Iterable[Posting]:
    pool, lp_issuer = pool_account(event.pool_id), f"issuer:{event.lp_token}"
    if event.added:
        postings = [
            (event.provider, pool, event.token, event.dx),
            (event.provider, pool, event.yield_token, event.dy_actual),
            (lp_issuer, event.provider, event.lp_token, event.lp_amount),
        ]
    else:
        postings = [
            (pool, event.provider, event.token, event.dx),
            (pool, event.provider, event.yield_token, event.dy_actual),
            (event.provider, lp_issuer, event.lp_token, event.lp_amount),
        ]
    return [posting for posting in postings if posting[3]]


def crp_minted(event: CollateralMinted) -> Iterable[Posting]:
    pool = pool_account(event.pool_id)
    postings = [
        (event.borrower, pool, event.collateral, event.dx_kept),
        (event.borrower, event.router, event.collateral, event.dx_converted),
        (event.router, pool, event.token, event.dy_bought),
        (f"issuer:{event.yield_token}", event.borrower, event.yield_token, event.minted),
        (f"issuer:{event.key_token}", event.borrower, event.key_token, event.minted),
    ]
    return [posting for posting in postings if posting[3]]


def swap_postings(event: CollateralSwapped | YieldTokenSwapped) -> Iterable[Posting]:
    """An ALEX lending pool swap's postings, for either pool (zero legs are dropped).

    The trader pays in all but the reserve share, which moves in its own `ReserveCredited`.
    """
    pool = pool_account(event.pool_id)
    return [
        posting
        for posting in (
            (event.trader, pool, event.asset_in, event.amount_in - event.reserve_share),
            (pool, event.trader, event.asset_out, event.amount_out),
        )
        if posting[3]
    ]


def crp_redeemed(event: CollateralRedeemed) -> Iterable[Posting]:
    pool = pool_account(event.pool_id)
    postings = [
        (pool, event.router, event.collateral, event.collateral_sold),
        (event.router, pool, event.token, event.token_bought),
        (event.holder, f"issuer:{event.redeemed_token}", event.redeemed_token, event.shares),
        (pool, event.holder, event.collateral, event.paid_x),
        (pool, event.holder, event.token, event.paid_y),
    ]
    return [posting for posting in postings if posting[3]]


def governance_vote_cast(event: VoteCast) -> Iterable[Posting]:
    return ((event.voter, GOVERNANCE_LOCK_ACCOUNT, event.governance_token, event.amount),)


def governance_votes_reclaimed(event: VotesReclaimed) -> Iterable[Posting]:
    return ((GOVERNANCE_LOCK_ACCOUNT, event.voter, event.governance_token, event.amount),)
