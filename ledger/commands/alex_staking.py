"""ALEX genesis and staking commands: allocate the supply, configure and activate staking pools,
stake for 1-32 cycles, claim a finished cycle. Stakes are credited to the token's reserve pool
and principal comes back out of it (see `events.alex`).

A cycle's emission is fixed at its first claim (`CycleEmissionFixed`): the band coinbase cut
to what is left of the annual cap across all pools, with the year taken from the cycle's
first block, so the cap holds whatever order the claims come in.
"""

from __future__ import annotations

import msgspec

from events.alex import (
    GENESIS_MEMO_PREFIX,
    STAKING_INCENTIVES_ACCOUNT,
    STAKING_PRINCIPAL_REASON,
    CycleEmissionFixed,
    Staked,
    StakingActivationSet,
    StakingConfigured,
    StakingEmissionCapped,
    StakingRewardClaimed,
    StakingUserRegistered,
)
from events.assets import AssetRegistered
from events.core import Minted
from events.rejections import RejectCode
from events.reserve import ReserveCredited, ReserveDebited
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from ledger.commands.alex_supply import allocation_covers, supply_fixed
from ledger.commands.core import check_funds
from projections.alex_staking import AlexStaking, CycleBook, StakingPool
from projections.balances import Balances
from projections.contracts.fixed_point import ONE_8
from projections.contracts.staking import (
    ACTIVATION_DELAY_BLOCKS,
    ACTIVATION_THRESHOLD_USERS,
    BLOCKS_PER_YEAR,
    EMISSION_CAPS_ANNUAL_DEFAULT,
    HALVING_CYCLE_DEFAULT,
    REWARD_CYCLE_LENGTH_BLOCKS,
    StakerCycleRecord,
    coinbase_amount,
    cycle_first_height,
    emission_allowed,
    emission_cap_for_year,
    reward_claim,
    stake_schedule_at_height,
)
from projections.reserve import ReserveSolvency

ALEX_SUPPLY_GENESIS = 10**9 * ONE_8
"""1,000,000,000 ALEX in base units (8 decimals)."""


