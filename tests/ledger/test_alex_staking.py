"""ALEX genesis and staking: the allocation, activation, stakes per cycle, claims, the cap."""

from __future__ import annotations

from collections import defaultdict

from events import Burned, Minted, RejectCode
from events.alex import STAKING_INCENTIVES_ACCOUNT, CycleEmissionFixed, StakingRewardClaimed
from events.reserve import EmergencyIssued
from ledger.batch import Rejected
from ledger.commands.alex_staking import (
    ALEX_SUPPLY_GENESIS,
    AlexGenesis,
    ClaimStakingReward,
    ConfigureStaking,
    RegisterForStaking,
    SetStakingActivation,
    Stake,
)
from ledger.commands.core import Burn, Mint, RegisterAsset, Transfer, UpdatePrice
from ledger.commands.reserve import CoverShortfall, CreditReserve
from ledger.engine import Command, Engine, Executed
from ledger.memory import MemoryStore
from ledger.store import ReadFilter
from projections.alex_staking import AlexStaking
from projections.balances import Balances
from projections.contracts.staking import entitled_reward
from projections.reserve import ReserveSolvency
from projections.runtime import fold
from tests.conftest import Rand

ONE = 10**8
COINBASE = (621_000 * ONE, 310_500 * ONE, 155_250 * ONE, 77_625 * ONE, 38_812 * ONE)
ACTIVATION = 100
CYCLE = 525


def ok(engine: Engine, commands: list[Command], block: int) -> Executed:
    result = engine.execute(commands, block=block)
    assert isinstance(result, Executed), result
    return result


def refused(engine: Engine, command: Command, block: int) -> RejectCode:
    head = engine.store.head()
    result = engine.execute([command], block=block)
    assert isinstance(result, Rejected), result
    assert engine.store.head() == head
    return result.code


def alex_engine(multiplier: int = 0) -> Engine:
    engine = Engine(MemoryStore())
    ok(
        engine,
        [
            AlexGenesis(),
            ConfigureStaking(
                token="ALEX", owner="owner", coinbase_amounts=COINBASE, apower_multiplier=multiplier
            ),
            Transfer(
                asset="ALEX", from_account="foundation", to_account="alice", amount=1000 * ONE
            ),
            Transfer(asset="ALEX", from_account="foundation", to_account="bob", amount=1000 * ONE),
        ],
        block=1,
    )
    return engine


def test_genesis_allocates_a_billion_alex_20_50_30() -> None:
    engine = alex_engine()
    balances = engine.projection(Balances)
    assert balances.supply("ALEX") == ALEX_SUPPLY_GENESIS == 10**17
    assert balances.decimals["ALEX"] == 8
    assert balances.balance("foundation", "ALEX") == 200_000_000 * ONE - 2000 * ONE
    assert balances.balance("vault:staking-incentives", "ALEX") == 500_000_000 * ONE
    assert balances.balance("team", "ALEX") == 300_000_000 * ONE
    assert engine.projection(AlexStaking).supply_origins("ALEX").genesis == ALEX_SUPPLY_GENESIS


def test_staking_waits_for_the_owner_to_activate_it() -> None:
    engine = alex_engine()
    stake = Stake(token="ALEX", staker="alice", amount=100 * ONE, lock_cycles=1)
    assert refused(engine, stake, block=2) == RejectCode.NOT_ACTIVATED
    assert (
        refused(
            engine,
            SetStakingActivation(token="ALEX", sender="alice", activation_height=ACTIVATION),
            block=2,
        )
        == RejectCode.NOT_AUTHORISED
    )
    ok(engine, [SetStakingActivation(token="ALEX", sender="owner", activation_height=100)], 2)
    assert refused(engine, stake, block=99) == RejectCode.NOT_ACTIVATED
    ok(engine, [stake], block=100)


def test_early_variant_activates_150_blocks_after_the_20th_wallet() -> None:
    engine = Engine(MemoryStore())
    ok(
        engine,
        [
            RegisterAsset(asset="LP-ALEX-USDA", symbol="LP", decimals=8),
            ConfigureStaking(
                token="LP-ALEX-USDA",
                owner="owner",
                coinbase_amounts=COINBASE,
                activation_mode="early",
            ),
        ],
        block=1,
    )
    for index in range(19):
        ok(engine, [RegisterForStaking(token="LP-ALEX-USDA", user=f"w{index}")], block=10 + index)
    assert engine.projection(AlexStaking).current_cycle("LP-ALEX-USDA", 10_000) is None
    again = RegisterForStaking(token="LP-ALEX-USDA", user="w3")
    assert refused(engine, again, block=40) == RejectCode.INVALID_PARAMETER
    ok(engine, [RegisterForStaking(token="LP-ALEX-USDA", user="w19")], block=40)
    staking = engine.projection(AlexStaking)
    assert staking.pool("LP-ALEX-USDA").activation_height == 190  # type: ignore[union-attr]
    assert staking.current_cycle("LP-ALEX-USDA", 189) is None
    assert staking.current_cycle("LP-ALEX-USDA", 190) == 0


