"""Reserve solvency as the white paper means it: a read model over the books, per reserve.

For each reserve pool (the ALEX reserve of a token; the f(x) reserve of a token) it answers:

- assets: what the reserve may spend (its balance less the stakers' principal it holds);
- exposure it backs: what it owes already (shortfalls reported, not yet covered) plus, for the
  ALEX reserve of a CRP's collateral, the debt at risk at the current price: the collateral
  the pool would need from the reserve if it settled now (the contract's shortfall step: the
  gap in token y times the 1.1 coverage, bought through the conversion desk with its price
  impact, beyond the collateral the pool holds), less what is already owed to it;
- coverage: assets over exposure, in bps (None when nothing is exposed);
- under a price path (blocks and prices of one asset, the others held at their oracle price):
  the first block at which exposure would exceed assets.

It is a function of the books (`reserve_solvency`, `alex_lending`, `balances`, `prices`), not
a copy of them, so it is the same at every block `state_at` can rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from events.alex_lending import pool_account
from events.reserve import reserve_key
from projections.alex_lending import AlexLending, CrpBook
from projections.alex_lending_crp import spot_e8
from projections.balances import Balances
from projections.contracts.crp_desk import desk_token_to_collateral
from projections.contracts.crp_redemption import SHORTFALL_COVERAGE_DEFAULT
from projections.contracts.fixed_point import mul_down
from projections.prices import Prices
from projections.reserve import ReserveSolvency

PriceBook = dict[str, tuple[int, int]]
"""asset -> (price, scale) in one quote unit."""


class SolvencyRow(msgspec.Struct, frozen=True):
    """One reserve pool's solvency (amounts in the reserve token's base units)."""

    reserve: str
    token: str
    assets: int
    owed: int
    crp_at_risk: int
    exposure: int
    coverage_bps: int | None


def price_book(prices: Prices) -> PriceBook:
    return {asset: (quote.price, quote.scale) for asset, quote in prices.latest.items()}


def crp_cover_needed(book: CrpBook, spot: int, desk_depth: int, pending: int = 0) -> int:
    """Collateral the reserve would pay in if the pool settled at `spot` (the redemption's
    shortfall step, through the desk's impact curve)."""
    gap_y = max(book.yield_supply - book.balance_y, 0)
    if gap_y == 0:
        return 0
    amount_y = mul_down(gap_y, SHORTFALL_COVERAGE_DEFAULT)
    sold = desk_token_to_collateral(amount_y, spot, desk_depth)
    return max(sold - book.balance_x - pending, 0)


def _crp_at_risk(
    lending: AlexLending,
    balances: Balances,
    reserve: ReserveSolvency,
    token: str,
    quotes: PriceBook,
) -> int:
    at_risk = 0
    owed = reserve.books.get(reserve_key(token))
    for pool_id, book in sorted(lending.state.crp.items()):
        price_x, price_y = quotes.get(book.collateral), quotes.get(book.token)
        if book.collateral != token or price_x is None or price_y is None:
            continue
        decimals = balances.decimals
        spot = spot_e8(
            price_x, price_y, decimals.get(book.collateral, 8), decimals.get(book.token, 8)
        )
        if not spot:
            continue
        account = pool_account(pool_id)
        pending = max(balances.balance(account, book.collateral) - book.balance_x, 0)
        needed = crp_cover_needed(book, spot, balances.balance(book.router, book.token), pending)
        at_risk += max(needed - (owed.owed.get(account, 0) if owed else 0), 0)
    return at_risk


def solvency_rows(
    reserve: ReserveSolvency,
    lending: AlexLending,
    balances: Balances,
    quotes: PriceBook,
) -> list[SolvencyRow]:
    """Every reserve pool's solvency at the given prices."""
    rows = []
    for key, book in sorted(reserve.books.items()):
        name, _, token = key.rpartition(":")
        at_risk = 0 if name else _crp_at_risk(lending, balances, reserve, token, quotes)
        assets, owed = max(book.free_balance, 0), max(book.outstanding, 0)
        exposure = owed + at_risk
        coverage = assets * 10_000 // exposure if exposure else None
        rows.append(SolvencyRow(name or "alex", token, assets, owed, at_risk, exposure, coverage))
    return rows


def first_failing_blocks(
    reserve: ReserveSolvency,
    lending: AlexLending,
    balances: Balances,
    quotes: PriceBook,
    path: tuple[str, Sequence[tuple[int, int, int]]],
) -> dict[str, int | None]:
    """Per reserve (`alex:<token>`, `fx:<token>`): the first block of `path` (asset, then
    (block, price, scale) points) at which exposure exceeds assets; None if it never does."""
    asset, points = path
    failing: dict[str, int | None] = {}
    for block, price, scale in points:
        moved = {**quotes, asset: (price, scale)}
        for row in solvency_rows(reserve, lending, balances, moved):
            key = f"{row.reserve}:{row.token}"
            failing.setdefault(key, None)
            if failing[key] is None and row.exposure > row.assets:
                failing[key] = block
    return failing
