"""ALEX lending: the yield-token pool (fixed rate, fees in yield terms, virtual liquidity) and
the collateral rebalancing pool (mint, LTV at the oracle, rebalancing swaps, redemption with the
reserve pool and emergency issuance covering a shortfall)."""

from __future__ import annotations

from fractions import Fraction

from events import RejectCode
from events.alex_lending import CollateralRedeemed, YieldTokenSwapped
from events.reserve import ShortfallCovered, ShortfallReported
from ledger.batch import Rejected
from ledger.commands.alex_crp import (
    CreateCollateralPool,
    MintCollateralPool,
    RedeemCollateralPool,
    SwapCollateralPool,
)
from ledger.commands.alex_crp_settle import SettleCollateralPool
from ledger.commands.alex_lending import (
    AddYieldLiquidity,
    CreateYieldPool,
    RemoveYieldLiquidity,
    SwapYieldPool,
)
from ledger.commands.core import Mint, RegisterAsset, UpdatePrice
from ledger.commands.reserve import CreditReserve
from ledger.engine import Command, Engine, Executed
from ledger.memory import MemoryStore
from ledger.store import ReadFilter
from projections.alex_lending import AlexLending
from projections.alex_staking import AlexStaking
from projections.balances import Balances
from projections.contracts.crp_desk import desk_collateral_to_token
from projections.contracts.fixed_point import mul_down, mul_up
from projections.reserve import ReserveSolvency
from projections.runtime import fold, make_books

ONE = 10**8


def ok(engine: Engine, commands: list[Command], block: int) -> Executed:
    result = engine.execute(commands, block=block)
    assert isinstance(result, Executed), result
    return result


def refused(engine: Engine, command: Command, block: int) -> RejectCode:
    result = engine.execute([command], block=block)
    assert isinstance(result, Rejected), result
    return result.code


def ytp_engine() -> Engine:
    engine = Engine(MemoryStore())
    ok(
        engine,
        [
            RegisterAsset(asset="USDA", symbol="USDA", decimals=8),
            RegisterAsset(asset="ayUSDA", symbol="ayUSDA", decimals=8),
            Mint(asset="USDA", to_account="lp", amount=10_000 * ONE),
            Mint(asset="USDA", to_account="lender", amount=100 * ONE),
            Mint(asset="ayUSDA", to_account="borrower", amount=100 * ONE),
            CreateYieldPool(
                pool_id="ytp",
                token="USDA",
                yield_token="ayUSDA",
                expiry=52_660,
                fee_rate_token=10**7,
                fee_rate_yield_token=10**7,
                fee_rebate=5 * 10**7,
            ),
        ],
        block=100,
    )
    return engine


def pool_matches_balances(engine: Engine, pool_id: str) -> None:
    book = engine.projection(AlexLending).yield_pool(pool_id)
    balances = engine.projection(Balances)
    assert book is not None
    assert balances.balance(f"pool:{pool_id}", book.token) == book.balance_token
    assert balances.balance(f"pool:{pool_id}", book.yield_token) == book.balance_yield_token
    assert balances.supply(book.lp_token) == book.total_supply


def test_the_first_deposit_is_matched_by_virtual_ay_tokens_at_zero_yield() -> None:
    engine = ytp_engine()
    ok(engine, [AddYieldLiquidity(pool_id="ytp", provider="lp", dx=1000 * ONE)], block=101)
    book = engine.projection(AlexLending).yield_pool("ytp")
    assert book is not None
    assert (book.balance_token, book.balance_yield_token, book.balance_virtual) == (
        1000 * ONE,
        0,
        1000 * ONE,
    )
    t, price, rate = book.quote(101) or (0, 0, 0)
    assert t == (52_660 - 101) * ONE // (210_240 - 100) == 25_011_420
    assert price - ONE == rate <= 5  # zero yield, within pow's error budget
    pool_matches_balances(engine, "ytp")


