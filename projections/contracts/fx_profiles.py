"""f(x) parameter profiles: the contract's test-suite defaults and the research article's numbers.

The contract defaults (`FxPoolParameters`, protocol-math.md section 4.5) give every pool one
band: open up to 6/7 debt ratio, rebalance at 0.88 with a 2.5% bonus, liquidate at 0.92, a
0.3% supply fee. The f(x) research article (papers/004) describes another protocol:

* per-asset leverage limits, "up to 7x on ETH, 10x on BTC": an open's debt ratio is at most
  (L - 1) / L (6/7 for ETH, 0.9 for BTC);
* example 1 opens $100 at 10x with a $900 flash loan and 900 fxUSD minted (no fee), and after a
  5% fall (LTV 94.7%) burns (D - t V) / (1 - t) = $450 to return to the 90% it opened at: the
  rebalance line is the band's opening LTV (88% "for example" on ETH), the burn pays no bonus
  and the position is not liquidated at 94.7% (the liquidation line is the deployed 0.95);
* example 2 opens a 3x sPOSITION on $1,000 fxUSD by borrowing $3,000 of stETH.

`whitepaper_parameters` gives the `FxPoolParameters` overrides of the article's profile for a
pool on a given asset; explicit `parameters` of a `CreateFxPool` still win over them.
"""

from __future__ import annotations

from typing import Any

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fx_params import RebalanceFormula
from projections.contracts.fx_ticks import PRECISION

PROFILES = ("contract", "whitepaper")

LEVERAGE_BANDS = {"ETH": 7, "WETH": 7, "stETH": 7, "wstETH": 7, "BTC": 10, "WBTC": 10}
"""The article's leverage limit per collateral asset (xPOSITION)."""
REBALANCE_RATIO_ETH_1E18 = 880_000_000_000_000_000
"""The article's "88% for xPOSITION" rebalance threshold (the ETH band)."""
LIQUIDATE_RATIO_1E18 = 950_000_000_000_000_000
"""The deployed liquidation line (above the example's 94.7%)."""


def band_debt_ratio_max_1e18(leverage: int) -> int:
    """The highest opening debt ratio at `leverage`x: (L - 1) / L, x1e18.

    Rounded up, so that an open at exactly L (debt ratio (L - 1) / L in rationals) passes.
    """
    return -(-(leverage - 1) * PRECISION // leverage)


def whitepaper_parameters(price_asset: str, side: str) -> dict[str, Any]:
    """`FxPoolParameters` overrides of the article's profile for a pool on `price_asset`.

    Args:
        price_asset: The pool's oracle asset (a long pool's collateral).
        side: `long` or `short`.

    Returns:
        The overrides: no supply/open fee, the zero-bonus narrative rebalance, and for a long
        pool the asset's leverage band (refused with a hint for an asset the article has none
        for: give `parameters` explicitly).
    """
    common: dict[str, Any] = {
        "supply_ratio_1e9": 0,
        "open_ratio_1e9": 0,
        "rebalance_bonus_ratio_1e9": 0,
        "rebalance_formula": RebalanceFormula.NARRATIVE.value,
        "liquidate_debt_ratio_1e18": LIQUIDATE_RATIO_1E18,
    }
    if side != "long":
        return common
    leverage = LEVERAGE_BANDS.get(price_asset)
    if leverage is None:
        known = ", ".join(sorted(LEVERAGE_BANDS))
        raise MathRejected(
            RejectCode.INVALID_PARAMETER,
            f"the white paper gives no leverage band for {price_asset!r} (it has {known}); "
            "pass parameters.debt_ratio_max_1e18 and rebalance_debt_ratio_1e18",
        )
    ratio_max = band_debt_ratio_max_1e18(leverage)
    return {
        **common,
        "debt_ratio_max_1e18": ratio_max,
        "rebalance_debt_ratio_1e18": max(ratio_max, REBALANCE_RATIO_ETH_1E18),
    }


def profile_parameters(profile: str, price_asset: str, side: str) -> dict[str, Any]:
    """The overrides a named profile applies (`contract`: none), or INVALID_PARAMETER."""
    if profile == "contract":
        return {}
    if profile == "whitepaper":
        return whitepaper_parameters(price_asset, side)
    raise MathRejected(
        RejectCode.INVALID_PARAMETER, f"unknown profile {profile!r}; known: {', '.join(PROFILES)}"
    )


__all__ = [
    "LEVERAGE_BANDS",
    "PROFILES",
    "band_debt_ratio_max_1e18",
    "profile_parameters",
    "whitepaper_parameters",
]
