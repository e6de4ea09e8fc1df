"""Posting rules for facts imported from chain logs (see `events.chain`).

A pool fact moves tokens between `pool:<id>` and the chain's `outside:` account (holders the
books do not track); LP is minted from and burnt to `issuer:<lp>` against `outside:`, the
first mint's locked LP to `locked:<pool>`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from events.amm import locked_account, pool_account
from events.assets import issuer_account
from events.chain import (
    BalanceObserved,
    PairBurned,
    PairMinted,
    PairSwapped,
    PoolObserved,
    PoolSynced,
    TokenTransferred,
    outside_account,
)
from projections.postings.base import Posting


def _outside(event: Any) -> str:
    return outside_account(event.provenance.chain_id)


def _flows(event: Any, ins: tuple[int, int], outs: tuple[int, int]) -> list[Posting]:
    """Tokens in from outside and out to outside, zero amounts left out."""
    pool, outside = pool_account(event.pool), _outside(event)
    postings: list[Posting] = []
    for token, amount_in, amount_out in zip((event.token_x, event.token_y), ins, outs, strict=True):
        if amount_in:
            postings.append((outside, pool, token, amount_in))
        if amount_out:
            postings.append((pool, outside, token, amount_out))
    return postings


def observed(event: PoolObserved) -> Iterable[Posting]:
    postings = _flows(event, (event.reserve_x, event.reserve_y), (0, 0))
    if event.lp_supply:
        issuer = issuer_account(event.lp_asset)
        postings.append((issuer, _outside(event), event.lp_asset, event.lp_supply))
    return postings


def pair_swapped(event: PairSwapped) -> Iterable[Posting]:
    return _flows(
        event, (event.amount_x_in, event.amount_y_in), (event.amount_x_out, event.amount_y_out)
    )


def synced(event: PoolSynced) -> Iterable[Posting]:
    return _flows(
        event, (event.amount_x_in, event.amount_y_in), (event.amount_x_out, event.amount_y_out)
    )


def _fee_lp(event: PairMinted | PairBurned) -> list[Posting]:
    if not event.protocol_fee_lp:
        return []
    issuer = issuer_account(event.lp_asset)
    return [(issuer, _outside(event), event.lp_asset, event.protocol_fee_lp)]


def pair_minted(event: PairMinted) -> Iterable[Posting]:
    postings = _fee_lp(event) + _flows(event, (event.amount_x, event.amount_y), (0, 0))
    issuer = issuer_account(event.lp_asset)
    if event.lp_locked:
        postings.append((issuer, locked_account(event.pool), event.lp_asset, event.lp_locked))
    if event.lp_minted:
        postings.append((issuer, _outside(event), event.lp_asset, event.lp_minted))
    return postings


def pair_burned(event: PairBurned) -> Iterable[Posting]:
    postings = _fee_lp(event)
    if event.lp_burned:
        postings.append(
            (_outside(event), issuer_account(event.lp_asset), event.lp_asset, event.lp_burned)
        )
    return postings + _flows(event, (0, 0), (event.amount_x, event.amount_y))


def balance_observed(event: BalanceObserved) -> Iterable[Posting]:
    # Posted even when zero, so the books know the account is tracked from here on.
    return ((_outside(event), event.account, event.asset, event.amount),)


def token_transferred(event: TokenTransferred) -> Iterable[Posting]:
    if event.from_account == event.to_account:
        return ()
    return ((event.from_account, event.to_account, event.asset, event.amount),)
