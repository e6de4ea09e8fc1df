"""Price paths for a stress, all starting at the book's own price at the fork block.

A path is a list of (seconds after the fork, price) with the first point at offset 0 and the
book's price, in the scale of the book's quote: a real series shifted (every point times
book price / first point), a parametric shock, or a historical crash window cut from the shared
series and scaled the same way. Prices are ints from exact arithmetic (the exponential shape
goes through `Decimal` at 50 digits, which is deterministic); no float reaches a price.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from decimal import Decimal, localcontext
from pathlib import Path

from replay.agents.base import commands_per_step
from replay.agents.catalog import make_agent
from replay.prices import points_of_file
from replay.scenario import LAST_SECOND, PriceSource, ScenarioError, check_ends_in_time
from replay.step_memory import stress_refusal
from replay.stress_spec import CRASHES, SHORTER_PATH, Shock, StressPath, StressSpec

BPS = 10_000
NOISE_SCALE = 10**18

PricePath = list[tuple[int, int]]


def shock_factor(shock: Shock, within: int) -> tuple[int, int]:
    """The price multiple `within` steps into an episode, as (numerator, denominator)."""
    reached = min(within, shock.duration_steps)
    if shock.shape == "step":
        return (BPS + shock.size_bps, BPS) if reached > 0 else (1, 1)
    if shock.shape == "linear":
        moved = shock.size_bps * reached
        return (BPS * shock.duration_steps + moved, BPS * shock.duration_steps)
    with localcontext() as context:
        context.prec = 50
        ratio = Decimal(BPS + shock.size_bps) / Decimal(BPS)
        factor = ratio ** (Decimal(reached) / Decimal(shock.duration_steps))
        return (int(factor * NOISE_SCALE), NOISE_SCALE)


def shock_path(shock: Shock, start: int, steps: int, step_seconds: int) -> PricePath:
    """Episodes of the shock from `start`; each repeat starts from the level the last one left."""
    level, episode_start = start, 0
    points = [(0, start)]
    for step in range(1, steps + 1):
        if shock.every_steps and step - episode_start > shock.every_steps:
            level, episode_start = points[-1][1], episode_start + shock.every_steps
        numerator, denominator = shock_factor(shock, step - episode_start)
        points.append((step * step_seconds, max(1, level * numerator // denominator)))
    return points


def shifted(points: list[tuple[int, int]], start: int) -> PricePath:
    """A series moved in time to offset 0 and in level to start at `start` (same returns)."""
    first_s, first_price = points[0]
    if first_price <= 0:
        raise ScenarioError("the series starts at a price of zero; it cannot be scaled")
    return [(moment - first_s, max(1, price * start // first_price)) for moment, price in points]


def confined(name: str, folders: tuple[Path, ...]) -> Path:
    """The series file `name` (relative to the stress file's folder) if it resolves, symlinks
    followed, inside the stress file's folder or the prices folder; anything else is refused."""
    path = (folders[0] / name).resolve()
    if not any(path.is_relative_to(folder.resolve()) for folder in folders):
        raise ScenarioError(
            f"`series.csv` = {name!r} resolves to {path}, outside the stress file's folder and "
            f"the prices folder ({', '.join(map(str, folders))})"
        )
    return path


def crash_points(name: str, prices_dir: Path, scale: int) -> list[tuple[int, int]]:
    file_name, first, last = CRASHES[name]
    path = prices_dir / file_name
    if not path.exists():
        raise ScenarioError(f"crash {name!r} reads {path}, which does not exist (--prices-dir)")
    source = PriceSource(asset="crash", scale=scale, csv=str(path), start=first, end=last)
    return points_of_file(source, path)


def base_path(spec: StressPath, start: int, scale: int, base: Path, prices_dir: Path) -> PricePath:
    """The unvaried stress path from the book's price `start` (quoted at `scale`)."""
    steps = spec.shock_steps()
    if spec.shock is not None and steps is not None:
        return shock_path(spec.shock, start, steps, spec.step_seconds)
    if spec.series is not None:
        source = PriceSource(
            asset=spec.asset,
            scale=scale,
            csv=spec.series.csv,
            column=spec.series.column,
            start=spec.series.start,
            end=spec.series.end,
        )
        points = points_of_file(source, confined(spec.series.csv, (base, prices_dir)))
    else:
        assert spec.crash is not None
        points = crash_points(spec.crash, prices_dir, scale)
    path = shifted(points, start)
    return path[: spec.steps + 1] if spec.steps else path


def check_path_in_time(spec: StressSpec, path: PricePath, fork_block: int, fork_ts_ms: int) -> None:
    """Refuse a path whose last step, laid out from the fork's own time, is past `LAST_INSTANT`.

    Loading the file checked a shock from the earliest fork a log can hold; this knows the
    fork, and a series' length (its steps are its own)."""
    fork_s = fork_ts_ms // 1000
    start = min(fork_s, LAST_SECOND)  # a fork dated past the end still names a date
    steps = spec.path.steps_text(len(path) - 1)
    where = f"{spec.source_path}: {steps} from the fork at block {fork_block}"
    advice = f"{SHORTER_PATH}, or fork at an earlier block"
    check_ends_in_time(
        where, datetime.fromtimestamp(start, UTC), path[-1][0] + fork_s - start, advice
    )


def check_size(spec: StressSpec, steps: int, paths_running: int | None) -> None:
    """Refuse a stress of `steps` steps that the machine cannot hold (`replay.step_memory`):
    into logs (`paths_running` None), or that many paths at once."""
    scenario = spec.as_scenario()
    commands = commands_per_step([make_agent(agent, scenario) for agent in spec.agents])
    refusal = stress_refusal(steps, commands, paths_running)
    if refusal is None:
        return
    advice = ["give fewer steps"]
    if paths_running is not None and paths_running > 1:
        advice.append("fewer --workers")
    if commands:
        advice.append("a smaller `per_step`")
    with_commands = f" and {commands:,} commands a step from `per_step`" if commands else ""
    raise ScenarioError(
        f"{spec.source_path}: {spec.path.steps_text(steps)}{with_commands}: {refusal}; "
        f"{', '.join(advice[:-1])}{' or ' if len(advice) > 1 else ''}{advice[-1]}"
    )


def check_before_the_fork(spec: StressSpec, paths_running: int | None) -> None:
    """A shock's size is the file's own: refuse one the machine cannot hold before anything
    is read or written (a series' is checked once read, by `check_path`)."""
    steps = spec.path.shock_steps()
    if steps is not None:
        check_size(spec, steps, paths_running)


def check_path(
    spec: StressSpec, path: PricePath, fork: tuple[int, int], paths_running: int | None
) -> None:
    """What a path meets at its fork (block, ts_ms): it ends in time, and, a series, whose
    length only its file says, fits in memory."""
    check_path_in_time(spec, path, *fork)
    if spec.path.shock is None:
        check_size(spec, len(path) - 1, paths_running)


def flat_path(path: PricePath) -> PricePath:
    """The unstressed continuation: the same clock, the fork's price held."""
    return [(moment, path[0][1]) for moment, _ in path]


def varied(path: PricePath, volatility_bps: int, seed: int) -> PricePath:
    """The path times a seeded multiplicative walk (each step within +-volatility_bps)."""
    rand = random.Random(seed)
    noise = NOISE_SCALE
    out = [path[0]]
    for moment, price in path[1:]:
        noise = noise * (BPS + rand.randint(-volatility_bps, volatility_bps)) // BPS
        out.append((moment, max(1, price * noise // NOISE_SCALE)))
    return out
