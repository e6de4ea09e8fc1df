"""ALEX staking vector checkers (the `alex-stake-*` vectors of alex.json), via `staking` math.

The `alex-stake-cycle-*` vectors replay one set of stake records and ask what one staker has
counting in a cycle and what principal that cycle's claim returns. The error vectors carry
Clarity error codes; each maps to the `RejectCode` the math raises.
"""

from __future__ import annotations

import pytest

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.fixed_point import ONE_8
from projections.contracts.staking import (
    StakerCycleRecord,
    reward_claim,
    reward_cycle,
    stake_schedule,
    stake_schedule_at_height,
)
from tests.vectors.harness import Checker, Vector, as_int

ACTIVATION_HEIGHT = 1_000
AMOUNT = 100 * ONE_8


def check_stake_cycle(vector: Vector) -> None:
    inputs, expected = vector["inputs"], vector["expected"]
    cycle = as_int(inputs["reward_cycle"])
    amount_staked = 0
    to_return = 0
    for record in inputs["records"]:
        schedule = stake_schedule(as_int(record["stake_in_cycle"]), as_int(record["lock_period"]))
        amount = as_int(record["amount"])
        if schedule.counts_in(cycle):
            amount_staked += amount
        if schedule.principal_return_cycle == cycle:
            to_return += amount
    assert amount_staked == as_int(expected["amount_staked"])
    assert to_return == as_int(expected["to_return"])


def check_claim_twice(vector: Vector) -> None:
    expected = vector["expected"]
    target_cycle = as_int(vector["inputs"]["target_cycle"])
    record = StakerCycleRecord(amount_staked=AMOUNT, to_return=AMOUNT)
    coinbase = 1_000 * ONE_8
    first = reward_claim(record, target_cycle + 1, target_cycle, coinbase, 4 * AMOUNT)
    assert (first.reward, first.to_return) == (coinbase // 4, AMOUNT)
    second = reward_claim(first.record_after, target_cycle + 1, target_cycle, coinbase, 4 * AMOUNT)
    assert second.reward == as_int(expected["entitled_token"])
    assert second.to_return == as_int(expected["to_return"])


def _assert_stake_rejected(code: RejectCode, height: int, lock_cycles: int) -> None:
    with pytest.raises(MathRejected) as rejected:
        stake_schedule_at_height(height, ACTIVATION_HEIGHT, AMOUNT, lock_cycles)
    assert rejected.value.code is code


def check_lock_out_of_range(vector: Vector) -> None:
    assert vector["expected"]["error"].startswith("u10016")
    _assert_stake_rejected(
        RejectCode.LOCK_OUT_OF_RANGE, ACTIVATION_HEIGHT, as_int(vector["inputs"]["lock_period"])
    )


def check_before_activation(vector: Vector) -> None:
    assert vector["expected"]["error"].startswith("u10015")
    assert vector["inputs"]["activation"] == "not reached"
    height = ACTIVATION_HEIGHT - 1
    assert reward_cycle(height, ACTIVATION_HEIGHT) is None
    _assert_stake_rejected(RejectCode.NOT_ACTIVATED, height, 1)


CHECKERS: dict[str, Checker] = {
    "alex-stake-cycle-": check_stake_cycle,
    "alex-stake-claim-twice": check_claim_twice,
    "alex-stake-err-lock-": check_lock_out_of_range,
    "alex-stake-err-before-activation": check_before_activation,
}
