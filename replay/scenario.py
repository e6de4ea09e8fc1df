"""Scenario files (TOML, validated with pydantic): markets, actors, prices, agents.

    name = "flash-crash"
    seed = 7
    checkpoint_every_steps = 24
    [chain]
    block_seconds = 12                  # Ethereum 12 s; Stacks ~600 s
    start = 2020-03-12T00:00:00Z
    [[prices]]
    asset = "ETH"
    csv = "prices/eth-flash-crash.csv"  # relative to this file; or `points`, or `generated`
    [[assets]]
    asset = "USDC"
    decimals = 6
    [[actors]]
    name = "alice"
    holdings = { USDC = 1_000_000_000_000 }
    [[setup]]                           # any engine command by name, with its fields
    command = "Transfer"
    args = { asset = "USDC", from_account = "alice", to_account = "bob", amount = 5 }
    [[agents]]
    kind = "trader"
    params = { ... }

An error names the file, the key and what is wrong.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator


class ScenarioError(ValueError):
    """A scenario file cannot be used; the message names the file, the key and the problem."""


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Chain(Model):
    block_seconds: int = Field(12, gt=0)
    start: datetime = datetime(2020, 1, 1, tzinfo=UTC)


class Shock(Model):
    step: int = Field(ge=0)
    move_bps: int = Field(gt=-10_000)


class GeneratedPath(Model):
    """A seeded geometric random walk (integer bps steps), with optional shocks."""

    start: str
    steps: int = Field(gt=0)
    volatility_bps: int = Field(ge=0)
    drift_bps: int = 0
    seed: int = 0
    shocks: list[Shock] = []


class PriceSource(Model):
    asset: str
    quote: str = "USD"
    scale: int = Field(10**18, gt=0)
    step_seconds: int = Field(3600, gt=0)
    csv: str | None = None
    column: Literal["open", "high", "low", "close"] = "close"
    start: datetime | None = None
    end: datetime | None = None
    points: list[str] | None = None
    generated: GeneratedPath | None = None

    @model_validator(mode="after")
    def _one_source(self) -> PriceSource:
        given = [name for name in ("csv", "points", "generated") if getattr(self, name)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of `csv`, `points` or `generated` "
                f"(got {', '.join(given) or 'none'})"
            )
        return self


class AssetSpec(Model):
    asset: str
    symbol: str | None = None
    decimals: int = Field(ge=0, le=36)


class Actor(Model):
    name: str
    holdings: dict[str, int] = {}


class SetupCommand(Model):
    command: str
    args: dict[str, Any] = {}
    block_offset: int = Field(0, ge=0)


class AgentSpec(Model):
    kind: str
    name: str | None = None
    params: dict[str, Any] = {}


class Scenario(Model):
    name: str
    description: str = ""
    seed: int = 0
    checkpoint_every_steps: int = Field(24, gt=0)
    chain: Chain = Chain()
    prices: list[PriceSource] = Field(min_length=1)
    assets: list[AssetSpec] = []
    actors: list[Actor] = []
    setup: list[SetupCommand] = []
    agents: list[AgentSpec] = []
    source_path: Path | None = None
    """Where the file was read from (price CSVs resolve relative to it)."""


def _location(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def load_scenario(path: Path) -> Scenario:
    """Read and validate a scenario file.

    Raises:
        ScenarioError: the file is missing, not TOML, or does not fit the schema.
    """
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError as error:
        raise ScenarioError(f"{path}: no such scenario file") from error
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{path}: not valid TOML: {error}") from error
    try:
        return Scenario.model_validate({**raw, "source_path": path.resolve()})
    except ValidationError as error:
        problems = "; ".join(
            f"`{_location(item['loc']) or '(top)'}`: {item['msg']}" for item in error.errors()
        )
        raise ScenarioError(f"{path}: {problems}") from error
