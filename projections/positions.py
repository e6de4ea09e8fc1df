"""Position LTVs: every f(x) position and AlphaX strike market at the latest price, ranked by risk.

It folds the f(x) pools, the strike markets and the prices itself (it is its own projection,
so `state_at` gives it at any block). A row's `price_move_to_line_1e18` is the relative move of
the oracle price that would put it on its liquidation line (x1e18; <= 0: past the line), so
f(x) positions and strike tokens rank on one scale in `at_risk`.

ALEX CRP loans: `crp_loan_rows` is the hook for them; it returns no rows until the ALEX lending
projection (`projections/alex_lending.py`, `crp_loans()`) exists.
"""

from __future__ import annotations

from typing import Any

import msgspec

from events.record import Record
from projections.alphax_markets import AlphaxMarkets, StrikeMarket
from projections.base import Table, Violation, canonical_bytes, digest_of
from projections.fx_pools import FxPools
from projections.math import MathRejected
from projections.math.alphax import (
    PRICE_SCALE,
    anchor_prices,
    capital_efficiency,
    long_liquidation_point,
    risk_level,
    short_liquidation_point,
)
from projections.math.fx_ticks import PRECISION, price_inverse_1e18
from projections.prices import Prices

FX_COLUMNS = (
    "pool",
    "position",
    "owner",
    "raw_collateral",
    "raw_debt",
    "price_1e18",
    "ltv_1e18",
    "rebalance_distance_1e18",
    "liquidation_distance_1e18",
    "price_rebalance_line_1e18",
    "price_liquidation_line_1e18",
    "price_move_to_line_1e18",
    "status",
)
STRIKE_COLUMNS = (
    "market",
    "asset_price",
    "long_strike",
    "short_strike",
    "long_anchor",
    "short_anchor",
    "long_ce_1e8",
    "short_ce_1e8",
    "long_risk_level_1e8",
    "short_risk_level_1e8",
    "long_liquidation_price",
    "short_liquidation_price",
    "status",
    "long_supply",
    "short_supply",
    "price_move_to_line_1e18",
)
RISK_COLUMNS = ("kind", "id", "owner", "ltv_or_risk_1e18", "price_move_to_line_1e18", "status")


def fx_price_1e18(prices: Prices, asset: str, side: str, maximum: bool = False) -> int | None:
    """The pool's price at 1e18 (inverted on the short side); `maximum` reads `<asset>:max`."""
    quote = prices.quote(f"{asset}:max") if maximum else None
    quote = quote or prices.quote(asset)
    if quote is None or quote.price == 0:
        return None
    price = quote.rescaled(PRECISION)
    return price_inverse_1e18(price, maximum) if side == "short" else price


def _move(price: int, line: int | None) -> int | None:
    """(price - line) / price x1e18: how far the price can fall before the line (None: never)."""
    if line is None or price == 0:
        return None
    return (price - line) * PRECISION // price


