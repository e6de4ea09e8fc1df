"""Agents react to each step of a scenario with commands: keepers, liquidators, traders, ...

An agent kind is registered with `@agent_kind("name")`; a scenario's `[[agents]]` entry names it
and gives its params. Agents read the engine's live projections and return commands; the runner
executes each one on its own, so a refused command is counted, not fatal. Randomness comes only
from the step's seeded `rand`.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ledger.commands_core import Transfer
from ledger.engine import Command, Engine
from projections.balances import Balances
from replay.scenario import AgentSpec, Scenario, ScenarioError


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
_KINDS: dict[str, AgentFactory] = {}


def agent_kind(name: str) -> Callable[[AgentFactory], AgentFactory]:
    def decorate(factory: AgentFactory) -> AgentFactory:
        if name in _KINDS:
            raise ValueError(f"agent kind {name!r} is registered twice")
        _KINDS[name] = factory
        return factory

    return decorate


def make_agent(spec: AgentSpec, scenario: Scenario) -> Agent:
    import replay.agent_catalog  # noqa: F401  (registers every agent kind)

    factory = _KINDS.get(spec.kind)
    if factory is None:
        raise ScenarioError(
            f"{scenario.source_path}: `agents.kind`: unknown agent kind "
            f"{spec.kind!r}; known: {', '.join(sorted(_KINDS))}"
        )
    try:
        return factory(spec, scenario)
    except (KeyError, TypeError, ValueError) as error:
        raise ScenarioError(
            f"{scenario.source_path}: `agents` {spec.kind}: bad params: {error}"
        ) from error


def param(spec: AgentSpec, key: str, default: Any = None) -> Any:
    if key in spec.params:
        return spec.params[key]
    if default is None:
        raise KeyError(f"missing param `{key}`")
    return default


class PaymentFlow:
    """Seeded transfers between actors: background activity for calm scenarios."""

    def __init__(self, spec: AgentSpec, scenario: Scenario) -> None:
        self.asset: str = param(spec, "asset")
        self.actors = [actor.name for actor in scenario.actors]
        self.per_step: int = param(spec, "per_step", 1)
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


agent_kind("payments")(PaymentFlow)
