"""What a replay did to each dead strike: the holders' recovery and the dead token's trades.

Per dead market: the settlement value V and the claim a holder gets per whole token (70% of V
less the graveyard fee), how much was claimed, the fee income, the dead token's pair price M at
the end, and every swap of the dead token after the death, with how many paid more than the
claim. The first block with such a swap is the agents' reaction (holders selling down to the
claim); a swap above the claim in a later block is a trade nobody rational would make.
Amounts are USDC base units (prices per whole token), as in the books.
"""

from __future__ import annotations

from typing import Any

import msgspec

from events.amm import Swapped
from ledger.store import EventStore as Store
from ledger.store import ReadFilter
from projections.alphax_markets import StrikeMarket, strike_market_price, strike_quote
from projections.contracts.alphax import PRICE_SCALE, RATIO_SCALE
from projections.pools import PoolBook
from projections.prices import Prices
from replay.units import amount_text, decimal_text, percent_text, scaled_text


def trade_price(event: Swapped, token: str, unit: int) -> int:
    """USDC per whole dead token the swap paid (buy: USDC in; sell: USDC out)."""
    if event.asset_in == token:
        return event.amount_out * unit // event.amount_in if event.amount_in else 0
    return event.amount_in * unit // event.amount_out if event.amount_out else 0


def dead_token_trades(
    store: Store, market: StrikeMarket, books: dict[str, PoolBook], claim: int
) -> dict[str, Any]:
    """The dead token's swaps from the death on: count, highest price, above the claim."""
    token = market.token_of(market.dead_side)
    pools = {
        name for name, book in books.items() if token in (book.spec.token_x, book.spec.token_y)
    }
    unit = 10**market.definition.token_decimals
    trades: list[tuple[int, int]] = []
    after_death = ReadFilter(type="Swapped", from_seq=market.dead_seq + 1)
    for record in store.read(after_death):
        event = record.event
        if isinstance(event, Swapped) and event.pool in pools:
            trades.append((record.block, trade_price(event, token, unit)))
    reaction_block = trades[0][0] if trades else market.dead_block
    return {
        "trades": len(trades),
        "price_max": max((price for _, price in trades), default=None),
        "above_claim": sum(1 for _, price in trades if price > claim),
        "reaction_block": reaction_block,
        "above_claim_after_reaction": sum(
            1 for block, price in trades if block > reaction_block and price > claim
        ),
    }


def alphax_graveyards(
    store: Store, markets: dict[str, StrikeMarket], books: dict[str, PoolBook]
) -> dict[str, Any]:
    """Each dead market's settlement, holders' recovery per token and dead-token trades."""
    # The agents (and the scenario model they read, with pydantic) load only for a dead market.
    from replay.agents.alphax_dead import claim_per_token

    outcomes: dict[str, Any] = {}
    for market_id, market in sorted(markets.items()):
        if not market.dead_side:
            continue
        claim = claim_per_token(market)
        outcomes[market_id] = {
            "profile": market.definition.profile,
            "asset": market.definition.asset,
            "collateral_asset": market.definition.collateral_asset,
            "token_decimals": market.definition.token_decimals,
            "dead_side": market.dead_side,
            "dead_token": market.token_of(market.dead_side),
            "death_block": market.dead_block,
            "asset_price_at_death": market.dead_price,
            "settlement_value_per_token": market.dead_token_value,
            "holder_recovery_per_token": claim,
            "dead_supply": market.dead_supply,
            "claimed": market.dead_claimed,
            "bought_by_liquidators": market.dead_bought,
            "fee_income_usdc": market.fee_income_usdc,
            "market_price_at_end": strike_market_price(market, market.dead_side, books),
            "dead_token_trades": dead_token_trades(store, market, books, claim),
        }
    return outcomes


def alphax_quotes(
    markets: dict[str, StrikeMarket], books: dict[str, PoolBook], prices: object
) -> list[dict[str, Any]]:
    """Each live strike token at the last price: O, M, premium, capital efficiency, risk levels."""
    rows: list[dict[str, Any]] = []
    for market_id, market in sorted(markets.items()):
        quote = prices.quote(market.definition.asset) if isinstance(prices, Prices) else None
        if quote is None:
            continue
        for side in ("long", "short"):
            if side == market.dead_side:
                continue
            rows.append(
                msgspec.structs.asdict(
                    strike_quote(market_id, market, side, quote.rescaled(PRICE_SCALE), books)
                )
            )
    return rows


_TOKEN_AMOUNTS = ("dead_supply", "claimed", "bought_by_liquidators")
"""The graveyard's amounts of the dead token (base units, `token_decimals`)."""


def _usd(price: int | None) -> str:
    """A price at PRICE_SCALE (USD a whole token or a unit of the asset), for people."""
    return "none" if price is None else f"{scaled_text(price, PRICE_SCALE, 2)} USD"


def graveyard_text(market_id: str, found: dict[str, Any], decimals: dict[str, int]) -> str:
    """One dead market of `alphax_graveyards`, in display units."""
    tokens = {
        key: f"{decimal_text(found[key], found['token_decimals'], 4, grouped=True)} tokens"
        for key in _TOKEN_AMOUNTS
    }
    fees = amount_text(found["fee_income_usdc"], found["collateral_asset"], decimals, 2)
    trades = found["dead_token_trades"]
    return (
        f"{market_id}: {found['dead_side']} ({found['dead_token']}) died at block "
        f"{found['death_block']} "
        f"({found['asset']} at {_usd(found['asset_price_at_death'])}); settlement value "
        f"{_usd(found['settlement_value_per_token'])} a token, holders recover "
        f"{_usd(found['holder_recovery_per_token'])} a token; dead supply "
        f"{tokens['dead_supply']}, claimed {tokens['claimed']}, bought by liquidators "
        f"{tokens['bought_by_liquidators']}; fee income {fees}; market price at the end "
        f"{_usd(found['market_price_at_end'])}; {trades['trades']} trades of the dead token "
        f"after the death (highest {_usd(trades['price_max'])}, {trades['above_claim']} above "
        f"the claim; agents reacted at block {trades['reaction_block']}, "
        f"{trades['above_claim_after_reaction']} above the claim after that)"
    )


def quote_text(row: dict[str, Any]) -> str:
    """One live strike token of `alphax_quotes`, in display units."""

    def ratio(name: str, *, multiple: bool = False) -> str:
        value = row[name]
        if value is None:
            return "none"
        if multiple:
            return f"{scaled_text(value, RATIO_SCALE, 4)}×"
        return percent_text(value, RATIO_SCALE)

    efficiency = ratio("capital_efficiency", multiple=True)
    return (
        f"{row['market_id']} {row['side']} ({row['token']}): anchor O {_usd(row['anchor_price'])}, "
        f"market M {_usd(row['market_price'])}, premium {ratio('premium')}, capital efficiency "
        f"{efficiency}, liquidation price {_usd(row['liquidation_price'])}, "
        f"risk level {ratio('risk_level')} (asset basis {ratio('risk_level_asset_basis')})"
    )
