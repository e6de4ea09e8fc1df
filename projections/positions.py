"""Position LTVs: every f(x) position, AlphaX strike market and ALEX CRP loan, ranked by risk.

A read model: a function over the books (`fx_pools`, `alphax_markets`, `alex_lending`,
`prices`), with no state, fold, snapshot or digest of its own, so it is at whatever block the
books it is built over are at (`state_at` gives it at any block). A row's `price_move_to_line_1e18`
is the relative fall of the position's own price (collateral priced in debt) that would put it
on its line (x1e18; <= 0: past the line), so every kind ranks on one scale in `at_risk`:

* f(x): the pool's price (inverted on the short side) falling to the liquidation line;
* AlphaX: the asset price moving to the nearer liquidation trigger (down for longs, up for
  shorts, as a fraction of the price);
* ALEX CRP: the spot (token y per token x) falling to where the LTV meets the conversion LTV.
  `CrpLoan.price_move_to_conversion_1e18` states it as a rise m of token y's price; the spot
  then falls by m / (1 + m), which is what is ranked.

Every position stays in its table once it exists, with its status: an f(x) position is
healthy, rebalanceable or liquidatable while it has debt; liquidated, redeemed or rebalanced
once a walk took its tick's last debt (the f(x) book keeps which walk it was); closed when
nothing is left in it, or `no debt` when only collateral is. A strike market is alive or names
its dead side; a CRP is open, converting, expired, `no debt` or `unpriced` (no oracle spot or a
spot outside the contract math). Only live rows (with a price move to a line) are ranked.
"""

from __future__ import annotations

import heapq
from typing import Any

