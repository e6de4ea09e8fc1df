"""The ALEX resilient price oracle: seeded by the first deposit, moved by every swap.

protocol-math.md 2.2: on each swap `oracle_resilient` becomes
mul_down(1e8 - avg, instant) + mul_down(avg, old), with instant = div_down(mul_down(B_y, w_x),
mul_down(B_x, w_y)) on the pre-trade balances. A naive restatement here checks the engine's.
"""

from __future__ import annotations

import random

from events.amm import Swapped
from events.rejections import RejectCode
from ledger.audit import audit
from ledger.commands.amm import AddLiquidity
from ledger.commands.amm_swaps import SwapExactIn, SwapExactOut
from ledger.engine import Engine
from projections.pools import Pools
from tests.ledger.test_amm_fixtures import ONE, funded_engine, must, pair_pool, refused
from tests.ledger.test_amm_fixtures import weighted_pool as weighted_pool_command

E8 = 10**8
AVERAGE = 99_000_000


def naive_instant(balance_x: int, balance_y: int, weight_x: int, weight_y: int) -> int:
    return (balance_y * weight_x // E8) * E8 // (balance_x * weight_y // E8)


def naive_next(old: int, average: int, instant: int) -> int:
    return (E8 - average) * instant // E8 + average * old // E8


def oracle_engine(weight_x: int = 50_000_000) -> Engine:
    engine = funded_engine(traders=("alice", "bob"))
    create = weighted_pool_command(
        weight_x=weight_x,
        weight_y=E8 - weight_x,
        oracle_enabled=True,
        oracle_average=AVERAGE,
        max_in_ratio=30_000_000,
        max_out_ratio=30_000_000,
    )
    deposit = AddLiquidity(
        pool="STX-ALEX",
        provider="alice",
        amount_x_desired=10_000 * ONE,
        amount_y_desired=30_000 * ONE,
    )
    must(engine, [create, deposit], block=2)
    return engine


def test_the_first_deposit_seeds_the_resilient_price_with_the_instant_one() -> None:
    engine = oracle_engine()
    book = engine.projection(Pools).books["STX-ALEX"]
    assert book.oracle_resilient == 3 * E8  # 30,000 ALEX per 10,000 STX at 50/50
    row = next(row for row in engine.projection(Pools).tables()[0].rows if row[0] == "STX-ALEX")
    assert row[-3:] == (True, AVERAGE, 3 * E8)


def test_a_swap_sequence_matches_a_naive_recomputation(rand: random.Random) -> None:
    for weight_x in (50_000_000, 80_000_000, 20_000_000):
        engine = oracle_engine(weight_x)
        expected = naive_instant(10_000 * ONE, 30_000 * ONE, weight_x, E8 - weight_x)
        for block in range(3, 40):
            book = engine.projection(Pools).books["STX-ALEX"]
            instant = naive_instant(book.reserve_x, book.reserve_y, weight_x, E8 - weight_x)
            expected = naive_next(expected, AVERAGE, instant)
            asset = rand.choice(["STX", "ALEX"])
            reserve = book.reserve_x if asset == "STX" else book.reserve_y
            amount = max(1, reserve * rand.randint(1, 90) // 10_000)
            if rand.random() < 0.3:
                out = "ALEX" if asset == "STX" else "STX"
                reserve_out = book.reserve_y if out == "ALEX" else book.reserve_x
                command: SwapExactIn | SwapExactOut = SwapExactOut(
                    pool="STX-ALEX",
                    trader="bob",
                    asset_out=out,
                    amount_out=max(1, reserve_out * rand.randint(1, 90) // 10_000),
                    amount_in_max=10**15,
                )
            else:
                command = SwapExactIn(
                    pool="STX-ALEX", trader="bob", asset_in=asset, amount_in=amount
                )
            swapped = must(engine, [command], block=block).events[0]
            assert isinstance(swapped, Swapped)
            assert swapped.oracle_resilient == expected, (weight_x, block)
            assert engine.projection(Pools).books["STX-ALEX"].oracle_resilient == expected
        assert audit(engine.store) == []


def test_the_resilient_price_lags_a_run_of_buys() -> None:
    engine = oracle_engine()
    for block in range(3, 13):
        swap = SwapExactIn(pool="STX-ALEX", trader="bob", asset_in="STX", amount_in=90 * ONE)
        must(engine, [swap], block=block)
    book = engine.projection(Pools).books["STX-ALEX"]
    instant = naive_instant(book.reserve_x, book.reserve_y, E8 // 2, E8 // 2)
    # Selling STX lowers its price; the resilient one moves 1% of the way per swap.
    assert instant < book.oracle_resilient < 3 * E8


def test_an_oracle_off_pool_records_zero() -> None:
    engine = funded_engine(traders=("alice", "bob"))
    deposit = AddLiquidity(
        pool="STX-ALEX",
        provider="alice",
        amount_x_desired=10_000 * ONE,
        amount_y_desired=30_000 * ONE,
    )
    must(engine, [weighted_pool_command(), deposit], block=2)
    swap = SwapExactIn(pool="STX-ALEX", trader="bob", asset_in="STX", amount_in=ONE)
    swapped = must(engine, [swap], block=3).events[0]
    assert isinstance(swapped, Swapped) and swapped.oracle_resilient == 0
    assert engine.projection(Pools).books["STX-ALEX"].oracle_resilient == 0


def test_oracle_parameters_are_checked() -> None:
    engine = funded_engine()
    too_heavy = weighted_pool_command(oracle_enabled=True, oracle_average=E8)
    assert refused(engine, too_heavy).code is RejectCode.INVALID_PARAMETER
    on_a_pair = pair_pool(oracle_enabled=True, oracle_average=AVERAGE)
    assert refused(engine, on_a_pair).code is RejectCode.INVALID_PARAMETER