def test_borrowing_raises_the_yield_and_lending_earns_it_fees_in_yield_terms() -> None:
    engine = ytp_engine()
    ok(engine, [AddYieldLiquidity(pool_id="ytp", provider="lp", dx=1000 * ONE)], block=101)
    borrow = SwapYieldPool(pool_id="ytp", trader="borrower", asset_in="ayUSDA", amount_in=20 * ONE)
    ok(engine, [borrow], block=102)
    book = engine.projection(AlexLending).yield_pool("ytp")
    assert book is not None
    _, _, yield_after_borrow = book.quote(102) or (0, 0, 0)
    assert yield_after_borrow > 10**6  # selling bonds pushed the rate above 1%

    lend = SwapYieldPool(pool_id="ytp", trader="lender", asset_in="USDA", amount_in=10 * ONE)
    (swap,) = [e for e in ok(engine, [lend], 103).events if isinstance(e, YieldTokenSwapped)]
    assert swap.fee == mul_down(10 * ONE, mul_up(swap.price_before - ONE, 10**7))
    assert swap.amount_out > swap.amount_in_net  # a lender gets more bonds than tokens
    assert (swap.rebate, swap.reserve_share) == (swap.fee // 2, swap.fee - swap.fee // 2)
    assert engine.projection(ReserveSolvency).book("USDA").balance == swap.reserve_share
    pool_matches_balances(engine, "ytp")

    ok(engine, [RemoveYieldLiquidity(pool_id="ytp", provider="lp", percent=ONE // 2)], 104)
    pool_matches_balances(engine, "ytp")
    too_big = SwapYieldPool(pool_id="ytp", trader="lender", asset_in="USDA", amount_in=90 * ONE)
    assert refused(engine, too_big, 105) == RejectCode.MAX_RATIO


def crp_engine() -> Engine:
    engine = Engine(MemoryStore())
    ok(
        engine,
        [
            *(RegisterAsset(asset=a, symbol=a, decimals=8) for a in ("USDA", "WBTC", "ALEX")),
            Mint(asset="USDA", to_account="borrower", amount=100_000 * ONE),
            Mint(asset="USDA", to_account="treasury", amount=10_000 * ONE),
            Mint(asset="USDA", to_account="market-maker", amount=1_000_000 * ONE),
            Mint(asset="WBTC", to_account="router:crp", amount=100 * ONE),
            Mint(asset="WBTC", to_account="keeper", amount=10 * ONE),
            UpdatePrice(asset="USDA", quote="USD", price=ONE, scale=ONE),
            UpdatePrice(asset="WBTC", quote="USD", price=50_000 * ONE, scale=ONE),
            UpdatePrice(asset="ALEX", quote="USD", price=ONE // 4, scale=ONE),
            CreateCollateralPool(
                pool_id="crp",
                collateral="USDA",
                token="WBTC",
                expiry=2100,
                ltv_0=80 * 10**6,
                conversion_ltv=95 * 10**6,
                bs_vol=80 * 10**6,
                moving_average=95 * 10**6,
                token_to_maturity=1000 * ONE,
                fee_rate_x=10**6,
                fee_rate_y=10**6,
                fee_rebate=5 * 10**7,
            ),
        ],
        block=100,
    )
    return engine


def test_minting_splits_collateral_by_weight_and_lends_at_ltv_0() -> None:
    engine = crp_engine()
    book = engine.projection(AlexLending).collateral_pool("crp")
    assert book is not None and (book.strike, book.weight_x) == (1900, 63_736_115)
    ok(engine, [MintCollateralPool(pool_id="crp", borrower="borrower", dx=10_000 * ONE)], 101)
    balances = engine.projection(Balances)
    # 10,000 USDA at $50,000/WBTC is 0.2 WBTC; ltv_0 80% lends 0.16 WBTC of yield tokens.
    assert balances.balance("borrower", "yield-crp") == balances.balance("borrower", "key-crp")
    assert balances.balance("borrower", "yield-crp") == 16_000_000
    kept = mul_down(63_736_115, 10_000 * ONE)
    assert balances.balance("pool:crp", "USDA") == kept
    # The rest is converted through the desk, paying its price impact on 100 WBTC of depth.
    bought = desk_collateral_to_token(10_000 * ONE - kept, 2000, 100 * ONE)
    assert mul_down(10_000 * ONE - kept, 2000) - bought > 0
    assert balances.balance("pool:crp", "WBTC") == bought
    (loan,) = engine.projection(AlexLending).crp_loans()
    assert (loan.debt, loan.collateral_value, loan.spot_e8) == (
        16_000_000,
        mul_down(kept, 2000) + bought,
        2000,
    )
    assert loan.ltv_e8 == 16_000_000 * ONE // loan.collateral_value
    # WBTC rising by the reported move takes the LTV to the 95% conversion line.
    move = loan.price_move_to_conversion_1e18
    assert move is not None and move > 0
    rise = Fraction(10**18 + move, 10**18)
    pool_x, pool_y = balances.balance("pool:crp", "USDA"), balances.balance("pool:crp", "WBTC")
    ltv_at_line = Fraction(16_000_000) / (Fraction(pool_x * 2000, ONE) / rise + pool_y)
    assert abs(ltv_at_line - Fraction(95, 100)) < Fraction(1, 10**6)


def test_a_rebalancing_swap_moves_the_weight_and_the_ltv_follows_the_oracle() -> None:
    engine = crp_engine()
    ok(engine, [MintCollateralPool(pool_id="crp", borrower="borrower", dx=10_000 * ONE)], 101)
    swap = SwapCollateralPool(pool_id="crp", trader="keeper", asset_in="WBTC", amount_in=100_000)
    ok(engine, [UpdatePrice(asset="WBTC", quote="USD", price=40_000 * ONE, scale=ONE), swap], 200)
    lending = engine.projection(AlexLending)
    book = lending.collateral_pool("crp")
    assert book is not None and book.weight_x == 65_398_951
    balances = engine.projection(Balances)
    assert balances.balance("pool:crp", "USDA") == book.balance_x
    assert balances.balance("pool:crp", "WBTC") == book.balance_y
    (loan,) = lending.crp_loans()
    assert loan.ltv_e8 < 80_000_000  # the borrowed token fell: the loan is safer
    redeem = RedeemCollateralPool(pool_id="crp", holder="borrower", redeemed_token="yield-crp")
    assert refused(engine, redeem, 300) == RejectCode.NOT_EXPIRED
    late = MintCollateralPool(pool_id="crp", borrower="borrower", dx=ONE)
    assert refused(engine, late, 2100) == RejectCode.EXPIRED


def test_a_shortfall_at_expiry_is_settled_by_the_reserve_and_redeemed_once_filled() -> None:
    engine = crp_engine()
    ok(engine, [MintCollateralPool(pool_id="crp", borrower="borrower", dx=10_000 * ONE)], 101)
    ok(
        engine,
        [
            UpdatePrice(asset="WBTC", quote="USD", price=150_000 * ONE, scale=ONE),
            CreditReserve(token="USDA", amount=1000 * ONE, from_account="treasury"),
        ],
        2200,
    )
    (loan,) = engine.projection(AlexLending).crp_loans()
    assert loan.ltv_e8 > 10**8  # the debt is worth more than the pool
    redeem = RedeemCollateralPool(pool_id="crp", holder="borrower", redeemed_token="yield-crp")
    assert refused(engine, redeem, 2201) == RejectCode.INSUFFICIENT_LIQUIDITY  # reserve too small
    events = ok(engine, [SettleCollateralPool(pool_id="crp")], 2201).events
    (reported,) = [e for e in events if isinstance(e, ShortfallReported)]
    (covered,) = [e for e in events if isinstance(e, ShortfallCovered)]
    assert covered.amount == 1000 * ONE < reported.amount  # the reserve pays what it holds
    book = engine.projection(ReserveSolvency).book("USDA")
    assert book.owed == {"pool:crp": reported.amount - 1000 * ONE}
    settle_again = SettleCollateralPool(pool_id="crp")
    assert refused(engine, settle_again, 2202) == RejectCode.NOTHING_TO_CLAIM  # owed already
    assert refused(engine, redeem, 2202) == RejectCode.INSUFFICIENT_LIQUIDITY
    top_up = CreditReserve(token="USDA", amount=50_000 * ONE, from_account="market-maker")
    events = ok(engine, [top_up, redeem], 2203).events
    (redeemed,) = [e for e in events if isinstance(e, CollateralRedeemed)]
    extra = sum(e.amount for e in events if isinstance(e, ShortfallCovered))
    assert redeemed.reserve_cover_x == 1000 * ONE + extra  # the cover paid ahead, and the rest
    balances = engine.projection(Balances)
    assert balances.balance("borrower", "WBTC") == 16_000_000  # yield tokens paid 1:1
    assert balances.supply("yield-crp") == 0
    crp = engine.projection(AlexLending).collateral_pool("crp")
    assert crp is not None and crp.balance_x == balances.balance("pool:crp", "USDA")
    ok(
        engine,
        [RedeemCollateralPool(pool_id="crp", holder="borrower", redeemed_token="key-crp")],
        2204,
    )
    assert balances.balance("pool:crp", "WBTC") == balances.balance("pool:crp", "USDA") == 0
    assert balances.violations() == []


def test_replaying_the_log_and_restoring_snapshots_give_the_same_state() -> None:
    engine = crp_engine()
    ok(engine, [MintCollateralPool(pool_id="crp", borrower="borrower", dx=10_000 * ONE)], 101)
    swap = SwapCollateralPool(pool_id="crp", trader="keeper", asset_in="WBTC", amount_in=100_000)
    ok(engine, [swap], 102)
    head = engine.store.head()
    for live in (engine.projection(AlexLending), engine.projection(AlexStaking)):
        rebuilt, restored = type(live)(), type(live)()
        books = make_books()
        fold(engine.store.read(ReadFilter()), books)
        rebuilt = books.get(type(live))
        # Restored as a set: lending reads the prices and decimals books, at the books' block.
        copy = make_books()
        copy.restore(engine.books.snapshot(), head.seq, head.block)
        restored = copy.get(type(live))
        assert live.digest() == rebuilt.digest() == restored.digest()
        assert restored.tables() == live.tables()
