"""ALEX reserve-pool staking math: reward cycles, stake schedules, coinbase, rewards, caps.

Restated from protocol-math.md section 2.7 (`alexgo-io/alex-v1:clarity/contracts/pool/
alex-reserve-pool.clar` @5146658f: get-reward-cycle, stake-tokens-at-cycle,
get-entitled-staking-reward, claim-staking-reward-at-cycle, get-coinbase-amount-or-default),
plus two variants the write-ups describe: the early 20-signal activation (@b30b6891,
register-user) and the tokenomics doc's annual emission cap, which no contract enforces.

Amounts are ALEX 8-decimal fixed point (`ONE_8` = 1.0); heights are Stacks block heights.
A stake made in cycle c with lock L counts in cycles c+1..c+L, and its principal comes back
when cycle c+L is claimed; there is no early exit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fixed_point import ONE_8, div_down, mul_down

REWARD_CYCLE_LENGTH_BLOCKS = 525
LOCK_CYCLES_MAX = 32
HALVING_CYCLE_DEFAULT = 100
ACTIVATION_HEIGHT_DEFAULT = 100_000_000
"""The contract's default activation block: in practice, not active."""
ACTIVATION_THRESHOLD_USERS = 20
ACTIVATION_DELAY_BLOCKS = 150
BLOCKS_PER_YEAR = 52_560
EMISSION_CAPS_ANNUAL_DEFAULT: tuple[int, ...] = tuple(
    millions * 10**6 * ONE_8 for millions in (259, 130, 65, 33, 13)
)
"""Tokenomics doc: staking emission per year 1..5 across all pools, 500M ALEX in all."""


@dataclass(frozen=True, slots=True)
class StakeSchedule:
    """The cycles a stake counts in; its principal returns when `last_cycle` is claimed."""

    first_cycle: int
    last_cycle: int

    def counts_in(self, cycle: int) -> bool:
        """Whether the stake earns rewards in `cycle`."""
        return self.first_cycle <= cycle <= self.last_cycle

    @property
    def principal_return_cycle(self) -> int:
        """The cycle whose claim hands the principal back (the last locked cycle)."""
        return self.last_cycle


@dataclass(frozen=True, slots=True)
class StakerCycleRecord:
    """One staker's entry for one cycle, as the contract keeps it."""

    amount_staked: int = 0
    to_return: int = 0
    """Principal handed back when this cycle is claimed (only on a stake's last cycle)."""


@dataclass(frozen=True, slots=True)
class RewardClaim:
    reward: int
    """ALEX minted to the staker for the cycle."""
    to_return: int
    """Principal moved from the vault back to the staker (and out of the reserve)."""
    apower: int
    """APower minted: mul_down(reward, multiplier)."""
    record_after: StakerCycleRecord
    """The zeroed record, so a second claim of the cycle pays nothing."""


def reward_cycle(
    height: int, activation_height: int, cycle_length_blocks: int = REWARD_CYCLE_LENGTH_BLOCKS
) -> int | None:
    """The reward cycle a block height falls in (`get-reward-cycle`).

    Args:
        height: Stacks block height.
        activation_height: The token's staking activation block.
        cycle_length_blocks: Blocks per reward cycle.

    Returns:
        floor((height - activation) / length), or None before activation.
    """
    if height < activation_height:
        return None
    return (height - activation_height) // cycle_length_blocks


def cycle_first_height(
    cycle: int, activation_height: int, cycle_length_blocks: int = REWARD_CYCLE_LENGTH_BLOCKS
) -> int:
    """First block height of `cycle` (`get-first-stacks-block-in-reward-cycle`).

    Args:
        cycle: Reward cycle number.
        activation_height: The token's staking activation block.
        cycle_length_blocks: Blocks per reward cycle.

    Returns:
        activation + length * cycle.
    """
    return activation_height + cycle_length_blocks * cycle


