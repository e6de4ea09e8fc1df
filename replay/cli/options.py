"""Option types more than one command could share (kept apart from `common`)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import click

from ledger.errors import StoreIOError
from replay.cli.common import exit_for

SECONDS_MAX = 7 * 24 * 3600
"""The longest wait an option takes: a week (beyond it, the clocks and sleeps of the platform
overflow long before a person would want to wait)."""


class Finite(click.FloatRange):
    """A float within its range and finite: NaN passes every comparison of a range, and an
    infinity the open ones, so each is a usage error naming the range here."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            if (self.min, self.max) == (None, None):
                self.fail(f"{number} is not a finite number.", param, ctx)
            self.fail(
                f"{number} is not a number in the range {self._describe_range()}.", param, ctx
            )
        return number


class Seconds(Finite):
    """A number of seconds: finite, above zero (or zero, where `zero_ok` says zero means
    something), and at most `SECONDS_MAX`; anything else is a usage error naming the range."""

    name = "seconds"

    def __init__(self, *, zero_ok: bool = False) -> None:
        super().__init__(min=0, max=SECONDS_MAX, min_open=not zero_ok)

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:
        return "SECONDS"


class Folder(click.Path):
    """A folder the command reads from. One that does not exist is an environment fault
    (exit 4) naming it, as a missing input file is, not a folder silently left out; a file
    there is a usage error (click's `file_okay=False`)."""

    def __init__(self) -> None:
        super().__init__(path_type=Path, file_okay=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        folder = super().convert(value, param, ctx)
        assert isinstance(folder, Path)  # path_type
        if not folder.exists():
            named = f" ({param.opts[0]})" if param is not None and param.opts else ""
            outcome = exit_for(StoreIOError(f"no such folder: {folder}{named}"))
            assert outcome is not None  # an I/O fault always has its exit code
            raise outcome
        return folder


class NonEmpty(click.types.StringParamType):
    """A filter's text (an account, an asset, a stream, a transaction): an empty one is a usage
    error, not a filter that silently matches everything (where it reads as absent) or
    nothing, as a script's unset variable would otherwise make it."""

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = super().convert(value, param, ctx)
        if not text:
            self.fail("empty; give a value, or leave the option out.", param, ctx)
        return text


def check_order(first: int | None, last: int | None, names: tuple[str, str], hint: str) -> None:
    """A range whose first bound is after its last is a usage error naming both (`names`),
    not an answer that is silently empty."""
    if first is not None and last is not None and first > last:
        raise click.BadParameter(
            f"{names[0]} {first} is after {names[1]} {last}; swap them", param_hint=hint
        )
