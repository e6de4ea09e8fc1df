"""What every CLI command shares: opening a log, options, JSON output, and the exit codes.

The exit-code contract lives here and nowhere else (`EXIT_CODES`); the README's CLI section
and `defi-ledger --help` print this table. `exit_for` turns any exception a command lets out
into one of these outcomes, so no command ends in a traceback:

    0 ok            1 refused input     2 usage           3 integrity or audit finding
    4 I/O or environment fault (disk full, read-only, locked, missing file)
    5 internal error (a bug: the traceback goes to a file, or to stderr with --debug)
"""

from __future__ import annotations

import os
import shlex
import sqlite3
import sys
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click
import msgspec

from events.base import SQLITE_INT_MAX
from events.rejections import REJECT_HELP
from ledger.batch import Head, Rejected
from ledger.errors import (
    IntegrityError,
    LedgerError,
    NotALedger,
    RejectedError,
    StoreDamaged,
    StoreIOError,
)
from ledger.faults import os_fault, sqlite_fault
from ledger.sqlite_store import SqliteStore
from ledger.stores import describe_target, is_postgres_url
from ledger.stores import open_store as open_any_store

if TYPE_CHECKING:
    from ledger.postgres_store import PostgresStore
from projections.views import ViewMismatch
from replay.units import json_safe


class ExitCode(IntEnum):
    """How a command ended: the one contract every command keeps."""

    OK = 0
    REFUSED = 1
    USAGE = 2
    INTEGRITY = 3
    ENVIRONMENT = 4
    INTERNAL = 5


EXIT_CODES: dict[ExitCode, str] = {
    ExitCode.OK: "ok (for `diff`: the logs agree)",
    ExitCode.REFUSED: "refused input, named with its line and field; nothing was written "
    "(for `diff`: the logs differ)",
    ExitCode.USAGE: "usage error: an unknown option, command or value, or an output that is "
    "one of the command's inputs",
    ExitCode.INTEGRITY: "integrity or audit finding: the chain, a record, a view, a "
    "checkpoint, an expected head or the file's header or pages do not check out",
    ExitCode.ENVIRONMENT: "I/O or environment fault: disk full, file-size limit, read-only, "
    "locked, missing file or folder (the message names it)",
    ExitCode.INTERNAL: "internal error: a bug in defi-ledger; the traceback is saved to a "
    "file (or shown with --debug)",
}
"""Every exit code and what it means: printed by `defi-ledger --help` and in the README."""

EXIT_REJECTED = ExitCode.REFUSED
EXIT_INTEGRITY = ExitCode.INTEGRITY
REPORT_BUGS_TO = "the defi-ledger issue tracker (attach the traceback file)"
"""Where the message of an internal error says to report it."""

F = TypeVar("F", bound=Callable[..., Any])

STORED_INT = click.IntRange(0, SQLITE_INT_MAX)
"""A block, seq or count option: what SQLite can compare against (a larger one is a usage
error naming the limit, not an OverflowError deep in a query)."""
STORED_INT_POSITIVE = click.IntRange(1, SQLITE_INT_MAX)


def exit_code_table() -> str:
    """The exit-code table as help text (one paragraph a line, for click's formatter)."""
    return "\n\n".join(f"{int(code)}  {meaning}" for code, meaning in EXIT_CODES.items())


