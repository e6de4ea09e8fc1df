"""What every CLI command shares: opening a log, options, JSON output, and exit codes.

Library exceptions become exit codes in one place (`library_errors`): 0 ok; 1 rejected input;
2 usage error; 3 integrity or audit failure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import msgspec

from events.rejections import REJECT_HELP
from ledger.batch import Rejected
from ledger.errors import IntegrityError, LedgerError, RejectedError
from ledger.sqlite_store import SqliteStore
from ledger.stores import is_postgres_url
from ledger.stores import open_store as open_any_store

if TYPE_CHECKING:
    from ledger.postgres_store import PostgresStore
from replay.units import json_safe

EXIT_REJECTED = 1
EXIT_INTEGRITY = 3

F = TypeVar("F", bound=Callable[..., Any])


class CliExit(click.ClickException):
    """A library outcome turned into a message and an exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click reads it per instance


def fail_rejected(rejection: Rejected) -> CliExit:
    return CliExit(
        f"rejected ({rejection.code}): {rejection.detail}\nhint: {REJECT_HELP[rejection.code]}",
        EXIT_REJECTED,
    )


@contextmanager
def library_errors() -> Iterator[None]:
    """Turn the ledger's exceptions into exit codes, in one place."""
    try:
        yield
    except IntegrityError as error:
        raise CliExit(str(error), EXIT_INTEGRITY) from error
    except RejectedError as error:
        raise CliExit(str(error), EXIT_REJECTED) from error
    except LedgerError as error:
        raise CliExit(str(error), EXIT_REJECTED) from error


@contextmanager
def open_store(path: Path, *, create: bool = False) -> Iterator[SqliteStore]:
    if str(path).startswith(("postgresql:/", "postgres:/")):
        raise click.UsageError(
            "this takes an SQLite file, not a PostgreSQL URL (write the SQLite log, then "
            "`defi-ledger copy` moves it to PostgreSQL)"
        )
    with library_errors():
        store = SqliteStore(path, create=create)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def open_log(target: Path | str, *, create: bool = False) -> Iterator[SqliteStore | PostgresStore]:
    """The log at a path (SQLite) or a `postgresql://` URL, closed afterwards; a store's
    error while it is used (a lost server, a read-only replica) ends the command cleanly too."""
    with library_errors():
        store = open_any_store(target, create=create)
        try:
            yield store
        finally:
            store.close()


class LogTarget(click.ParamType):  # type: ignore[type-arg]  # generic from click 8.2 on
    """A log's location: a `postgresql://` URL stays a string, anything else is a path."""

    name = "PATH|URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Path) or is_postgres_url(value):
            return value
        return Path(value)


def log_argument(function: F) -> F:
    """PATH: an SQLite file, or a PostgreSQL URL (postgresql://user@host/db)."""
    return click.argument("path", type=LogTarget())(function)


def _remember_bare_ints(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    ctx.meta["json_bare_ints"] = value
    return value


def json_option(function: F) -> F:
    """`--json`, and `--json-bare-ints` (read by `echo_json`, so no command need pass it on)."""
    function = click.option(
        "--json-bare-ints",
        is_flag=True,
        expose_value=False,
        callback=_remember_bare_ints,
        help="With --json: write integers beyond 2**53 as bare numbers, not strings "
        "(JavaScript and jq 1.6 round them).",
    )(function)
    return click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")(
        function
    )


def path_argument(function: F) -> F:
    return click.argument("path", type=click.Path(path_type=Path, dir_okay=False))(function)


def echo_json(value: Any) -> None:
    """One JSON document; integers beyond 2**53 as strings unless --json-bare-ints was given."""
    context = click.get_current_context(silent=True)
    bare = bool(context is not None and context.meta.get("json_bare_ints"))
    click.echo(json.dumps(json_safe(msgspec.to_builtins(value), bare), sort_keys=True))
