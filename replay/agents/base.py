"""Agents react to each step of a scenario with commands: keepers, liquidators, traders, ...

The agent kinds a scenario may name are listed in `replay.agents.catalog.AGENT_KINDS`; a
scenario's `[[agents]]` entry names one and gives its params. Agents read the engine's live
projections and return commands; the runner executes each one on its own, so a refused
command is counted, not fatal. Randomness comes only from the step's seeded `rand`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from ledger.commands.core import Transfer
from ledger.engine import Command, Engine
from projections.balances import Balances
from replay.scenario import AgentSpec, Scenario


@dataclass(frozen=True)
class Step:
    """One step of a replay: its index, block, time and the prices just reported."""

    index: int
    block: int
    ts_s: int
    prices: dict[str, int]
    rand: random.Random


class Agent(Protocol):
    def act(self, step: Step, engine: Engine) -> list[Command]:
        """The commands to run at this step (after the prices are posted)."""
        ...


AgentFactory = Callable[[AgentSpec, Scenario], Agent]


def commands_per_step(agents: Sequence[Agent]) -> int:
    """The commands the agents with a `per_step` (payments, amm_trader) ask for a step, together.

    The others ask for a few for each position, pool or market of the books, which the log
    bounds; these for as many as their `per_step` says, which only memory bounds."""
    return sum(getattr(agent, "per_step", 0) for agent in agents)


def param(spec: AgentSpec, key: str, default: Any = None) -> Any:
    """The agent's param `key`, or `default`; of the default's type when one is given, so a
    mistyped param is refused when the scenario loads, not in the middle of a replay."""
    if key in spec.params:
        value = spec.params[key]
        if default is not None and not _same_kind(value, default):
            raise TypeError(f"param `{key}` should be {type(default).__name__}, got {value!r}")
        return value
    if default is None:
        raise KeyError(f"missing param `{key}`")
    return default


def per_step_param(spec: AgentSpec) -> int:
    """`per_step`, the commands an agent asks for a step: an int >= 0 (1 by default). Memory
    bounds it, checked by the run (`replay.step_memory`)."""
    per_step: int = param(spec, "per_step", 1)
    if per_step < 0:
        raise ValueError(f"param `per_step` must be an int >= 0, got {per_step!r}")
    return per_step


def _same_kind(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return type(value) is type(default)
    if isinstance(default, int | float):
        return isinstance(value, int | float) and (
            isinstance(value, int) or isinstance(default, float)
        )
    return isinstance(value, type(default))


class PaymentFlow:
    """Seeded transfers between actors: background activity for calm scenarios."""

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        self.asset: str = param(spec, "asset")
        self.actors = [actor.name for actor in scenario.actors]
        self.per_step = per_step_param(spec)
        self.share_bps_max: int = param(spec, "share_bps_max", 100)
        if len(self.actors) < 2:
            raise ValueError("a payment flow needs at least two actors")

    def act(self, step: Step, engine: Engine) -> list[Command]:
        balances = engine.projection(Balances)
        commands: list[Command] = []
        for _ in range(self.per_step):
            payer, payee = step.rand.sample(self.actors, 2)
            held = balances.balance(payer, self.asset)
            amount = held * step.rand.randint(1, self.share_bps_max) // 10_000
            if amount:
                commands.append(
                    Transfer(asset=self.asset, from_account=payer, to_account=payee, amount=amount)
                )
        return commands
