"""Agents that act on dead strike tokens: holders selling or claiming, an arbitrageur, traders.

    [[agents]]
    kind = "alphax_dead_holders"
    params = { holders = ["alice", "bob"], market = "ETH-1500-3000", pool = "LONG-USDC" }

    [[agents]]
    kind = "alphax_dead_arbitrageur"
    params = { trader = "arb", market = "ETH-1500-3000", pool = "LONG-USDC", threshold_bps = 50 }

    [[agents]]
    kind = "strike_aware_trader"
    params = { traders = ["alice"], pools = ["ETH-USDC", "LONG-USDC"] }

Once a side is dead its token is worth exactly its holders' claim c (70% of the settlement
value, less the graveyard fee) and nothing else. Holders sell into the token's Uniswap V2 pair
while it pays more than c (down to c) and claim the rest as soon as the graveyard lets them.
The arbitrageur does the same with what it holds and also buys below c (up to c) and claims,
so the pair's price M ends at c. The strike-aware trader is the seeded `amm_trader` flow,
except that it leaves a dead token's pair alone: nobody buys a token above what it redeems for.
"""

from __future__ import annotations

from ledger.commands.alphax import ClaimFromGraveyard
from ledger.commands.amm_swaps import SwapExactIn
from ledger.engine import Command, Engine
from projections.alphax_markets import AlphaxMarkets, StrikeMarket
from projections.balances import Balances
from projections.contracts.alphax import BPS_SCALE, PRICE_SCALE
from projections.contracts.alphax_profiles import fee_usdc
from projections.pools import PoolBook, Pools
from replay.agents.amm import AmmTrader, bps_param, price_target_amount_in, reserves_of, string_list
from replay.agents.base import Step, param
from replay.scenario import AgentSpec, Scenario


def claim_per_token(market: StrikeMarket) -> int:
    """c: the USDC (PRICE_SCALE) a holder receives per whole dead token, after the fee."""
    d = market.definition
    claim = market.dead_token_value * (BPS_SCALE - d.liquidator_discount_bps) // BPS_SCALE
    return claim - fee_usdc(claim, d.graveyard_fee_bps)


class AlphaxDeadHolders:
    """Holders of a dead token: sell while the pair pays above the claim, then claim."""

    buys_below_claim = False

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        self.market: str = param(spec, "market")
        self.pool: str = param(spec, "pool")
        self.threshold_bps = bps_param(spec, "threshold_bps", 50)
        self.holders = self.holders_of(spec)

    def holders_of(self, spec: AgentSpec) -> list[str]:
        return string_list(spec, "holders")

    def act(self, step: Step, engine: Engine) -> list[Command]:
        market = engine.projection(AlphaxMarkets).markets.get(self.market)
        book = engine.projection(Pools).books.get(self.pool)
        if market is None or not market.dead_side or book is None or not book.reserve_x:
            return []
        balances = engine.projection(Balances)
        token = market.token_of(market.dead_side)
        claim = claim_per_token(market)
        token_reserve, usdc_reserve = reserves_of(book, token)
        # The claim in USDC base units per token base unit: claim / 10^token_decimals.
        unit = 10**market.definition.token_decimals
        usdc_unit = 10 ** balances.decimals.get(market.definition.collateral_asset, 6)
        claim_num, claim_den = claim * usdc_unit, PRICE_SCALE * unit
        scaled_price = usdc_reserve * claim_den * BPS_SCALE
        if scaled_price > claim_num * token_reserve * (BPS_SCALE + self.threshold_bps):
            # Sell down to the claim; claim the rest at the next step, once the sales are in.
            to_sell = price_target_amount_in(token_reserve, usdc_reserve, claim_num, claim_den)
            commands: list[Command] = []
            for holder in self.holders:
                amount = min(to_sell, balances.balance(holder, token))
                if amount > 0:
                    commands.append(self._swap(holder, token, amount))
                    to_sell -= amount
            return commands
        claims = self._claims(market, token, balances)
        if self.buys_below_claim and scaled_price < claim_num * token_reserve * (
            BPS_SCALE - self.threshold_bps
        ):
            claims += self._buy(book, market, token, claim_num, claim_den, balances)
        return claims

    def _swap(self, trader: str, asset_in: str, amount: int) -> SwapExactIn:
        return SwapExactIn(pool=self.pool, trader=trader, asset_in=asset_in, amount_in=amount)

    def _buy(
        self,
        book: PoolBook,
        market: StrikeMarket,
        token: str,
        claim_num: int,
        claim_den: int,
        balances: Balances,
    ) -> list[Command]:
        usdc = market.definition.collateral_asset
        usdc_reserve, token_reserve = reserves_of(book, usdc)
        usdc_in = price_target_amount_in(usdc_reserve, token_reserve, claim_den, claim_num)
        usdc_in = min(usdc_in, balances.balance(self.holders[0], usdc))
        return [self._swap(self.holders[0], usdc, usdc_in)] if usdc_in > 0 else []

    def _claims(self, market: StrikeMarket, token: str, balances: Balances) -> list[Command]:
        """Claim what is held once the pair pays no more than the claim."""
        claimable = market.claimable
        commands: list[Command] = []
        for holder in self.holders:
            amount = min(balances.balance(holder, token), claimable)
            if amount > 0:
                commands.append(
                    ClaimFromGraveyard(market_id=self.market, holder=holder, amount=amount)
                )
                claimable -= amount
        return commands


class AlphaxDeadArbitrageur(AlphaxDeadHolders):
    """Trades a dead token's pair toward the claim from both sides: sells above, buys below."""

    buys_below_claim = True

    def holders_of(self, spec: AgentSpec) -> list[str]:
        return [param(spec, "trader")]


class StrikeAwareTrader(AmmTrader):
    """The seeded `amm_trader` flow that leaves the pairs of dead strike tokens alone."""

    def act(self, step: Step, engine: Engine) -> list[Command]:
        commands = super().act(step, engine)
        dead = {
            market.token_of(market.dead_side)
            for market in engine.projection(AlphaxMarkets).markets.values()
            if market.dead_side
        }
        if not dead:
            return commands
        books = engine.projection(Pools).books
        kept: list[Command] = []
        for command in commands:
            book = books.get(command.pool) if isinstance(command, SwapExactIn) else None
            if book is None or not {book.spec.token_x, book.spec.token_y} & dead:
                kept.append(command)
        return kept
