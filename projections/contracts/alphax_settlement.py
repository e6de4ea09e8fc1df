"""AlphaX strike-token settlement: the USDC a pair mint, pair redeem or graveyard moves.

Restated from protocol-math.md section 3, items 2 and 3 (a pair is fully collateralised by
K_S - K_L, so minting and redeeming n pairs moves n * (K_S - K_L) USDC) and item 6 (a dead
token's value splits 30/70 between its liquidator and its holders). Scales and rounding are
those of `projections.contracts.alphax`: a user pays rounded up and receives rounded down.
"""

from __future__ import annotations

from dataclasses import dataclass

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.alphax import BPS_SCALE, require_strikes

TOKEN_DECIMALS_DEFAULT = 18
LIQUIDATOR_DISCOUNT_BPS_DEFAULT = 3_000


@dataclass(frozen=True, slots=True)
class PairArbitrage:
    redeem_value: int
    cost: int
    profit: int
    """redeem_value - cost; negative means minting and selling is the profitable side."""


@dataclass(frozen=True, slots=True)
class GraveyardSettlement:
    token_value_usdc: int
    liquidator_payment_usdc: int
    """USDC the liquidator pays for the dead tokens' collateral (70% of V, rounded up)."""
    liquidator_discount_usdc: int
    """token_value_usdc - liquidator_payment_usdc (never below 0): the liquidator's 30%."""
    holder_claim_usdc: int
    """USDC the dead-token holders can claim (70% of V, rounded down)."""


def _pair_collateral_numerator(
    pair_amount: int, long_strike: int, short_strike: int, token_decimals: int
) -> tuple[int, int]:
    require_strikes(long_strike, short_strike)
    if pair_amount <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "pair amount must be positive")
    return pair_amount * (short_strike - long_strike), 10**token_decimals


def mint_collateral_usdc(
    pair_amount: int,
    long_strike: int,
    short_strike: int,
    token_decimals: int = TOKEN_DECIMALS_DEFAULT,
) -> int:
    """USDC a user pays to mint `pair_amount` LONG plus as many SHORT tokens.

    Args:
        pair_amount: Tokens of each side to mint, base units (> 0).
        long_strike: K_L (PRICE_SCALE).
        short_strike: K_S (PRICE_SCALE), > K_L.
        token_decimals: Decimals of the strike tokens.

    Returns:
        ceil(n * (K_S - K_L)) in USDC base units (rounded up: the user pays).
    """
    numerator, denominator = _pair_collateral_numerator(
        pair_amount, long_strike, short_strike, token_decimals
    )
    return -(-numerator // denominator)


def redeem_collateral_usdc(
    pair_amount: int,
    long_strike: int,
    short_strike: int,
    token_decimals: int = TOKEN_DECIMALS_DEFAULT,
) -> int:
    """USDC returned for burning `pair_amount` LONG plus as many SHORT tokens.

    Args:
        pair_amount: Tokens of each side to burn, base units (> 0).
        long_strike: K_L (PRICE_SCALE).
        short_strike: K_S (PRICE_SCALE), > K_L.
        token_decimals: Decimals of the strike tokens.

    Returns:
        floor(n * (K_S - K_L)) in USDC base units (rounded down: the user receives).
    """
    numerator, denominator = _pair_collateral_numerator(
        pair_amount, long_strike, short_strike, token_decimals
    )
    return numerator // denominator


def pair_arbitrage(
    long_market_price: int, short_market_price: int, long_strike: int, short_strike: int
) -> PairArbitrage:
    """What buying one LONG and one SHORT at market and redeeming the pair earns.

    Args:
        long_market_price: Market price of one LONG token (PRICE_SCALE).
        short_market_price: Market price of one SHORT token (PRICE_SCALE).
        long_strike: K_L (PRICE_SCALE).
        short_strike: K_S (PRICE_SCALE), > K_L.

    Returns:
        Redeem value K_S - K_L, the cost of both tokens and the signed profit per pair.
    """
    require_strikes(long_strike, short_strike)
    redeem_value = short_strike - long_strike
    cost = long_market_price + short_market_price
    return PairArbitrage(redeem_value=redeem_value, cost=cost, profit=redeem_value - cost)


def graveyard_settlement(
    dead_token_amount: int,
    token_price: int,
    token_decimals: int = TOKEN_DECIMALS_DEFAULT,
    liquidator_discount_bps: int = LIQUIDATOR_DISCOUNT_BPS_DEFAULT,
) -> GraveyardSettlement:
    """Split a dead token's value V between its liquidator (30%) and its holders (70%).

    The liquidator supplies one opposite token per dead token, so the pair's collateral is
    released; it pays 70% of V in USDC for the dead side (rounded up) and so gains 30% of V.
    The holders later claim 70% of V (rounded down); the rounding dust stays in the protocol.
    How V is fixed (oracle price at trigger or at liquidation) is undocumented: pass it in.

    Args:
        dead_token_amount: Dead tokens liquidated, base units.
        token_price: V, the value of one dead token (PRICE_SCALE = USDC base units).
        token_decimals: Decimals of the strike token.
        liquidator_discount_bps: The liquidator's discount (3000 = 30%).

    Returns:
        The tokens' value, the liquidator's payment and discount, and the holders' claim (USDC).
    """
    if not 0 <= liquidator_discount_bps <= BPS_SCALE:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "discount must be within 0..10000 bps")
    if dead_token_amount < 0 or token_price < 0:
        raise MathRejected(RejectCode.NEGATIVE_AMOUNT, "amount and value are non-negative")
    value_numerator = dead_token_amount * token_price
    token_unit = 10**token_decimals
    holder_numerator = value_numerator * (BPS_SCALE - liquidator_discount_bps)
    token_value_usdc = value_numerator // token_unit
    payment_usdc = -(-holder_numerator // (token_unit * BPS_SCALE))
    return GraveyardSettlement(
        token_value_usdc=token_value_usdc,
        liquidator_payment_usdc=payment_usdc,
        liquidator_discount_usdc=max(token_value_usdc - payment_usdc, 0),
        holder_claim_usdc=holder_numerator // (token_unit * BPS_SCALE),
    )


__all__ = [
    "GraveyardSettlement",
    "PairArbitrage",
    "graveyard_settlement",
    "mint_collateral_usdc",
    "pair_arbitrage",
    "redeem_collateral_usdc",
]
