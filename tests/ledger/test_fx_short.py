"""sPOSITION, the short pool: fxUSD collateral, ETH borrowed from a counterparty, the inverted
price. Open, adjust, close; rebalance and liquidate as ETH rises; the books add up after every
event (pool totals = position sums, the counterparty lent exactly the pool's debt, fxUSD and
ETH conserved, the vault holds the pool's collateral and its fees)."""

from __future__ import annotations

from typing import Any

from events.fx import FxPositionOperated, FxWalked
from events.reserve import ShortfallCovered
from ledger.batch import Rejected
from ledger.commands.core import Mint
from ledger.commands.fx import OperateFxPosition
from ledger.commands.fx_keeper import keeper_pass
from ledger.commands.fx_walks import LiquidateFx, RebalanceFx
from ledger.commands.reserve import CreditReserve
from ledger.engine import Engine
from projections.balances import Balances
from projections.contracts.fx_ticks import PRECISION
from projections.fx_pools import FxPools
from projections.positions import Positions, fx_price_1e18
from projections.prices import Prices
from tests.conftest import Rand
from tests.ledger.fx_setup import ETH, USD, fx_engine, price_eth, run

LENDER_ETH = 1_000 * ETH
"""What the counterparty (`lender`) holds before it lends anything."""
DUST = 10**6
"""Share and index rounding, in base units."""


def short_engine() -> Engine:
    """alice and bob borrow fxUSD on the long pool to use as short collateral; the keeper
    holds ETH to repay short debt."""
    engine = fx_engine(short=True)
    run(
        engine,
        [
            *(
                OperateFxPosition(
                    pool_id="ETH-long",
                    owner=owner,
                    collateral_delta_token=40 * ETH,
                    debt_delta=80_000 * USD,
                )
                for owner in ("alice", "bob")
            ),
            Mint(asset="ETH", to_account="keeper", amount=100 * ETH),
        ],
        block=2,
    )
    return engine


def short(owner: str, position_id: int | None = None, **deltas: Any) -> OperateFxPosition:
    return OperateFxPosition(pool_id="ETH-short", owner=owner, position_id=position_id, **deltas)


def check_books(engine: Engine) -> None:
    """Fold the log event by event and check every invariant of the short pool after each."""
    pools, balances = FxPools(), Balances()
    fxusd_supply, eth_supply = None, None
    for record in engine.store.read():
        pools.apply(record)
        balances.apply(record)
        assert pools.check_invariants(record.seq) == [], record
        pool = pools.pools.get("ETH-short")
        event = record.event
        opens_short = type(event) is FxPositionOperated and event.pool_id == "ETH-short"
        if fxusd_supply is None and opens_short:  # the setup is done: supplies from here on
            fxusd_supply, eth_supply = balances.supply("fxUSD"), balances.supply("ETH")
        if pool is None or fxusd_supply is None:
            continue
        assert balances.supply("fxUSD") == fxusd_supply, record  # a short moves, never mints
        assert balances.supply("ETH") == eth_supply, record
        totals, manager = pool.totals(), pool.balances
        lent = LENDER_ETH - balances.balance("lender", "ETH")
        if pool.debt_index == 2**96:  # no bad debt socialised: the lender is owed the debt
            assert abs(lent - totals.raw_debt) <= DUST, record
        fees = manager.fees_open_token + manager.fees_close_token + manager.fees_misc_token
        vault = balances.balance("vault:fx:ETH-short", "fxUSD")
        if type(event) is not ShortfallCovered:  # the reserve pays the bonus just before its walk
            assert vault == manager.collateral_token + fees, record
        assert manager.collateral_token >= totals.raw_coll - DUST, record
    assert pools.violations() == [] and balances.violations() == []
    assert balances.check_invariants(engine.head.seq) == []
    assert pools.digest() == engine.projection(FxPools).digest()


def test_a_short_opens_against_fxusd_and_borrows_eth_from_the_counterparty() -> None:
    engine = short_engine()
    (opened,) = run(
        engine, [short("alice", collateral_delta_token=30_000 * USD, debt_delta=5 * ETH)], 3
    ).events
    assert isinstance(opened, FxPositionOperated) and opened.opened
    assert opened.price_1e18 == PRECISION * PRECISION // (3000 * PRECISION)  # ETH per fxUSD
    balances = engine.projection(Balances)
    assert balances.balance("lender", "ETH") == LENDER_ETH - 5 * ETH
    assert balances.balance("alice", "ETH") == 960 * ETH + 5 * ETH
    assert balances.balance("vault:fx:ETH-short", "fxUSD") == 30_000 * USD
    assert opened.fee_open_token == 30_000 * USD * 3 // 1000  # the 0.3% supply fee, in fxUSD
    # LTV = 5 ETH x $3,000 / 29,910 fxUSD, judged at the inverted price (rounded down)
    ratio = 5 * ETH * PRECISION * PRECISION // (opened.price_1e18 * 29_910 * USD)
    assert opened.debt_ratio_after_1e18 == ratio
    (row,) = [r for r in engine.projection(Positions).fx_rows() if r[0] == "ETH-short"]
    assert row[6] == ratio and row[12] == "healthy"
    check_books(engine)


