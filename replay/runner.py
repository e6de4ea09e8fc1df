"""Replaying a scenario block by block into a log, with projection digests at checkpoints.

Each step: set the clock to the step's time, post the prices, let every agent act (each command
on its own; a refusal is counted by reason, not fatal), and every `checkpoint_every_steps` steps
record every book's digest in the log itself (`CheckpointRecorded`, with the digest scheme).

The steps of as many checkpoint intervals as fit in `COMMIT_STEPS_MAX` (or that many steps, if
one interval is longer) are one transaction of the log (`SqliteStore.one_transaction`) and one
append: the engine holds the events of the commands it accepts (`Engine.deferred`) and appends
them together when the run of steps ends, so a refused command still appends nothing and a run
of steps costs one append and one commit.
An error rolls the run of steps back. The log's bytes are the same as with one append per
command: the same scenario always writes the same bytes, time coming from the scenario and
randomness from its seed.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path
from typing import Any

import msgspec

from ledger.batch import Rejected
from ledger.clock import FixedClock
from ledger.commands import command_types
from ledger.commands.core import Mint, RecordCheckpoint, RegisterAsset, UpdatePrice
from ledger.engine import Command, Engine
from ledger.sqlite_store import SqliteStore
from ledger.store import EventStore
from ledger.stores import describe_target, is_postgres_url
from replay.agents.base import Agent, AgentFactory, Step, commands_per_step
from replay.agents.catalog import AGENT_KINDS, make_agent
from replay.outputs import building_in_postgres, building_log
from replay.prices import price_path
from replay.scenario import Scenario, ScenarioError, did_you_mean
from replay.step_memory import replay_refusal

Progress = Callable[[int, int], None]

COMMIT_STEPS_MAX = 168
"""The most steps in one transaction, whatever the checkpoint interval (a week of hours)."""


def run_steps(checkpoint_every: int) -> int:
    """The steps of one transaction: as many whole checkpoint intervals as fit in
    `COMMIT_STEPS_MAX` (a run ends at a checkpoint), or `COMMIT_STEPS_MAX` if one does not."""
    if checkpoint_every >= COMMIT_STEPS_MAX:
        return COMMIT_STEPS_MAX
    return COMMIT_STEPS_MAX // checkpoint_every * checkpoint_every


@dataclass
class ReplayOutcome:
    """What a replay did: its head, the refusals by reason, and the steps run."""

    path: Path | str
    """The log's path, or its PostgreSQL URL (without a password)."""
    steps: int = 0
    head_seq: int = 0
    head_hash: str = ""
    checkpoints: int = 0
    refusals: Counter[str] = field(default_factory=Counter)


def steps_of(scenario: Scenario) -> list[tuple[int, dict[str, int]]]:
    """Merge the price sources into (unix seconds, {asset: price}) steps, in time order."""
    merged: dict[int, dict[str, int]] = {}
    for source in scenario.prices:
        for moment, price in price_path(source, scenario):
            merged.setdefault(moment, {})[source.asset] = price
    return sorted(merged.items())


def block_at(scenario: Scenario, first_s: int, moment_s: int) -> int:
    return 1 + (moment_s - first_s) // scenario.chain.block_seconds


def resolve_command(name: str, args: dict[str, Any], where: str) -> Command:
    known = command_types()
    command_type = known.get(name)
    if command_type is None:
        raise ScenarioError(f"{where}: unknown command {name!r}; known: {', '.join(sorted(known))}")
    fields = set(command_type.__struct_fields__)
    unknown = sorted(set(args) - fields)
    if unknown:
        raise ScenarioError(
            f"{where}: {name}: unknown field `{unknown[0]}`{did_you_mean(unknown[0], fields)}"
        )
    try:
        return msgspec.convert(args, command_type)
    except msgspec.ValidationError as error:
        raise ScenarioError(f"{where}: {name}: {error}") from error


def setup_commands(scenario: Scenario) -> list[Command]:
    commands: list[Command] = [
        RegisterAsset(asset=spec.asset, symbol=spec.symbol or spec.asset, decimals=spec.decimals)
        for spec in scenario.assets
    ]
    for actor in scenario.actors:
        commands += [
            Mint(asset=asset, to_account=actor.name, amount=amount, memo="scenario")
            for asset, amount in sorted(actor.holdings.items())
        ]
    return commands


