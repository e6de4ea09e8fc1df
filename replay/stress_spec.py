"""Stress files (TOML): a price path and agents to run against the books as they stand at a block.

    name = "eth-40pct-6h"
    seed = 3
    [chain]
    block_seconds = 12
    [path]                      # the price path, relative to the book's price at the fork
    asset = "ETH"
    step_seconds = 300
    steps = 96
    shock = { size_bps = -4000, duration_steps = 72, shape = "linear" }
    oracle = { pool = "evm:1:0x...", token = "evm:1:0x..." }   # optional: see stress_oracle
    # or: series = { csv = "eth.csv", start = ..., end = ... }  (shifted to the book's price)
    # or: crash = "march-2020"                                  (a historical shape, scaled)
    [[actors]]                  # minted at the fork block: a keeper with capital
    name = "keeper"
    holdings = { USDC = 1_000_000_000_000 }
    [[changes]]                 # any engine command, run at the fork block (a fee, a reserve)
    command = "CreditReserve"
    args = { ... }
    [[agents]]
    kind = "fx_keeper"
    params = { keeper = "keeper" }

A stress has no `[[setup]]` of markets: the markets are the log's own. Everything it adds
(actors, changes) becomes facts dated at the fork block, so the what-if is on the record.
A shock whose steps would run past `LAST_INSTANT` from any fork is refused as the file loads
(by the scenario's rule, `check_ends_in_time`); `stress_paths` checks every path at its fork.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from replay.scenario import (
    Actor,
    AgentSpec,
    Chain,
    Model,
    PriceSource,
    Scenario,
    ScenarioError,
    Seed,
    SetupCommand,
    check_ends_in_time,
)

CRASHES: dict[str, tuple[str, str, str]] = {
    "march-2020": ("eth-usdt-1h.csv", "2020-03-11T12:00:00Z", "2020-03-13T12:00:00Z"),
    "may-2021": ("eth-usdt-1h.csv", "2021-05-18T12:00:00Z", "2021-05-20T00:00:00Z"),
    "june-2022": ("eth-usdt-1h.csv", "2022-06-12T00:00:00Z", "2022-06-19T00:00:00Z"),
    "november-2022": ("eth-usdt-1h.csv", "2022-11-07T00:00:00Z", "2022-11-10T00:00:00Z"),
}
"""Historical crash windows (hourly ETH): name -> (file, first hour, last hour).

Cut from the shared series (never copied into the project) and scaled to the book's price."""


class Shock(Model):
    """A parametric shock: `size_bps` over `duration_steps`, repeated every `every_steps`."""

    size_bps: int = Field(gt=-10_000)
    duration_steps: int = Field(1, gt=0)
    shape: Literal["linear", "exponential", "step"] = "linear"
    every_steps: int = Field(0, ge=0)
    """0: once; else a new episode starts every this many steps, from the level reached."""


class Series(Model):
    """A real series (CSV `timestamp,open,high,low,close`), shifted to start at the book's price."""

    csv: str
    column: Literal["open", "high", "low", "close"] = "close"
    start: datetime | None = None
    end: datetime | None = None


class PoolOracle(Model):
    """The price at the fork from a pair's reserves in the log (`replay.stress_oracle`)."""

    pool: str
    token: str | None = None
    """The pair's token the path's asset is priced by (default: the asset itself)."""
    quote: str | None = None
    """The quote's label (default: the pair's other token)."""


class StressPath(Model):
    asset: str
    step_seconds: int = Field(300, gt=0)
    steps: int = Field(0, ge=0)
    """Steps to run (0: the length of the series or crash, or the shock's duration)."""
    shock: Shock | None = None
    series: Series | None = None
    crash: str | None = None
    volatility_bps: int = Field(50, ge=0)
    """Per-step noise of the seeded variations (`--paths`); the base path has none."""
    oracle: PoolOracle | None = None
    """Where the fork's price comes from; without one, the log's own price of the asset."""

    def shock_steps(self) -> int | None:
        """The steps a shock runs (`steps`, else twice its duration); None for a series or a
        crash, whose steps are the series' own (cut at `steps`)."""
        if self.shock is None:
            return None
        return self.steps or self.shock.duration_steps * 2

    def steps_text(self, steps: int) -> str:
        """The key that sets the path's length, with its steps (and interval, for a shock)."""
        if self.shock is None:
            return f"`path.{'series' if self.series else 'crash'}` ({steps:,} steps)"
        counted = f"{steps:,} steps of {self.step_seconds:,} s"
        if self.steps:
            return f"`path.steps` ({counted})"
        return f"`path.shock.duration_steps` x 2 ({counted}; `path.steps` is 0)"

    @model_validator(mode="after")
    def _one_shape(self) -> StressPath:
        given = [name for name in ("shock", "series", "crash") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of `shock`, `series` or `crash` "
                f"(got {', '.join(given) or 'none'})"
            )
        if self.crash is not None and self.crash not in CRASHES:
            raise ValueError(f"unknown crash {self.crash!r}; known: {', '.join(sorted(CRASHES))}")
        return self


class StressSpec(Model):
    name: str
    description: str = ""
    seed: Seed = 0
    chain: Chain = Chain()
    path: StressPath
    actors: list[Actor] = Field(default_factory=list)
    changes: list[SetupCommand] = Field(default_factory=list)
    agents: list[AgentSpec] = Field(default_factory=list)
    source_path: Path | None = None

    def as_scenario(self) -> Scenario:
        """The scenario the agents are made from (their factories read actors and the file)."""
        return Scenario(
            name=self.name,
            seed=self.seed,
            chain=self.chain,
            prices=[PriceSource(asset=self.path.asset, points=["1"])],
            actors=self.actors,
            agents=self.agents,
            source_path=self.source_path,
        )


def parse_stress(raw: dict[str, Any], path: Path) -> StressSpec:
    """Validate a stress file's table; a `[[setup]]` of markets is refused by name."""
    if "setup" in raw:
        raise ScenarioError(
            f"{path}: `setup`: a stress runs against the log's own markets and takes no "
            "[[setup]]; put actors in [[actors]] and parameter changes in [[changes]]"
        )
    try:
        spec = StressSpec.model_validate({**raw, "source_path": path.resolve()})
    except ValidationError as error:
        problems = "; ".join(
            f"`{'.'.join(str(part) for part in item['loc']) or '(top)'}`: {item['msg']}"
            for item in error.errors()
        )
        raise ScenarioError(f"{path}: {problems}") from error
    steps = spec.path.shock_steps()
    if steps is not None:
        where = (
            f"{path}: {spec.path.steps_text(steps)} from a fork at the earliest time a log records"
        )
        seconds = steps * spec.path.step_seconds
        check_ends_in_time(where, EARLIEST_FORK, seconds, SHORTER_PATH)
    return spec


EARLIEST_FORK = datetime.fromtimestamp(0, UTC)
"""The earliest time a fork can be at: a log's timestamps count from 1970 (`ts_ms` >= 0)."""
SHORTER_PATH = "give fewer `path.steps` or a shorter `path.step_seconds`"
"""What a stress file can change so that its path ends in time."""


def load_stress(path: Path) -> StressSpec:
    """Read and validate a stress file (see the module docstring)."""
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError as error:
        raise ScenarioError(f"{path}: no such stress file") from error
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{path}: not valid TOML: {error}") from error
    return parse_stress(raw, path)
