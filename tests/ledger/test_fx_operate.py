"""f(x) positions through the engine: open, borrow, repay, close, transfer, leverage by flash loan."""

from __future__ import annotations

from events.fx import FxLeveragedOpened, FxPositionOperated
from events.rejections import REJECT_HELP, RejectCode
from ledger.batch import Rejected
from ledger.commands.core import UpdatePrice
from ledger.commands.fx import (
    CreateFxPool,
    OpenLeveragedFxPosition,
    OperateFxPosition,
    TransferFxPosition,
)
from ledger.commands.fx_stability import DepositStability
from projections.balances import Balances
from projections.fx_pools import FxPools
from projections.positions import Positions
from tests.ledger.fx_setup import ETH, USD, USDC, fx_engine, price_eth, run

OPEN = OperateFxPosition(
    pool_id="ETH-long", owner="alice", collateral_delta_token=10 * ETH, debt_delta=18_000 * USD
)


def test_open_borrows_fxusd_against_collateral_with_the_supply_fee() -> None:
    engine = fx_engine()
    (event,) = run(engine, [OPEN], block=2).events
    assert isinstance(event, FxPositionOperated) and event.opened and event.position_id == 1
    assert event.fee_open_token == 10 * ETH * 3 // 1000  # 0.3% supply fee (HEAD default)
    balances = engine.projection(Balances)
    assert balances.balance("alice", "fxUSD") == 18_000 * USD
    assert balances.supply("fxUSD") == 18_000 * USD
    assert balances.balance("vault:fx:ETH-long", "ETH") == 10 * ETH
    (row,) = engine.projection(Positions).tables()[0].rows
    assert row[:3] == ("ETH-long", 1, "alice")
    assert row[6] * 100 // 10**18 == 60  # LTV 18,000 / (9.97 ETH * 3,000) = 60.2%
    assert row[12] == "healthy"


def test_borrowing_past_the_max_debt_ratio_is_refused() -> None:
    engine = fx_engine()
    run(engine, [OPEN], block=2)
    more = OperateFxPosition(
        pool_id="ETH-long", owner="alice", position_id=1, debt_delta=9_000 * USD
    )
    refused = engine.execute([more], block=3)
    assert isinstance(refused, Rejected) and refused.code == "LTV_TOO_HIGH"


def test_only_the_owner_borrows_and_the_nft_transfers() -> None:
    engine = fx_engine()
    run(engine, [OPEN], block=2)
    borrow = OperateFxPosition(pool_id="ETH-long", owner="bob", position_id=1, debt_delta=10**18)
    refused = engine.execute([borrow], block=3)
    assert isinstance(refused, Rejected) and refused.code == "POSITION_NOT_OWNED"
    steal = TransferFxPosition(pool_id="ETH-long", position_id=1, from_owner="bob", to_owner="bob")
    refused = engine.execute([steal], block=3)
    assert isinstance(refused, Rejected) and refused.code == "POSITION_NOT_OWNED"
    give = TransferFxPosition(pool_id="ETH-long", position_id=1, from_owner="alice", to_owner="bob")
    run(engine, [give, borrow], block=3)
    assert engine.projection(FxPools).pools["ETH-long"].tree.positions[1].owner == "bob"
    assert engine.projection(Balances).balance("bob", "fxUSD") == 10**18


def test_close_repays_all_and_withdraws_all_burning_the_fxusd() -> None:
    engine = fx_engine()
    run(engine, [OPEN], block=2)
    close = OperateFxPosition(
        pool_id="ETH-long", owner="alice", position_id=1, withdraw_all=True, repay_all=True
    )
    (event,) = run(engine, [close], block=3).events
    assert isinstance(event, FxPositionOperated)
    assert event.fxusd_from_owner == 18_000 * USD and event.debt_shares_after == 0
    balances = engine.projection(Balances)
    assert balances.supply("fxUSD") == 0
    withdrawn = event.collateral_out_token + event.fee_close_token
    assert event.fee_close_token == withdrawn // 1000  # 0.1% withdraw fee
    fees = event.fee_close_token + 10 * ETH * 3 // 1000
    assert balances.balance("vault:fx:ETH-long", "ETH") == fees  # the fees stay in the vault