class CliExit(click.ClickException):
    """A library outcome turned into a message and an exit code."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code  # type: ignore[misc]  # click reads it per instance


def fail_rejected(rejection: Rejected) -> CliExit:
    return CliExit(
        f"rejected ({rejection.code}): {rejection.detail}\nhint: {REJECT_HELP[rejection.code]}",
        ExitCode.REFUSED,
    )


def _ledger_exit(error: LedgerError) -> CliExit:
    if isinstance(error, IntegrityError | StoreDamaged):
        return CliExit(str(error), ExitCode.INTEGRITY)
    if isinstance(error, StoreIOError):
        return CliExit(f"I/O or environment fault: {error}", ExitCode.ENVIRONMENT)
    if isinstance(error, RejectedError | NotALedger):
        return CliExit(str(error), ExitCode.REFUSED)
    return CliExit(str(error), ExitCode.REFUSED)


def exit_for(error: Exception, path: str | Path | None = None) -> CliExit | None:
    """The outcome an exception means, or None when it is a bug (exit 5, see `internal_exit`)."""
    if isinstance(error, CliExit):
        return error
    if isinstance(error, LedgerError):
        return _ledger_exit(error)
    if isinstance(error, sqlite3.Error):
        fault = sqlite_fault(error, path)
        return None if fault is None else _ledger_exit(fault)
    if isinstance(error, OSError):
        fault = os_fault(error)
        return None if fault is None else _ledger_exit(fault)
    if isinstance(error, ViewMismatch):
        return CliExit(str(error), ExitCode.INTEGRITY)
    if isinstance(error, MemoryError):
        return CliExit("out of memory", ExitCode.ENVIRONMENT)
    if type(error).__module__.startswith("psycopg"):
        # The PostgreSQL server is unreachable, read-only or refused us: the environment's.
        from ledger.pg_schema import NOT_WRITABLE, server_error  # psycopg raised it: it is here

        if isinstance(error, NOT_WRITABLE):  # a view's write, say: named as an append's is
            return _ledger_exit(server_error(str(path or ""), error, "the log"))
        return CliExit(f"PostgreSQL: {error}", ExitCode.ENVIRONMENT)
    from replay.scenario import ScenarioError  # imported late: it pulls in pydantic

    if isinstance(error, ScenarioError):
        return CliExit(str(error), ExitCode.REFUSED)
    return None


def internal_exit(error: BaseException, debug: bool) -> CliExit:
    """A bug: say so, say where to report it, and keep the traceback (a file, or stderr)."""
    import tempfile  # a bug's path only: not in every command's start-up
    import traceback

    text = "".join(traceback.format_exception(error))
    where = "shown above"
    if debug:
        click.echo(text, err=True, nl=False)
    else:
        try:
            handle, name = tempfile.mkstemp(prefix="defi-ledger-crash-", suffix=".txt")
            with os.fdopen(handle, "w") as out:
                out.write(text)
            where = f"saved in {name}"
        except OSError:
            click.echo(text, err=True, nl=False)
    return CliExit(
        f"internal error (a bug in defi-ledger): {type(error).__name__}: {error}\n"
        f"The traceback is {where}; please report it to {REPORT_BUGS_TO}.",
        ExitCode.INTERNAL,
    )


def watched() -> bool:
    """Whether a person watches the run, so that a progress bar is drawn: bars go to stderr,
    so they show when stderr is a terminal, also when stdout is piped or redirected to a file
    (its output stays clean), and never into a redirected stderr (a log)."""
    return sys.stderr.isatty()


def silence_stdout() -> None:
    """After the reader of a pipe went away, point stdout at /dev/null so the interpreter's
    final flush does not print a BrokenPipeError: a closed pipe is not an error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass  # not a real file descriptor (a test runner's buffer): nothing to silence


@contextmanager
def library_errors(path: str | Path | None = None) -> Iterator[None]:
    """Turn the ledger's exceptions into exit codes, naming `path` in I/O faults."""
    try:
        yield
    except (click.ClickException, click.exceptions.Exit, click.Abort, BrokenPipeError):
        raise
    except Exception as error:
        outcome = exit_for(error, path)
        if outcome is None:
            raise
        raise outcome from error


def refuse_past_head(at_block: int, head: Head, path: Path | str) -> None:
    """One answer for a block past the head, whichever command asked: refused input (1)."""
    if at_block > head.block:
        raise CliExit(
            f"block {at_block} is past the head of {path}: block {head.block} "
            f"(seq {head.seq}, hash {head.hash}); pick a block up to {head.block}",
            ExitCode.REFUSED,
        )


def no_such_transaction(tx_hash: str) -> CliExit:
    """One answer for `--tx` naming a transaction the log holds no fact of: refused input (1),
    not an empty answer that reads as a clean one."""
    return CliExit(
        f"no fact of transaction {tx_hash} in the log; give the hash (or Stacks tx id) of a "
        "transaction it imported: `log --format json` shows each fact's",
        ExitCode.REFUSED,
    )


Location = Path | str
"""A file's path, or a PostgreSQL log's URL."""


