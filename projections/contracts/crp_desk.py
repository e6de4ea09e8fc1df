"""The conversion desk's price impact: a CRP never converts at the oracle price for free.

Where the contract calls its swap router, the ledger converts through a desk account that
quotes as a constant-product pool centred on the oracle spot, as deep as the token y the desk
holds (`depth_y`), with `depth_y / spot` of collateral on the other side. Selling collateral
worth `v` of token y at the oracle pays `v * depth_y / (depth_y + v)`: the impact is
`v / (depth_y + v)`, 1% for a sale of about 1% of the desk's depth, and the desk can never pay
out more than it holds. The reverse quote (token y in, collateral out) is the same curve.
"""

from __future__ import annotations

from projections.contracts.fixed_point import div_down, mul_down


def desk_collateral_to_token(collateral_in: int, spot: int, depth_y: int) -> int:
    """Token y out for `collateral_in` of x (spot: y per x, x 1e8), rounded down."""
    value = mul_down(collateral_in, spot)
    if depth_y <= 0 or value <= 0:
        return 0
    return depth_y * value // (depth_y + value)


def desk_token_to_collateral(token_in: int, spot: int, depth_y: int) -> int:
    """Collateral out for `token_in` of y on the same curve, rounded down."""
    if depth_y <= 0 or token_in <= 0 or spot <= 0:
        return 0
    return div_down(token_in, spot) * depth_y // (depth_y + token_in)


def impact_bps(collateral_in: int, spot: int, depth_y: int) -> int:
    """The price impact of selling `collateral_in`, in bps of its oracle value."""
    value = mul_down(collateral_in, spot)
    return value * 10_000 // (depth_y + value) if depth_y + value > 0 else 0