def test_a_short_is_adjusted_then_closed_and_everything_goes_back() -> None:
    engine = short_engine()
    run(engine, [short("alice", collateral_delta_token=30_000 * USD, debt_delta=6 * ETH)], 3)
    run(engine, [short("alice", 1, collateral_delta_token=2_000 * USD)], 4)
    run(engine, [short("alice", 1, debt_delta=ETH)], 5)
    run(engine, [short("alice", 1, debt_delta=-ETH)], 6)
    run(engine, [short("alice", 1, collateral_delta_token=-1_000 * USD)], 7)
    pool = engine.projection(FxPools).pools["ETH-short"]
    health = pool.position_health(1, 333_333_333_333_333)
    assert abs(health.raw_debt - 6 * ETH) <= DUST
    balances = engine.projection(Balances)
    assert balances.balance("lender", "ETH") == LENDER_ETH - 6 * ETH
    refused = engine.execute([short("bob", 1, debt_delta=ETH)], block=8)
    assert isinstance(refused, Rejected) and refused.code == "POSITION_NOT_OWNED"

    fxusd_before = balances.balance("alice", "fxUSD")
    (closed,) = run(engine, [short("alice", 1, withdraw_all=True, repay_all=True)], 9).events
    assert isinstance(closed, FxPositionOperated)
    assert balances.balance("lender", "ETH") == LENDER_ETH  # the counterparty is repaid in full
    assert balances.balance("alice", "ETH") == 960 * ETH  # every borrowed ETH went back
    assert balances.balance("alice", "fxUSD") == fxusd_before + closed.collateral_out_token
    pool = engine.projection(FxPools).pools["ETH-short"]
    assert (pool.totals().raw_coll, pool.totals().raw_debt) == (0, 0)
    # Only the open/close fees stay in the vault, waiting for the harvest.
    manager = pool.balances
    fees = manager.fees_open_token + manager.fees_close_token + manager.fees_misc_token
    assert balances.balance("vault:fx:ETH-short", "fxUSD") == fees > 0
    check_books(engine)


def test_a_rising_price_rebalances_then_liquidates_the_short() -> None:
    engine = short_engine()
    run(engine, [short("alice", collateral_delta_token=30_000 * USD, debt_delta=8 * ETH)], 3)
    run(engine, [short("bob", collateral_delta_token=30_000 * USD, debt_delta=5 * ETH)], 3)
    keeper = RebalanceFx(pool_id="ETH-short", keeper="keeper", max_fxusd=50 * ETH)
    refused = engine.execute([keeper], block=4)
    assert isinstance(refused, Rejected) and refused.code == "NOT_REBALANCEABLE"
    # alice: 8 ETH at $3,000 = 24,000 of 29,910 fxUSD (80%); at $3,350, 89.6%: rebalanceable.
    run(engine, [price_eth(3350)], block=5)
    rows = {r[1]: r for r in engine.projection(Positions).fx_rows() if r[0] == "ETH-short"}
    assert rows[1][12] == "rebalanceable" and rows[2][12] == "healthy"
    balances = engine.projection(Balances)
    lender_before = balances.balance("lender", "ETH")
    (walk,) = run(engine, [keeper], block=6).events
    assert isinstance(walk, FxWalked) and walk.kind == "rebalance" and walk.stable_used == 0
    assert walk.debt_asset == "ETH" and walk.collateral_asset == "fxUSD"
    assert balances.balance("lender", "ETH") == lender_before + walk.fxusd_used  # ETH repaid
    assert balances.balance("keeper", "ETH") == 100 * ETH - walk.fxusd_used
    assert balances.balance("keeper", "fxUSD") == walk.colls_to_receiver_token
    # The keeper buys fxUSD collateral at the inverted price with the rebalance bonus.
    value_paid = walk.fxusd_used * 3350
    assert walk.colls_to_receiver_token > value_paid
    rows = {r[1]: r for r in engine.projection(Positions).fx_rows() if r[0] == "ETH-short"}
    assert rows[1][6] <= 88 * 10**16  # back to the rebalance ratio (at the line, not past it)

    # ETH to $4,000: alice's short is past the liquidation line (92%).
    run(
        engine,
        [CreditReserve(token="fxUSD", amount=1_000 * USD, from_account="alice", reserve="fx")],
        7,
    )
    run(engine, [price_eth(4000)], block=8)
    liquidate = LiquidateFx(pool_id="ETH-short", keeper="keeper", max_fxusd=50 * ETH)
    events = run(engine, [liquidate], block=9).events
    (walk,) = [event for event in events if isinstance(event, FxWalked)]
    assert walk.kind == "liquidate" and walk.raw_debts > 0
    prices = engine.projection(Prices)
    price = fx_price_1e18(prices, "ETH", "short")
    assert price is not None
    pool = engine.projection(FxPools).pools["ETH-short"]
    assert not any(health.liquidatable for health in pool.positions_health(price))
    check_books(engine)


def test_a_keeper_pass_leaves_no_short_past_the_line_on_random_rises(rand: Rand) -> None:
    engine = short_engine()
    run(
        engine,
        [CreditReserve(token="fxUSD", amount=5_000 * USD, from_account="alice", reserve="fx")],
        3,
    )
    price_usd = 3000
    for index in range(8):
        collateral = rand.randint(9, 12) * 1_000 * USD
        debt = collateral * rand.randint(55, 85) // 100 // 3000  # LTV 55-85% at $3,000
        owner = ("alice", "bob")[index % 2]
        run(engine, [short(owner, collateral_delta_token=collateral, debt_delta=debt)], 3)
    block = 4
    for _step in range(12):
        price_usd = price_usd * rand.randint(101, 108) // 100
        run(engine, [price_eth(price_usd)], block)
        keeper_pass(engine, block, "keeper")
        price = fx_price_1e18(engine.projection(Prices), "ETH", "short")
        assert price is not None
        pool = engine.projection(FxPools).pools["ETH-short"]
        assert not any(health.liquidatable for health in pool.positions_health(price))
        block += 1
    kinds = [type(record.event).__name__ for record in engine.store.read()]
    assert kinds.count("FxWalked") > 0, kinds  # the path made the keeper act
    check_books(engine)
