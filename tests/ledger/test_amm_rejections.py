"""Every way an AMM command is refused: a named reason, and nothing appended."""

from __future__ import annotations

from events import REJECT_HELP, RejectCode
from ledger.commands.amm import AddLiquidity, PausePool, RemoveLiquidity, UnpausePool
from ledger.commands.amm_swaps import PairSwap, SwapExactIn, SwapExactOut, SwapMultiHop
from projections.balances import Balances
from tests.ledger.test_amm_fixtures import (
    ONE,
    funded_engine,
    must,
    pair_pool,
    pools_engine,
    refused,
    weighted_pool,
)

PAIR, WEIGHTED = "STX-USDA", "STX-ALEX"


def swap(pool: str = PAIR, amount_in: int = ONE, **overrides: object) -> SwapExactIn:
    fields: dict[str, object] = {
        "pool": pool,
        "trader": "alice",
        "asset_in": "STX",
        "amount_in": amount_in,
    }
    fields.update(overrides)
    return SwapExactIn(**fields)  # type: ignore[arg-type]


def test_every_amm_code_has_help() -> None:
    codes = ["INSUFFICIENT_LIQUIDITY", "SLIPPAGE", "K_VIOLATION", "MAX_RATIO", "PAUSED"]
    codes += ["UNKNOWN_POOL", "CAP_EXCEEDED", "GATE_CLOSED", "POOL_EXISTS"]
    assert all(REJECT_HELP[RejectCode(code)] for code in codes)


def test_insufficient_balance() -> None:
    engine = pools_engine()
    result = refused(engine, swap(trader="carol"))
    assert result.code == RejectCode.INSUFFICIENT_BALANCE
    lp = engine.projection(Balances).balance("alice", "LP-STX-USDA")
    remove = RemoveLiquidity(pool=PAIR, provider="alice", lp_amount=lp + 1)
    assert refused(engine, remove).code == RejectCode.INSUFFICIENT_BALANCE


def test_insufficient_liquidity() -> None:
    engine = funded_engine()
    must(engine, [pair_pool()], block=2)
    assert refused(engine, swap()).code == RejectCode.INSUFFICIENT_LIQUIDITY
    engine = pools_engine()
    drain = SwapExactOut(
        pool=PAIR, trader="alice", asset_out="USDA", amount_out=20_000 * ONE, amount_in_max=10**18
    )
    assert refused(engine, drain).code == RejectCode.INSUFFICIENT_LIQUIDITY
    must(engine, [pair_pool("NEW")], block=3)
    # A first mint of sqrt(1000 * 1000) - MINIMUM_LIQUIDITY = 0 LP.
    dust = AddLiquidity(pool="NEW", provider="bob", amount_x_desired=1000, amount_y_desired=1000)
    assert refused(engine, dust).code == RejectCode.INSUFFICIENT_LIQUIDITY


def test_slippage_on_every_bound() -> None:
    engine = pools_engine()
    assert refused(engine, swap(amount_out_min=2 * ONE)).code == RejectCode.SLIPPAGE
    exact_out = SwapExactOut(
        pool=PAIR, trader="alice", asset_out="USDA", amount_out=2 * ONE, amount_in_max=ONE
    )
    assert refused(engine, exact_out).code == RejectCode.SLIPPAGE
    hop = SwapMultiHop(
        path=[PAIR, WEIGHTED],
        trader="alice",
        asset_in="USDA",
        amount_in=ONE,
        amount_out_min=2 * ONE,
    )
    assert refused(engine, hop).code == RejectCode.SLIPPAGE
    add = AddLiquidity(
        pool=PAIR,
        provider="bob",
        amount_x_desired=ONE,
        amount_y_desired=ONE,
        amount_x_min=ONE,
    )
    assert refused(engine, add).code == RejectCode.SLIPPAGE  # the ratio needs 0.5 STX per USDA
    remove = RemoveLiquidity(pool=PAIR, provider="alice", lp_amount=ONE, amount_x_min=ONE)
    assert refused(engine, remove).code == RejectCode.SLIPPAGE


