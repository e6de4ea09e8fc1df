"""AlphaX vector checkers (alphax.json), via `alphax` math.

These vectors are documentation examples in plain USD ("3000", "0.6"); they are read into
the module's integer scales exactly (no floats). Where a vector records a documentation typo,
the checker asserts what the formula gives and that it differs from the printed figure.
"""

from __future__ import annotations

import re

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
from tests.vectors.harness import Checker, Vector


def _scaled(text: str, scale: int) -> int:
    """A plain decimal string as an int at `scale`, refusing digits the scale would drop."""
    whole, _, fraction = text.partition(".")
    digits = len(str(scale)) - 1
    assert len(fraction) <= digits, f"{text!r} has more decimals than the scale holds"
    return int(whole) * scale + int(fraction.ljust(digits, "0") or "0")


def _usd(text: str) -> int:
    return _scaled(text, PRICE_SCALE)


def _strike(symbol: str) -> int:
    """The strike in a token symbol: "AVAX-55" (long) or "120-AVAX" (short)."""
    match = re.fullmatch(r"[A-Z]+-(\d+)|(\d+)-[A-Z]+", symbol)
    assert match is not None, symbol
    return _usd(match.group(1) or match.group(2))


def check_long_price(vector: Vector) -> None:
    inputs = vector["inputs"]
    price = long_anchor_price(_usd(inputs["asset_price"]), _usd(inputs["long_strike"]))
    assert price == _usd(vector["expected"]["long_token_price"])


def check_short_price(vector: Vector) -> None:
    inputs = vector["inputs"]
    price = short_anchor_price(_usd(inputs["asset_price"]), _usd(inputs["short_strike"]))
    assert price == _usd(vector["expected"]["short_token_price"])


def check_long_price_faq_typo(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    price = long_anchor_price(_usd(inputs["asset_price"]), _usd(inputs["long_strike"]))
    assert price == _usd(expected["long_token_price_by_formula"])
    assert price != _usd(expected["long_token_price_as_printed_in_faq"])


def check_long_liquidation(vector: Vector) -> None:
    expected = vector["expected"]
    point = long_liquidation_point(_usd(vector["inputs"]["long_strike"]))
    assert point.asset_price == _usd(expected["liquidation_asset_price"])
    assert point.token_price == _usd(expected["token_value_at_liquidation"])


def check_short_liquidation(vector: Vector) -> None:
    expected = vector["expected"]
    point = short_liquidation_point(_usd(vector["inputs"]["short_strike"]))
    assert point.asset_price == _usd(expected["liquidation_asset_price"])
    assert point.token_price == _usd(expected["token_value_at_liquidation"])
    assert point.capital_efficiency == _scaled(
        expected["capital_efficiency_at_liquidation"], RATIO_SCALE
    )


def check_pair_peg_arbitrage(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    arbitrage = pair_arbitrage(
        _usd(inputs["market_long"]),
        _usd(inputs["market_short"]),
        _strike(inputs["long"]),
        _strike(inputs["short"]),
    )
    assert arbitrage.redeem_value == _usd(expected["redeem_value"])
    assert arbitrage.cost == _usd(expected["cost"])
    assert arbitrage.profit == _usd(expected["profit"])
    # The launch thread claims "net $20 profit"; the notes flag it as a documentation error.
    assert "$20" in vector["notes"]
    assert arbitrage.profit != _usd("20")


def check_capital_efficiency(vector: Vector) -> None:
    inputs = vector["inputs"]
    asset_price = _usd(inputs["asset_price"])
    token_price = long_anchor_price(asset_price, _usd(inputs["long_strike"]))
    efficiency = capital_efficiency(asset_price, token_price)
    assert efficiency == _scaled(vector["expected"]["capital_efficiency"], RATIO_SCALE)


def check_risk_level(vector: Vector) -> None:
    inputs = vector["inputs"]
    asset_price = _usd(inputs["asset_price"])
    token_price = long_anchor_price(asset_price, _usd(inputs["long_strike"]))
    liquidation_price = _usd(inputs["liquidation_asset_price"])
    level = risk_level(liquidation_price, asset_price, token_price, RiskLevelBasis.ASSET_PRICE)
    assert level == _scaled(vector["expected"]["risk_level_asset_basis"], RATIO_SCALE)
    # The other reading (over the anchor price) is a different number; both stay selectable.
    level_anchor = risk_level(
        liquidation_price, asset_price, token_price, RiskLevelBasis.ANCHOR_PRICE
    )
    assert level_anchor == _scaled("1.2", RATIO_SCALE)


CHECKERS: dict[str, Checker] = {
    "alphax-long-price": check_long_price,
    "alphax-short-price": check_short_price,
    "alphax-long-price-faq-typo": check_long_price_faq_typo,
    "alphax-long-liq-price": check_long_liquidation,
    "alphax-short-liq-price": check_short_liquidation,
    "alphax-pair-peg-arb": check_pair_peg_arbitrage,
    "alphax-capital-efficiency": check_capital_efficiency,
    "alphax-risk-level": check_risk_level,
}