def stake_schedule(current_cycle: int, lock_cycles: int) -> StakeSchedule:
    """Cycles a stake made during `current_cycle` with a lock of `lock_cycles` counts in.

    Args:
        current_cycle: The cycle the stake is made in.
        lock_cycles: Lock period in cycles, 1..32.

    Returns:
        The schedule current+1 .. current+lock.
    """
    if not 1 <= lock_cycles <= LOCK_CYCLES_MAX:
        raise MathRejected(
            RejectCode.LOCK_OUT_OF_RANGE, f"lock of {lock_cycles} cycles; lock for 1 to 32"
        )
    return StakeSchedule(first_cycle=current_cycle + 1, last_cycle=current_cycle + lock_cycles)


def stake_schedule_at_height(
    height: int,
    activation_height: int,
    amount: int,
    lock_cycles: int,
    cycle_length_blocks: int = REWARD_CYCLE_LENGTH_BLOCKS,
) -> StakeSchedule:
    """Validate a stake as `stake-tokens-at-cycle` does and return its schedule.

    Checks run in the contract's order: activation (err u10015), then the lock range and the
    amount (both err u10016 on chain, told apart here).

    Args:
        height: Block height of the stake.
        activation_height: The token's staking activation block.
        amount: Tokens staked (8-decimal), > 0.
        lock_cycles: Lock period in cycles, 1..32.
        cycle_length_blocks: Blocks per reward cycle.

    Returns:
        The cycles the amount counts in.
    """
    current_cycle = reward_cycle(height, activation_height, cycle_length_blocks)
    if current_cycle is None:
        raise MathRejected(
            RejectCode.NOT_ACTIVATED, f"height {height} is before activation {activation_height}"
        )
    schedule = stake_schedule(current_cycle, lock_cycles)
    if amount <= 0:
        raise MathRejected(RejectCode.ZERO_AMOUNT, "stake a positive amount")
    return schedule


def coinbase_amount(
    cycle: int, coinbase_amounts: Sequence[int], halving_cycle: int = HALVING_CYCLE_DEFAULT
) -> int:
    """ALEX emitted to a token's stakers in `cycle` (`get-coinbase-amount-or-default`).

    Band i (0-based) covers cycles up to and including (i+1)*halving_cycle; after the last
    band nothing is emitted. The contract has five bands (c1..c5).

    Args:
        cycle: Reward cycle number.
        coinbase_amounts: Emission per cycle in each band (8-decimal).
        halving_cycle: Cycles per band.

    Returns:
        The band's amount, or 0 past the last band.
    """
    for band_index, amount in enumerate(coinbase_amounts):
        if cycle <= (band_index + 1) * halving_cycle:
            return amount
    return 0


def entitled_reward(coinbase: int, staked_user: int, staked_total: int) -> int:
    """A staker's reward for a cycle: the coinbase pro rata, both steps rounded down.

    Rounding down twice means the rewards of all stakers never sum above the coinbase.

    Args:
        coinbase: The cycle's coinbase amount (8-decimal).
        staked_user: The staker's amount counting in the cycle.
        staked_total: All stakes counting in the cycle.

    Returns:
        div_down(mul_down(coinbase, staked_user), staked_total), or 0 if nothing is staked.
    """
    if staked_total == 0:
        return 0
    return div_down(mul_down(coinbase, staked_user), staked_total)


def apower_amount(reward: int, apower_multiplier: int) -> int:
    """APower minted with a reward: mul_down(reward, multiplier) (0 when the multiplier is 0)."""
    return mul_down(reward, apower_multiplier)


def reward_claim(
    record: StakerCycleRecord,
    current_cycle: int | None,
    target_cycle: int,
    coinbase: int,
    staked_total: int,
    apower_multiplier: int = 0,
) -> RewardClaim:
    """Claim a finished cycle's reward and any principal due (`claim-staking-reward-at-cycle`).

    Args:
        record: The staker's record for `target_cycle`.
        current_cycle: The cycle at the claim's height (None before activation).
        target_cycle: The cycle being claimed.
        coinbase: `coinbase_amount(target_cycle, ...)`.
        staked_total: All stakes counting in `target_cycle`.
        apower_multiplier: The token's APower multiplier (8-decimal; 0 mints none).

    Returns:
        Reward, principal returned, APower and the zeroed record.
    """
    if current_cycle is None:
        raise MathRejected(RejectCode.NOT_ACTIVATED, "staking is not active yet")
    if current_cycle <= target_cycle:
        raise MathRejected(
            RejectCode.CYCLE_NOT_ENDED,
            f"cycle {target_cycle} has not ended (current cycle {current_cycle})",
        )
    reward = entitled_reward(coinbase, record.amount_staked, staked_total)
    return RewardClaim(
        reward=reward,
        to_return=record.to_return,
        apower=apower_amount(reward, apower_multiplier),
        record_after=StakerCycleRecord(),
    )