def test_k_violation() -> None:
    engine = pools_engine()
    greedy = PairSwap(pool=PAIR, trader="alice", asset_in="STX", amount_in=ONE, amount_out=2 * ONE)
    assert refused(engine, greedy).code == RejectCode.K_VIOLATION


def test_max_ratio() -> None:
    engine = pools_engine()
    # The weighted pool takes at most 1% of its 10,000 STX in one trade.
    assert refused(engine, swap(WEIGHTED, amount_in=101 * ONE)).code == RejectCode.MAX_RATIO


def test_unknown_pool_and_asset() -> None:
    engine = pools_engine()
    assert refused(engine, swap("nope")).code == RejectCode.UNKNOWN_POOL
    assert refused(engine, swap(asset_in="ALEX")).code == RejectCode.UNKNOWN_ASSET
    unknown_token = pair_pool("EUR-STX", token_x="EUR")
    assert refused(engine, unknown_token).code == RejectCode.UNKNOWN_ASSET
    assert refused(engine, pair_pool()).code == RejectCode.POOL_EXISTS


def test_zero_amount() -> None:
    engine = pools_engine()
    assert refused(engine, swap(amount_in=0)).code == RejectCode.ZERO_AMOUNT
    add = AddLiquidity(pool=PAIR, provider="bob", amount_x_desired=0, amount_y_desired=ONE)
    assert refused(engine, add).code == RejectCode.ZERO_AMOUNT


def test_paused_pool_refuses_until_unpaused_by_its_owner() -> None:
    engine = pools_engine()
    result = refused(engine, PausePool(pool=PAIR, by_account="bob"))
    assert result.code == RejectCode.NOT_AUTHORISED
    must(engine, [PausePool(pool=PAIR, by_account="gov")], block=3)
    assert refused(engine, swap()).code == RejectCode.PAUSED
    remove = RemoveLiquidity(pool=PAIR, provider="alice", lp_amount=ONE)
    assert refused(engine, remove).code == RejectCode.PAUSED
    result = refused(engine, UnpausePool(pool=PAIR, by_account="alice"))
    assert result.code == RejectCode.NOT_AUTHORISED
    must(engine, [UnpausePool(pool=PAIR, by_account="gov"), swap()], block=4)


def test_cap_exceeded() -> None:
    engine = funded_engine(traders=("alice", "bob"))
    seed = AddLiquidity(
        pool="CAPPED", provider="alice", amount_x_desired=100 * ONE, amount_y_desired=100 * ONE
    )
    must(engine, [weighted_pool("CAPPED", cap_bps=4_000), seed], block=2)

    def deposit(amount: int) -> AddLiquidity:
        return AddLiquidity(
            pool="CAPPED", provider="bob", amount_x_desired=amount, amount_y_desired=amount
        )

    assert refused(engine, deposit(67 * ONE)).code == RejectCode.CAP_EXCEEDED  # 40.1%
    must(engine, [deposit(66 * ONE)], block=3)  # 39.8%: within the cap


def test_gate_closes_for_the_rest_of_the_window() -> None:
    engine = funded_engine()
    seed = AddLiquidity(
        pool="GATED", provider="alice", amount_x_desired=100 * ONE, amount_y_desired=100 * ONE
    )
    gated = weighted_pool("GATED", gate_lp_per_window=10 * ONE, gate_window_blocks=100)
    must(engine, [gated, seed], block=2)

    def withdraw(lp_amount: int) -> RemoveLiquidity:
        return RemoveLiquidity(pool="GATED", provider="alice", lp_amount=lp_amount)

    must(engine, [withdraw(6 * ONE)], block=50)
    assert refused(engine, withdraw(5 * ONE), block=99).code == RejectCode.GATE_CLOSED
    must(engine, [withdraw(4 * ONE)], block=99)  # exactly the gate
    must(engine, [withdraw(10 * ONE)], block=100)  # a new window
