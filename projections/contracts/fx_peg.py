"""fxUSD's market price and its peg: what the depeg funding branch reads (section 4.7).

The contract reads fxUSD's price from its oracle and calls it depegged below a max deviation;
here the price is the one fxUSD trades at in a constant-product fxUSD/USDC pair (the project's
Uniswap V2 pool), times USDC's USD price. Prices are USD x1e18.
"""

from __future__ import annotations

from projections.contracts.fx_ticks import PRECISION

DEPEG_PRICE_1E18 = 995 * 10**15
"""Below $0.995 fxUSD is depegged (the stability pool's deployed depeg price, section 4.8)."""


def fxusd_price_1e18(
    fxusd_reserve: int,
    usdc_reserve: int,
    usdc_usd_1e18: int = PRECISION,
    fxusd_decimals: int = 18,
    usdc_decimals: int = 6,
) -> int | None:
    """fxUSD's USD price in a constant-product fxUSD/USDC pair (None for an empty pair).

    Args:
        fxusd_reserve: fxUSD in the pair (base units).
        usdc_reserve: USDC in the pair (base units).
        usdc_usd_1e18: USDC's USD price x1e18.
        fxusd_decimals: fxUSD's decimals.
        usdc_decimals: USDC's decimals.

    Returns:
        (USDC per fxUSD) x (USD per USDC), x1e18, rounded down.
    """
    if fxusd_reserve <= 0:
        return None
    fxusd_unit: int = 10**fxusd_decimals
    usdc_unit: int = 10**usdc_decimals
    usdc_per_fxusd = usdc_reserve * fxusd_unit * PRECISION // (fxusd_reserve * usdc_unit)
    return usdc_per_fxusd * usdc_usd_1e18 // PRECISION


def is_depegged(price_1e18: int, depeg_price_1e18: int = DEPEG_PRICE_1E18) -> bool:
    """Whether fxUSD trades below its depeg price (the funding's depeg branch)."""
    return price_1e18 < depeg_price_1e18


__all__ = ["DEPEG_PRICE_1E18", "fxusd_price_1e18", "is_depegged"]
