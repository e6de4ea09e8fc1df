"""Shared setup for the f(x) and AlphaX ledger tests: assets, prices, a long pool, a keeper."""

from __future__ import annotations

import pytest

from events.rejections import RejectCode
from ledger.commands.core import Mint, RegisterAsset, UpdatePrice
from ledger.commands.fx import CreateFxPool, OperateFxPosition
from ledger.commands.fx_stability import DepositStability
from ledger.engine import Command, Engine, Executed
from ledger.memory import MemoryStore
from projections.contracts import MathRejected
from projections.contracts.fx_results import SettlementTerms
from projections.fx_pools import FxPools
from projections.positions import fx_price_1e18
from projections.prices import Prices

ETH = 10**18
USD = 10**18
USDC = 10**6


def price_eth(usd: int) -> UpdatePrice:
    return UpdatePrice(asset="ETH", quote="USD", price=usd * 10**8, scale=10**8)


def run(engine: Engine, commands: list[Command], block: int) -> Executed:
    result = engine.execute(commands, block=block)
    assert isinstance(result, Executed), result
    return result


def fx_engine(eth_usd: int = 3000, short: bool = False) -> Engine:
    """ETH at `eth_usd`, an `ETH-long` pool at HEAD defaults, alice and bob hold ETH and USDC."""
    engine = Engine(MemoryStore())
    setup: list[Command] = [
        RegisterAsset(asset="ETH", symbol="ETH", decimals=18),
        RegisterAsset(asset="USDC", symbol="USDC", decimals=6),
        price_eth(eth_usd),
        UpdatePrice(asset="USDC", quote="USD", price=10**8, scale=10**8),
        CreateFxPool(pool_id="ETH-long", price_asset="ETH"),
    ]
    for account in ("alice", "bob", "carol", "lender"):
        setup.append(Mint(asset="ETH", to_account=account, amount=1_000 * ETH))
        setup.append(Mint(asset="USDC", to_account=account, amount=10_000_000 * USDC))
    setup.append(Mint(asset="USDC", to_account="keeper", amount=100_000_000 * USDC))
    if short:
        setup.append(
            CreateFxPool(
                pool_id="ETH-short", side="short", price_asset="ETH", counterparty="lender"
            )
        )
    run(engine, setup, block=1)
    return engine


STABILITY_FXUSD_SMALL = 100 * USD
"""fxBASE's whole balance in `past_the_line_with_a_small_stability_pool`."""
DEBT_PAST_THE_LINE = 24_000 * USD
"""alice's debt there: 24,000 / (9.97 ETH * 2,550) = 94.4%, past the 92% line."""


def past_the_line_with_a_small_stability_pool() -> Engine:
    """alice's 24,000 fxUSD past the liquidation line at block 4, bob's 15,000 below the
    rebalance line, and fxBASE holding 100 fxUSD (the keeper pays it back in USDC)."""
    engine = fx_engine()
    opened = [
        OperateFxPosition(
            pool_id="ETH-long", owner=owner, collateral_delta_token=10 * ETH, debt_delta=debt
        )
        for owner, debt in (("alice", DEBT_PAST_THE_LINE), ("bob", 15_000 * USD))
    ]
    run(engine, opened, block=2)
    deposit = DepositStability(account="alice", token="fxUSD", amount=STABILITY_FXUSD_SMALL)
    run(engine, [deposit], block=3)
    run(engine, [price_eth(2550)], block=4)
    return engine


def assert_nothing_liquidatable(engine: Engine, pool_id: str = "ETH-long") -> None:
    """No tick past the liquidation line: a liquidation with unbounded fxUSD finds none."""
    fx, prices = engine.projection(FxPools), engine.projection(Prices)
    price = fx_price_1e18(prices, fx.meta[pool_id].price_asset, fx.meta[pool_id].side)
    assert price is not None
    with pytest.raises(MathRejected) as refused:
        fx.pools[pool_id].preview_liquidate(price, SettlementTerms(max_fxusd=10**40), 0)
    assert refused.value.code is RejectCode.NOT_LIQUIDATABLE
