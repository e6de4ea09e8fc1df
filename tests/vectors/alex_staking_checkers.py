"""ALEX staking kinds (the staking vectors of alex.json), via the `staking` math.

A stake schedule vector replays a set of stake records and asks what one staker has counting
in a cycle and what principal that cycle's claim returns. A claim vector claims one cycle
twice. Validation vectors carry Clarity error codes; each maps to the `RejectCode` the math
refuses with, and the kind answers with that Clarity error.
"""

from __future__ import annotations

from events.rejections import RejectCode
from projections.contracts.fixed_point import ONE_8
from projections.contracts.staking import (
    LOCK_CYCLES_MAX,
    StakerCycleRecord,
    reward_claim,
    reward_cycle,
    stake_schedule,
    stake_schedule_at_height,
)
from tests.vectors.harness import Computed, Kind, Vector, as_int, kind, rejection_of

ACTIVATION_HEIGHT = 1_000
AMOUNT = 100 * ONE_8
CLARITY_ERRORS = {
    RejectCode.LOCK_OUT_OF_RANGE: "u10016 ERR-CANNOT-STAKE",
    RejectCode.NOT_ACTIVATED: "u10015 ERR-STAKING-NOT-AVAILABLE",
}


@kind("stake schedule in a cycle", {"records", "reward_cycle"})
def stake_cycle(vector: Vector) -> Computed:
    inputs = vector["inputs"]
    cycle = as_int(inputs["reward_cycle"])
    amount_staked = to_return = 0
    for record in inputs["records"]:
        schedule = stake_schedule(as_int(record["stake_in_cycle"]), as_int(record["lock_period"]))
        amount = as_int(record["amount"])
        if schedule.counts_in(cycle):
            amount_staked += amount
        if schedule.principal_return_cycle == cycle:
            to_return += amount
    return {"amount_staked": amount_staked, "to_return": to_return}


@kind("claim a cycle twice", {"target_cycle"})
def claim_twice(vector: Vector) -> Computed:
    """A staker with a quarter of the cycle's stake claims it, then claims it again."""
    inputs = vector["inputs"]
    target_cycle = as_int(inputs["target_cycle"])
    amount = as_int(inputs.get("amount", AMOUNT))
    total = as_int(inputs.get("total_staked", 4 * amount))
    coinbase = as_int(inputs.get("coinbase", 1_000 * ONE_8))
    record = StakerCycleRecord(amount_staked=amount, to_return=amount)
    first = reward_claim(record, target_cycle + 1, target_cycle, coinbase, total)
    second = reward_claim(first.record_after, target_cycle + 1, target_cycle, coinbase, total)
    return {
        "first_entitled_token": first.reward,
        "first_to_return": first.to_return,
        "entitled_token": second.reward,
        "to_return": second.to_return,
    }


def _stake(height: int, lock_cycles: int) -> object:
    return stake_schedule_at_height(height, ACTIVATION_HEIGHT, AMOUNT, lock_cycles)


@kind("stake validation: lock period", {"lock_period"}, absent={"records"})
def stake_lock_validation(vector: Vector) -> Computed:
    lock = as_int(vector["inputs"]["lock_period"])
    error = rejection_of(lambda: _stake(ACTIVATION_HEIGHT, lock), CLARITY_ERRORS)
    return {"error": error or "ok", "lock_in_range": 1 <= lock <= LOCK_CYCLES_MAX}


@kind("stake validation: activation", {"activation"})
def stake_activation_validation(vector: Vector) -> Computed:
    reached = str(vector["inputs"]["activation"]).lower() not in ("not reached", "false", "no")
    height = ACTIVATION_HEIGHT if reached else ACTIVATION_HEIGHT - 1
    assert (reward_cycle(height, ACTIVATION_HEIGHT) is None) is not reached
    error = rejection_of(lambda: _stake(height, 1), CLARITY_ERRORS)
    return {"error": error or "ok"}


KINDS: list[Kind] = [stake_cycle, claim_twice, stake_lock_validation, stake_activation_validation]