def same_location(first: Location, second: Location) -> bool:
    """Whether two locations name one file: the same resolved path (`./w.db` and `w.db`, a
    symlink and its target), or, when both exist, the same file on disk (a hard link too).
    Two URLs are the same when they are the same text."""
    if is_postgres_url(first) or is_postgres_url(second):
        return str(first) == str(second)
    try:
        if Path(first).exists() and Path(second).exists():
            return os.path.samefile(first, second)
        return Path(first).resolve() == Path(second).resolve()
    except (OSError, RuntimeError):  # unreadable, or a symlink loop: no file to write over
        return False


def _holds(folder: Location, inside: Location) -> bool:
    if is_postgres_url(folder) or is_postgres_url(inside):
        return False
    try:
        return Path(folder).resolve() in Path(inside).resolve().parents
    except (OSError, RuntimeError):
        return False


def refuse_output_over_input(
    inputs: Mapping[str, Location | Sequence[Location] | None],
    outputs: Mapping[str, Location | None],
    *,
    folders: Collection[str] = (),
) -> None:
    """A usage error (exit 2) naming both when an output is one of the command's inputs, or
    another of its outputs: a command never writes over a file it reads. Called before
    anything is written.

    `inputs` and `outputs` map an argument's name (`PATH`, `--out`) to its location, or to
    None when it was not given (an input may name several files, as `import FILES` does).
    An output named in `folders` is a folder the command replaces whole: an input inside it
    is refused as well.
    """
    sources = [
        (label, location)
        for label, given in inputs.items()
        if given is not None
        for location in ([given] if isinstance(given, Path | str) else given)
    ]
    written = [(label, location) for label, location in outputs.items() if location is not None]
    for index, (out_label, out) in enumerate(written):
        for in_label, source in sources + written[:index]:
            if same_location(out, source):
                relation = "is the same file as"
            elif out_label in folders and _holds(out, source):
                relation = "is a folder the command replaces, and it holds"
            else:
                continue
            raise click.UsageError(
                f"{out_label} {describe_target(out)} {relation} {in_label} "
                f"{describe_target(source)}: a command never writes over a file it reads or "
                f"writes; give {out_label} a path of its own"
            )


@contextmanager
def open_log(
    target: Path | str, *, create: bool = False, long_running: bool = False
) -> Iterator[SqliteStore | PostgresStore]:
    """The log at a path (SQLite) or a `postgresql://` URL, closed afterwards; a store's
    error while it is used (a lost server, a read-only replica) ends the command cleanly too.

    `long_running`: a PostgreSQL log's connections come from a pool (`ledger.pg_pool`), so the
    command outlives a lost connection.
    """
    with library_errors(target):
        store = open_any_store(target, create=create, pooled=long_running)
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


def echo_json(value: Any) -> None:
    """One JSON document; integers beyond 2**53 as strings unless --json-bare-ints was given."""
    context = click.get_current_context(silent=True)
    bare = bool(context is not None and context.meta.get("json_bare_ints"))
    import json  # --json only: not in every command's start-up

    click.echo(json.dumps(json_safe(msgspec.to_builtins(value), bare), sort_keys=True))


def units_option(function: Any) -> Any:
    return click.option(
        "--units",
        type=click.Choice(["display", "base"]),
        default="display",
        show_default=True,
        help="display: amounts in their asset's units (1.5 ETH), ratios in %; "
        "base: the integers the books keep (wei, 1e18 fixed point).",
    )(function)


def command_line(*words: object) -> str:
    """A defi-ledger command as a shell takes it: a URL's `&` and `?`, or a space in a path,
    quoted, so the line a message gives can be pasted as it is."""
    return shlex.join(["defi-ledger", *map(str, words)])


def refresh_views(store: Any, path: Path | str) -> None:
    """Bring the views up to the head; what was appended is in the log whatever happens here.

    A fault while writing the views (disk full, say) leaves them behind, which `info` names
    and `state` or `rebuild` repairs: it is a warning, not a failed append or import.
    """
    from ledger.projector import Projector

    try:
        Projector(store).catch_up()
    except Exception as error:
        if exit_for(error, path) is None:
            raise  # a bug: exit 5, even though the batch is safe
        click.echo(
            f"warning: the records are in the log, but the views were not brought up to date "
            f"({error}); `{command_line('rebuild', path)}` brings them up to date",
            err=True,
        )
