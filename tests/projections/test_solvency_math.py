"""The desk's impact curve and the CRP debt at risk, as properties: a conversion never beats
the oracle price nor pays out more than the desk holds, bigger sales pay more impact, and the
debt at risk never shrinks as the collateral's price falls."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from projections.alex_lending_crp import CrpBook
from projections.contracts.crp_desk import desk_collateral_to_token, impact_bps
from projections.contracts.fixed_point import mul_down
from projections.solvency import crp_cover_needed

amounts = st.integers(min_value=1, max_value=10**16)
spots = st.integers(min_value=1, max_value=10**14)


@given(amounts, spots, amounts)
def test_a_conversion_pays_impact_and_never_more_than_the_desk_holds(
    collateral_in: int, spot: int, depth: int
) -> None:
    out = desk_collateral_to_token(collateral_in, spot, depth)
    assert out <= mul_down(collateral_in, spot) and out <= depth
    assert desk_collateral_to_token(collateral_in * 2, spot, depth) >= out
    assert impact_bps(collateral_in * 2, spot, depth) >= impact_bps(collateral_in, spot, depth)


def book(balance_x: int, balance_y: int, debt: int) -> CrpBook:
    return CrpBook(
        collateral="WBTC",
        token="USDA",
        yield_token="yield",
        key_token="key",
        router="router",
        expiry=100,
        strike=1,
        bs_vol=1,
        ltv_0=1,
        conversion_ltv=2,
        moving_average=1,
        token_to_maturity=1,
        weight_x=1,
        balance_x=balance_x,
        balance_y=balance_y,
        yield_supply=debt,
        key_supply=debt,
    )


@given(amounts, amounts, amounts, spots, spots, amounts)
def test_the_debt_at_risk_never_shrinks_as_the_collateral_falls(
    balance_x: int, balance_y: int, debt: int, spot: int, lower: int, depth: int
) -> None:
    pool = book(balance_x, balance_y, debt)
    high, low = max(spot, lower), min(spot, lower)
    assert crp_cover_needed(pool, low, depth) >= crp_cover_needed(pool, high, depth)
    if debt <= balance_y:
        assert crp_cover_needed(pool, low, depth) == 0  # token y alone pays the yield tokens
