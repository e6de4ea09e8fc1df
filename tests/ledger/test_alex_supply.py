"""ALEX supply: staking rewards come out of the staking-incentives allocation, the total stays
where genesis put it, and an emission the allocation cannot pay is refused."""

from __future__ import annotations

import msgspec
import pytest

from events import RejectCode
from events.alex import (
    GENESIS_MEMO_PREFIX,
    STAKING_INCENTIVES_ACCOUNT,
    StakingEmissionCapped,
    StakingRewardClaimed,
)
from events.amm import LiquidityAdded, PoolCreated
from events.assets import AssetRegistered
from events.base import Event
from events.core import Burned, Minted, Transferred
from ledger.batch import Appended, NewEvent, Rejected
from ledger.commands.alex_issuance import IssueEmergency
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
from tests.ledger.alex_risk_setup import alex_economy, approve_issuance
from tests.ledger.test_alex_staking import ACTIVATION, COINBASE, ONE, at_cycle, ok, refused
from tests.ledger.test_reserve import short_by


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


def appended(engine: Engine, events: list[Event], block: int = 5) -> Appended | Rejected:
    """`events` as facts from outside (what `append` and the importers hand the engine)."""
    return engine.append_facts([NewEvent(event=event, block=block) for event in events])


def supply_fixed_at(
    engine: Engine, events: list[Event], index: int, asset: str, block: int = 5
) -> None:
    """`events` are refused at `index` as a mint of `asset`, and the log is as it was."""
    head = engine.store.head()
    result = appended(engine, events, block)
    assert isinstance(result, Rejected), result
    assert (result.code, result.index) == (RejectCode.SUPPLY_FIXED, index)
    assert f" {asset}" in result.detail and "EmergencyIssued" in result.detail
    assert engine.store.head() == head


@pytest.mark.parametrize("memo", ["airdrop", "", f"{GENESIS_MEMO_PREFIX}foundation"])
def test_alex_with_a_genesis_is_not_minted_by_a_fact_from_outside(memo: str) -> None:
    engine = engine_with(AlexGenesis().allocations)
    mint = Minted(asset="ALEX", to_account="mallory", amount=ONE, memo=memo)
    supply_fixed_at(engine, [mint], 0, "ALEX")
    origins = engine.projection(AlexStaking).supply_origins("ALEX")
    assert (origins.genesis, origins.other_mints) == (ALEX_SUPPLY_GENESIS, 0)
    assert engine.projection(Balances).supply("ALEX") == ALEX_SUPPLY_GENESIS


def gov_genesis(label: str) -> Minted:
    return Minted(
        asset="GOV", to_account=label, amount=1000 * ONE, memo=GENESIS_MEMO_PREFIX + label
    )


GOV_TEAM = gov_genesis("team")
#: A genesis recorded from outside, as `AlexGenesis` records it: registration, one mint per
#: allocation, then the emission cap.
GOV_GENESIS: list[Event] = [
    AssetRegistered(asset="GOV", symbol="GOV", decimals=8),
    gov_genesis("foundation"),
    GOV_TEAM,
    StakingEmissionCapped(caps_annual=[ONE], emission_start_height=5, blocks_per_year=52_560),
]
TO_BOB = Transferred(asset="GOV", from_account="foundation", to_account="bob", amount=ONE)


@pytest.mark.parametrize(
    ("events", "index"),
    [
        ([*GOV_GENESIS, gov_genesis("late")], 4),  # after the cap that ends the genesis
        ([*GOV_GENESIS[:2], TO_BOB, GOV_TEAM], 3),  # after another fact
        (
            [*GOV_GENESIS[:2], Burned(asset="GOV", from_account="foundation", amount=1), GOV_TEAM],
            3,
        ),
        ([*GOV_GENESIS[:2], Minted(asset="GOV", to_account="bob", amount=1)], 2),  # no memo
        ([*GOV_GENESIS, Minted(asset="GOV", to_account="bob", amount=1)], 4),
    ],
)
def test_a_genesis_from_outside_is_admitted_and_mints_nothing_once_another_fact_follows(
    events: list[Event], index: int
) -> None:
    engine = Engine(MemoryStore())
    supply_fixed_at(engine, events, index, "GOV")
    assert isinstance(appended(engine, GOV_GENESIS), Appended)
    assert engine.projection(AlexStaking).supply_origins("GOV").genesis == 2000 * ONE
    supply_fixed_at(engine, [gov_genesis("late")], 0, "GOV")


def test_a_claim_from_outside_pays_a_genesis_token_from_its_allocation_never_the_issuer() -> None:
    engine = engine_with(AlexGenesis().allocations)
    ok(engine, [Stake(token="ALEX", staker="alice", amount=10 * ONE, lock_cycles=1)], ACTIVATION)
    claim = StakingRewardClaimed(
        token="ALEX", staker="alice", cycle=1, reward=ONE, principal_returned=0, apower=0
    )
    supply_fixed_at(engine, [claim], 0, "ALEX", at_cycle(2))  # reward_from "": the issuer's
    paid = msgspec.structs.replace(claim, reward_from=STAKING_INCENTIVES_ACCOUNT)
    assert isinstance(appended(engine, [paid], at_cycle(2)), Appended)
    assert engine.projection(Balances).supply("ALEX") == ALEX_SUPPLY_GENESIS


def test_emergency_issuance_a_proposal_approved_mints_alex_and_a_minted_still_does_not() -> None:
    engine = alex_economy()
    short_by(engine, ONE, 31 * ONE)
    end = approve_issuance(engine, "EMG-1", "USDA", 1_000 * ONE, block=3)
    mint = Minted(asset="ALEX", to_account="em", amount=ONE, memo="emergency")
    supply_fixed_at(engine, [mint], 0, "ALEX")
    ok(engine, [IssueEmergency(proposal_id="EMG-1", token="USDA", pool="ALEX-USDA")], end + 1)
    assert engine.projection(AlexStaking).supply_origins("ALEX").emergency > 0


def test_a_pool_whose_lp_token_had_a_genesis_mints_none_of_it() -> None:
    engine = Engine(MemoryStore())
    assert isinstance(appended(engine, GOV_GENESIS), Appended)
    names = {"pool": "X-Y", "token_x": "X", "token_y": "Y", "lp_asset": "GOV"}
    pool = [
        *(AssetRegistered(asset=asset, symbol=asset, decimals=8) for asset in ("X", "Y")),
        *(Minted(asset=asset, to_account="bob", amount=ONE) for asset in ("X", "Y")),
        PoolCreated(kind="uniswap_v2", owner="bob", **names),
    ]
    assert isinstance(appended(engine, pool), Appended)
    added = LiquidityAdded(provider="bob", amount_x=ONE, amount_y=ONE, lp_minted=ONE, **names)
    supply_fixed_at(engine, [added], 0, "GOV")