class Positions:
    """The position-LTV projection (see the module docstring)."""

    name = "positions"
    version = 1

    def __init__(self) -> None:
        self.fx = FxPools()
        self.alphax = AlphaxMarkets()
        self.prices = Prices()

    def apply(self, record: Record) -> None:
        self.fx.apply(record)
        self.alphax.apply(record)
        self.prices.apply(record)

    def fx_rows(self) -> list[tuple[Any, ...]]:
        rows = []
        for pool_id, pool in sorted(self.fx.pools.items()):
            meta = self.fx.meta[pool_id]
            price = fx_price_1e18(self.prices, meta.price_asset, meta.side)
            if price is None:
                continue
            for health in pool.positions_health(price):
                status = (
                    "liquidatable"
                    if health.liquidatable
                    else "rebalanceable"
                    if health.rebalanceable
                    else "healthy"
                )
                rows.append(
                    (
                        pool_id,
                        health.position_id,
                        health.owner,
                        health.raw_coll,
                        health.raw_debt,
                        price,
                        health.debt_ratio_1e18,
                        health.rebalance_distance_1e18,
                        health.liquidation_distance_1e18,
                        health.price_rebalance_line_1e18,
                        health.price_liquidation_line_1e18,
                        _move(price, health.price_liquidation_line_1e18),
                        status,
                    )
                )
        return rows

    def strike_rows(self) -> list[tuple[Any, ...]]:
        rows = []
        for market_id, market in sorted(self.alphax.markets.items()):
            quote = self.prices.quote(market.definition.asset)
            if quote is not None:
                rows.append(strike_row(market_id, market, quote.rescaled(PRICE_SCALE)))
        return rows

    def crp_loan_rows(self) -> list[tuple[Any, ...]]:
        """Hook for ALEX CRP loans (none until `projections/alex_lending.py` lands)."""
        return []

    def at_risk(self, limit: int) -> Table:
        """The `limit` rows closest to their liquidation line (smallest price move first)."""
        ranked = []
        for row in self.fx_rows():
            move = row[11]
            if move is not None:
                ranked.append(("fx", f"{row[0]}#{row[1]}", row[2], row[6], move, row[12]))
        for row in self.strike_rows():
            move = row[15]
            if move is not None:
                ranked.append(("alphax", row[0], "", None, move, row[12]))
        ranked.sort(key=lambda item: (item[4], item[0], item[1]))
        return Table("positions_at_risk", RISK_COLUMNS, ranked[:limit], key_columns=("kind", "id"))

    def snapshot(self) -> bytes:
        return canonical_bytes(
            {
                "fx": msgspec.json.decode(self.fx.snapshot()),
                "alphax": msgspec.json.decode(self.alphax.snapshot()),
                "prices": msgspec.json.decode(self.prices.snapshot()),
            }
        )

    def restore(self, data: bytes) -> None:
        state = msgspec.json.decode(data)
        self.fx.restore(canonical_bytes(state["fx"]))
        self.alphax.restore(canonical_bytes(state["alphax"]))
        self.prices.restore(canonical_bytes(state["prices"]))

    def digest(self) -> str:
        return digest_of(self.snapshot())

    def tables(self) -> list[Table]:
        return [
            Table("fx_positions", FX_COLUMNS, self.fx_rows(), key_columns=("pool", "position")),
            Table("strike_markets", STRIKE_COLUMNS, self.strike_rows(), key_columns=("market",)),
            Table(
                "crp_loans",
                ("pool", "loan", "owner", "ltv_1e8", "status"),
                self.crp_loan_rows(),
                key_columns=("pool", "loan"),
            ),
        ]

    def violations(self) -> list[Violation]:
        return self.fx.violations() + self.alphax.violations()


def _safe(function: Any, *args: Any) -> Any:
    try:
        return function(*args)
    except MathRejected:
        return None


def strike_row(market_id: str, market: StrikeMarket, price: int) -> tuple[Any, ...]:
    """A strike market's indicators at the asset price (1e6)."""
    d = market.definition
    anchors = anchor_prices(price, d.long_strike, d.short_strike)
    long_point = _safe(long_liquidation_point, d.long_strike, market.rule)
    short_point = _safe(short_liquidation_point, d.short_strike, market.rule)
    long_line = long_point.asset_price if long_point else None
    short_line = short_point.asset_price if short_point else None
    moves = []
    if market.dead_side != "long" and long_line is not None:
        moves.append((price - long_line) * PRECISION // max(price, 1))
    if market.dead_side != "short" and short_line is not None:
        moves.append((short_line - price) * PRECISION // max(price, 1))
    status = f"{market.dead_side} dead" if market.dead_side else "alive"
    return (
        market_id,
        price,
        d.long_strike,
        d.short_strike,
        anchors.long_price,
        anchors.short_price,
        _safe(capital_efficiency, price, anchors.long_price),
        _safe(capital_efficiency, price, anchors.short_price),
        None if long_line is None else _safe(risk_level, long_line, price, anchors.long_price),
        None if short_line is None else _safe(risk_level, short_line, price, anchors.short_price),
        long_line,
        short_line,
        status,
        market.long_supply,
        market.short_supply,
        min(moves) if moves else None,
    )
