"""Posting rules for amm facts: each event type to the value moves it makes."""

from __future__ import annotations

from collections.abc import Iterable

from events.alex_pools import WeightedPoolObserved
from events.amm import (
    LiquidityAdded,
    LiquidityRemoved,
    Swapped,
    locked_account,
    pool_account,
)
from events.assets import issuer_account
from projections.postings.base import Posting


def added(event: LiquidityAdded) -> Iterable[Posting]:
    pool, issuer = pool_account(event.pool), issuer_account(event.lp_asset)
    postings = [
        (event.provider, pool, event.token_x, event.amount_x),
        (event.provider, pool, event.token_y, event.amount_y),
        (issuer, event.provider, event.lp_asset, event.lp_minted),
    ]
    if event.lp_locked:
        postings.append((issuer, locked_account(event.pool), event.lp_asset, event.lp_locked))
    if event.protocol_fee_lp:
        postings.append((issuer, event.fee_to, event.lp_asset, event.protocol_fee_lp))
    return postings


def removed(event: LiquidityRemoved) -> Iterable[Posting]:
    pool, issuer = pool_account(event.pool), issuer_account(event.lp_asset)
    postings = [
        (event.provider, issuer, event.lp_asset, event.lp_burned),
        (pool, event.provider, event.token_x, event.amount_x),
        (pool, event.provider, event.token_y, event.amount_y),
    ]
    if event.protocol_fee_lp:
        postings.append((issuer, event.fee_to, event.lp_asset, event.protocol_fee_lp))
    return postings


def swapped(event: Swapped) -> Iterable[Posting]:
    pool = pool_account(event.pool)
    return (
        (event.trader, pool, event.asset_in, event.amount_in - event.reserve_share),
        (pool, event.trader, event.asset_out, event.amount_out),
    )


def weighted_observed(event: WeightedPoolObserved) -> Iterable[Posting]:
    """An ALEX pool seen mid-life: its balances (and LP supply, when known) from its holder."""
    pool = pool_account(event.pool)
    postings = [
        (event.holder, pool, event.token_x, event.balance_x),
        (event.holder, pool, event.token_y, event.balance_y),
    ]
    if event.lp_supply:
        postings.append(
            (issuer_account(event.lp_asset), event.holder, event.lp_asset, event.lp_supply)
        )
    return [posting for posting in postings if posting[3]]