def activation_height_after_registration(
    registered_users: int,
    registration_height: int,
    activation_threshold_users: int = ACTIVATION_THRESHOLD_USERS,
    activation_delay_blocks: int = ACTIVATION_DELAY_BLOCKS,
) -> int | None:
    """Early reserve pool only: the activation block set when the threshold-th user registers.

    The current contract has no registration (the owner sets the activation block); this is
    the narrative's "20 wallets signal, then a 150-block countdown" (@b30b6891).

    Args:
        registered_users: Registered users counting the one registering now.
        registration_height: Block height of this registration.
        activation_threshold_users: Registrations that trigger activation.
        activation_delay_blocks: Countdown from the triggering registration.

    Returns:
        registration_height + delay if this registration is the threshold-th, else None.
    """
    if registered_users != activation_threshold_users:
        return None
    return registration_height + activation_delay_blocks


def emission_year(
    height: int, emission_start_height: int, blocks_per_year: int = BLOCKS_PER_YEAR
) -> int:
    """Which emission year (0-based) a height falls in, counted from the emission start.

    Args:
        height: Block height, at or after the start.
        emission_start_height: Height where year 0 begins.
        blocks_per_year: Blocks per year (52560: 144 a day).

    Returns:
        floor((height - start) / blocks_per_year).
    """
    if height < emission_start_height:
        raise MathRejected(RejectCode.NOT_ACTIVATED, "height is before the emission start")
    return (height - emission_start_height) // blocks_per_year


def emission_cap_for_year(
    year: int, emission_caps_annual: Sequence[int] = EMISSION_CAPS_ANNUAL_DEFAULT
) -> int:
    """The staking emission cap of a year (8-decimal ALEX); 0 after the listed years.

    Args:
        year: Emission year, 0-based.
        emission_caps_annual: Cap per year (default 259M, 130M, 65M, 33M, 13M ALEX).

    Returns:
        The cap for that year.
    """
    if 0 <= year < len(emission_caps_annual):
        return emission_caps_annual[year]
    return 0


def emission_allowed(amount_requested: int, emitted_in_year: int, year_cap: int) -> int:
    """How much of a requested emission fits under the year's cap (tokenomics variant).

    The contracts do not enforce a yearly cap (section 2.7, UNVERIFIED); with this applied,
    the sum emitted in a year never exceeds its cap.

    Args:
        amount_requested: Emission the schedule would mint (8-decimal).
        emitted_in_year: Emission already minted this year.
        year_cap: `emission_cap_for_year(...)`.

    Returns:
        min(requested, cap - emitted), never below 0.
    """
    if amount_requested < 0:
        raise MathRejected(RejectCode.NEGATIVE_AMOUNT, "emission is non-negative")
    return min(amount_requested, max(year_cap - emitted_in_year, 0))


__all__ = [
    "ACTIVATION_DELAY_BLOCKS",
    "ACTIVATION_HEIGHT_DEFAULT",
    "ACTIVATION_THRESHOLD_USERS",
    "BLOCKS_PER_YEAR",
    "EMISSION_CAPS_ANNUAL_DEFAULT",
    "HALVING_CYCLE_DEFAULT",
    "LOCK_CYCLES_MAX",
    "REWARD_CYCLE_LENGTH_BLOCKS",
    "RewardClaim",
    "StakeSchedule",
    "StakerCycleRecord",
    "activation_height_after_registration",
    "apower_amount",
    "coinbase_amount",
    "cycle_first_height",
    "emission_allowed",
    "emission_cap_for_year",
    "emission_year",
    "entitled_reward",
    "reward_claim",
    "reward_cycle",
    "stake_schedule",
    "stake_schedule_at_height",
]
