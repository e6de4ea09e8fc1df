"""`--since` / `--until` dates wherever a command takes blocks, mapped through the log's clock.

A date is ISO 8601 in UTC: `2021-06-01` (the whole day), `2021-06-01T12:00` or
`2021-06-01 12:00:30`. `--since D` is the first block with a record at or after D;
`--until D` the last block with a record before the end of D (a date alone: the end of that
day). A `--since` after every record, an `--until` before every record, or a window holding
none is a usage error saying so.
Records carry `ts_ms`, so the mapping is the log's own, not a guess from block times.
The options are added by one decorator that turns them into the block parameters the command
already has, so a command's body does not change.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from replay.cli.common import open_log

DAY = timedelta(days=1)


def parse_date(text: str) -> tuple[int, int]:
    """(start, end) in unix ms of the instant or day `text` names; end is exclusive."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise click.BadParameter(
            f"not a date: {text!r}; use e.g. 2021-06-01 or 2021-06-01T12:00 (UTC)"
        ) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    whole_day = len(text.strip()) <= 10
    try:
        start = int(moment.timestamp() * 1000)
        end = int((moment + DAY).timestamp() * 1000) if whole_day else start + 1
    except (OverflowError, ValueError) as error:  # the day after 9999-12-31 has no date
        raise click.BadParameter(
            f"out of range: {text!r}; a date-only value ends the next day, so the last is "
            "9999-12-30 (or give a time: 9999-12-31T23:59)"
        ) from error
    return start, end


def blocks_of_dates(
    path: Path | str, since: str | None, until: str | None
) -> tuple[int | None, int | None]:
    """The blocks `--since` and `--until` map to in the log at `path` (None: not given),
    read with the store's own query (`block_by_time`), SQLite or PostgreSQL alike."""
    if since is None and until is None:
        return None, None
    since_ms = None if since is None else parse_date(since)[0]
    until_ms = None if until is None else parse_date(until)[1]
    with open_log(path) as store:
        low = None if since_ms is None else store.block_by_time(since_ms)
        high = None if until_ms is None else store.block_by_time(until_ms, before=True)
    if since is not None and low is None:
        raise click.BadParameter(f"the log has no record at or after {since}", param_hint="--since")
    if until is not None and high is None:
        raise click.BadParameter(f"the log has no record before {until}", param_hint="--until")
    if low is not None and high is not None and low > high:
        raise click.BadParameter(
            f"the log has no record from {since} to {until} (the nearest are at blocks {high} "
            f"and {low}): give a wider window",
            param_hint="--since/--until",
        )
    return low, high


def date_options(
    since_to: str | None, until_to: str | None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add `--since` (into parameter `since_to`) and `--until` (into `until_to`).

    A parameter named `blocks` takes the `A:B` form of `log --blocks`. Giving both a date and
    the block it maps to is a usage error.
    """

    def decorate(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def run(**kwargs: Any) -> Any:
            since, until = kwargs.pop("since", None), kwargs.pop("until", None)
            path = kwargs["path"]
            low, high = blocks_of_dates(path, since, until)
            for target, value, flag in ((since_to, low, "--since"), (until_to, high, "--until")):
                if value is None or target is None:
                    continue
                if target == "blocks":
                    _merge_blocks(kwargs, low, high)
                    break
                if kwargs.get(target) is not None:
                    raise click.UsageError(f"give {flag} or --{target.replace('_', '-')}, not both")
                kwargs[target] = value
            return command(**kwargs)

        if until_to is not None:
            run = click.option(
                "--until", help="Up to this date (UTC; 2021-06-01 means to its end)."
            )(run)
        if since_to is not None:
            run = click.option("--since", help="From this date (UTC), e.g. 2021-06-01.")(run)
        return run

    return decorate


def _merge_blocks(kwargs: dict[str, Any], low: int | None, high: int | None) -> None:
    if kwargs.get("blocks") is not None:
        raise click.UsageError("give --since/--until or --blocks, not both")
    kwargs["blocks"] = f"{'' if low is None else low}:{'' if high is None else high}"
