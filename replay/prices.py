"""Price paths for scenarios: a CSV series, an inline list, or a seeded random walk.

Prices become ints at the source's scale by exact decimal arithmetic on the CSV's strings:
no float ever touches a price that goes into the log.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime
from pathlib import Path

from replay.scenario import GeneratedPath, PriceSource, Scenario, ScenarioError

BPS = 10_000


def decimal_to_int(text: str, scale: int) -> int:
    """'2610.25' at scale 10**18 -> 2610250000000000000000, exactly (rounded down)."""
    text = text.strip()
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("+-").partition(".")
    if not (whole or fraction) or not (whole + fraction).isdigit():
        raise ValueError(f"not a decimal number: {text!r}")
    fraction_unit: int = 10 ** len(fraction)
    value = int(whole or "0") * scale + int(fraction or "0") * scale // fraction_unit
    return -value if negative else value


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def csv_points(source: PriceSource, base: Path) -> list[tuple[int, int]]:
    """(unix seconds, price) rows of a CSV `timestamp,open,high,low,close,...` file."""
    assert source.csv is not None
    path = (base / source.csv).resolve()
    if not path.exists():
        raise ScenarioError(f"price file {path} (from `prices.csv`) does not exist")
    points = []
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            moment = _parse_time(row["timestamp"])
            if source.start and moment < source.start:
                continue
            if source.end and moment > source.end:
                break
            points.append(
                (int(moment.timestamp()), decimal_to_int(row[source.column], source.scale))
            )
    if not points:
        raise ScenarioError(f"price file {path} has no rows between `start` and `end`")
    return points


def generated_prices(path: GeneratedPath, scale: int) -> list[int]:
    """A seeded integer random walk: each step moves by a uniform bps draw within ±vol."""
    rand = random.Random(path.seed)
    shocks = {shock.step: shock.move_bps for shock in path.shocks}
    price = decimal_to_int(path.start, scale)
    prices = [price]
    for step in range(1, path.steps):
        move_bps = shocks.get(
            step, path.drift_bps + rand.randint(-path.volatility_bps, path.volatility_bps)
        )
        price = max(1, price * (BPS + move_bps) // BPS)
        prices.append(price)
    return prices


def price_path(source: PriceSource, scenario: Scenario) -> list[tuple[int, int]]:
    """The (unix seconds, price) steps of one price source."""
    if source.csv is not None:
        base = scenario.source_path.parent if scenario.source_path else Path.cwd()
        return csv_points(source, base)
    start = int(scenario.chain.start.timestamp())
    if source.points is not None:
        values = [decimal_to_int(text, source.scale) for text in source.points]
    else:
        assert source.generated is not None
        values = generated_prices(source.generated, source.scale)
    return [(start + index * source.step_seconds, value) for index, value in enumerate(values)]
