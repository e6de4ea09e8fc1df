"""AlphaX kinds (alphax.json): strike-token prices, indicators, liquidation points, arbitrage.

These vectors are documentation examples in plain USD ("3000", "0.6"); they are read into the
model's integer scales exactly (no floats) and each output is written back as the plain decimal
the documents use, so "1500" and "0.6" compare exactly. Long and short are alike: a kind takes
`long_strike` or `short_strike`, and names its outputs for the side it was given. A documented
figure the formula does not give (`…_as_printed_…`) is checked to differ (see the harness).
"""

from __future__ import annotations

import re
from typing import Any

from projections.contracts.alphax import (
    PRICE_SCALE,
    RATIO_SCALE,
    RiskLevelBasis,
    capital_efficiency,
    long_anchor_price,
    long_liquidation_point,
    risk_level,
    short_anchor_price,
    short_liquidation_point,
)
from projections.contracts.alphax_settlement import pair_arbitrage
from tests.vectors.harness import Computed, Kind, Vector, kind


def scaled(text: str, scale: int) -> int:
    """A plain decimal string as an int at `scale`, refusing digits the scale would drop."""
    whole, _, fraction = str(text).partition(".")
    digits = len(str(scale)) - 1
    assert len(fraction) <= digits, f"{text!r} has more decimals than the scale holds"
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole or "0")) * scale + int(fraction.ljust(digits, "0") or "0"))


def plain(value: int, scale: int) -> str:
    """An int at `scale` as the shortest plain decimal ("1500", "0.6")."""
    sign = "-" if value < 0 else ""
    whole, fraction = divmod(abs(value), scale)
    digits = str(fraction).rjust(len(str(scale)) - 1, "0").rstrip("0")
    return f"{sign}{whole}.{digits}" if digits else f"{sign}{whole}"


def usd(text: str) -> int:
    return scaled(text, PRICE_SCALE)


def _side(inputs: dict[str, Any]) -> tuple[str, int]:
    if "long_strike" in inputs:
        return "long", usd(inputs["long_strike"])
    return "short", usd(inputs["short_strike"])


def _anchor(side: str, asset_price: int, strike: int) -> int:
    if side == "long":
        return long_anchor_price(asset_price, strike)
    return short_anchor_price(asset_price, strike)


STRIKES = {"long_strike", "short_strike"}


@kind("anchor price and capital efficiency", {"asset_price"}, any_of=STRIKES)
def anchor_price(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    side, strike = _side(inputs)
    asset_price = usd(inputs["asset_price"])
    price = _anchor(side, asset_price, strike)
    computed: Computed = {
        f"{side}_token_price": plain(price, PRICE_SCALE),
        f"{side}_token_price_by_formula": plain(price, PRICE_SCALE),
        f"{side}_token_price_as_printed_in_faq": plain(price, PRICE_SCALE),
    }
    if price:
        efficiency = capital_efficiency(asset_price, price)
        computed["capital_efficiency"] = plain(efficiency, RATIO_SCALE)
    if "liquidation_asset_price" in inputs:
        liquidation = usd(inputs["liquidation_asset_price"])
        for basis in RiskLevelBasis:
            level = risk_level(liquidation, asset_price, price, basis)
            computed[f"risk_level_{basis.value.removesuffix('_price')}_basis"] = plain(
                level, RATIO_SCALE
            )
    return computed


@kind("liquidation point", set(), any_of=STRIKES, absent={"asset_price"})
def liquidation_point(vector: Vector) -> Computed:
    side, strike = _side(vector["inputs"])
    point = long_liquidation_point(strike) if side == "long" else short_liquidation_point(strike)
    return {
        "liquidation_asset_price": plain(point.asset_price, PRICE_SCALE),
        "token_value_at_liquidation": plain(point.token_price, PRICE_SCALE),
        "capital_efficiency_at_liquidation": plain(point.capital_efficiency, RATIO_SCALE),
    }


def strike_of(symbol: str) -> int:
    """The strike in a token symbol: "AVAX-55" (long) or "120-AVAX" (short)."""
    match = re.fullmatch(r"[A-Z]+-(\d+(?:\.\d+)?)|(\d+(?:\.\d+)?)-[A-Z]+", symbol)
    assert match is not None, f"not a strike-token symbol: {symbol!r}"
    return usd(match.group(1) or match.group(2))


@kind("pair arbitrage", {"long", "short", "market_long", "market_short"})
def pair_peg_arbitrage(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    arbitrage = pair_arbitrage(
        usd(inputs["market_long"]),
        usd(inputs["market_short"]),
        strike_of(inputs["long"]),
        strike_of(inputs["short"]),
    )
    return {
        "redeem_value": plain(arbitrage.redeem_value, PRICE_SCALE),
        "cost": plain(arbitrage.cost, PRICE_SCALE),
        "profit": plain(arbitrage.profit, PRICE_SCALE),
    }


KINDS: list[Kind] = [anchor_price, liquidation_point, pair_peg_arbitrage]
