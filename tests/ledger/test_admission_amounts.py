"""A recorded mint or swap passes the check the engine's own commands make (`check_amount`):
a registered asset and a positive amount, or a named refusal that appends nothing. A swap
imported from ALEX prints answers to the pool contracts, which refuse a zero input but may pay
out nothing.

Every edge is offered to `Engine.append_facts` (what `append` and the importers call): amounts
negative, zero and positive; assets registered, never registered, and registered from a chain
without decimals; a plain pool and a pool imported from Stacks prints.
"""

from __future__ import annotations

import itertools

import pytest

from events import Event, Minted, RejectCode
from events.alex_pools import STACKS_OUTSIDE, stacks_name
from events.amm import LiquidityAdded, PoolCreated, Swapped
from events.assets import AssetRegistered
from events.chain import ChainAssetRegistered, Provenance, chain_name
from ledger.batch import Appended, NewEvent, Rejected
from ledger.engine import Engine
from ledger.memory import MemoryStore

MYST = chain_name(1, "0x9c50aee3590cc917d9dd95eb546748040928e958")
"""A chain token no token list gave decimals for: registered, but not in `Balances.decimals`."""
WSTX, ALEX = stacks_name("SP3K8.token-wstx"), stacks_name("SP3K8.age000-governance-token")
STACKS_POOL = stacks_name("SP3K8.fwp-wstx-alex-50-50-v1-01")
PROVENANCE = Provenance(
    chain_id=1,
    block=1,
    block_hash="0x" + "1" * 64,
    tx_hash="0x" + "2" * 64,
    tx_index=0,
    log_index=0,
)
#: The asset each kind of mint names.
ASSETS = {"registered": "USDC", "never registered": "EUR", "registered without decimals": MYST}
AMOUNTS = (-1, 0, 1, 10**30)
SWAP_AMOUNTS = (-1, 0, 1)


def pool_facts(pool: str, tokens: tuple[str, str], provider: str) -> list[Event]:
    """A pool of `tokens` with `provider`'s liquidity in it."""
    lp_asset = f"{pool}-LP"
    names = {"pool": pool, "token_x": tokens[0], "token_y": tokens[1], "lp_asset": lp_asset}
    return [
        AssetRegistered(asset=lp_asset, symbol="LP", decimals=8),
        PoolCreated(kind="uniswap_v2", owner=provider, **names),
        LiquidityAdded(
            provider=provider, amount_x=10**12, amount_y=10**12, lp_minted=10**12, **names
        ),
    ]


def books() -> Engine:
    """USDC and ETH held by bob, a chain token without decimals, an ETH/USDC pool and an ALEX
    pool imported from prints (its provider the Stacks holders the books do not track)."""
    facts: list[Event] = [
        *(AssetRegistered(asset=asset, symbol=asset, decimals=6) for asset in ("USDC", "ETH")),
        *(AssetRegistered(asset=asset, symbol="STX", decimals=8) for asset in (WSTX, ALEX)),
        ChainAssetRegistered(asset=MYST, address=MYST[6:], symbol="MYST", provenance=PROVENANCE),
        *(Minted(asset=asset, to_account="bob", amount=10**15) for asset in ("USDC", "ETH")),
        *pool_facts("ETH-USDC", ("ETH", "USDC"), "bob"),
        *pool_facts(STACKS_POOL, (WSTX, ALEX), STACKS_OUTSIDE),
    ]
    engine = Engine(MemoryStore())
    appended = engine.append_facts([NewEvent(event=fact, block=1) for fact in facts])
    assert isinstance(appended, Appended), appended
    return engine


def offered(engine: Engine, fact: Event) -> RejectCode | None:
    """The code `fact` is refused with (the log unchanged), or None when it is appended."""
    head = engine.store.head()
    result = engine.append_facts([NewEvent(event=fact, block=2)])
    if isinstance(result, Rejected):
        assert engine.store.head() == head
        return result.code
    assert engine.store.head().seq == head.seq + 1
    return None


def swap_on(pool: str, amount_in: int, amount_out: int) -> Swapped:
    """A swap of x for y on the ETH/USDC pool (by bob) or the ALEX pool (by Stacks holders)."""
    from_stacks = pool == STACKS_POOL
    return Swapped(
        pool=pool,
        trader=STACKS_OUTSIDE if from_stacks else "bob",
        asset_in=WSTX if from_stacks else "ETH",
        asset_out=ALEX if from_stacks else "USDC",
        amount_in=amount_in,
        amount_out=amount_out,
        fee=0,
    )


def mint_refusal(kind: str, amount: int) -> RejectCode | None:
    """What the `Mint` command refuses, after the payload's own type (amounts are >= 0)."""
    if amount < 0:
        return RejectCode.NEGATIVE_AMOUNT
    if kind != "registered":
        return RejectCode.UNKNOWN_ASSET
    return RejectCode.ZERO_AMOUNT if amount == 0 else None


def swap_refusal(pool: str, amount_in: int, amount_out: int) -> RejectCode | None:
    """Nothing paid in is refused; nothing paid out too, unless an ALEX pool paid it."""
    if min(amount_in, amount_out) < 0:
        return RejectCode.NEGATIVE_AMOUNT
    if amount_in == 0 or (amount_out == 0 and pool != STACKS_POOL):
        return RejectCode.ZERO_AMOUNT
    return None


@pytest.mark.parametrize(("kind", "amount"), list(itertools.product(sorted(ASSETS), AMOUNTS)))
def test_a_mint_is_admitted_as_the_mint_command_would_make_it(kind: str, amount: int) -> None:
    mint = Minted(asset=ASSETS[kind], to_account="carol", amount=amount)
    assert offered(books(), mint) == mint_refusal(kind, amount)


@pytest.mark.parametrize(
    ("pool", "amount_in", "amount_out"),
    list(itertools.product(("ETH-USDC", STACKS_POOL), SWAP_AMOUNTS, SWAP_AMOUNTS)),
)
def test_a_swap_pays_something_in_and_out_except_as_alex_pools_pay(
    pool: str, amount_in: int, amount_out: int
) -> None:
    swap = swap_on(pool, amount_in, amount_out)
    assert offered(books(), swap) == swap_refusal(pool, amount_in, amount_out)


def test_a_refusal_names_the_amount_and_why() -> None:
    engine = books()
    refused = engine.append_facts([NewEvent(event=swap_on("ETH-USDC", 5, 0), block=2)])
    assert isinstance(refused, Rejected)
    assert refused.detail == "amount_out must be positive, got 0"
    mint = Minted(asset=MYST, to_account="carol", amount=5)
    refused = engine.append_facts([NewEvent(event=mint, block=2)])
    assert isinstance(refused, Rejected)
    assert refused.detail == f"asset {MYST!r} was registered from a chain without its decimals"