def activated(multiplier: int = 0) -> Engine:
    engine = alex_engine(multiplier)
    ok(engine, [SetStakingActivation(token="ALEX", sender="owner", activation_height=100)], 2)
    return engine


def at_cycle(cycle: int, offset: int = 0) -> int:
    return ACTIVATION + cycle * CYCLE + offset


def test_a_stake_locks_its_cycles_and_pays_each_one_once() -> None:
    engine = activated(multiplier=50_000_000)  # 0.5 APower per ALEX
    ok(engine, [Stake(token="ALEX", staker="alice", amount=300 * ONE, lock_cycles=2)], 100)
    ok(engine, [Stake(token="ALEX", staker="bob", amount=100 * ONE, lock_cycles=1)], 101)
    balances = engine.projection(Balances)
    assert balances.balance("reserve:ALEX", "ALEX") == 400 * ONE  # stakes are the reserve's
    assert balances.balance("alice", "ALEX") == 700 * ONE

    claim_1 = ClaimStakingReward(token="ALEX", staker="alice", cycle=1)
    assert refused(engine, claim_1, at_cycle(1, 10)) == RejectCode.CYCLE_NOT_ENDED
    ok(engine, [claim_1], at_cycle(2, 1))
    reward = entitled_reward(COINBASE[0], 300 * ONE, 400 * ONE)
    assert reward == 465_750 * ONE
    assert balances.balance("alice", "ALEX") == 700 * ONE + reward  # principal still locked
    assert balances.balance("alice", "APOWER") == reward // 2

    assert refused(engine, claim_1, at_cycle(2, 2)) == RejectCode.NOTHING_TO_CLAIM
    assert balances.balance("alice", "ALEX") == 700 * ONE + reward  # a second claim pays nothing

    ok(engine, [ClaimStakingReward(token="ALEX", staker="bob", cycle=1)], at_cycle(2, 3))
    assert balances.balance("bob", "ALEX") == 1000 * ONE + entitled_reward(
        COINBASE[0], 100 * ONE, 400 * ONE
    )  # bob's principal came back with his last cycle
    ok(engine, [ClaimStakingReward(token="ALEX", staker="alice", cycle=2)], at_cycle(3))
    assert balances.balance("alice", "ALEX") == 1000 * ONE + reward + COINBASE[0]
    assert balances.balance("reserve:ALEX", "ALEX") == 0


def test_locks_are_1_to_32_cycles_and_need_the_tokens() -> None:
    engine = activated()
    for lock in (0, 33):
        stake = Stake(token="ALEX", staker="alice", amount=ONE, lock_cycles=lock)
        assert refused(engine, stake, 200) == RejectCode.LOCK_OUT_OF_RANGE
    too_much = Stake(token="ALEX", staker="alice", amount=1001 * ONE, lock_cycles=32)
    assert refused(engine, too_much, 200) == RejectCode.INSUFFICIENT_BALANCE
    ok(engine, [Stake(token="ALEX", staker="alice", amount=ONE, lock_cycles=32)], 200)
    assert engine.projection(AlexStaking).cycle("ALEX", 32).stakes == {"alice": ONE}


def alex_supply_recount(engine: Engine) -> int:
    """Genesis + minted emissions + emergency issuance - burns, by a plain loop over the log.

    Rewards paid out of an allocation (`reward_from`) move ALEX, they do not add to it."""
    total = 0
    for record in engine.store.read(ReadFilter()):
        event = record.event
        if isinstance(event, Minted) and event.asset == "ALEX":
            assert event.memo.startswith("genesis:")
            total += event.amount
        elif isinstance(event, StakingRewardClaimed) and not event.reward_from:
            total += event.reward
        elif isinstance(event, EmergencyIssued):
            total += event.alex_amount
        elif isinstance(event, Burned) and event.asset == "ALEX":
            total -= event.amount
    return total


