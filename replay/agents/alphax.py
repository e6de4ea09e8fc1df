"""AlphaX agents: the liquidator (strikes past their trigger, the graveyard) and the arbitrageur.

    [[agents]]
    kind = "alphax_liquidator"
    params = { liquidator = "liq", claimants = ["bob"] }

    [[agents]]
    kind = "alphax_arbitrageur"
    params = { trader = "arb", market = "ETH-1500-2500", long_pool = "LONG-USDC",
               short_pool = "SHORT-USDC", threshold_bps = 100, pairs_max = 10_000_000 }

The liquidator marks a side dead as soon as the oracle reaches its trigger, then buys the dead
tokens from the graveyard with the opposite tokens it holds (plus 70% of their value in USDC);
the `claimants` then claim 70% for the dead tokens they hold. The arbitrageur keeps each strike
token's Uniswap V2 pair near its anchor: when the market is above the anchor it mints pairs and
sells that side; below, it buys that side and redeems the pairs it can.
"""

from __future__ import annotations

from ledger.commands.alphax import (
    BuyFromGraveyard,
    ClaimFromGraveyard,
    LiquidateStrike,
    MintStrikePair,
    RedeemStrikePair,
)
from ledger.commands.amm_swaps import SwapExactIn
from ledger.engine import Command, Engine
from projections.alphax_markets import AlphaxMarkets, StrikeMarket
from projections.balances import Balances
from projections.contracts.alphax import (
    PRICE_SCALE,
    anchor_prices,
    is_long_liquidatable,
    is_short_liquidatable,
)
from projections.pools import Pools
from projections.prices import Prices
from replay.agents.amm import BPS, bps_param, price_target_amount_in, reserves_of, string_list
from replay.agents.base import Step, param
from replay.scenario import AgentSpec, Scenario


class AlphaxLiquidator:
    """Liquidates triggered strikes and buys their dead tokens from the graveyard."""

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        self.liquidator: str = param(spec, "liquidator")
        self.markets: list[str] | None = spec.params.get("markets")
        self.claimants = string_list(spec, "claimants", [])

    def market_commands(
        self, market_id: str, market: StrikeMarket, engine: Engine
    ) -> list[Command]:
        if not market.dead_side:
            quote = engine.projection(Prices).quote(market.definition.asset)
            if quote is None:
                return []
            price, d = quote.rescaled(PRICE_SCALE), market.definition
            for side, fired in (
                ("long", is_long_liquidatable(price, d.long_strike, market.rule)),
                ("short", is_short_liquidatable(price, d.short_strike, market.rule)),
            ):
                if fired:
                    return [
                        LiquidateStrike(market_id=market_id, side=side, liquidator=self.liquidator)
                    ]
            return []
        balances = engine.projection(Balances)
        side = market.dead_side
        commands: list[Command] = []
        unbought = market.unbought
        opposite = market.token_of("short" if side == "long" else "long")
        amount = min(unbought, balances.balance(self.liquidator, opposite))
        if amount > 0:
            commands.append(
                BuyFromGraveyard(market_id=market_id, liquidator=self.liquidator, amount=amount)
            )
        # Holders claim what the graveyard lets them: all (direct) or what was just bought too.
        direct = market.definition.holder_claim == "direct"
        claimable = market.claimable + (0 if direct else amount)
        for holder in self.claimants:
            held = min(balances.balance(holder, market.token_of(side)), claimable)
            if held > 0:
                commands.append(ClaimFromGraveyard(market_id=market_id, holder=holder, amount=held))
                claimable -= held
        return commands

    def act(self, step: Step, engine: Engine) -> list[Command]:
        markets = engine.projection(AlphaxMarkets).markets
        commands: list[Command] = []
        for market_id in sorted(markets) if self.markets is None else self.markets:
            if market_id in markets:
                commands += self.market_commands(market_id, markets[market_id], engine)
        return commands


class AlphaxArbitrageur:
    """Mint-and-sell above the anchor, buy-and-redeem below, on each side's pair."""

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        self.trader: str = param(spec, "trader")
        self.market: str = param(spec, "market")
        self.pools = {"long": spec.params.get("long_pool"), "short": spec.params.get("short_pool")}
        self.threshold_bps = bps_param(spec, "threshold_bps", 100)
        self.pairs_max: int = param(spec, "pairs_max", 10**24)
        if not any(self.pools.values()):
            raise ValueError("give `long_pool` or `short_pool` (or both): the pairs to trade on")
        if not isinstance(self.pairs_max, int) or self.pairs_max <= 0:
            raise ValueError(f"param `pairs_max` must be a positive int, got {self.pairs_max!r}")

    def side_commands(self, side: str, market: StrikeMarket, engine: Engine) -> list[Command]:
        pool = self.pools[side]
        book = engine.projection(Pools).books.get(pool) if pool else None
        quote = engine.projection(Prices).quote(market.definition.asset)
        if pool is None or book is None or quote is None or not book.reserve_x:
            return []
        d = market.definition
        anchors = anchor_prices(quote.rescaled(PRICE_SCALE), d.long_strike, d.short_strike)
        anchor = anchors.long_price if side == "long" else anchors.short_price
        token = market.token_of(side)
        token_reserve, usdc_reserve = reserves_of(book, token)
        # Anchor in USDC base units per token base unit: anchor / 10^token_decimals (USDC 1e6).
        anchor_num = anchor * 10 ** engine.projection(Balances).decimals.get(d.collateral_asset, 6)
        anchor_den = PRICE_SCALE * 10**d.token_decimals
        market_high = usdc_reserve * anchor_den * BPS
        balances = engine.projection(Balances)
        if market_high > anchor_num * token_reserve * (BPS + self.threshold_bps):
            pairs = price_target_amount_in(token_reserve, usdc_reserve, anchor_num, anchor_den)
            pairs = min(pairs, self.pairs_max)
            if pairs <= 0:
                return []
            return [
                MintStrikePair(market_id=self.market, account=self.trader, pair_amount=pairs),
                SwapExactIn(pool=pool, trader=self.trader, asset_in=token, amount_in=pairs),
            ]
        if market_high < anchor_num * token_reserve * (BPS - self.threshold_bps):
            usdc_in = price_target_amount_in(usdc_reserve, token_reserve, anchor_den, anchor_num)
            usdc_in = min(usdc_in, balances.balance(self.trader, d.collateral_asset))
            if usdc_in <= 0:
                return []
            other = market.token_of("short" if side == "long" else "long")
            bought_max = token_reserve * usdc_in // (usdc_reserve + usdc_in)
            pairs = min(
                balances.balance(self.trader, token) + bought_max * 99 // 100,
                balances.balance(self.trader, other),
                self.pairs_max,
            )
            commands: list[Command] = [
                SwapExactIn(
                    pool=pool, trader=self.trader, asset_in=d.collateral_asset, amount_in=usdc_in
                )
            ]
            if pairs > 0:
                commands.append(
                    RedeemStrikePair(market_id=self.market, account=self.trader, pair_amount=pairs)
                )
            return commands
        return []

    def act(self, step: Step, engine: Engine) -> list[Command]:
        market = engine.projection(AlphaxMarkets).markets.get(self.market)
        if market is None or market.dead_side:
            return []
        return self.side_commands("long", market, engine) + self.side_commands(
            "short", market, engine
        )
