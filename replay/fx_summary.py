"""What a replay did to fxUSD's peg: its price, the depeg funding accrued, the harvests.

fxUSD's price is the one each funding accrual judged the depeg branch on (recorded in its
`FxFundingAccrued`), so the series is the books' own; the price at the end is read from the
fxUSD/USDC pair. "Restored" is the first accrual at or above the depeg price after the first
one below it. Prices are USD x1e18, funding is in raw collateral units (x1e18) and what the
harvests paid out in base units of the collateral (`harvested_asset`), as in the books;
`peg_lines` shows them in display units.
"""

from __future__ import annotations

from typing import Any

from events.fx import FxFundingAccrued, FxHarvested, FxLeveragedOpened
from ledger.store import EventStore, ReadFilter
from projections.contracts.fx_peg import DEPEG_PRICE_1E18
from projections.contracts.fx_ticks import PRECISION
from projections.fx_pools import fxusd_market_price_1e18
from projections.pools import PoolBook
from replay.units import amount_text, scaled_text


def fxusd_peg(
    store: EventStore, books: dict[str, PoolBook], decimals: dict[str, int]
) -> dict[str, Any]:
    """fxUSD's price path and end, the funding accrued by branch, harvests and flash opens."""
    prices: list[tuple[int, int]] = []
    funding_by_branch: dict[str, int] = {}
    for record in store.read(ReadFilter(type="FxFundingAccrued")):
        event = record.event
        if isinstance(event, FxFundingAccrued):
            if event.fxusd_price_1e18:
                prices.append((record.block, event.fxusd_price_1e18))
            if event.funding_raw:
                funding_by_branch[event.branch] = (
                    funding_by_branch.get(event.branch, 0) + event.funding_raw
                )
    harvested = [r.event for r in store.read(ReadFilter(type="FxHarvested"))]
    opens = [r.event for r in store.read(ReadFilter(type="FxLeveragedOpened"))]
    ends = {
        name: fxusd_market_price_1e18(books, name, PRECISION, decimals) for name in sorted(books)
    }
    if not prices and not harvested and not opens:
        return {}
    depegged_at = next((block for block, price in prices if price < DEPEG_PRICE_1E18), None)
    restored_at = next(
        (
            block
            for block, price in prices
            if depegged_at is not None and block > depegged_at and price >= DEPEG_PRICE_1E18
        ),
        None,
    )
    return {
        "fxusd_price_min_1e18": min((price for _, price in prices), default=None),
        "fxusd_price_end_1e18": {name: price for name, price in ends.items() if price is not None},
        "depegged_at_block": depegged_at,
        "peg_restored_at_block": restored_at,
        "funding_accrued_raw": funding_by_branch,
        "harvests": len(harvested),
        "funding_harvested_token": sum(
            e.funding_token for e in harvested if isinstance(e, FxHarvested)
        ),
        "harvested_asset": ", ".join(
            sorted({e.collateral_asset for e in harvested if isinstance(e, FxHarvested)})
        ),
        "leveraged_opens": sum(1 for e in opens if isinstance(e, FxLeveragedOpened)),
    }


def peg_lines(peg: dict[str, Any], decimals: dict[str, int]) -> list[str]:
    """`fxusd_peg` as a person reads it: prices in USD, funding and harvests with their units."""

    def usd(price: int | None) -> str:
        return "none" if price is None else f"{scaled_text(price, PRECISION, 4)} USD"

    ends = ", ".join(f"{name} {usd(price)}" for name, price in peg["fxusd_price_end_1e18"].items())
    funding = ", ".join(
        f"{branch} {scaled_text(raw, PRECISION, 6)}"
        for branch, raw in peg["funding_accrued_raw"].items()
    )
    harvested = peg["harvested_asset"]
    paid = amount_text(peg["funding_harvested_token"], harvested, decimals, 6)
    return [
        f"  lowest fxUSD price: {usd(peg['fxusd_price_min_1e18'])}",
        f"  fxUSD price at the end: {ends or 'no pair'}",
        f"  depegged at block: {peg['depegged_at_block']}",
        f"  peg restored at block: {peg['peg_restored_at_block']}",
        f"  funding accrued, by branch (raw collateral units): {funding or 'none'}",
        f"  harvests: {peg['harvests']}, paying out {paid if harvested else 'nothing'}",
        f"  leveraged opens: {peg['leveraged_opens']}",
    ]
