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

An error names the file, the key and what is wrong; an unknown key (at any level, agents'
params included) is refused with the closest known key as a "did you mean". Files a scenario
names resolve inside its own folder or a data folder (`allowed_data_dirs`); any other path is
refused by name. A price series whose steps would run past `LAST_INSTANT` is refused too, and
so are series whose points the machine cannot hold (`replay.step_memory`).
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from replay.step_memory import path_refusal


class ScenarioError(ValueError):
    """A scenario file cannot be used; the message names the file, the key and the problem."""


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Seed = Annotated[int, Field(ge=0)]
"""A seed of Python's `random`, which seeds by the absolute value: -S would draw S's numbers,
and the seeded paths S + k of a stress would repeat one another. So seeds are never negative."""


def _utc(moment: datetime | None) -> datetime | None:
    """A TOML local date-time (no offset) is read as UTC, so times always compare."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


class Chain(Model):
    block_seconds: int = Field(12, gt=0)
    start: datetime = datetime(2020, 1, 1, tzinfo=UTC)

    _start_utc = field_validator("start")(_utc)


class Shock(Model):
    step: int = Field(ge=0)
    move_bps: int = Field(gt=-10_000)


class GeneratedPath(Model):
    """A seeded geometric random walk (integer bps steps), with optional shocks."""

    start: str
    steps: int = Field(gt=0)
    volatility_bps: int = Field(ge=0)
    drift_bps: int = 0
    seed: Seed = 0
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

    _times_utc = field_validator("start", "end")(_utc)

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
    seed: Seed = 0
    checkpoint_every_steps: int = Field(24, gt=0)
    chain: Chain = Chain()
    prices: list[PriceSource] = Field(min_length=1)
    assets: list[AssetSpec] = []
    actors: list[Actor] = []
    setup: list[SetupCommand] = []
    agents: list[AgentSpec] = []
    source_path: Path | None = None
    """Where the file was read from (price CSVs resolve relative to it)."""
    data_dirs: tuple[Path, ...] = ()
    """Folders besides its own that the scenario may read files from (never from the TOML)."""


DATA_DIRS_ENV = "DEFI_LEDGER_DATA_DIRS"
"""Extra data folders, separated by the OS path separator, that every scenario may read."""
_PROJECT_ROOT = Path(__file__).resolve().parents[1]
#: The data folders the shipped scenarios read: the synthetic series shipped with the project,
#: and the shared folder of real series beside a checkout (never copied into it).
PROJECT_DATA_DIRS = (
    _PROJECT_ROOT / "fixtures" / "prices",
    _PROJECT_ROOT.parent / "shared" / "data" / "prices",
)


def allowed_data_dirs(scenario: Scenario) -> list[Path]:
    """Every folder the scenario's files may resolve into, resolved (symlinks followed)."""
    folders = list(scenario.data_dirs) + list(PROJECT_DATA_DIRS)
    folders += [Path(text) for text in os.environ.get(DATA_DIRS_ENV, "").split(os.pathsep) if text]
    if scenario.source_path is not None:
        folders.insert(0, scenario.source_path.parent)
    return [folder.resolve() for folder in folders]


def _model_keys() -> list[str]:
    """Every key a scenario table may hold, for "did you mean" suggestions."""
    models = (Chain, Shock, GeneratedPath, PriceSource, AssetSpec, Actor, SetupCommand)
    names = {name for model in (*models, AgentSpec, Scenario) for name in model.model_fields}
    return sorted(names - {"source_path", "data_dirs"})


