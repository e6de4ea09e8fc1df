"""AlphaX strike markets: strikes, outstanding pairs, dead sides and the graveyard's books.

Per market: LONG and SHORT supply (minted minus redeemed, retired or claimed), the collateral
the vault should hold, and once a side is dead its value V, the dead tokens bought by
liquidators and claimed by holders. Invariant: the vault's recorded collateral covers the live
pairs (n (K_S - K_L)) plus the unclaimed 70% of V of the bought dead tokens.
"""

from __future__ import annotations

from typing import Any

import msgspec

from events import alphax as alphax_events
from events.alphax import (
    AlphaxGraveyardBought,
    AlphaxGraveyardClaimed,
    AlphaxMarketCreated,
    AlphaxPairMinted,
    AlphaxPairRedeemed,
    AlphaxStrikeLiquidated,
)
from events.base import Event
from events.record import Record
from projections.base import Table, Violation, canonical_bytes, digest_of
from projections.contracts import MathRejected
from projections.contracts.alphax import (
    LiquidationRule,
    TriggerKind,
    long_liquidation_point,
    short_liquidation_point,
)
from projections.routing import event_types_in

_ALPHAX_EVENTS = event_types_in(alphax_events)


class StrikeMarket(msgspec.Struct, kw_only=True):
    """One market's definition and books."""

    definition: AlphaxMarketCreated
    long_supply: int = 0
    short_supply: int = 0
    collateral_usdc: int = 0
    """What the vault should hold for this market."""
    dead_side: str = ""
    """`long`, `short`, or "" while both sides are alive."""
    dead_price: int = 0
    dead_token_value: int = 0
    dead_bought: int = 0
    """Dead tokens whose pairs a liquidator retired (their holders may claim)."""
    dead_claimed: int = 0

    @property
    def rule(self) -> LiquidationRule:
        d = self.definition
        return LiquidationRule(TriggerKind(d.trigger_kind), d.price_buffer_bps, d.leverage_max)

    def supply_of(self, side: str) -> int:
        return self.long_supply if side == "long" else self.short_supply

    def token_of(self, side: str) -> str:
        d = self.definition
        return d.long_token if side == "long" else d.short_token


def definition_problem(definition: AlphaxMarketCreated) -> str | None:
    """What makes a market definition one the AlphaX math cannot price, or None.

    Strikes need 0 < K_L < K_S, the trigger must be a known kind, and the liquidation points
    of both sides must be computable under the market's rule.
    """
    if not 0 < definition.long_strike < definition.short_strike:
        return (
            f"strikes must satisfy 0 < K_L < K_S (got {definition.long_strike}, "
            f"{definition.short_strike})"
        )
    if definition.trigger_kind not in {kind.value for kind in TriggerKind}:
        return f"trigger_kind {definition.trigger_kind!r} is not one of price_buffer, leverage"
    rule = StrikeMarket(definition=definition).rule
    try:
        long_liquidation_point(definition.long_strike, rule)
        short_liquidation_point(definition.short_strike, rule)
    except MathRejected:
        pass  # a liquidation line too close to its strike to price: shown as unknown
    except ArithmeticError as error:
        return f"liquidation rule {rule} cannot be applied: {error}"
    return None


class AlphaxMarkets:
    """Every strike market (see the module docstring)."""

    name = "alphax_markets"
    version = 1

    def __init__(self) -> None:
        self.markets: dict[str, StrikeMarket] = {}
        self._violations: list[Violation] = []

    def folds(self, event_type: type[Event]) -> bool:
        return event_type in _ALPHAX_EVENTS

    def apply(self, record: Record) -> None:
        event: Any = record.event  # dispatched on its exact type below
        kind = type(event)
        if kind is AlphaxMarketCreated:
            problem = definition_problem(event)
            if problem is None:
                self.markets[event.market_id] = StrikeMarket(definition=event)
            else:  # recorded before facts were checked on the way in: a finding, not a crash
                self._violations.append(Violation("INVALID_MARKET", record.seq, problem))
            return
        if kind not in _MARKET_EVENTS:
            return
        market = self.markets.get(event.market_id)
        if market is None:
            self._violations.append(
                Violation("UNKNOWN_MARKET", record.seq, f"no strike market {event.market_id}")
            )
            return
        if kind is AlphaxPairMinted:
            market.long_supply += event.pair_amount
            market.short_supply += event.pair_amount
            market.collateral_usdc += event.collateral_usdc
        elif kind is AlphaxPairRedeemed:
            market.long_supply -= event.pair_amount
            market.short_supply -= event.pair_amount
            market.collateral_usdc -= event.collateral_usdc
        elif kind is AlphaxStrikeLiquidated:
            market.dead_side = event.side
            market.dead_price = event.asset_price
            market.dead_token_value = event.token_value
        elif kind is AlphaxGraveyardBought:
            opposite = "short" if event.side == "long" else "long"
            self._take(market, opposite, event.dead_token_amount)
            market.dead_bought += event.dead_token_amount
            market.collateral_usdc += event.liquidator_payment_usdc - event.pair_collateral_usdc
        elif kind is AlphaxGraveyardClaimed:
            self._take(market, event.side, event.dead_token_amount)
            market.dead_claimed += event.dead_token_amount
            market.collateral_usdc -= event.claim_usdc
        if market.collateral_usdc < 0 or market.dead_claimed > market.dead_bought:
            self._violations.append(
                Violation("ALPHAX_UNDERFUNDED", record.seq, f"{event.market_id} vault short")
            )

    @staticmethod
    def _take(market: StrikeMarket, side: str, amount: int) -> None:
        if side == "long":
            market.long_supply -= amount
        else:
            market.short_supply -= amount

    def snapshot(self) -> bytes:
        return canonical_bytes(
            {"markets": dict(sorted(self.markets.items())), "violations": self._violations}
        )

    def restore(self, data: bytes) -> None:
        state = msgspec.json.decode(data, type=_State)
        self.markets = state.markets
        self._violations = state.violations

    def digest(self) -> str:
        return digest_of(self.snapshot())

    def tables(self) -> list[Table]:
        rows = [
            (
                market_id,
                m.definition.asset,
                m.definition.long_strike,
                m.definition.short_strike,
                m.long_supply,
                m.short_supply,
                m.collateral_usdc,
                m.dead_side or None,
                m.dead_token_value if m.dead_side else None,
                m.dead_bought,
                m.dead_claimed,
            )
            for market_id, m in sorted(self.markets.items())
        ]
        columns = (
            "market",
            "asset",
            "long_strike",
            "short_strike",
            "long_supply",
            "short_supply",
            "collateral_usdc",
            "dead_side",
            "dead_token_value",
            "dead_bought",
            "dead_claimed",
        )
        return [Table("alphax_markets", columns, rows, key_columns=("market",))]

    def violations(self) -> list[Violation]:
        return list(self._violations)


_MARKET_EVENTS = {
    AlphaxPairMinted,
    AlphaxPairRedeemed,
    AlphaxStrikeLiquidated,
    AlphaxGraveyardBought,
    AlphaxGraveyardClaimed,
}


class _State(msgspec.Struct):
    markets: dict[str, StrikeMarket]
    violations: list[Violation]