from projections.alex_lending import AlexLending, CrpBook, CrpLoan
from projections.alphax_markets import AlphaxMarkets, StrikeMarket
from projections.base import Table, Violation
from projections.books import Books
from projections.contracts import MathRejected
from projections.contracts.alphax import (
    PRICE_SCALE,
    anchor_prices,
    capital_efficiency,
    long_liquidation_point,
    risk_level,
    short_liquidation_point,
)
from projections.contracts.fx_results import PositionHealth
from projections.contracts.fx_ticks import (
    E96,
    PRECISION,
    price_inverse_1e18,
)
from projections.fx_pools import FxPools
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
CRP_COLUMNS = (
    "pool",
    "collateral_asset",
    "debt_asset",
    "expiry",
    "collateral_value",
    "debt",
    "ltv_e8",
    "conversion_ltv_e8",
    "spot_e8",
    "price_move_to_conversion_1e18",
    "price_move_to_line_1e18",
    "status",
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


def crp_spot_move_1e18(rise_1e18: int | None) -> int | None:
    """A rise m of token y's price as the fall of the spot it causes: m / (1 + m), x1e18.

    A spot that no rise can bring to the line (only token x collateral left: 1 + m = 0) is
    ranked as a whole price past it (-1e18).
    """
    if rise_1e18 is None:
        return None
    factor = PRECISION + rise_1e18
    return rise_1e18 * PRECISION // factor if factor > 0 else -PRECISION


def crp_status(loan: CrpLoan, block: int) -> str:
    if block >= loan.expiry:
        return "expired"
    return "converting" if loan.ltv_e8 >= loan.conversion_ltv_e8 else "open"


def crp_book_status(book: CrpBook, block: int) -> str:
    """The status of a CRP that shows no LTV (no debt, or no spot to value it at)."""
    if block >= book.expiry:
        return "expired"
    return "no debt" if book.yield_supply == 0 else "unpriced"


def fx_status(liquidatable: bool, rebalanceable: bool) -> str:
    if liquidatable:
        return "liquidatable"
    return "rebalanceable" if rebalanceable else "healthy"


FX_LIVE_STATUSES = ("healthy", "rebalanceable", "liquidatable")
"""The statuses of an f(x) position with debt (the others: liquidated, redeemed, rebalanced,
closed, no debt)."""


def fx_position_status(health: PositionHealth, root: int, ended: dict[int, str]) -> str:
    """A position's status from its health and the walk (if any) that ended its root node."""
    if health.debt_shares > 0:
        return fx_status(health.liquidatable, health.rebalanceable)
    if root in ended:
        return ended[root]
    return "closed" if health.coll_shares == 0 else "no debt"


#: An at-risk candidate: (move, kind, id, payload) - the first three are its sort key.
Candidate = tuple[int, str, str, Any]


POSITIONS_NEEDS = (FxPools, AlphaxMarkets, AlexLending, Prices)
"""The books the position-LTV read model reads."""


class Positions:
    """The position-LTV read model over the books (see the module docstring)."""

    name = "positions"

    def __init__(self, books: Books) -> None:
        self.books = books
        self.fx = books.get(FxPools)
        self.alphax = books.get(AlphaxMarkets)
        self.alex = books.get(AlexLending)
        self.prices = books.get(Prices)

    def fx_rows(self, live_only: bool = False) -> list[tuple[Any, ...]]:
        """Every position of every priced pool (`live_only`: those with debt), by id."""
        rows = []
        for pool_id, pool in sorted(self.fx.pools.items()):
            meta = self.fx.meta[pool_id]
            price = fx_price_1e18(self.prices, meta.price_asset, meta.side)
            if price is None:
                continue
            ended = self.fx.ended.get(pool_id, {})
            for position_id, _, root, _, debt_shares in sorted(pool.tree.positions_live_shares()):
                if live_only and debt_shares <= 0:
                    continue
                health = pool.position_health(position_id, price)
                rows.append(fx_row(pool_id, price, health, fx_position_status(health, root, ended)))
        return rows

    def strike_rows(self) -> list[tuple[Any, ...]]:
        rows = []
        for market_id, market in sorted(self.alphax.markets.items()):
            quote = self.prices.quote(market.definition.asset)
            if quote is not None:
                rows.append(strike_row(market_id, market, quote.rescaled(PRICE_SCALE)))
        return rows

    def crp_loan_rows(self) -> list[tuple[Any, ...]]:
        """Every ALEX CRP, by pool id: with debt and an oracle spot, its LTV at the latest
        prices; without, its status and no LTV."""
        block = self.books.position.block
        loans = {loan.pool_id: loan for loan in self.alex.crp_loans()}
        rows: list[tuple[Any, ...]] = []
        for pool_id, book in sorted(self.alex.state.crp.items()):
            loan = loans.get(pool_id)
            if loan is None:
                status = crp_book_status(book, block)
                rows.append(
                    (
                        pool_id,
                        book.collateral,
                        book.token,
                        book.expiry,
                        None,
                        book.yield_supply,
                        None,
                        book.conversion_ltv,
                        None,
                        None,
                        None,
                        status,
                    )
                )
                continue
            rows.append(
                (
                    loan.pool_id,
                    loan.collateral_asset,
                    loan.debt_asset,
                    loan.expiry,
                    loan.collateral_value,
                    loan.debt,
                    loan.ltv_e8,
                    loan.conversion_ltv_e8,
                    loan.spot_e8,
                    loan.price_move_to_conversion_1e18,
                    crp_spot_move_1e18(loan.price_move_to_conversion_1e18),
                    crp_status(loan, block),
                )
            )
        return rows

    def _fx_candidates(self) -> list[Candidate]:
        """Every f(x) position's move to its liquidation line, without building its full row.

        The same numbers `position_health` gives (live shares, raw amounts, line price), one
        price per pool; the full health is computed only for the positions that are shown.
        """
        found: list[Candidate] = []
        for pool_id, pool in self.fx.pools.items():
            meta = self.fx.meta[pool_id]
            price = fx_price_1e18(self.prices, meta.price_asset, meta.side)
            if not price:
                continue
            ratio = pool.parameters.liquidate_debt_ratio_1e18
            if ratio == 0:
                continue
            coll_index, debt_index = pool.coll_index, pool.debt_index
            scale = PRECISION * PRECISION
            for position_id, _, _, coll_shares, debt_shares in pool.tree.positions_live_shares():
                if debt_shares <= 0:
                    continue
                # raw_debt_from_shares and raw_coll_from_shares, rounded down, inline.
                raw_debt = debt_shares * debt_index // E96
                raw_coll = coll_shares * E96 // coll_index
                if raw_debt == 0 or raw_coll == 0:
                    continue
                move = (price - raw_debt * scale // (ratio * raw_coll)) * PRECISION // price
                found.append((move, "fx", f"{pool_id}#{position_id}", (pool, position_id, price)))
        return found

    def _candidates(self) -> list[Candidate]:
        found = self._fx_candidates()
        for row in self.strike_rows():
            if row[15] is not None:
                found.append((row[15], "alphax", row[0], row))
        for row in self.crp_loan_rows():
            if row[10] is not None:
                found.append((row[10], "crp", row[0], row))
        return found

    def at_risk(self, limit: int) -> Table:
        """The `limit` rows closest to their line (smallest price move first).

        Ranks every candidate by (move, kind, id) with a partial sort and builds the shown rows
        only, so the cost is one pass over the positions plus `limit` full health reads.
        """
        chosen = heapq.nsmallest(limit, self._candidates(), key=lambda item: item[:3])
        rows = []
        for move, kind, row_id, payload in chosen:
            if kind == "fx":
                pool, position_id, price = payload
                health = pool.position_health(position_id, price)
                status = fx_status(health.liquidatable, health.rebalanceable)
                rows.append((kind, row_id, health.owner, health.debt_ratio_1e18, move, status))
            elif kind == "alphax":
                rows.append((kind, row_id, "", None, move, payload[12]))
            else:
                rows.append((kind, row_id, "", payload[6] * 10**10, move, payload[11]))
        return Table("positions_at_risk", RISK_COLUMNS, rows, key_columns=("kind", "id"))

    def tables(self) -> list[Table]:
        return [
            Table("fx_positions", FX_COLUMNS, self.fx_rows(), key_columns=("pool", "position")),
            Table("strike_markets", STRIKE_COLUMNS, self.strike_rows(), key_columns=("market",)),
            Table("crp_loans", CRP_COLUMNS, self.crp_loan_rows(), key_columns=("pool",)),
        ]

    def violations(self) -> list[Violation]:
        """None of its own: the books it reads report theirs."""
        return []


def fx_row(pool_id: str, price: int, health: PositionHealth, status: str) -> tuple[Any, ...]:
    """One `fx_positions` row; a position without debt has no distance to a line."""
    live = health.debt_shares > 0
    return (
        pool_id,
        health.position_id,
        health.owner,
        health.raw_coll,
        health.raw_debt,
        price,
        health.debt_ratio_1e18,
        health.rebalance_distance_1e18 if live else None,
        health.liquidation_distance_1e18 if live else None,
        health.price_rebalance_line_1e18,
        health.price_liquidation_line_1e18,
        _move(price, health.price_liquidation_line_1e18),
        status,
    )


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
