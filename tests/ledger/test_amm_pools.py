"""AMM accounting through the engine: a few commands, then the books they must leave."""

from __future__ import annotations

from events.amm import LiquidityAdded, Swapped
from events.reserve import ReserveCredited
from ledger.commands.amm import AddLiquidity, RemoveLiquidity
from ledger.commands.amm_swaps import SwapExactIn, SwapExactOut, SwapMultiHop
from ledger.commands.core import Mint, RegisterAsset
from ledger.engine import Engine
from ledger.memory import MemoryStore
from projections.balances import Balances
from projections.contracts import uniswap_v2, uniswap_v2_oracle
from projections.pools import Pools, reserve_mismatches
from projections.reserve import ReserveSolvency
from tests.ledger.test_amm_fixtures import ONE, must, pair_pool, pools_engine

E18 = 10**18


def uniswap_engine(protocol_fee_on: bool) -> Engine:
    """The Uniswap core test pair: 1000 T0 : 1000 T1 (18 decimals), `other` as feeTo."""
    engine = Engine(MemoryStore())
    must(
        engine,
        [
            RegisterAsset(asset="T0", symbol="T0", decimals=18),
            RegisterAsset(asset="T1", symbol="T1", decimals=18),
            Mint(asset="T0", to_account="wallet", amount=10_000 * E18),
            Mint(asset="T1", to_account="wallet", amount=10_000 * E18),
            pair_pool(
                "T0-T1",
                token_x="T0",
                token_y="T1",
                protocol_fee_on=protocol_fee_on,
                fee_to="other" if protocol_fee_on else "",
            ),
            AddLiquidity(
                pool="T0-T1",
                provider="wallet",
                amount_x_desired=1000 * E18,
                amount_y_desired=1000 * E18,
            ),
        ],
        block=1,
    )
    return engine


def test_first_mint_locks_minimum_liquidity_forever() -> None:
    engine = uniswap_engine(protocol_fee_on=False)
    balances = engine.projection(Balances)
    assert balances.balance("wallet", "LP-T0-T1") == 1000 * E18 - 1000
    assert balances.balance("locked:T0-T1", "LP-T0-T1") == 1000
    assert engine.projection(Pools).books["T0-T1"].lp_supply == 1000 * E18


def test_protocol_fee_is_a_sixth_of_root_k_growth_as_in_the_core_tests() -> None:
    engine = uniswap_engine(protocol_fee_on=True)
    swap = SwapExactIn(pool="T0-T1", trader="wallet", asset_in="T1", amount_in=E18)
    (swapped,) = must(engine, [swap], block=2).events
    assert isinstance(swapped, Swapped) and swapped.amount_out == 996006981039903216
    burn = RemoveLiquidity(pool="T0-T1", provider="wallet", lp_amount=1000 * E18 - 1000)
    must(engine, [burn], block=3)
    balances = engine.projection(Balances)
    assert balances.balance("other", "LP-T0-T1") == 249750499251388
    assert balances.supply("LP-T0-T1") == 1000 + 249750499251388
    assert balances.balance("pool:T0-T1", "T0") == 1000 + 249501683697445
    assert balances.balance("pool:T0-T1", "T1") == 1000 + 250000187312969
    assert reserve_mismatches(engine.projection(Pools), balances) == []


def test_accumulators_advance_with_the_reserves_before_the_update() -> None:
    engine = uniswap_engine(protocol_fee_on=False)
    swap = SwapExactIn(
        pool="T0-T1", trader="wallet", asset_in="T0", amount_in=E18, block_timestamp=11
    )
    (swapped,) = must(engine, [swap], block=2).events
    assert isinstance(swapped, Swapped)
    # Equal reserves: price 1.0 in UQ112.112 for the 10 seconds since the mint at t = 1.
    assert swapped.oracle.price0_cumulative == uniswap_v2_oracle.Q112 * 10
    assert swapped.oracle.block_timestamp == 11
    book = engine.projection(Pools).books["T0-T1"]
    assert (book.price0_cumulative, book.block_timestamp_last) == (uniswap_v2_oracle.Q112 * 10, 11)