def test_an_old_price_is_stale() -> None:
    engine = fx_engine()
    aged = CreateFxPool(pool_id="ETH-aged", price_asset="ETH", price_age_blocks_max=10)
    run(engine, [aged], block=2)
    late = OperateFxPosition(
        pool_id="ETH-aged", owner="alice", collateral_delta_token=ETH, debt_delta=2_000 * USD
    )
    refused = engine.execute([late], block=20)
    assert isinstance(refused, Rejected) and refused.code == "PRICE_STALE"
    run(engine, [price_eth(3000), late], block=20)


def test_leveraged_open_by_flash_loan_checks_c_equals_s_plus_l() -> None:
    engine = fx_engine()
    open_3x = OpenLeveragedFxPosition(
        pool_id="ETH-long",
        owner="carol",
        collateral_token=5 * ETH,
        leverage_1e18=3 * 10**18,
        lender="lender",
    )
    events = run(engine, [open_3x], block=2).events
    leveraged = events[-1]
    assert isinstance(leveraged, FxLeveragedOpened)
    assert leveraged.flash_collateral_token == 10 * ETH
    assert leveraged.fxusd_paid == 30_000 * USD
    assert abs(leveraged.residual_usd) <= 10**9
    assert leveraged.collateral_value_usd == leveraged.stable_usd + leveraged.leveraged_nav_usd + (
        leveraged.residual_usd
    )
    balances = engine.projection(Balances)
    assert balances.balance("carol", "fxUSD") == 0  # all of F bought back the flash collateral
    assert balances.balance("carol", "ETH") == 995 * ETH
    assert balances.balance("lender", "fxUSD") == 30_000 * USD
    (row,) = engine.projection(Positions).tables()[0].rows
    assert 66 * 10**16 <= row[6] <= 67 * 10**16  # debt ratio about (3 - 1) / 3


def test_the_price_moves_the_ltv_across_the_lines() -> None:
    engine = fx_engine()
    run(engine, [OPEN], block=2)
    statuses = []
    for block, usd in enumerate((2400, 2000, 1900), start=3):
        run(engine, [price_eth(usd)], block=block)
        (row,) = engine.projection(Positions).tables()[0].rows
        statuses.append(row[12])
    # 18,000 fxUSD on 9.97 ETH: 75% at $2,400, 90% at $2,000, 95% at $1,900 (lines 88%, 92%)
    assert statuses == ["healthy", "rebalanceable", "liquidatable"]


def test_a_debt_ratio_below_the_minimum_is_named_ltv_too_low() -> None:
    engine = fx_engine()
    # 100 ETH at $3,000 against 100,000 fxUSD is 33%: below the pool's 50% minimum.
    thin = OperateFxPosition(
        pool_id="ETH-long",
        owner="alice",
        collateral_delta_token=100 * ETH,
        debt_delta=100_000 * USD,
    )
    refused = engine.execute([thin], block=2)
    assert isinstance(refused, Rejected) and refused.code == RejectCode.LTV_TOO_LOW
    assert "borrow more" in refused.detail and REJECT_HELP[RejectCode.LTV_TOO_LOW]


def test_a_usdc_deposit_while_usdc_is_depegged_is_named_stable_depegged() -> None:
    engine = fx_engine()
    run(engine, [UpdatePrice(asset="USDC", quote="USD", price=99 * 10**6, scale=10**8)], 2)
    deposit = DepositStability(account="alice", token="USDC", amount=1_000 * USDC)
    refused = engine.execute([deposit], block=3)
    assert isinstance(refused, Rejected) and refused.code == RejectCode.STABLE_DEPEGGED
    assert REJECT_HELP[RejectCode.STABLE_DEPEGGED]
