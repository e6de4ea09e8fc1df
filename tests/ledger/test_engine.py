"""The engine: commands become events, refusals append nothing, a batch is all or nothing."""

from __future__ import annotations

from events import Minted, RejectCode, Transferred
from ledger.batch import Rejected
from ledger.commands.core import Burn, Mint, RegisterAsset, Transfer
from ledger.engine import Engine, Executed
from ledger.memory import MemoryStore
from projections.balances import Balances


def funded_engine() -> Engine:
    engine = Engine(MemoryStore())
    result = engine.execute(
        [
            RegisterAsset(asset="USDC", symbol="USDC", decimals=6),
            Mint(asset="USDC", to_account="alice", amount=100),
        ],
        block=1,
    )
    assert isinstance(result, Executed)
    return engine


def test_a_transfer_becomes_an_event_and_moves_the_balances() -> None:
    engine = funded_engine()
    result = engine.execute(
        [Transfer(asset="USDC", from_account="alice", to_account="bob", amount=40)], block=2
    )
    assert isinstance(result, Executed)
    assert result.events == [
        Transferred(asset="USDC", from_account="alice", to_account="bob", amount=40)
    ]
    balances = engine.projection(Balances)
    assert (balances.balance("alice", "USDC"), balances.balance("bob", "USDC")) == (60, 40)


def test_refusals_are_named_and_append_nothing() -> None:
    engine = funded_engine()
    head = engine.store.head()
    cases = [
        (
            Transfer(asset="USDC", from_account="alice", to_account="bob", amount=101),
            RejectCode.INSUFFICIENT_BALANCE,
        ),
        (
            Transfer(asset="EUR", from_account="alice", to_account="bob", amount=1),
            RejectCode.UNKNOWN_ASSET,
        ),
        (Burn(asset="USDC", from_account="alice", amount=0), RejectCode.ZERO_AMOUNT),
        (RegisterAsset(asset="USDC", symbol="USDC", decimals=6), RejectCode.ASSET_EXISTS),
    ]
    for command, code in cases:
        result = engine.execute([command], block=2)
        assert isinstance(result, Rejected) and result.code == code, (command, result)
    assert engine.store.head() == head


def test_a_batch_is_all_or_nothing_and_sees_its_own_effects() -> None:
    engine = funded_engine()
    spend_twice = [
        Transfer(asset="USDC", from_account="alice", to_account="bob", amount=60),
        Transfer(asset="USDC", from_account="alice", to_account="carol", amount=60),
    ]
    result = engine.execute(spend_twice, block=2)
    assert isinstance(result, Rejected)
    assert result.code == RejectCode.INSUFFICIENT_BALANCE and result.index == 1
    assert engine.projection(Balances).balance("alice", "USDC") == 100
    assert engine.store.head().seq == 2
    chained = [
        Transfer(asset="USDC", from_account="alice", to_account="bob", amount=60),
        Transfer(asset="USDC", from_account="bob", to_account="carol", amount=60),
    ]
    assert isinstance(engine.execute(chained, block=2), Executed)
    assert engine.projection(Balances).balance("carol", "USDC") == 60


def test_a_restarted_engine_rebuilds_the_same_state_from_the_log() -> None:
    engine = funded_engine()
    engine.execute([Mint(asset="USDC", to_account="bob", amount=7)], block=3)
    again = Engine(engine.store)
    assert again.projection(Balances).digest() == engine.projection(Balances).digest()
    assert isinstance(list(engine.store.read())[-1].event, Minted)


def test_blocks_never_go_back() -> None:
    engine = funded_engine()
    result = engine.execute([Mint(asset="USDC", to_account="bob", amount=7)], block=0)
    assert isinstance(result, Rejected) and result.code == RejectCode.BLOCK_ORDER
