"""A recorded mint passes the check the engine's own `Mint` command makes (`check_amount`):
a registered asset and a positive amount, or a named refusal that appends nothing.

Every edge is offered to `Engine.append_facts` (what `append` and the importers call): amounts
negative, zero and positive; assets registered, never registered, and registered from a chain
without decimals.
"""

from __future__ import annotations

import itertools

import pytest

from events import Event, Minted, RejectCode
from events.assets import AssetRegistered
from events.chain import ChainAssetRegistered, Provenance, chain_name
from ledger.batch import Appended, NewEvent, Rejected
from ledger.engine import Engine
from ledger.memory import MemoryStore

MYST = chain_name(1, "0x9c50aee3590cc917d9dd95eb546748040928e958")
"""A chain token no token list gave decimals for: registered, but not in `Balances.decimals`."""
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


def books() -> Engine:
    """USDC held by bob, and a chain token without decimals."""
    facts: list[Event] = [
        AssetRegistered(asset="USDC", symbol="USDC", decimals=6),
        ChainAssetRegistered(asset=MYST, address=MYST[6:], symbol="MYST", provenance=PROVENANCE),
        Minted(asset="USDC", to_account="bob", amount=10**15),
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


def mint_refusal(kind: str, amount: int) -> RejectCode | None:
    """What the `Mint` command refuses, after the payload's own type (amounts are >= 0)."""
    if amount < 0:
        return RejectCode.NEGATIVE_AMOUNT
    if kind != "registered":
        return RejectCode.UNKNOWN_ASSET
    return RejectCode.ZERO_AMOUNT if amount == 0 else None


@pytest.mark.parametrize(("kind", "amount"), list(itertools.product(sorted(ASSETS), AMOUNTS)))
def test_a_mint_is_admitted_as_the_mint_command_would_make_it(kind: str, amount: int) -> None:
    mint = Minted(asset=ASSETS[kind], to_account="carol", amount=amount)
    assert offered(books(), mint) == mint_refusal(kind, amount)


def test_a_refusal_names_why() -> None:
    mint = Minted(asset=MYST, to_account="carol", amount=5)
    refused = books().append_facts([NewEvent(event=mint, block=2)])
    assert isinstance(refused, Rejected)
    assert refused.detail == f"asset {MYST!r} was registered from a chain without its decimals"
