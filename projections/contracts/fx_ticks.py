"""f(x) protocol v2 tick math, share/raw index conversions and token scaling (ints only).

Restated from protocol-math.md sections 4.1 and 4.2: `TickMath.getRatioAtTick` (the R(t) table
of F_k constants, ratios x2^96), `TickLogic._getTick` (the tick of a (collateral, debt) share
pair), `PositionLogic` conversions between shares and raw amounts at the x2^96 indices,
`TickLogic._liquidateTick` node ratios x2^60 and `PoolManager._scaleUp/_scaleDown` (token units
to raw 18-decimal units through `scalar * rate`).

Every rounding is the one the contract names at each use, so callers pass `round_up`
explicitly instead of relying on a default.
"""

from __future__ import annotations

import math
from functools import cache

E96 = 2**96
"""Index scale: collIndex and debtIndex start at 2^96; tick ratios are x2^96."""
E60 = 2**60
"""Tree node ratio scale: a fresh node carries ratios of exactly 2^60 (= 1)."""
PRECISION = 10**18
"""Price, debt ratio and token rate scale (x1e18)."""
FEE_PRECISION = 10**9
"""Fee, bonus and per-tick redeem ratio scale (x1e9)."""
MIN_COLLATERAL = 10**9
"""Smallest non-zero raw collateral change `operate` accepts (`MIN_COLLATERAL`)."""
MIN_DEBT = 10**9
"""Smallest non-zero raw debt change, and the dust line for ticks (`MIN_DEBT`)."""
TICK_MIN = -32767
TICK_MAX = 32767
SECONDS_PER_YEAR = 365 * 24 * 3600

TICK_FACTORS = (
    339772707859149738855091969477551883631,
    339263812140938331358054887146831636176,
    338248306163758188337119769319392490073,
    336226404141693512316971918999264834163,
    332218786018727629051611634067491389875,
    324346285652234375371948336458280706178,
    309156521885964218294057947947195947664,
    280877777739312896540849703637713172762,
    231843708922198649176471782639349113087,
    157961477267171621126394973980180876449,
    73326833024599564193373530205717235131,
    15801066890623697521348224657638773661,
    733725103481409245883800626999235102,
    1582075887005588088019997442108535,
    7355550435635883087458926352,
)
"""F_k = 2^128 / 1.0015^(2^k) for k = 0..14, from the `TickMath` comments (section 4.2)."""

_UINT256_MAX = 2**256 - 1
_TWO_128 = 2**128


@cache
def ratio_at_tick(tick: int) -> int:
    """Return R(t) ~ 1.0015^t * 2^96, bit for bit as `TickMath.getRatioAtTick`.

    Args:
        tick: An integer in [TICK_MIN, TICK_MAX].

    Returns:
        The tick's debt/collateral share ratio x2^96; rounded up for t >= 0 so that the tick of
        the returned ratio is always the tick itself.
    """
    magnitude = abs(tick)
    if magnitude > TICK_MAX:
        raise ValueError(f"tick {tick} outside [{TICK_MIN}, {TICK_MAX}]")
    value = _TWO_128
    for bit, factor in enumerate(TICK_FACTORS):
        if magnitude & (1 << bit):
            value = factor if bit == 0 else (value * factor) >> 128
    if tick < 0:
        return value >> 32
    value = _UINT256_MAX // value
    return (value >> 32) + (1 if value % 2**32 else 0)


def tick_at_ratio(ratio_x96: int) -> int:
    """Return the smallest tick t with R(t) >= `ratio_x96`, clamped to [TICK_MIN, TICK_MAX].

    The contract approximates this with `getTickAtRatio` plus a one-step correction; section 4.2
    defines the tick as the smallest t, so this finds it on R itself (R is strictly increasing):
    from the tick the logarithm gives, it steps along R to the exact one.

    Args:
        ratio_x96: debt shares * 2^96 // collateral shares.

    Returns:
        The tick; TICK_MAX for ratios above R(TICK_MAX), TICK_MIN for ratios at or below
        R(TICK_MIN) (the contract reverts outside that range; no valid position gets there).
    """
    if ratio_at_tick(TICK_MAX) < ratio_x96:
        return TICK_MAX
    if ratio_x96 <= 0:
        return TICK_MIN
    # R(t) ~ 1.0015^t * 2^96, so the logarithm lands on the tick or next to it; the steps make
    # it exact whatever the float's error (the smallest t with R(t) >= ratio).
    estimate = math.log(ratio_x96 / _E96_FLOAT) / _LOG_BASE
    tick = min(TICK_MAX, max(TICK_MIN, math.ceil(estimate)))
    while tick > TICK_MIN and ratio_at_tick(tick - 1) >= ratio_x96:
        tick -= 1
    while ratio_at_tick(tick) < ratio_x96:
        tick += 1
    return tick


_E96_FLOAT = float(2**96)
_LOG_BASE = math.log(1.0015)


