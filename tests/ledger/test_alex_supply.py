"""ALEX supply: staking rewards come out of the staking-incentives allocation, the total stays
where genesis put it, and an emission the allocation cannot pay is refused."""

from __future__ import annotations

from events import RejectCode
from events.alex import STAKING_INCENTIVES_ACCOUNT
from ledger.commands.alex_staking import (
    ALEX_SUPPLY_GENESIS,
    AlexGenesis,
    Allocation,
    ClaimStakingReward,
    ConfigureStaking,
    SetStakingActivation,
    Stake,
)
from ledger.commands.core import Mint, Transfer
from ledger.engine import Engine
from ledger.memory import MemoryStore
from projections.alex_staking import AlexStaking
from projections.balances import Balances
from tests.ledger.test_alex_staking import ACTIVATION, COINBASE, ONE, at_cycle, ok, refused


def engine_with(allocations: tuple[Allocation, ...]) -> Engine:
    engine = Engine(MemoryStore())
    ok(
        engine,
        [
            AlexGenesis(allocations=allocations),
            ConfigureStaking(token="ALEX", owner="owner", coinbase_amounts=COINBASE),
            Transfer(asset="ALEX", from_account="foundation", to_account="alice", amount=ONE * 100),
            SetStakingActivation(token="ALEX", sender="owner", activation_height=ACTIVATION),
        ],
        block=1,
    )
    return engine


def test_a_reward_moves_alex_out_of_the_allocation_and_leaves_the_supply_alone() -> None:
    engine = engine_with(AlexGenesis().allocations)
    ok(engine, [Stake(token="ALEX", staker="alice", amount=10 * ONE, lock_cycles=1)], ACTIVATION)
    ok(engine, [ClaimStakingReward(token="ALEX", staker="alice", cycle=1)], at_cycle(2))
    balances = engine.projection(Balances)
    assert balances.supply("ALEX") == ALEX_SUPPLY_GENESIS
    assert balances.balance("alice", "ALEX") == 100 * ONE + COINBASE[0]  # alone in the cycle
    assert balances.balance(STAKING_INCENTIVES_ACCOUNT, "ALEX") == (
        ALEX_SUPPLY_GENESIS // 2 - COINBASE[0]
    )
    origins = engine.projection(AlexStaking).supply_origins("ALEX")
    assert (origins.emissions, origins.paid_from_allocations) == (0, COINBASE[0])
    assert origins.expected_supply == balances.supply("ALEX")


def test_an_emission_that_would_overdraw_its_allocation_is_refused() -> None:
    short = COINBASE[0] - 1
    engine = engine_with(
        (
            Allocation(label="foundation", account="foundation", amount=1000 * ONE),
            Allocation(
                label="staking-incentives", account=STAKING_INCENTIVES_ACCOUNT, amount=short
            ),
        )
    )
    ok(engine, [Stake(token="ALEX", staker="alice", amount=10 * ONE, lock_cycles=1)], ACTIVATION)
    claim = ClaimStakingReward(token="ALEX", staker="alice", cycle=1)
    assert refused(engine, claim, at_cycle(2)) == RejectCode.ALLOCATION_EXHAUSTED
    assert engine.projection(Balances).balance(STAKING_INCENTIVES_ACCOUNT, "ALEX") == short


def test_alex_with_a_genesis_is_never_minted_by_hand() -> None:
    engine = engine_with(AlexGenesis().allocations)
    mint = Mint(asset="ALEX", to_account="alice", amount=ONE)
    assert refused(engine, mint, 5) == RejectCode.SUPPLY_FIXED
    minting_pool = ConfigureStaking(
        token="APOWER", owner="owner", coinbase_amounts=COINBASE, reward_from=""
    )
    assert refused(engine, minting_pool, 5) == RejectCode.SUPPLY_FIXED