class Allocation(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the genesis allocation."""

    label: str
    account: str
    amount: int


GENESIS_ALLOCATIONS_DEFAULT: tuple[Allocation, ...] = (
    Allocation(label="foundation", account="foundation", amount=ALEX_SUPPLY_GENESIS * 20 // 100),
    Allocation(
        label="staking-incentives",
        account=STAKING_INCENTIVES_ACCOUNT,
        amount=ALEX_SUPPLY_GENESIS * 50 // 100,
    ),
    Allocation(label="team", account="team", amount=ALEX_SUPPLY_GENESIS * 30 // 100),
)
"""Tokenomics: 20% foundation (community reserve), 50% staking incentives, 30% team et al."""


class AlexGenesis(Command, frozen=True, kw_only=True):
    """Register ALEX (and APower), mint the genesis allocation, set the annual emission cap."""

    asset: str = "ALEX"
    decimals: int = 8
    allocations: tuple[Allocation, ...] = GENESIS_ALLOCATIONS_DEFAULT
    apower_asset: str | None = "APOWER"
    emission_caps_annual: tuple[int, ...] = EMISSION_CAPS_ANNUAL_DEFAULT
    emission_start_height: int | None = None
    """Where emission year 0 begins (the genesis block by default)."""
    blocks_per_year: int = BLOCKS_PER_YEAR


class ConfigureStaking(Command, frozen=True, kw_only=True):
    """Make `token` stakeable; `owner` sets its activation (mode `owner`) or 20 wallets do."""

    token: str
    owner: str
    coinbase_amounts: tuple[int, ...]
    activation_mode: str = "owner"
    apower_multiplier: int = 0
    halving_cycle: int = HALVING_CYCLE_DEFAULT
    cycle_length_blocks: int = REWARD_CYCLE_LENGTH_BLOCKS
    activation_threshold_users: int = ACTIVATION_THRESHOLD_USERS
    activation_delay_blocks: int = ACTIVATION_DELAY_BLOCKS
    reward_asset: str = "ALEX"
    apower_asset: str = "APOWER"
    reward_from: str = STAKING_INCENTIVES_ACCOUNT
    """The genesis allocation that pays the rewards ("" mints them: only for a reward asset
    that has no genesis, e.g. a test token)."""


class SetStakingActivation(Command, frozen=True, kw_only=True):
    token: str
    sender: str
    activation_height: int


class RegisterForStaking(Command, frozen=True, kw_only=True):
    """Early variant: a wallet signals; the threshold-th starts the countdown."""

    token: str
    user: str


class Stake(Command, frozen=True, kw_only=True):
    token: str
    staker: str
    amount: int
    lock_cycles: int


class ClaimStakingReward(Command, frozen=True, kw_only=True):
    token: str
    staker: str
    cycle: int


def handle_genesis(command: AlexGenesis, context: Context) -> list[Emit] | Rejected:
    balances = context.get(Balances)
    assets = [command.asset] + ([command.apower_asset] if command.apower_asset else [])
    for asset in assets:
        if asset in balances.decimals:
            return reject(RejectCode.ASSET_EXISTS, f"asset {asset!r} is registered already")
    if any(line.amount <= 0 for line in command.allocations):
        return reject(RejectCode.INVALID_PARAMETER, "every allocation is a positive amount")
    emits = [
        Emit(AssetRegistered(asset=asset, symbol=asset, decimals=command.decimals))
        for asset in assets
    ]
    emits += [
        Emit(
            Minted(
                asset=command.asset,
                to_account=line.account,
                amount=line.amount,
                memo=f"{GENESIS_MEMO_PREFIX}{line.label}",
            )
        )
        for line in command.allocations
    ]
    start = (
        context.block if command.emission_start_height is None else command.emission_start_height
    )
    emits.append(
        Emit(
            StakingEmissionCapped(
                caps_annual=list(command.emission_caps_annual),
                emission_start_height=start,
                blocks_per_year=command.blocks_per_year,
            )
        )
    )
    return emits


def handle_configure(command: ConfigureStaking, context: Context) -> list[Emit] | Rejected:
    if context.get(AlexStaking).pool(command.token) is not None:
        return reject(
            RejectCode.INVALID_PARAMETER, f"{command.token} staking is configured already"
        )
    if command.activation_mode not in ("owner", "early"):
        return reject(RejectCode.INVALID_PARAMETER, "activation_mode is `owner` or `early`")
    if command.cycle_length_blocks <= 0 or command.halving_cycle <= 0:
        return reject(RejectCode.INVALID_PARAMETER, "cycle length and halving cycle are positive")
    if command.token not in context.get(Balances).decimals:
        return reject(RejectCode.UNKNOWN_ASSET, f"asset {command.token!r} is not registered")
    if not command.reward_from and supply_fixed(context.get(AlexStaking), command.reward_asset):
        return reject(
            RejectCode.SUPPLY_FIXED,
            f"{command.reward_asset} rewards are paid from an allocation; name `reward_from`",
        )
    return [
        Emit(
            StakingConfigured(
                token=command.token,
                owner=command.owner,
                activation_mode=command.activation_mode,
                coinbase_amounts=list(command.coinbase_amounts),
                halving_cycle=command.halving_cycle,
                cycle_length_blocks=command.cycle_length_blocks,
                apower_multiplier=command.apower_multiplier,
                activation_threshold_users=command.activation_threshold_users,
                activation_delay_blocks=command.activation_delay_blocks,
                reward_asset=command.reward_asset,
                apower_asset=command.apower_asset,
                reward_from=command.reward_from,
            )
        )
    ]


def _configured(context: Context, token: str) -> StakingPool | Rejected:
    found = context.get(AlexStaking).pool(token)
    if found is None:
        return reject(RejectCode.NOT_ACTIVATED, f"{token} is not stakeable; configure it first")
    return found


def handle_set_activation(command: SetStakingActivation, context: Context) -> list[Emit] | Rejected:
    found = _configured(context, command.token)
    if isinstance(found, Rejected):
        return found
    if command.sender != found.owner:
        return reject(RejectCode.NOT_AUTHORISED, f"only {found.owner} sets the activation block")
    if found.activation_mode != "owner":
        return reject(RejectCode.INVALID_PARAMETER, "this token activates by registrations")
    return [
        Emit(
            StakingActivationSet(
                token=command.token, activation_height=command.activation_height, by=command.sender
            )
        )
    ]


def handle_register(command: RegisterForStaking, context: Context) -> list[Emit] | Rejected:
    found = _configured(context, command.token)
    if isinstance(found, Rejected):
        return found
    if found.activation_mode != "early" or found.activation_height is not None:
        return reject(RejectCode.INVALID_PARAMETER, "registration is closed for this token")
    if command.user in found.registered:
        return reject(RejectCode.INVALID_PARAMETER, f"{command.user} is registered already")
    count = len(found.registered) + 1
    emits = [
        Emit(StakingUserRegistered(token=command.token, user=command.user, registered_users=count))
    ]
    if count == found.activation_threshold_users:
        emits.append(
            Emit(
                StakingActivationSet(
                    token=command.token,
                    activation_height=context.block + found.activation_delay_blocks,
                    by=command.user,
                )
            )
        )
    return emits


def handle_stake(command: Stake, context: Context) -> list[Emit] | Rejected:
    found = _configured(context, command.token)
    if isinstance(found, Rejected):
        return found
    if found.activation_height is None:
        return reject(RejectCode.NOT_ACTIVATED, f"{command.token} staking has no activation yet")
    schedule = stake_schedule_at_height(
        context.block,
        found.activation_height,
        command.amount,
        command.lock_cycles,
        found.cycle_length_blocks,
    )
    refused = check_funds(context.get(Balances), command.staker, command.token, command.amount)
    return refused or [
        Emit(
            Staked(
                token=command.token,
                staker=command.staker,
                amount=command.amount,
                lock_cycles=command.lock_cycles,
                first_cycle=schedule.first_cycle,
                last_cycle=schedule.last_cycle,
                reserve_credited=True,
            )
        ),
        Emit(
            ReserveCredited(
                token=command.token,
                amount=command.amount,
                from_account=command.staker,
                source=f"staking:{command.token}",
            )
        ),
    ]


def _cycle_emission(
    staking: AlexStaking, pool: StakingPool, token: str, cycle: int, book: CycleBook
) -> CycleEmissionFixed:
    """The emission a cycle gets at its first claim: its coinbase, cut to the year's cap."""
    assert pool.activation_height is not None
    caps = staking.caps
    first_height = cycle_first_height(cycle, pool.activation_height, pool.cycle_length_blocks)
    year = max(first_height - caps.emission_start_height, 0) // caps.blocks_per_year
    bands = pool.coinbase_bands(first_height)
    coinbase = coinbase_amount(cycle, bands, pool.halving_cycle)
    cap = emission_cap_for_year(year, caps.caps_annual)
    emission = emission_allowed(coinbase, staking.emitted_in_year(year), cap)
    return CycleEmissionFixed(
        token=token,
        cycle=cycle,
        emission_year=year,
        coinbase=coinbase,
        emission=emission,
        staked_total=book.staked_total,
    )


def handle_claim(command: ClaimStakingReward, context: Context) -> list[Emit] | Rejected:
    staking = context.get(AlexStaking)
    found = _configured(context, command.token)
    if isinstance(found, Rejected):
        return found
    current = staking.current_cycle(command.token, context.block)
    book = staking.cycle(command.token, command.cycle)
    record = StakerCycleRecord(
        amount_staked=book.stakes.get(command.staker, 0),
        to_return=book.to_return.get(command.staker, 0),
    )
    emits: list[Emit] = []
    emission = book.emission
    if emission is None:
        fixed = _cycle_emission(staking, found, command.token, command.cycle, book)
        emission = fixed.emission
        emits.append(Emit(fixed))
    claim = reward_claim(
        record, current, command.cycle, emission, book.staked_total, found.apower_multiplier
    )
    if record.amount_staked == 0 and record.to_return == 0:
        return reject(
            RejectCode.NOTHING_TO_CLAIM,
            f"{command.staker} has nothing in {command.token} cycle {command.cycle}",
        )
    overdrawn = allocation_covers(context, found.reward_from, found.reward_asset, claim.reward)
    if overdrawn is not None:
        return overdrawn
    emits.append(
        Emit(
            StakingRewardClaimed(
                token=command.token,
                staker=command.staker,
                cycle=command.cycle,
                reward=claim.reward,
                principal_returned=claim.to_return,
                apower=claim.apower,
                stake_in_cycle=record.amount_staked,
                reward_asset=found.reward_asset,
                apower_asset=found.apower_asset,
                principal_from_reserve=True,
                reward_from=found.reward_from,
            )
        )
    )
    if claim.to_return:
        refused = _principal_from_reserve(context, command, claim.to_return)
        if isinstance(refused, Rejected):
            return refused
        emits.extend(refused)
    return emits


def _principal_from_reserve(
    context: Context, command: ClaimStakingReward, principal: int
) -> list[Emit] | Rejected:
    """The reserve pays back the principal it holds for the staker (`ReserveDebited`).

    The contract refuses a claim that would take the reserve below zero (err 2024), e.g. after
    a shortfall cover spent staked tokens; so does this.
    """
    held = context.get(ReserveSolvency).book(command.token).balance
    if held < principal:
        return reject(
            RejectCode.INSUFFICIENT_LIQUIDITY,
            f"reserve:{command.token} holds {held}, the principal due is {principal}; "
            "the reserve must be refilled (CreditReserve) before this claim",
        )
    reason = f"{STAKING_PRINCIPAL_REASON}:{command.token}:{command.cycle}"
    return [
        Emit(
            ReserveDebited(
                token=command.token, amount=principal, to_account=command.staker, reason=reason
            )
        )
    ]
