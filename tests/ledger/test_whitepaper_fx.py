"""The f(x) research article's worked examples, run through the engine under `profile="whitepaper"`.

Quoted from the article (papers/004): example 1, "$100 of stETH at 10x: the protocol borrows
$900 by flash loan and mints $900 fxUSD", a 10% rise is a $100 profit; "up to 7x on ETH, 10x
on BTC"; "$200 of stETH at 7x creates $1,200 fxUSD by flash loan"; after a 5% fall "LTV 94.7%
(debt $900 / total $950)", "fxUSD to burn = (debt - target LTV x position value) / (1 - target
LTV)": $450; example 2, a 3x sPOSITION on $1,000 fxUSD borrows $3,000 of stETH and sells it
for fxUSD; a 10% fall is a $300 profit, a 10% rise a $300 loss.
"""

from __future__ import annotations

from events.fx import FxLeveragedOpened, FxPoolCreated, FxPositionOperated, FxWalked
from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.commands.core import Mint, RegisterAsset, UpdatePrice
from ledger.commands.fx import CreateFxPool, OpenLeveragedFxPosition, OperateFxPosition
from ledger.commands.fx_walks import LiquidateFx, RebalanceFx
from ledger.engine import Engine
from projections.contracts.fx_ticks import PRECISION
from projections.positions import Positions
from tests.ledger.fx_setup import ETH, USD, USDC, fx_engine, price_eth, run

SAT = 10**8
"""BTC base units per BTC."""


def price_btc(usd: int) -> UpdatePrice:
    return UpdatePrice(asset="BTC", quote="USD", price=usd * 10**8, scale=10**8)


def btc_engine() -> Engine:
    """BTC at $100,000 (so $100 is 100,000 sats), a white-paper BTC pool and an ETH pool."""
    engine = fx_engine(3000)
    run(
        engine,
        [
            RegisterAsset(asset="BTC", symbol="BTC", decimals=8),
            price_btc(100_000),
            Mint(asset="BTC", to_account="alice", amount=SAT),
            Mint(asset="BTC", to_account="lender", amount=10 * SAT),
            CreateFxPool(pool_id="BTC-wp", price_asset="BTC", profile="whitepaper"),
            CreateFxPool(pool_id="ETH-wp", price_asset="ETH", profile="whitepaper"),
        ],
        2,
    )
    return engine


def open_x(pool: str, collateral: int, leverage_tenths: int) -> OpenLeveragedFxPosition:
    return OpenLeveragedFxPosition(
        pool_id=pool,
        owner="alice",
        collateral_token=collateral,
        leverage_1e18=leverage_tenths * PRECISION // 10,
        lender="lender",
    )


def debt_ratio(engine: Engine, pool: str) -> int:
    (row,) = [r for r in engine.projection(Positions).fx_rows() if r[0] == pool]
    ratio: int = row[6]
    return ratio


def test_example_1_a_10x_open_of_100_dollars_flash_borrows_900_and_mints_900_fxusd() -> None:
    engine = btc_engine()
    events = run(engine, [open_x("BTC-wp", 100_000, 100)], 3).events
    opened = next(e for e in events if isinstance(e, FxLeveragedOpened))
    assert opened.flash_collateral_token == 900_000  # $900 of BTC
    assert opened.fxusd_paid == 900 * USD  # 900 fxUSD minted
    # C = S + L: $1,000 of collateral = $900 fxUSD + the $100 xPOSITION.
    assert (opened.collateral_value_usd, opened.stable_usd) == (1_000 * USD, 900 * USD)
    assert opened.leveraged_nav_usd == 100 * USD
    assert debt_ratio(engine, "BTC-wp") == 9 * 10**17
    # A 10% rise: the position is worth $1,100, a $100 profit (10x the collateral's $10).
    run(engine, [price_btc(110_000)], 4)
    (row,) = [r for r in engine.projection(Positions).fx_rows() if r[0] == "BTC-wp"]
    value = row[3] * row[5] // PRECISION
    assert value == 1_100 * USD and value - row[4] - 100 * USD == 100 * USD