def tick_of_shares(coll_shares: int, debt_shares: int) -> int:
    """Return the tick a (collateral shares, debt shares) pair sits in (`TickLogic._getTick`).

    Args:
        coll_shares: Collateral shares; 0 with debt is treated as the top tick (the contract
            would divide by zero; no sane parameter set reaches it).
        debt_shares: Debt shares, > 0 (a position without debt is in no tick).

    Returns:
        The tick in [TICK_MIN, TICK_MAX].
    """
    if coll_shares == 0:
        return TICK_MAX
    return tick_at_ratio(debt_shares * E96 // coll_shares)


def _div(numerator: int, denominator: int, round_up: bool) -> int:
    if round_up:
        return -(-numerator // denominator)
    return numerator // denominator


def coll_shares_from_raw(raw: int, coll_index: int, round_up: bool) -> int:
    """Collateral shares for `raw` collateral: raw * collIndex / 2^96 (section 4.1)."""
    return _div(raw * coll_index, E96, round_up)


def raw_coll_from_shares(shares: int, coll_index: int, round_up: bool) -> int:
    """Raw collateral for `shares`: shares * 2^96 / collIndex (section 4.1)."""
    return _div(shares * E96, coll_index, round_up)


def debt_shares_from_raw(raw: int, debt_index: int, round_up: bool) -> int:
    """Debt shares for `raw` debt: raw * 2^96 / debtIndex (section 4.1)."""
    return _div(raw * E96, debt_index, round_up)


def raw_debt_from_shares(shares: int, debt_index: int, round_up: bool) -> int:
    """Raw debt (fxUSD) for `shares`: shares * debtIndex / 2^96 (section 4.1)."""
    return _div(shares * debt_index, E96, round_up)


def node_ratio_after(total_shares: int, removed_shares: int) -> int:
    """Return the x2^60 ratio a frozen node keeps: floor((total - removed) * 2^60 / total).

    Args:
        total_shares: The node's shares before the tick was redeemed/rebalanced/liquidated.
        removed_shares: Shares taken from it.

    Returns:
        The ratio x2^60 (2^60 when nothing was removed; 0 when everything was).
    """
    if total_shares == 0:
        return E60
    return (total_shares - removed_shares) * E60 // total_shares


def ratio_product(ratio_x60: int, node_ratio_x60: int) -> int:
    """One step of the lazy pro-rata product: (r * rho) >> 60 (`TickLogic._getRootNode`)."""
    return (ratio_x60 * node_ratio_x60) >> 60


def shares_after_ratio(shares: int, ratio_x60: int) -> int:
    """A position's live shares: (stored * accumulated ratio) >> 60."""
    return (shares * ratio_x60) >> 60


def scaling_factor(decimals: int, rate_1e18: int) -> int:
    """Token scaling factor `10^(18 - decimals) * rate` (`PoolManager._getTokenScalingFactor`).

    Args:
        decimals: The collateral token's decimals (<= 18).
        rate_1e18: The rate provider's rate x1e18 (1e18 when the token has no provider).

    Returns:
        The factor; raw = token * factor / 1e18.
    """
    scalar: int = 10 ** (18 - decimals)
    return scalar * rate_1e18


def scale_up(value_token: int, factor: int) -> int:
    """Token units to raw units, rounding down (`_scaleUp`)."""
    return value_token * factor // PRECISION


def scale_down(value_raw: int, factor: int) -> int:
    """Raw units to token units, rounding down (`_scaleDown`)."""
    return value_raw * PRECISION // factor


def scale_down_rounding_up(value_raw: int, factor: int) -> int:
    """Raw units to token units, rounding up (`_scaleDownRoundingUp`)."""
    return -(-value_raw * PRECISION // factor)


def scale_down_signed(value_raw: int, factor: int) -> int:
    """Signed raw to token units, truncating toward zero like Solidity's int256 division."""
    magnitude = abs(value_raw) * PRECISION // factor
    return -magnitude if value_raw < 0 else magnitude


def scale_up_signed(value_token: int, factor: int) -> int:
    """Signed token to raw units, truncating toward zero like Solidity's int256 division."""
    magnitude = abs(value_token) * factor // PRECISION
    return -magnitude if value_token < 0 else magnitude


def debt_ratio_at_least(raw_debt: int, raw_coll: int, price_1e18: int, ratio_1e18: int) -> bool:
    """Whether D / (P * C) >= ratio, cross-multiplied as the contracts do: D*1e36 >= r*C*P."""
    return raw_debt * PRECISION * PRECISION >= ratio_1e18 * raw_coll * price_1e18


def debt_ratio_1e18(raw_debt: int, raw_coll: int, price_1e18: int) -> int | None:
    """Return the debt ratio (LTV) x1e18, floor(D * 1e36 / (P * C)); None when C * P is 0."""
    value = raw_coll * price_1e18
    if value == 0:
        return 0 if raw_debt == 0 else None
    return raw_debt * PRECISION * PRECISION // value


def price_inverse_1e18(price_1e18: int, round_up: bool) -> int:
    """Return 1e36 / price: the short pool prices its fxUSD collateral in the debt token.

    Args:
        price_1e18: USD per collateral token x1e18 (the long pool's price).
        round_up: Round the quotient up (use for the short pool's max/redeem price) or down.

    Returns:
        Debt token per USD x1e18.
    """
    return _div(PRECISION * PRECISION, price_1e18, round_up)


__all__ = [
    "E60",
    "E96",
    "FEE_PRECISION",
    "MIN_COLLATERAL",
    "MIN_DEBT",
    "PRECISION",
    "SECONDS_PER_YEAR",
    "TICK_FACTORS",
    "TICK_MAX",
    "TICK_MIN",
    "coll_shares_from_raw",
    "debt_ratio_1e18",
    "debt_ratio_at_least",
    "debt_shares_from_raw",
    "node_ratio_after",
    "price_inverse_1e18",
    "ratio_at_tick",
    "ratio_product",
    "raw_coll_from_shares",
    "raw_debt_from_shares",
    "scale_down",
    "scale_down_rounding_up",
    "scale_down_signed",
    "scale_up",
    "scale_up_signed",
    "scaling_factor",
    "shares_after_ratio",
    "tick_at_ratio",
    "tick_of_shares",
]
