"""A small book on an imported log: a Uniswap V2 WETH/USDC pair from chain logs, f(x) positions.

The pair comes from generated logs in ethereum-etl's JSON-lines format (`tests.importers.
chain_model`, imported with `replay.importers.import_logs`), the f(x) positions from commands
(the importer does not map f(x) logs):

    block 100  PairCreated WETH/USDC                                    (imported)
    block 101  Mint: 500 WETH + 1,000,000 USDC (the pair's price $2,000)  (imported)
    block 101  f(x) pool `WETH-long` priced in the imported WETH; a price of $2,000 posted
               then; alice, bob and carol each open a position of 10 WETH (9.97 after the
               0.3% supply fee) with 10,000, 11,000 and 12,800 fxUSD of debt       (commands)
    block 105  Swap: bob sells 50 WETH into the pair (the pair's price falls)  (imported)
    block 110  Swap: carol buys WETH back with 60,000 USDC (it rises again)    (imported)

No price fact follows the opening one: what the pair's reserves say at a block is the only
record of the price after block 101.
"""

from __future__ import annotations

import json
from pathlib import Path

from events.chain import chain_name
from ledger.batch import Rejected
from ledger.clock import FixedClock
from ledger.commands.core import Mint, RegisterAsset, UpdatePrice
from ledger.commands.fx import CreateFxPool
from ledger.engine import Command, Engine
from ledger.sqlite_store import SqliteStore
from replay.importers import import_logs
from tests.importers.chain_model import ALICE as PROVIDER
from tests.importers.chain_model import (
    BOB,
    CAROL,
    FACTORY,
    USDC,
    WETH,
    ModelChain,
    Pair,
    etl_jsonl,
    token_list,
)
from tests.replay.stress_book import open_positions as open_book_positions

E18 = 10**18
WETH_ID, USDC_ID = chain_name(1, WETH), chain_name(1, USDC)
DEBTS = {"alice": 10_000, "bob": 11_000, "carol": 12_800}
POOL_WETH, POOL_USDC = 500 * E18, 1_000_000 * 10**6
SOLD_WETH = 50 * E18
"""Sold into the pair at block 105."""
BOUGHT_WITH_USDC = 60_000 * 10**6
"""Paid into the pair for WETH at block 110."""

STEP_STRESS = f"""
name = "weth-step-25"
seed = 1
[chain]
block_seconds = 12
[path]
asset = "{WETH_ID}"
step_seconds = 60
steps = 2
shock = {{ size_bps = -2500, duration_steps = 1, shape = "step" }}
oracle = {{ pool = "POOL", quote = "USD" }}
[[actors]]
name = "keeper"
holdings = {{ USDC = 1_000_000_000_000 }}
[[agents]]
kind = "fx_keeper"
params = {{ keeper = "keeper" }}
"""


def amounts(pair: Pair, weth: int, usdc: int) -> tuple[int, int]:
    """(token0, token1) amounts of WETH and USDC (the factory sorts the pair's tokens)."""
    return (weth, usdc) if pair.token0 == WETH else (usdc, weth)


def import_file(store: SqliteStore, chain: ModelChain, start: int, folder: Path) -> int:
    """Import the chain's logs from index `start` on (one file); the index to start from next."""
    path = folder / f"logs-{start}.json"
    path.write_text(etl_jsonl(chain.logs[start:]))
    tokens = folder / "tokens.json"
    tokens.write_text(json.dumps(token_list()))
    result = import_logs(store, [path], format="etl-json", token_list=tokens)
    assert result.rejected is None and not result.unmapped_reasons, result
    return len(chain.logs)


def open_positions(store: SqliteStore, block: int) -> None:
    engine = Engine(store)

    def run(commands: list[Command]) -> None:
        result = engine.execute(commands, block=block)
        assert not isinstance(result, Rejected), result

    run([RegisterAsset(asset="USDC", symbol="USDC", decimals=6)])
    run([Mint(asset=WETH_ID, to_account=owner, amount=10 * E18) for owner in DEBTS])
    run([UpdatePrice(asset=WETH_ID, quote="USD", price=2000 * E18, scale=E18, source="open")])
    run([CreateFxPool(pool_id="WETH-long", price_asset=WETH_ID)])
    open_book_positions(engine, "WETH-long", DEBTS, block)


def build_imported_book(path: Path) -> str:
    """The log above at `path`; the pair's pool id."""
    chain = ModelChain()
    pair = chain.create_pair(FACTORY, WETH, USDC, "WETH-USDC")
    chain.next_block()
    chain.mint(pair, PROVIDER, *amounts(pair, POOL_WETH, POOL_USDC))
    store = SqliteStore(path, clock=FixedClock(1_600_000_000_000), create=True)
    try:
        start = import_file(store, chain, 0, path.parent)
        open_positions(store, chain.block)
        chain.next_block(4)
        chain.swap(pair, BOB, SOLD_WETH, pair.token0 == WETH)
        chain.next_block(5)
        chain.swap(pair, CAROL, BOUGHT_WITH_USDC, pair.token0 == USDC)
        import_file(store, chain, start, path.parent)
    finally:
        store.close()
    return chain_name(1, pair.address)


def stress_text(pool: str) -> str:
    return STEP_STRESS.replace("POOL", pool)
