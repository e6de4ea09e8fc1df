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
from events.rejections import RejectCode
from projections.base import Table, Violation, canonical_bytes, digest_of
from projections.contracts import MathRejected
from projections.contracts.alphax import (
    LiquidationPoint,
    LiquidationRule,
    TriggerKind,
    anchor_prices,
    anchor_risk_level,
    capital_efficiency,
    long_liquidation_point,
    premium,
    risk_level,
    short_liquidation_point,
)
from projections.pools import PoolBook
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
    dead_supply: int = 0
    """Dead tokens outstanding when the side died (what the graveyard settles)."""
    dead_block: int = 0
    dead_seq: int = 0
    """The log position of the death (what came after it in the same block is after it)."""
    fee_income_usdc: int = 0
    """Mint, redeem and graveyard fees paid to `alphax_fee_account` (what $ALPHA shares)."""

    @property
    def rule(self) -> LiquidationRule:
        d = self.definition
        return LiquidationRule(
            TriggerKind(d.trigger_kind),
            d.price_buffer_bps,
            d.leverage_max,
            d.long_liquidation_price,
            d.short_liquidation_price,
        )

    def liquidation_price(self, side: str) -> int:
        """The side's token liquidation price: preset at creation, or (older logs) its rule's
        (0 where the token is worth less than a base unit at its line)."""
        d = self.definition
        preset = d.long_liquidation_price if side == "long" else d.short_liquidation_price
        if preset:
            return preset
        point = self.liquidation_point(side)
        return 0 if point is None else point.token_price

    def liquidation_point(self, side: str) -> LiquidationPoint | None:
        """Where the side dies under its rule; None where its line lies so close to the strike
        that the token is worth less than a base unit there (no capital efficiency: unknown).
        A rule no trigger can follow never makes a market (`definition_problem`)."""
        d = self.definition
        try:
            if side == "long":
                return long_liquidation_point(d.long_strike, self.rule)
            return short_liquidation_point(d.short_strike, self.rule)
        except MathRejected:
            return None

    @property
    def unbought(self) -> int:
        """Dead tokens a liquidator may still buy from the graveyard."""
        return self.dead_supply - self.dead_bought

    @property
    def claimable(self) -> int:
        """Dead tokens holders may claim now: all of them (`direct`) or those bought."""
        if self.definition.holder_claim == "direct":
            return self.dead_supply - self.dead_claimed
        return self.dead_bought - self.dead_claimed

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
    except MathRejected as error:
        if error.code is RejectCode.INVALID_PARAMETER:  # a rule no trigger can follow
            return f"liquidation rule {rule}: {error.detail}"
        # else a liquidation line too close to its strike to price: shown as unknown
    except ArithmeticError as error:
        return f"liquidation rule {rule} cannot be applied: {error}"
    return None


class AlphaxMarkets:
    """Every strike market (see the module docstring)."""

    name = "alphax_markets"
    version = 2

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
            market.fee_income_usdc += event.fee_usdc
        elif kind is AlphaxPairRedeemed:
            market.long_supply -= event.pair_amount
            market.short_supply -= event.pair_amount
            market.collateral_usdc -= event.collateral_usdc
            market.fee_income_usdc += event.fee_usdc
        elif kind is AlphaxStrikeLiquidated:
            market.dead_side = event.side
            market.dead_price = event.asset_price
            market.dead_token_value = event.token_value
            market.dead_supply = event.dead_supply
            market.dead_block = record.block
            market.dead_seq = record.seq
        elif kind is AlphaxGraveyardBought:
            opposite = "short" if event.side == "long" else "long"
            self._take(market, opposite, event.dead_token_amount)
            market.dead_bought += event.dead_token_amount
            market.collateral_usdc += event.liquidator_payment_usdc - event.pair_collateral_usdc
        elif kind is AlphaxGraveyardClaimed:
            self._take(market, event.side, event.dead_token_amount)
            market.dead_claimed += event.dead_token_amount
            market.collateral_usdc -= event.claim_usdc + event.fee_usdc
            market.fee_income_usdc += event.fee_usdc
        if market.collateral_usdc < 0 or market.claimable < 0:
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
                m.definition.profile,
                m.liquidation_price("long"),
                m.liquidation_price("short"),
                m.fee_income_usdc,
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
            "profile",
            "long_liquidation_price",
            "short_liquidation_price",
            "fee_income_usdc",
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


class StrikeQuote(msgspec.Struct, frozen=True, kw_only=True):
    """One strike token's indicators, at PRICE_SCALE (prices) and RATIO_SCALE (ratios)."""

    market_id: str
    side: str
    token: str
    anchor_price: int
    """O: the oracle (anchor) price."""
    market_price: int | None
    """M: USDC per whole token in the token's Uniswap V2 pair against the collateral."""
    premium: int | None
    """(M - O) / O, signed."""
    capital_efficiency: int | None
    liquidation_price: int
    """The token's preset liquidation price."""
    risk_level: int | None
    """The white paper's: liquidation price / anchor price (100% = dead)."""
    risk_level_asset_basis: int | None
    """The indicator page's: the asset price at the trigger / the asset price now."""


def strike_market_price(market: StrikeMarket, side: str, books: dict[str, PoolBook]) -> int | None:
    """M: the token's price in the deepest Uniswap V2 pair against the market's collateral."""
    token, collateral = market.token_of(side), market.definition.collateral_asset
    best: tuple[int, int] | None = None
    for book in books.values():
        pair = (book.spec.token_x, book.spec.token_y)
        if not book.is_uniswap or set(pair) != {token, collateral} or not book.reserve_x:
            continue
        reserves = (book.reserve_x, book.reserve_y)
        token_reserve, usdc_reserve = reserves if pair[0] == token else reserves[::-1]
        if token_reserve and (best is None or token_reserve > best[0]):
            best = (token_reserve, usdc_reserve)
    if best is None:
        return None
    # USDC base units per whole token; the USDC scale is PRICE_SCALE.
    unit: int = 10**market.definition.token_decimals
    return best[1] * unit // best[0]


def strike_quote(
    market_id: str, market: StrikeMarket, side: str, asset_price: int, books: dict[str, PoolBook]
) -> StrikeQuote:
    """O, M, the premium, capital efficiency and both risk levels of one side at `asset_price`."""
    d = market.definition
    anchors = anchor_prices(asset_price, d.long_strike, d.short_strike)
    anchor = anchors.long_price if side == "long" else anchors.short_price
    liquidation = market.liquidation_price(side)
    point = market.liquidation_point(side)
    market_price = strike_market_price(market, side, books)
    return StrikeQuote(
        market_id=market_id,
        side=side,
        token=market.token_of(side),
        anchor_price=anchor,
        market_price=market_price,
        premium=premium(market_price, anchor) if market_price is not None and anchor else None,
        capital_efficiency=capital_efficiency(asset_price, anchor) if anchor else None,
        liquidation_price=liquidation,
        risk_level=anchor_risk_level(liquidation, anchor) if anchor else None,
        risk_level_asset_basis=(
            risk_level(point.asset_price, asset_price, anchor)
            if asset_price and point is not None
            else None
        ),
    )
