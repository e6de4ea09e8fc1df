"""A small f(x) book built by commands, and a one-step stress file, for the stress tests.

Three long positions of 10 ETH each (9.97 ETH after the 0.3% supply fee) at ETH = $2,000:
alice 10,500 fxUSD, bob 13,300, carol 15,500 (debt ratios 0.527, 0.667, 0.777). No reserve.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ledger.batch import Rejected
from ledger.clock import FixedClock
from ledger.commands.core import Mint, RegisterAsset, UpdatePrice
from ledger.commands.fx import CreateFxPool, OperateFxPosition
from ledger.engine import Command, Engine
from ledger.sqlite_store import SqliteStore

E18 = 10**18
DEBTS = {"alice": 10_500, "bob": 13_300, "carol": 15_500}

STEP_STRESS = """
name = "eth-step-25"
seed = 1
[chain]
block_seconds = 12
[path]
asset = "ETH"
step_seconds = 60
steps = 2
shock = { size_bps = -2500, duration_steps = 1, shape = "step" }
[[actors]]
name = "keeper"
holdings = { USDC = 1_000_000_000_000 }
[[agents]]
kind = "fx_keeper"
params = { keeper = "keeper" }
"""


def build_book(path: Path) -> None:
    """The book above, in blocks 1-3 of a new log at `path`."""
    store = SqliteStore(path, clock=FixedClock(1_600_000_000_000), create=True)
    engine = Engine(store)

    def run(commands: list[Command], block: int) -> None:
        result = engine.execute(commands, block=block)
        assert not isinstance(result, Rejected), result

    try:
        run(
            [
                RegisterAsset(asset="USDC", symbol="USDC", decimals=6),
                RegisterAsset(asset="ETH", symbol="ETH", decimals=18),
            ],
            1,
        )
        run([Mint(asset="ETH", to_account=owner, amount=10 * E18) for owner in DEBTS], 1)
        run([UpdatePrice(asset="ETH", quote="USD", price=2000 * E18, scale=E18)], 2)
        run([CreateFxPool(pool_id="ETH-long", price_asset="ETH")], 2)
        open_positions(engine, "ETH-long", DEBTS, 3)
    finally:
        store.close()


def open_positions(engine: Engine, pool_id: str, debts: dict[str, int], block: int) -> None:
    """A position of 10 collateral tokens per owner, with `debts[owner]` fxUSD of debt."""
    for owner, debt in debts.items():
        command = OperateFxPosition(
            pool_id=pool_id, owner=owner, collateral_delta_token=10 * E18, debt_delta=debt * E18
        )
        result = engine.execute([command], block=block)
        assert not isinstance(result, Rejected), result


def assert_lines_and_baseline(report: dict[str, Any], rows: dict[str, Any], block: int) -> None:
    """Carol past both lines and bob past the rebalance line at `block` (alice past none), and
    nothing happened in the unstressed continuation."""
    assert rows["carol"]["first_liquidation_line_block"] == block
    assert rows["bob"]["first_rebalance_line_block"] == block
    assert rows["bob"]["first_liquidation_line_block"] is None
    assert rows["alice"]["first_rebalance_line_block"] is None
    unstressed = report["unstressed"]
    baseline = (
        unstressed["liquidated"],
        unstressed["rebalanced"],
        unstressed["bad_debt_raw_total"],
    )
    assert baseline == (0, 0, 0)


def write_stress(path: Path, text: str = STEP_STRESS) -> Path:
    path.write_text(text)
    return path