def test_alex_supply_is_genesis_plus_emissions_plus_emergency_minus_burns(rand: Rand) -> None:
    engine = activated()
    ok(
        engine,
        [
            RegisterAsset(asset="USDA", symbol="USDA", decimals=8),
            UpdatePrice(asset="USDA", quote="USD", price=ONE, scale=ONE),
            UpdatePrice(asset="ALEX", quote="USD", price=25_000_000, scale=ONE),
            Mint(asset="USDA", to_account="market-maker", amount=10**6 * ONE),
        ],
        block=3,
    )
    stakers = ["alice", "bob"]
    block = ACTIVATION
    for _step in range(40):
        block += rand.randint(1, 300)
        staker = rand.choice(stakers)
        action = rand.random()
        if action < 0.4:
            amount = rand.randint(1, 50) * ONE
            engine.execute(
                [Stake(token="ALEX", staker=staker, amount=amount, lock_cycles=rand.randint(1, 3))],
                block=block,
            )
        elif action < 0.8:
            cycle = rand.randint(0, max((block - ACTIVATION) // CYCLE, 0))
            engine.execute(
                [ClaimStakingReward(token="ALEX", staker=staker, cycle=cycle)], block=block
            )
        elif action < 0.9:
            engine.execute([Burn(asset="ALEX", from_account=staker, amount=ONE)], block=block)
        else:
            engine.execute(
                [CoverShortfall(token="ALEX", amount=ONE, beneficiary="crp")], block=block
            )  # never from stakers' principal, never by minting
        balances = engine.projection(Balances)
        origins = engine.projection(AlexStaking).supply_origins("ALEX")
        assert balances.supply("ALEX") == alex_supply_recount(engine) == origins.expected_supply
        assert origins.emissions == 0  # every reward came out of the staking allocation
        vault = balances.balance(STAKING_INCENTIVES_ACCOUNT, "ALEX")
        assert vault + origins.paid_from_allocations == ALEX_SUPPLY_GENESIS // 2
    assert engine.projection(Balances).check_invariants(0) == []


def test_the_annual_cap_is_never_exceeded(rand: Rand) -> None:
    """Random stakers, locks, claims and two pools against a small cap: emission stops at it."""
    caps = (2 * COINBASE[0], COINBASE[0], COINBASE[0] // 3)
    engine = Engine(MemoryStore())
    ok(
        engine,
        [
            AlexGenesis(emission_caps_annual=caps, blocks_per_year=4 * CYCLE),
            RegisterAsset(asset="LP", symbol="LP", decimals=8),
            ConfigureStaking(token="ALEX", owner="o", coinbase_amounts=COINBASE, halving_cycle=3),
            ConfigureStaking(token="LP", owner="o", coinbase_amounts=COINBASE[1:]),
            SetStakingActivation(token="ALEX", sender="o", activation_height=ACTIVATION),
            SetStakingActivation(token="LP", sender="o", activation_height=ACTIVATION + 77),
        ]
        + [
            Transfer(asset="ALEX", from_account="team", to_account=f"s{i}", amount=10**6 * ONE)
            for i in range(5)
        ],
        block=1,
    )
    ok(engine, [Mint(asset="LP", to_account=f"s{i}", amount=10**6 * ONE) for i in range(5)], 1)
    block = ACTIVATION + 77
    for _ in range(150):
        block += rand.randint(1, 200)
        staker, token = f"s{rand.randint(0, 4)}", rand.choice(["ALEX", "LP"])
        if rand.random() < 0.45:
            amount = rand.randint(1, 10**4) * ONE
            lock = rand.randint(1, 32)
            engine.execute(
                [Stake(token=token, staker=staker, amount=amount, lock_cycles=lock)], block=block
            )
        else:
            cycle = rand.randint(1, max((block - ACTIVATION) // CYCLE, 1))
            engine.execute(
                [ClaimStakingReward(token=token, staker=staker, cycle=cycle)], block=block
            )
    emitted_by_year: dict[int, int] = defaultdict(int)
    cut = 0
    year_of: dict[tuple[str, int], int] = {}
    for record in engine.store.read(ReadFilter()):
        event = record.event
        if isinstance(event, CycleEmissionFixed):
            year_of[(event.token, event.cycle)] = event.emission_year
            cut += event.emission < event.coinbase
            activation = ACTIVATION if event.token == "ALEX" else ACTIVATION + 77
            assert event.emission_year == (activation + event.cycle * CYCLE - 1) // (4 * CYCLE)
        elif isinstance(event, StakingRewardClaimed):
            emitted_by_year[year_of[(event.token, event.cycle)]] += event.reward
    assert emitted_by_year, "the random schedule claimed nothing"
    print(f"cycles cut by the cap: {cut}")
    assert cut, "the cap never bound: the schedule did not test it"
    for year, emitted in emitted_by_year.items():
        assert emitted <= (caps[year] if year < len(caps) else 0), (year, emitted)
    assert engine.projection(AlexStaking).violations() == []


def test_replaying_the_log_and_restoring_a_snapshot_give_the_same_staking_state() -> None:
    engine = activated(multiplier=ONE)
    ok(engine, [Stake(token="ALEX", staker="alice", amount=300 * ONE, lock_cycles=12)], 100)
    ok(engine, [ClaimStakingReward(token="ALEX", staker="alice", cycle=1)], at_cycle(3))
    live = engine.projection(AlexStaking)
    rebuilt, restored = AlexStaking(), AlexStaking()
    fold(engine.store.read(ReadFilter()), [rebuilt])
    restored.restore(live.snapshot())
    assert live.digest() == rebuilt.digest() == restored.digest()
    assert restored.tables() == live.tables()
    assert restored.cycle("ALEX", 12).to_return == {"alice": 300 * ONE}


def test_stakes_credit_the_reserve_pool_and_principal_returns_debit_it() -> None:
    """protocol-math 2.7: stake -> reserve[token] += amount; claim -> reserve[token] -= to_return.

    The reserve account holds the staked tokens (no separate vault), so `reserve_solvency`,
    `balances` and the staking books agree, and nothing is moved twice.
    """
    engine = activated()
    ok(engine, [Stake(token="ALEX", staker="alice", amount=300 * ONE, lock_cycles=2)], 100)
    ok(engine, [CreditReserve(token="ALEX", amount=50 * ONE, from_account="bob")], 101)
    ok(engine, [Stake(token="ALEX", staker="bob", amount=100 * ONE, lock_cycles=1)], 102)
    solvency, balances = engine.projection(ReserveSolvency), engine.projection(Balances)
    staking = engine.projection(AlexStaking)
    book = solvency.book("ALEX")
    assert book.balance == balances.balance("reserve:ALEX", "ALEX") == 450 * ONE
    assert book.inflows == {"staking:ALEX": 400 * ONE, "deposit": 50 * ONE}
    assert staking.principal_outstanding("ALEX") == 400 * ONE

    ok(engine, [ClaimStakingReward(token="ALEX", staker="bob", cycle=1)], at_cycle(2))
    assert book.balance == balances.balance("reserve:ALEX", "ALEX") == 350 * ONE
    assert book.outstanding == 0  # principal is paid back, never a shortfall
    assert staking.principal_outstanding("ALEX") == 300 * ONE
    ok(engine, [ClaimStakingReward(token="ALEX", staker="alice", cycle=1)], at_cycle(2, 1))
    assert book.balance == 350 * ONE  # a reward only: alice's principal is locked in cycle 2
    ok(engine, [ClaimStakingReward(token="ALEX", staker="alice", cycle=2)], at_cycle(3))
    assert book.balance == balances.balance("reserve:ALEX", "ALEX") == 50 * ONE
    assert (book.shortfalls_reported, book.shortfalls_covered) == (0, 0)
    assert book.outflows == {"staking-principal": 400 * ONE}
    assert staking.principal_outstanding("ALEX") == 0
    assert balances.check_invariants(engine.head.seq) == []
    assert solvency.violations() == [] and balances.violations() == []
    assert balances.balance("vault:staking:ALEX", "ALEX") == 0  # nothing went through a vault


def test_a_shortfall_never_spends_stakers_principal() -> None:
    """Staked ALEX sits in `reserve:ALEX` (as the contract counts it) but is held apart: a
    shortfall cover spends only the free balance, and the principal comes back in full."""
    engine = activated()
    ok(engine, [Stake(token="ALEX", staker="alice", amount=300 * ONE, lock_cycles=1)], 100)
    ok(engine, [CreditReserve(token="ALEX", amount=40 * ONE, from_account="bob")], 101)
    ok(engine, [CoverShortfall(token="ALEX", amount=100 * ONE, beneficiary="crp")], 102)
    book = engine.projection(ReserveSolvency).book("ALEX")
    assert (book.principal, book.free_balance, book.outstanding) == (300 * ONE, 0, 60 * ONE)
    balances = engine.projection(Balances)
    assert balances.balance("crp", "ALEX") == 40 * ONE
    ok(engine, [ClaimStakingReward(token="ALEX", staker="alice", cycle=1)], at_cycle(2))
    assert balances.balance("alice", "ALEX") == 1000 * ONE + COINBASE[0]
    assert book.principal == 0 and balances.balance("reserve:ALEX", "ALEX") == 0
