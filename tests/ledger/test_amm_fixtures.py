"""Shared set-up for the AMM tests: three assets, two funded traders, a pair and a weighted pool.

No tests live here; the other `test_amm_*` modules and `test_audit` import these builders.
"""

from __future__ import annotations

from collections.abc import Sequence

from ledger.batch import Rejected
from ledger.commands.amm import AddLiquidity, CreatePool
from ledger.commands.core import Mint, RegisterAsset
from ledger.engine import Command, Engine, Executed
from ledger.memory import MemoryStore
from ledger.store import EventStore

TOKENS = ("STX", "USDA", "ALEX")
FUNDING = 10**16
ONE = 10**8
HALF = 50_000_000


def pair_pool(pool: str = "STX-USDA", **overrides: object) -> CreatePool:
    """A Uniswap V2 pair of STX and USDA owned by `gov`."""
    fields: dict[str, object] = {
        "pool": pool,
        "kind": "uniswap_v2",
        "token_x": "STX",
        "token_y": "USDA",
        "owner": "gov",
    }
    fields.update(overrides)
    return CreatePool(**fields)  # type: ignore[arg-type]


def weighted_pool(pool: str = "STX-ALEX", **overrides: object) -> CreatePool:
    """A 50/50 ALEX pool of STX and ALEX: 0.3% fees, half of each fee rebated to LPs."""
    fields: dict[str, object] = {
        "pool": pool,
        "kind": "weighted",
        "token_x": "STX",
        "token_y": "ALEX",
        "owner": "gov",
        "weight_x": HALF,
        "weight_y": HALF,
        "fee_rate_x": 300_000,
        "fee_rate_y": 300_000,
        "fee_rebate": HALF,
    }
    fields.update(overrides)
    return CreatePool(**fields)  # type: ignore[arg-type]


def must(engine: Engine, commands: Sequence[Command], block: int) -> Executed:
    result = engine.execute(commands, block=block)
    assert isinstance(result, Executed), result
    return result


def refused(engine: Engine, command: Command, block: int = 10) -> Rejected:
    """The rejection of one command, checking that nothing was appended."""
    head = engine.store.head()
    result = engine.execute([command], block=block)
    assert isinstance(result, Rejected), result
    assert engine.store.head() == head
    return result


def funded_engine(store: EventStore | None = None, traders: Sequence[str] = ("alice",)) -> Engine:
    """Registered STX, USDA, ALEX (8 decimals) and `FUNDING` of each to every trader."""
    engine = Engine(store if store is not None else MemoryStore())
    setup: list[Command] = [RegisterAsset(asset=t, symbol=t, decimals=8) for t in TOKENS]
    setup += [Mint(asset=t, to_account=who, amount=FUNDING) for who in traders for t in TOKENS]
    must(engine, setup, block=1)
    return engine


def pools_engine(store: EventStore | None = None) -> Engine:
    """Alice seeds a pair (10,000 STX : 20,000 USDA) and a weighted pool (10,000 : 30,000)."""
    engine = funded_engine(store, traders=("alice", "bob"))
    must(
        engine,
        [
            pair_pool(),
            weighted_pool(),
            AddLiquidity(
                pool="STX-USDA",
                provider="alice",
                amount_x_desired=10_000 * ONE,
                amount_y_desired=20_000 * ONE,
            ),
            AddLiquidity(
                pool="STX-ALEX",
                provider="alice",
                amount_x_desired=10_000 * ONE,
                amount_y_desired=30_000 * ONE,
            ),
        ],
        block=2,
    )
    return engine
