"""`defi-ledger copy SRC DST`: a log from one store to another (SQLite <-> PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.errors import IntegrityError, StoreError
from ledger.log_copy import copy_log
from ledger.stores import describe_target
from replay.cli.common import (
    EXIT_INTEGRITY,
    CliExit,
    LogTarget,
    echo_json,
    json_option,
    open_log,
    refuse_output_over_input,
)
from replay.cli.projections import progress_bar


@click.command(name="copy")
@click.argument("source", type=LogTarget())
@click.argument("destination", type=LogTarget())
@json_option
def copy_command(source: Path | str, destination: Path | str, as_json: bool) -> None:
    """Copy the log at SOURCE to DESTINATION (each a path or a postgresql:// URL).

    Every record is checked against the chain on the way; the copy has the same head hash.
    Run it again to resume after an interruption, or to bring a copy up to date: it starts
    after DESTINATION's head. DESTINATION is created if missing. A record PostgreSQL cannot
    keep (U+0000 or text past 512 bytes, which an older SQLite log may hold) stops a copy
    there by name (exit 1), after the records before it.

    Example: defi-ledger copy ledger.db postgresql://ledger@db.internal/ledger
    """
    refuse_output_over_input({"SOURCE": source}, {"DESTINATION": destination})
    with (
        open_log(source, long_running=True) as src,
        open_log(destination, create=True, long_running=True) as dst,
    ):
        total = src.head().seq - dst.head().seq
        with progress_bar(max(total, 0), "copy") as progress:
            try:
                report = copy_log(src, dst, progress)
            except (IntegrityError, StoreError) as error:
                code = EXIT_INTEGRITY if isinstance(error, IntegrityError) else 1
                raise CliExit(
                    f"{error}\n{describe_target(destination)} holds records up to seq "
                    f"{dst.head().seq}; fix the cause and run the copy again to resume",
                    code,
                ) from error
    if as_json:
        echo_json(report)
        return
    click.echo(
        f"copied {report.copied} records (after seq {report.resumed_after}) to "
        f"{describe_target(destination)}: head seq {report.head_seq}, {report.head_hash}"
    )
