"""Posting rules for alphax facts: each event type to the value moves it makes."""

from __future__ import annotations

from collections.abc import Iterable

from events.alphax import (
    AlphaxGraveyardBought,
    AlphaxGraveyardClaimed,
    AlphaxPairMinted,
    AlphaxPairRedeemed,
    alphax_fee_account,
    alphax_vault_account,
)
from projections.postings.base import Posting


def minted(event: AlphaxPairMinted) -> Iterable[Posting]:
    vault = alphax_vault_account(event.market_id)
    return (
        (event.account, vault, event.collateral_asset, event.collateral_usdc),
        (f"issuer:{event.long_token}", event.account, event.long_token, event.pair_amount),
        (f"issuer:{event.short_token}", event.account, event.short_token, event.pair_amount),
        *_fee(event.account, event.market_id, event.collateral_asset, event.fee_usdc),
    )


def redeemed(event: AlphaxPairRedeemed) -> Iterable[Posting]:
    vault = alphax_vault_account(event.market_id)
    return (
        (event.account, f"issuer:{event.long_token}", event.long_token, event.pair_amount),
        (event.account, f"issuer:{event.short_token}", event.short_token, event.pair_amount),
        (vault, event.account, event.collateral_asset, event.collateral_usdc - event.fee_usdc),
        *_fee(vault, event.market_id, event.collateral_asset, event.fee_usdc),
    )


def bought(event: AlphaxGraveyardBought) -> Iterable[Posting]:
    vault = alphax_vault_account(event.market_id)
    return (
        (
            event.liquidator,
            f"issuer:{event.opposite_token}",
            event.opposite_token,
            event.dead_token_amount,
        ),
        (event.liquidator, vault, event.collateral_asset, event.liquidator_payment_usdc),
        (vault, event.liquidator, event.collateral_asset, event.pair_collateral_usdc),
    )


def claimed(event: AlphaxGraveyardClaimed) -> Iterable[Posting]:
    vault = alphax_vault_account(event.market_id)
    return (
        (event.holder, f"issuer:{event.dead_token}", event.dead_token, event.dead_token_amount),
        (vault, event.holder, event.collateral_asset, event.claim_usdc),
        *_fee(vault, event.market_id, event.collateral_asset, event.fee_usdc),
    )


def _fee(payer: str, market_id: str, asset: str, fee_usdc: int) -> tuple[Posting, ...]:
    """A fee to the market's fee account; none when it is zero (older logs post as before)."""
    return ((payer, alphax_fee_account(market_id), asset, fee_usdc),) if fee_usdc else ()
