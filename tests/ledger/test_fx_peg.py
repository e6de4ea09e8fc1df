"""The depeg funding branch follows fxUSD's price in its fxUSD/USDC pair, not a flag."""

from __future__ import annotations

from events.fx import FxFundingAccrued
from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.commands.amm import AddLiquidity, CreatePool
from ledger.commands.amm_swaps import SwapExactIn
from ledger.commands.fx import OperateFxPosition
from ledger.commands.fx_stability import AccrueFxFunding
from ledger.engine import Engine
from projections.contracts.fx_peg import DEPEG_PRICE_1E18, fxusd_price_1e18
from projections.contracts.fx_ticks import PRECISION
from tests.ledger.fx_setup import ETH, USD, USDC, fx_engine, run

RATE = 5 * 10**16


def pegged_engine() -> Engine:
    engine = fx_engine(3000)
    run(
        engine,
        [
            OperateFxPosition(
                pool_id="ETH-long",
                owner="alice",
                collateral_delta_token=100 * ETH,
                debt_delta=180_000 * USD,
            ),
            CreatePool(pool="P", kind="uniswap_v2", token_x="fxUSD", token_y="USDC", owner="alice"),
            AddLiquidity(
                pool="P",
                provider="alice",
                amount_x_desired=100_000 * USD,
                amount_y_desired=100_000 * USDC,
            ),
        ],
        2,
    )
    return engine


def accrue(engine: Engine, seconds: int, block: int) -> FxFundingAccrued:
    command = AccrueFxFunding(
        pool_id="ETH-long", now_seconds=seconds, aave_rate_1e18=RATE, fxusd_market="P"
    )
    (event,) = run(engine, [command], block).events
    assert isinstance(event, FxFundingAccrued)
    return event


def test_the_branch_and_the_fee_follow_the_pair_price() -> None:
    engine = pegged_engine()
    first = accrue(engine, 1_000, 3)
    assert first.fxusd_price_1e18 == PRECISION  # 1:1
    pegged = accrue(engine, 1_000 + 86_400, 4)
    assert pegged.branch == "none" and pegged.funding_raw == 0
    run(
        engine, [SwapExactIn(pool="P", trader="alice", asset_in="fxUSD", amount_in=20_000 * USD)], 5
    )
    depegged = accrue(engine, 1_000 + 2 * 86_400, 6)
    expected = fxusd_price_1e18(120_000 * USD, 100_000 * USDC * 100_000 // 120_000 + 1)
    assert depegged.fxusd_price_1e18 < DEPEG_PRICE_1E18
    assert expected is not None and abs(depegged.fxusd_price_1e18 - expected) * 100 < expected
    assert depegged.branch == "depeg" and depegged.funding_raw > 0
    # A day at 10x the 5% Aave rate: 50%/365 of the collateral, to rounding.
    day = depegged.total_raw_coll * 10 * RATE * 86_400 // (PRECISION * 365 * 86_400)
    assert abs(depegged.funding_raw - day) * 1000 <= day


def test_a_market_that_is_no_fxusd_pair_is_refused() -> None:
    engine = pegged_engine()
    refused = engine.execute(
        [AccrueFxFunding(pool_id="ETH-long", now_seconds=1, aave_rate_1e18=RATE, fxusd_market="X")],
        block=3,
    )
    assert isinstance(refused, Rejected) and refused.code is RejectCode.UNKNOWN_POOL
