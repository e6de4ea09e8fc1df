"""Price paths for scenarios: a CSV series, an inline list, or a seeded random walk.

Prices become ints at the source's scale by exact decimal arithmetic on the CSV's strings:
no float ever touches a price that goes into the log. A CSV is read strictly: UTF-8, the
`timestamp` and price columns present, every timestamp ISO 8601 with a time zone and later than
the one before, every price a positive decimal; anything else is refused naming the file, the
line and the column. The file must resolve inside the scenario's folder or a data folder.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime
from pathlib import Path

from replay.scenario import (
    LAST_SECOND,
    GeneratedPath,
    PriceSource,
    Scenario,
    ScenarioError,
    allowed_data_dirs,
    past_last_instant,
)

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
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone (write it as ...Z)")
    return moment


def confined_path(name: str, scenario: Scenario, key: str) -> Path:
    """The file `name` (relative to the scenario) if it resolves inside an allowed folder.

    Symlinks are followed before the check, so a link cannot lead out either.
    """
    base = scenario.source_path.parent if scenario.source_path else Path.cwd()
    path = (base / name).resolve()
    folders = allowed_data_dirs(scenario)
    if not any(path.is_relative_to(folder) for folder in folders):
        raise ScenarioError(
            f"{scenario.source_path}: `{key}` = {name!r} resolves to {path}, outside the "
            f"scenario's folder and the data folders ({', '.join(map(str, folders))}); "
            "move the file there or pass its folder with --data-dir"
        )
    return path


def _csv_row(row: dict[str, str | None], source: PriceSource) -> tuple[datetime, int]:
    moment = _parse_time(row.get("timestamp") or "")
    text = row.get(source.column)
    if text is None or not text.strip():
        raise ValueError(f"`{source.column}` is empty")
    price = decimal_to_int(text, source.scale)
    if price <= 0:
        raise ValueError(
            f"`{source.column}` {text!r} is not a positive price at scale {source.scale}"
        )
    return moment, price


def _read_csv_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise ScenarioError(f"price file {path} line {line}: not UTF-8 text") from error


def csv_points(source: PriceSource, scenario: Scenario) -> list[tuple[int, int]]:
    """(unix seconds, price) rows of the CSV a scenario names (confined to its folders)."""
    assert source.csv is not None
    return points_of_file(source, confined_path(source.csv, scenario, "prices.csv"))


def points_of_file(source: PriceSource, path: Path) -> list[tuple[int, int]]:
    """(unix seconds, price) rows of a CSV `timestamp,open,high,low,close,...` file at `path`,
    read strictly: a refusal names the file, the line and the column."""
    if not path.is_file():
        raise FileNotFoundError(2, "price file (from `prices.csv`) does not exist", str(path))
    reader = csv.DictReader(_read_csv_text(path).splitlines())
    columns = reader.fieldnames or []
    for needed in ("timestamp", source.column):
        if needed not in columns:
            raise ScenarioError(
                f"price file {path} line 1: no `{needed}` column (columns: {', '.join(columns)})"
            )
    points: list[tuple[int, int]] = []
    previous: datetime | None = None
    try:
        for row in reader:
            where = f"price file {path} line {reader.line_num}"
            try:
                moment, price = _csv_row(row, source)
            except (ValueError, TypeError) as error:
                raise ScenarioError(f"{where}: {error}") from error
            if previous is not None and moment <= previous:
                raise ScenarioError(f"{where}: timestamp {moment} is not after {previous}")
            previous = moment
            if source.start and moment < source.start:
                continue
            if source.end and moment > source.end:
                break
            if int(moment.timestamp()) > LAST_SECOND:
                raise past_last_instant(where, str(moment))
            points.append((int(moment.timestamp()), price))
    except csv.Error as error:
        raise ScenarioError(f"price file {path} line {reader.line_num}: {error}") from error
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
        return csv_points(source, scenario)
    start = int(scenario.chain.start.timestamp())
    key = "points" if source.points is not None else "generated.start"
    try:
        if source.points is not None:
            values = [decimal_to_int(text, source.scale) for text in source.points]
        else:
            assert source.generated is not None
            values = generated_prices(source.generated, source.scale)
    except ValueError as error:
        raise ScenarioError(
            f"{scenario.source_path}: `prices.{key}` ({source.asset}): {error}"
        ) from error
    return [(start + index * source.step_seconds, value) for index, value in enumerate(values)]
