"""Shared setup for the f(x) and AlphaX ledger tests: assets, prices, a long pool, a keeper."""

from __future__ import annotations

from ledger.commands.core import Mint, RegisterAsset, UpdatePrice
from ledger.commands.fx import CreateFxPool
from ledger.engine import Command, Engine, Executed
from ledger.memory import MemoryStore

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
