"""Properties of the ALEX staking math, with a naive per-cycle ledger of stakes as the oracle."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fixed_point import ONE_8
from projections.contracts.staking import (
    BLOCKS_PER_YEAR,
    EMISSION_CAPS_ANNUAL_DEFAULT,
    LOCK_CYCLES_MAX,
    REWARD_CYCLE_LENGTH_BLOCKS,
    StakerCycleRecord,
    activation_height_after_registration,
    coinbase_amount,
    cycle_first_height,
    emission_allowed,
    emission_cap_for_year,
    emission_year,
    entitled_reward,
    reward_claim,
    reward_cycle,
    stake_schedule,
    stake_schedule_at_height,
)

EXAMPLES = settings(max_examples=200, deadline=None)
COINBASE_BANDS = (621_950_000_000, 310_975_000_000, 155_487_500_000, 77_743_750_000, 0)
stake_amounts = st.integers(min_value=1, max_value=10**9 * ONE_8)


@EXAMPLES
@given(
    activation=st.integers(min_value=0, max_value=10**8),
    cycle=st.integers(min_value=1, max_value=10**4),
)
def test_a_cycle_starts_at_its_first_height(activation: int, cycle: int) -> None:
    first_height = cycle_first_height(cycle, activation)
    assert reward_cycle(first_height, activation) == cycle
    assert reward_cycle(first_height - 1, activation) == cycle - 1
    assert reward_cycle(first_height + REWARD_CYCLE_LENGTH_BLOCKS - 1, activation) == cycle
    assert reward_cycle(activation - 1, activation) is None


stakes = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=60),
        st.integers(min_value=1, max_value=LOCK_CYCLES_MAX),
        stake_amounts,
    ),
    min_size=1,
    max_size=12,
)


@EXAMPLES
@given(stake_list=stakes)
def test_schedules_match_a_naive_per_cycle_ledger(stake_list: list[tuple[int, int, int]]) -> None:
    staked: dict[int, int] = {}
    returned: dict[int, int] = {}
    for stake_cycle, lock_cycles, amount in stake_list:
        for offset in range(1, lock_cycles + 1):
            staked[stake_cycle + offset] = staked.get(stake_cycle + offset, 0) + amount
        returned[stake_cycle + lock_cycles] = returned.get(stake_cycle + lock_cycles, 0) + amount
    for cycle in range(0, 100):
        schedules = [(stake_schedule(c, lock), amount) for c, lock, amount in stake_list]
        counted = sum(amount for schedule, amount in schedules if schedule.counts_in(cycle))
        due = sum(a for s, a in schedules if s.principal_return_cycle == cycle)
        assert counted == staked.get(cycle, 0)
        assert due == returned.get(cycle, 0)


@EXAMPLES
@given(
    coinbase=st.integers(min_value=0, max_value=10**10 * ONE_8),
    stakers=st.lists(stake_amounts, min_size=1, max_size=30),
)
def test_rewards_of_all_stakers_in_a_cycle_never_exceed_the_coinbase(
    coinbase: int, stakers: list[int]
) -> None:
    total = sum(stakers)
    rewards = [entitled_reward(coinbase, staked, total) for staked in stakers]
    assert sum(rewards) <= coinbase
    # Each reward is the exact pro-rata share less two round-downs: one unit of mul_down
    # (worth ONE_8 / total after the division) and one unit of div_down.
    for staked, reward in zip(stakers, rewards, strict=True):
        assert reward * total <= coinbase * staked < (reward + 1) * total + ONE_8


@EXAMPLES
@given(cycle=st.integers(min_value=0, max_value=700))
def test_coinbase_bands_end_inclusive_at_multiples_of_the_halving_cycle(cycle: int) -> None:
    band = (cycle - 1) // 100 if cycle > 0 else 0
    expected = COINBASE_BANDS[band] if band < 5 else 0
    assert coinbase_amount(cycle, COINBASE_BANDS) == expected


def test_coinbase_thresholds_are_inclusive() -> None:
    assert coinbase_amount(100, (1, 2, 3, 4, 5)) == 1
    assert coinbase_amount(101, (1, 2, 3, 4, 5)) == 2
    assert coinbase_amount(500, (1, 2, 3, 4, 5)) == 5
    assert coinbase_amount(501, (1, 2, 3, 4, 5)) == 0


@EXAMPLES
@given(
    requests=st.lists(
        st.tuples(st.integers(min_value=0, max_value=7 * BLOCKS_PER_YEAR), stake_amounts),
        max_size=40,
    )
)
def test_emission_under_the_annual_cap_never_exceeds_it(requests: list[tuple[int, int]]) -> None:
    start_height = 1_000
    emitted_by_year: dict[int, int] = {}
    for offset, requested in sorted(requests):
        year = emission_year(start_height + offset, start_height)
        cap = emission_cap_for_year(year)
        allowed = emission_allowed(requested * 10**6, emitted_by_year.get(year, 0), cap)
        assert 0 <= allowed <= requested * 10**6
        emitted_by_year[year] = emitted_by_year.get(year, 0) + allowed
    for year, emitted in emitted_by_year.items():
        assert emitted <= emission_cap_for_year(year)
    assert sum(EMISSION_CAPS_ANNUAL_DEFAULT) == 500_000_000 * ONE_8


def test_claim_pays_once_after_the_cycle_ends() -> None:
    record = StakerCycleRecord(amount_staked=100 * ONE_8, to_return=100 * ONE_8)
    with pytest.raises(MathRejected) as rejected:
        reward_claim(record, 3, 3, 1_000 * ONE_8, 400 * ONE_8)
    assert rejected.value.code is RejectCode.CYCLE_NOT_ENDED
    first = reward_claim(record, 4, 3, 1_000 * ONE_8, 400 * ONE_8, apower_multiplier=2 * ONE_8)
    assert (first.reward, first.to_return, first.apower) == (250 * ONE_8, 100 * ONE_8, 500 * ONE_8)
    second = reward_claim(first.record_after, 4, 3, 1_000 * ONE_8, 400 * ONE_8)
    assert (second.reward, second.to_return, second.apower) == (0, 0, 0)


@pytest.mark.parametrize(
    ("height", "amount", "lock_cycles", "code"),
    [
        (999, ONE_8, 1, RejectCode.NOT_ACTIVATED),
        (1_000, ONE_8, 0, RejectCode.LOCK_OUT_OF_RANGE),
        (1_000, ONE_8, 33, RejectCode.LOCK_OUT_OF_RANGE),
        (1_000, 0, 32, RejectCode.ZERO_AMOUNT),
    ],
)
def test_stake_validation_names_the_reason(
    height: int, amount: int, lock_cycles: int, code: RejectCode
) -> None:
    with pytest.raises(MathRejected) as rejected:
        stake_schedule_at_height(height, 1_000, amount, lock_cycles)
    assert rejected.value.code is code


def test_stake_counts_from_the_next_cycle() -> None:
    schedule = stake_schedule_at_height(1_000 + 525 * 3 + 7, 1_000, ONE_8, 4)
    assert (schedule.first_cycle, schedule.last_cycle) == (4, 7)


def test_twentieth_registration_starts_a_150_block_countdown() -> None:
    assert activation_height_after_registration(19, 5_000) is None
    assert activation_height_after_registration(20, 5_000) == 5_150
    assert activation_height_after_registration(21, 5_000) is None
