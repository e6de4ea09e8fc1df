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
        { step = 30, action = "conclude", proposal_id = "AGP-1", sender = "bob" },
        { step = 31, action = "propose_implementation", proposal_id = "IMP-1",
          proposer = "genesis", implements = "AGP-1", start_height = 190, end_height = 300 },
        { step = 60, action = "enact", proposal_id = "IMP-1", sender = "genesis" },
        { step = 61, action = "pause", sender = "foundation", paused = true } ] }

A collateral rebalancing pool prices its trades at its stored weights; when the value share of
the collateral drifts from the weight, a trade toward the weight is cheap, and the rebalancer
makes it (a share of the gap per step). Stakers also claim every finished cycle they are in.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from ledger.commands.alex_crp import SwapCollateralPool
from ledger.commands.alex_governance import (
    AddEmergencyProposal,
    AddProposal,
    ConcludeProposal,
    ExecuteProposal,
    ReclaimVotes,
    SetGovernancePause,
    SignalExecutive,
    VetoProposal,
    Vote,
)
from ledger.commands.alex_governance_acts import AddImplementationProposal, EnactProposal
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


GOVERNANCE_ACTIONS: dict[str, type[Command]] = {
    "vote": Vote,
    "conclude": ConcludeProposal,
    "reclaim": ReclaimVotes,
    "propose": AddProposal,
    "propose_emergency": AddEmergencyProposal,
    "propose_implementation": AddImplementationProposal,
    "enact": EnactProposal,
    "execute": ExecuteProposal,
    "signal": SignalExecutive,
    "veto": VetoProposal,
    "pause": SetGovernancePause,
}
"""Every governance step a voter's schedule may take: the action's name -> its command."""


def required_fields(command_type: type[Command]) -> tuple[str, ...]:
    """The fields a command has no default for (what a schedule entry must give)."""
    return tuple(
        field.name
        for field in msgspec.structs.fields(command_type)
        if field.default is msgspec.NODEFAULT and field.default_factory is msgspec.NODEFAULT
    )


class AlexVoter:
    """Takes governance steps on schedule: votes, conclusions, reclaims, proposals (standard,
    emergency, the Genesis team's implementations), enactment, executive signals, and the
    foundation's veto and pause. Each entry is an `action` plus that command's fields."""

    ACTIONS: ClassVar[dict[str, tuple[str, ...]]] = {
        action: required_fields(command_type) for action, command_type in GOVERNANCE_ACTIONS.items()
    }

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        self.schedule = schedule_param(spec, self.ACTIONS)
        for entries in self.schedule.values():
            for entry in entries:
                self.command(entry)  # a bad field fails when the scenario loads, not mid-run

    @staticmethod
    def command(entry: dict[str, Any]) -> Command:
        fields = {key: value for key, value in entry.items() if key not in ("step", "action")}
        if entry["action"] == "vote":
            fields["in_favour"] = bool(fields["in_favour"])
        try:
            return msgspec.convert(fields, GOVERNANCE_ACTIONS[entry["action"]])
        except msgspec.ValidationError as error:
            where = f"`schedule` {entry['action']} at step {entry['step']}"
            raise ValueError(f"{where}: {error}") from error

    def act(self, step: Step, engine: Engine) -> list[Command]:
        return [self.command(entry) for entry in self.schedule.get(step.index, [])]
