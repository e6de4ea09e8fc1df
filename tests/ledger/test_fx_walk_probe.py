"""The keeper's cheap question agrees with the walks: no tick to walk <=> the walk refuses."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from events.rejections import RejectCode
from ledger.commands.fx import OperateFxPosition
from projections.contracts import MathRejected
from projections.contracts.fx_rebalance import tick_to_walk
from projections.contracts.fx_results import SettlementTerms
from projections.fx_pools import FxPools
from tests.ledger.fx_setup import ETH, USD, fx_engine

TERMS = SettlementTerms(max_fxusd=10**40)


def walks(pool: object, price: int, liquidate: bool) -> bool:
    """Whether the full preview moves a tick (False: it refuses with 'nothing to do')."""
    try:
        if liquidate:
            pool.preview_liquidate(price, TERMS, 10**30)  # type: ignore[attr-defined]
        else:
            pool.preview_rebalance(price, TERMS)  # type: ignore[attr-defined]
    except MathRejected as refused:
        assert refused.code in (RejectCode.NOT_LIQUIDATABLE, RejectCode.NOT_REBALANCEABLE)
        return False
    return True


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 20), st.integers(50, 86)), min_size=1, max_size=8),
    st.lists(st.integers(1_000, 3_200), min_size=1, max_size=8),
)
def test_no_tick_to_walk_means_the_walk_refuses(
    opens: list[tuple[int, int]], prices_usd: list[int]
) -> None:
    engine = fx_engine()
    for collateral, ratio in opens:
        debt = collateral * 3000 * ratio // 100 * 997 // 1000
        command = OperateFxPosition(
            pool_id="ETH-long",
            owner="alice",
            collateral_delta_token=collateral * ETH,
            debt_delta=debt * USD,
        )
        engine.execute([command], block=2)
    pool = engine.projection(FxPools).pools["ETH-long"]
    for price_usd in prices_usd:
        price = price_usd * 10**18
        for liquidate in (True, False):
            assert tick_to_walk(pool, price, liquidate) == walks(pool, price, liquidate)