def did_you_mean(key: str, known: list[str] | set[str] | tuple[str, ...]) -> str:
    """' (did you mean `x`?)' when a known key is close to `key`, else ''."""
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.7)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _location(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def _problem(item: Any) -> str:
    where = _location(item["loc"]) or "(top)"
    if item["type"] == "extra_forbidden":
        key = str(item["loc"][-1])
        return f"`{where}`: unknown key{did_you_mean(key, _model_keys())}"
    return f"`{where}`: {item['msg']}"


def load_scenario(path: Path, *, data_dirs: tuple[Path, ...] | list[Path] = ()) -> Scenario:
    """Read and validate a scenario file.

    Args:
        path: The TOML file.
        data_dirs: Folders besides the scenario's own that its files may be read from.

    Raises:
        ScenarioError: the file is not UTF-8, not TOML, or does not fit the schema.
        OSError: the file cannot be read (missing, a folder, no permission).
    """
    try:
        raw = tomllib.loads(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ScenarioError(f"{path}: not UTF-8 text (byte {error.start})") from error
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(f"{path}: not valid TOML: {error}") from error
    except RecursionError as error:
        raise ScenarioError(f"{path}: nested too deeply to read") from error
    fixed = {"source_path": path.resolve(), "data_dirs": tuple(Path(d) for d in data_dirs)}
    try:
        scenario = Scenario.model_validate({**raw, **fixed})
    except ValidationError as error:
        problems = "; ".join(_problem(item) for item in error.errors())
        raise ScenarioError(f"{path}: {problems}") from error
    _check_ends_in_time(scenario, path)
    _check_fits_in_memory(scenario, path)
    return scenario


LAST_INSTANT = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
"""The last second a timestamp of the log can name: every date after it has no year."""
LAST_SECOND = int(LAST_INSTANT.timestamp())


SCENARIO_ADVICE = "start the chain (`chain.start`) or the series earlier, or give fewer steps"
"""What a scenario can change so that its series ends in time."""


def past_last_instant(where: str, moment: str, advice: str = SCENARIO_ADVICE) -> ScenarioError:
    """The refusal of a step whose time is past `LAST_INSTANT` (its dates could not be shown)."""
    return ScenarioError(
        f"{where}: a step at {moment} is past {LAST_INSTANT:%Y-%m-%dT%H:%M:%SZ}, the last "
        f"instant a timestamp can name; {advice}"
    )


def check_ends_in_time(
    where: str, start: datetime, seconds: int, advice: str = SCENARIO_ADVICE
) -> None:
    """Refuse a series whose last step, `seconds` after `start`, is past `LAST_INSTANT`.

    The one rule for every series laid out from a start: a scenario's `points` and
    `generated` series from `chain.start`, and a stress path from its fork (`where` names the
    steps and their interval)."""
    if int(start.timestamp()) + seconds > LAST_SECOND:
        moment = f"{start:%Y-%m-%dT%H:%M:%SZ} + {seconds:,} s"
        raise past_last_instant(where, moment, advice)


def _laid_out(scenario: Scenario) -> Iterator[tuple[int, PriceSource, int, str]]:
    """Each `points` or `generated` series: its index, itself, its steps and its key.

    Such a series steps from `chain.start` every `step_seconds`, so its length and its end are
    known before it is built; a CSV's are not until it is read, row by row (`replay.prices`).
    """
    for index, source in enumerate(scenario.prices):
        if source.points is not None:
            yield index, source, len(source.points), "points"
        elif source.generated is not None:
            yield index, source, source.generated.steps, "generated.steps"


def _check_ends_in_time(scenario: Scenario, path: Path) -> None:
    """Refuse a series whose steps, laid out from `chain.start`, run past `LAST_INSTANT` (a
    CSV's timestamps are checked as the file is read)."""
    for index, source, steps, key in _laid_out(scenario):
        seconds = max(steps - 1, 0) * source.step_seconds
        where = f"{path}: `prices[{index}].{key}` ({source.asset})"
        check_ends_in_time(where, scenario.chain.start, seconds)


def _check_fits_in_memory(scenario: Scenario, path: Path) -> None:
    """Refuse series whose points, held for the whole replay, the machine cannot hold
    (`replay.step_memory`): a `generated.steps` has no fixed limit."""
    points = sum(steps for _, _, steps, _ in _laid_out(scenario))
    refusal = path_refusal(points)
    if refusal is not None:
        raise ScenarioError(
            f"{path}: `prices`: {points:,} points in `points` and `generated` series: "
            f"{refusal}; give fewer steps"
        )