def test_exact_out_charges_get_amount_in() -> None:
    engine = uniswap_engine(protocol_fee_on=False)
    buy = SwapExactOut(
        pool="T0-T1", trader="wallet", asset_out="T0", amount_out=E18, amount_in_max=2 * E18
    )
    (swapped,) = must(engine, [buy], block=2).events
    assert isinstance(swapped, Swapped)
    assert swapped.amount_in == uniswap_v2.amount_in_for_output(E18, 1000 * E18, 1000 * E18)
    assert swapped.amount_out == E18


def test_alex_fee_splits_into_rebate_for_lps_and_reserve_share() -> None:
    engine = pools_engine()
    swap = SwapExactIn(pool="STX-ALEX", trader="bob", asset_in="STX", amount_in=10 * ONE)
    swapped, credited = must(engine, [swap], block=3).events
    assert isinstance(swapped, Swapped) and isinstance(credited, ReserveCredited)
    assert swapped.fee == 3_000_000  # 0.3% of 10 STX, rounded up
    assert (swapped.rebate, swapped.reserve_share) == (1_500_000, 1_500_000)
    assert (credited.token, credited.amount, credited.source) == (
        "STX",
        1_500_000,
        "swap-fee:STX-ALEX",
    )
    book = engine.projection(Pools).books["STX-ALEX"]
    assert book.reserve_x == 10_000 * ONE + 10 * ONE - 1_500_000  # net + rebate stay in the pool
    reserve = engine.projection(ReserveSolvency).book("STX")
    assert (reserve.balance, reserve.inflows) == (1_500_000, {"swap-fee:STX-ALEX": 1_500_000})
    balances = engine.projection(Balances)
    assert balances.balance("reserve:STX", "STX") == 1_500_000
    assert reserve_mismatches(engine.projection(Pools), balances) == []


def test_multi_hop_charges_each_leg_its_own_fee() -> None:
    engine = pools_engine()
    hop = SwapMultiHop(
        path=["STX-USDA", "STX-ALEX"], trader="bob", asset_in="USDA", amount_in=10 * ONE
    )
    events = must(engine, [hop], block=3).events
    first, second = (event for event in events if isinstance(event, Swapped))
    assert (first.asset_in, first.asset_out, second.asset_in) == ("USDA", "STX", "STX")
    assert second.amount_in == first.amount_out
    assert first.fee == 10 * ONE * 30 // 10_000 and second.fee > 0
    balances = engine.projection(Balances)
    assert balances.balance("bob", "ALEX") == 10**16 + second.amount_out
    assert balances.balance("bob", "STX") == 10**16  # the middle token only passes through


def test_weighted_liquidity_follows_the_pool_ratio() -> None:
    engine = pools_engine()
    add = AddLiquidity(
        pool="STX-ALEX", provider="bob", amount_x_desired=ONE, amount_y_desired=5 * ONE
    )
    (added,) = must(engine, [add], block=3).events
    assert isinstance(added, LiquidityAdded)
    assert (added.amount_x, added.amount_y) == (ONE, 3 * ONE)  # 10,000 : 30,000
    book = engine.projection(Pools).books["STX-ALEX"]
    remove = RemoveLiquidity(pool="STX-ALEX", provider="bob", lp_amount=added.lp_minted)
    must(engine, [remove], block=4)
    assert engine.projection(Balances).balance("bob", "LP-STX-ALEX") == 0
    assert book.lp_supply == engine.projection(Balances).supply("LP-STX-ALEX")


def test_a_restarted_engine_and_a_restored_snapshot_agree() -> None:
    engine = pools_engine()
    must(engine, [SwapExactIn(pool="STX-USDA", trader="bob", asset_in="STX", amount_in=ONE)], 3)
    pools = engine.projection(Pools)
    assert Engine(engine.store).projection(Pools).digest() == pools.digest()
    copy = Pools()
    copy.restore(pools.snapshot())
    assert copy.digest() == pools.digest()
    assert copy.tables() == pools.tables()