class Replayer:
    """Runs one scenario into one log (see the module docstring)."""

    def __init__(
        self,
        scenario: Scenario,
        store: EventStore,
        clock: FixedClock,
        agent_kinds: Mapping[str, AgentFactory] = AGENT_KINDS,
    ) -> None:
        self.scenario = scenario
        self.store = store
        self.clock = clock
        self.engine = Engine(store)
        self.rand = random.Random(scenario.seed)
        self.agents: list[Agent] = [
            make_agent(spec, scenario, agent_kinds) for spec in scenario.agents
        ]
        self.steps = steps_of(scenario)
        self._refuse_what_memory_cannot_hold()
        location = getattr(store, "path", None) or describe_target(getattr(store, "url", ""))
        self.outcome = ReplayOutcome(location)

    def _refuse_what_memory_cannot_hold(self) -> None:
        """Refuse `per_step` agents whose commands, held for a run of steps until its one
        append, the machine cannot hold (`replay.step_memory`)."""
        commands = commands_per_step(self.agents)
        held = min(len(self.steps), run_steps(self.scenario.checkpoint_every_steps))
        refusal = replay_refusal(held, commands)
        if refusal is not None:
            raise ScenarioError(
                f"{self.scenario.source_path}: `agents`: {commands:,} commands a step from "
                f"`per_step`: {refusal}; give a smaller `per_step`"
            )

    def execute(self, commands: list[Command], block: int) -> None:
        for command in commands:
            result = self.engine.execute([command], block=block)
            if isinstance(result, Rejected):
                self.outcome.refusals[f"{type(command).__name__}:{result.code}"] += 1

    def setup(self) -> None:
        first_s = self.steps[0][0]
        self.clock.set(first_s * 1000)
        where = f"{self.scenario.source_path}: `setup`"
        base = setup_commands(self.scenario)
        result = self.engine.execute(base, block=1) if base else None
        if isinstance(result, Rejected):
            raise ScenarioError(f"{where}: assets/actors refused: {result.code} {result.detail}")
        self.post_prices(self.steps[0][1], 1)
        for index, item in enumerate(self.scenario.setup):
            command = resolve_command(item.command, item.args, f"{where}[{index}]")
            result = self.engine.execute([command], block=1 + item.block_offset)
            if isinstance(result, Rejected):
                raise ScenarioError(
                    f"{where}[{index}] {item.command} refused: {result.code}: {result.detail}"
                )

    def post_prices(self, prices: dict[str, int], block: int) -> None:
        sources = {source.asset: source for source in self.scenario.prices}
        self.execute(
            [
                UpdatePrice(
                    asset=asset,
                    quote=sources[asset].quote,
                    price=price,
                    scale=sources[asset].scale,
                    source=self.scenario.name,
                )
                for asset, price in sorted(prices.items())
            ],
            block,
        )

    def checkpoint(self, label: str, block: int) -> None:
        digests = self.engine.books.digests()
        self.execute([RecordCheckpoint(label=label, digests=digests)], block)
        self.outcome.checkpoints += 1

    def run_step(self, step: Step) -> None:
        """Post the step's prices, let every agent act, record a checkpoint when one is due."""
        self.post_prices(step.prices, step.block)
        for agent in self.agents:
            self.execute(agent.act(step, self.engine), step.block)
        self.outcome.steps += 1
        if step.index % self.scenario.checkpoint_every_steps == 0:
            self.checkpoint(f"step-{step.index}", step.block)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One transaction for a run of steps where the store offers it (SQLite), else none
        (each append is then its own), with the engine holding the events for one append."""
        one_transaction = getattr(self.store, "one_transaction", None)
        transaction = one_transaction() if callable(one_transaction) else nullcontext()
        with transaction, self.engine.deferred():
            yield

    def run(self, progress: Progress | None = None, *, after_block: int = 0) -> ReplayOutcome:
        """Run every step whose block is above `after_block` (0: the whole scenario)."""
        first_s = self.steps[0][0]
        if after_block == 0:
            self.setup()
        block = after_block
        every = run_steps(self.scenario.checkpoint_every_steps)
        # Runs of steps that end at a checkpoint's step (index 0, 1..every, every+1..2*every).
        runs = groupby(enumerate(self.steps), key=lambda item: (item[0] + every - 1) // every)
        try:
            for _, steps in runs:
                with self._transaction():
                    for index, (moment_s, prices) in steps:
                        block = max(
                            block_at(self.scenario, first_s, moment_s), self.engine.head.block
                        )
                        if block <= after_block or (index == 0 and after_block == 0):
                            continue
                        self.clock.set(moment_s * 1000)
                        self.run_step(Step(index, block, moment_s, prices, self.rand))
                        if progress is not None:
                            progress(index + 1, len(self.steps))
        except BaseException:
            self.engine.reload()  # the transaction was rolled back: so are the books
            raise
        self.checkpoint("end", max(block, self.engine.head.block))
        head = self.store.head()
        self.outcome.head_seq, self.outcome.head_hash = head.seq, head.hash
        return self.outcome


def replay_scenario(
    scenario: Scenario,
    db_path: Path | str,
    progress: Progress | None = None,
    *,
    force: bool = False,
) -> ReplayOutcome:
    """Replay `scenario` into a new log at `db_path`, which appears only once it is complete.

    An SQLite log is built beside `db_path` under a hidden name and moved into place at the end
    (`replay.outputs.building_log`), so a killed or failed replay leaves no log that looks
    finished; an existing `db_path` is replaced only with `force`. A PostgreSQL URL names a
    database whose log must be empty, and which gains the log only once the replay has run
    to its end (`replay.outputs.building_in_postgres`).
    """
    clock = FixedClock(0)
    if isinstance(db_path, str) and is_postgres_url(db_path):
        with building_in_postgres(db_path, "replay") as built:
            outcome = _replay_into(scenario, built, clock, progress)
        outcome.path = describe_target(db_path)
        return outcome
    with building_log(Path(db_path), force=force) as temp:
        outcome = _replay_into(scenario, temp, clock, progress)
    outcome.path = Path(db_path)
    return outcome


def _replay_into(
    scenario: Scenario, path: Path, clock: FixedClock, progress: Progress | None
) -> ReplayOutcome:
    """Replay `scenario` into a new SQLite log at `path`."""
    sqlite = SqliteStore(path, clock=clock, create=True)
    try:
        return Replayer(scenario, sqlite, clock).run(progress)
    finally:
        sqlite.close()
