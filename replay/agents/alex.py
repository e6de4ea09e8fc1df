"""ALEX agents: CRP rebalancing trades, and stakers and voters that follow a schedule.

    [[agents]]
    kind = "crp_rebalancer"
    params = { trader = "keeper", pool_id = "crp", gap_share_bps = 5000, gap_min_bps = 20 }

    [[agents]]
    kind = "alex_staker"
    params = { token = "ALEX", schedule = [
        { step = 1, staker = "alice", amount = 100, lock_cycles = 2 } ] }

    [[agents]]
    kind = "alex_voter"
    params = { schedule = [
        { step = 3, action = "vote", proposal_id = "AGP-1", voter = "bob", amount = 100,
          in_favour = true },
        { step = 30, action = "conclude", proposal_id = "AGP-1", sender = "bob" } ] }

A collateral rebalancing pool prices its trades at its stored weights; when the value share of
the collateral drifts from the weight, a trade toward the weight is cheap, and the rebalancer
makes it (a share of the gap per step). Stakers also claim every finished cycle they are in.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ledger.commands.alex_crp import SwapCollateralPool
from ledger.commands.alex_governance import ConcludeProposal, ReclaimVotes, Vote
from ledger.commands.alex_staking import ClaimStakingReward, Stake
from ledger.engine import Command, Engine
from projections.alex_lending import AlexLending
from projections.alex_staking import AlexStaking
from projections.balances import Balances
from projections.contracts.fixed_point import ONE_8
from replay.agents.amm import BPS, bps_param
from replay.agents.base import Step, param
from replay.scenario import AgentSpec, Scenario


class CrpRebalancer:
    """Trades a CRP toward its weight: collateral in when its value share is below the weight."""

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        self.trader: str = param(spec, "trader")
        self.pool_id: str = param(spec, "pool_id")
        self.gap_share_bps = bps_param(spec, "gap_share_bps", 5_000)
        self.gap_min_bps = bps_param(spec, "gap_min_bps", 20)

    def act(self, step: Step, engine: Engine) -> list[Command]:
        lending = engine.projection(AlexLending)
        book = lending.collateral_pool(self.pool_id)
        spot = lending.spot(book) if book is not None else None
        if book is None or not spot or book.expiry <= step.block:
            return []
        value_x = book.balance_x * spot // ONE_8  # in token y base units
        total = value_x + book.balance_y
        if total == 0:
            return []
        target_x = total * book.weight_x // ONE_8
        gap = target_x - value_x  # > 0: the pool wants more collateral
        if abs(gap) * BPS < total * self.gap_min_bps:
            return []
        move = abs(gap) * self.gap_share_bps // BPS
        held = engine.projection(Balances)
        if gap > 0:
            asset, amount = book.collateral, move * ONE_8 // spot
        else:
            asset, amount = book.token, move
        amount = min(amount, held.balance(self.trader, asset))
        if amount <= 0:
            return []
        return [
            SwapCollateralPool(
                pool_id=self.pool_id, trader=self.trader, asset_in=asset, amount_in=amount
            )
        ]


def schedule_param(
    spec: AgentSpec, required: dict[str, tuple[str, ...]]
) -> dict[int, list[dict[str, Any]]]:
    """The `schedule` param by step; each entry has an int `step`, an `action` (the first
    one named in `required` by default) and that action's required keys."""
    entries = param(spec, "schedule")
    if not isinstance(entries, list):
        raise ValueError("param `schedule` must be a list of tables with a `step`")
    by_step: dict[int, list[dict[str, Any]]] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("step"), int):
            raise ValueError(f"`schedule[{index}]` needs an int `step`, got {entry!r}")
        action = entry.get("action", next(iter(required)))
        if action not in required:
            raise ValueError(f"`schedule[{index}].action` is one of {sorted(required)}")
        missing = [key for key in required[action] if key not in entry]
        if missing:
            raise KeyError(f"`schedule[{index}]` ({action}) needs {', '.join(missing)}")
        by_step.setdefault(entry["step"], []).append({**entry, "action": action})
    return by_step


class AlexStaker:
    """Stakes on schedule; claims every finished cycle its stakers are in."""

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        self.token: str = param(spec, "token", "ALEX")
        self.schedule = schedule_param(spec, {"stake": ("staker", "amount", "lock_cycles")})
        self.claim: bool = param(spec, "claim", True)
        self.stakers = sorted(
            {entry["staker"] for entries in self.schedule.values() for entry in entries}
        )

    def claims(self, engine: Engine, block: int) -> list[Command]:
        staking = engine.projection(AlexStaking)
        current = staking.current_cycle(self.token, block)
        if current is None:
            return []
        commands: list[Command] = []
        cycles = staking.state.cycles.get(self.token, {})
        for cycle in sorted(int(key) for key in cycles if int(key) < current):
            book = cycles[str(cycle)]
            for staker in self.stakers:
                if staker in book.stakes or staker in book.to_return:
                    commands.append(
                        ClaimStakingReward(token=self.token, staker=staker, cycle=cycle)
                    )
        return commands

    def act(self, step: Step, engine: Engine) -> list[Command]:
        commands: list[Command] = [
            Stake(
                token=self.token,
                staker=entry["staker"],
                amount=entry["amount"],
                lock_cycles=entry["lock_cycles"],
            )
            for entry in self.schedule.get(step.index, [])
        ]
        return commands + (self.claims(engine, step.block) if self.claim else [])


class AlexVoter:
    """Votes, concludes and reclaims on schedule (AGP governance)."""

    ACTIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        "vote": ("proposal_id", "voter", "amount", "in_favour"),
        "conclude": ("proposal_id", "sender"),
        "reclaim": ("proposal_id", "voter"),
    }

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        self.schedule = schedule_param(spec, self.ACTIONS)

    def act(self, step: Step, engine: Engine) -> list[Command]:
        commands: list[Command] = []
        for entry in self.schedule.get(step.index, []):
            if entry["action"] == "vote":
                commands.append(
                    Vote(
                        proposal_id=entry["proposal_id"],
                        voter=entry["voter"],
                        amount=entry["amount"],
                        in_favour=bool(entry["in_favour"]),
                    )
                )
            elif entry["action"] == "conclude":
                commands.append(
                    ConcludeProposal(proposal_id=entry["proposal_id"], sender=entry["sender"])
                )
            else:
                commands.append(
                    ReclaimVotes(proposal_id=entry["proposal_id"], voter=entry["voter"])
                )
        return commands
