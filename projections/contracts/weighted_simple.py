"""The t = 1 constant-product curve of `simple-equation`, and routing through it.

Restated from protocol-math.md section 2.4 (`alexgo-io/alex-v1:clarity/contracts/equations/
simple-equation.clar`): the collateral rebalancing pool routes its collateral/token trades
through these fee-free legs, each bounded by the max in/out ratios (5% by default).
"""

from __future__ import annotations

from collections.abc import Sequence

from projections.contracts.fixed_point import div_down, mul_down
from projections.contracts.weighted_pool import SIMPLE_LIMITS_DEFAULT, RatioLimits, require_below


def constant_product_y_given_x(
    balance_x: int, balance_y: int, dx: int, limits: RatioLimits = SIMPLE_LIMITS_DEFAULT
) -> int:
    """Out-given-in of the t = 1 curve (`simple-equation`), no fee; the CRP routes here.

    Args:
        balance_x: Balance of the token going in.
        balance_y: Balance of the token coming out.
        dx: Amount in.
        limits: Max in/out ratios (5% by default).

    Returns:
        div_down(mul_down(B_y, dx), B_x + dx).
    """
    require_below(dx, balance_x, limits.max_in_ratio)
    dy = div_down(mul_down(balance_y, dx), balance_x + dx)
    require_below(dy, balance_y, limits.max_out_ratio)
    return dy


def constant_product_route(
    amount_in: int,
    legs: Sequence[tuple[int, int]],
    limits: RatioLimits = SIMPLE_LIMITS_DEFAULT,
) -> list[int]:
    """Route an amount through constant-product pools, leg by leg (fee-free, as on chain).

    Args:
        amount_in: Amount into the first leg.
        legs: (balance in, balance out) of each pool, in routing order.
        limits: Max in/out ratios applied on every leg.

    Returns:
        The amount out of each leg; the last is what the route delivers.
    """
    amounts: list[int] = []
    amount = amount_in
    for balance_in, balance_out in legs:
        amount = constant_product_y_given_x(balance_in, balance_out, amount, limits)
        amounts.append(amount)
    return amounts


__all__ = ["constant_product_route", "constant_product_y_given_x"]