def test_the_leverage_limits_are_7x_on_eth_and_10x_on_btc() -> None:
    engine = btc_engine()
    created = [r.event for r in engine.store.read() if isinstance(r.event, FxPoolCreated)]
    assert {e.pool_id: e.profile for e in created}["BTC-wp"] == "whitepaper"
    for pool, collateral, refused_tenths, accepted_tenths in (
        ("BTC-wp", 100_000, 101, 100),
        ("ETH-wp", ETH // 10, 71, 70),
    ):
        refused = engine.execute([open_x(pool, collateral, refused_tenths)], block=3)
        assert isinstance(refused, Rejected) and refused.code is RejectCode.LTV_TOO_HIGH, pool
        run(engine, [open_x(pool, collateral, accepted_tenths)], 3)
    # "$200 of stETH at 7x creates $1,200 fxUSD by flash loan."
    events = run(engine, [price_eth(2_000), open_x("ETH-wp", ETH // 10, 70)], 4).events
    opened = next(e for e in events if isinstance(e, FxLeveragedOpened))
    assert opened.fxusd_paid == 1_200 * USD
    # The contract defaults stay the default: one band, 10x refused on ETH.
    contract = engine.execute([open_x("ETH-long", ETH // 10, 100)], block=5)
    assert isinstance(contract, Rejected) and contract.code is RejectCode.LTV_TOO_HIGH


def test_a_5_percent_fall_to_ltv_94_7_burns_450_to_return_to_90_with_no_bonus() -> None:
    engine = btc_engine()
    run(engine, [open_x("BTC-wp", 100_000, 100)], 3)
    run(engine, [price_btc(95_000)], 4)
    assert f"{debt_ratio(engine, 'BTC-wp') / PRECISION:.3f}" == "0.947"  # 900 / 950
    liquidate = engine.execute(
        [LiquidateFx(pool_id="BTC-wp", keeper="keeper", max_stable=10_000 * USDC)], block=4
    )
    assert isinstance(liquidate, Rejected) and liquidate.code is RejectCode.NOT_LIQUIDATABLE
    events = run(
        engine, [RebalanceFx(pool_id="BTC-wp", keeper="keeper", max_stable=10_000 * USDC)], 4
    ).events
    walked = next(e for e in events if isinstance(e, FxWalked))
    # (D - t V) / (1 - t) = (900 - 0.9 x 950) / 0.1 = 450 (to tick rounding, < $0.01).
    assert abs(walked.raw_debts - 450 * USD) < USD // 100
    assert walked.bonus_raw_colls == 0
    assert abs(debt_ratio(engine, "BTC-wp") - 9 * 10**17) < 10**15


def test_example_2_a_3x_sposition_borrows_3000_of_eth_and_sells_it_for_fxusd() -> None:
    engine = fx_engine(3000, short=False)
    run(
        engine,
        [
            CreateFxPool(
                pool_id="ETH-short-wp",
                side="short",
                price_asset="ETH",
                counterparty="lender",
                profile="whitepaper",
            ),
            # bob and the flash lender hold fxUSD, borrowed on the long pool.
            OperateFxPosition(
                pool_id="ETH-long", owner="bob", collateral_delta_token=ETH, debt_delta=1_800 * USD
            ),
            OperateFxPosition(
                pool_id="ETH-long",
                owner="lender",
                collateral_delta_token=10 * ETH,
                debt_delta=18_000 * USD,
            ),
        ],
        2,
    )
    events = run(
        engine,
        [
            OpenLeveragedFxPosition(
                pool_id="ETH-short-wp",
                owner="bob",
                collateral_token=1_000 * USD,
                leverage_1e18=3 * PRECISION,
                lender="lender",
            )
        ],
        3,
    ).events
    operated = next(e for e in events if isinstance(e, FxPositionOperated))
    opened = next(e for e in events if isinstance(e, FxLeveragedOpened))
    assert opened.flash_collateral_token == 3_000 * USD  # fxUSD for the $3,000 of ETH sold
    assert opened.fxusd_paid == ETH  # the ETH borrowed: $3,000 at $3,000
    assert operated.raw_coll_after == 4_000 * USD and operated.raw_debt_after == ETH
    for usd, equity_change in ((2_700, 300), (3_300, -300)):
        run(engine, [price_eth(usd)], 4)
        equity = operated.raw_coll_after - operated.raw_debt_after * usd
        assert equity - 1_000 * USD == equity_change * USD
