"""The `defi-ledger` command: a thin skin over the library.

Each command parses its options, calls one library function, and renders the result as text
or `--json`. The commands are listed in one table, `COMMANDS` (name -> module and function);
a command's module is imported only when that command runs, so start-up stays light.
The exit codes are one contract, `replay.cli.common.EXIT_CODES`; `LedgerGroup.invoke` holds
every command to it, so no command ends in a traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import NamedTuple

import click

from replay.cli.common import (
    ExitCode,
    exit_code_table,
    exit_for,
    internal_exit,
    silence_stdout,
)


class Entry(NamedTuple):
    """Where a command lives, and the line `defi-ledger --help` shows for it."""

    module: str
    attribute: str
    summary: str


COMMANDS: dict[str, Entry] = {
    "init": Entry(
        "replay.cli.log",
        "init",
        ("Create an empty log at PATH (an SQLite file, or a PostgreSQL URL)."),
    ),
    "append": Entry(
        "replay.cli.log",
        "append",
        ("Append JSON lines from SOURCE (a file, or - for stdin) as one batch: all or nothing."),
    ),
    "log": Entry(
        "replay.cli.log",
        "log_command",
        "Print records of the log at PATH, in seq order (amounts in display units as text).",
    ),
    "verify": Entry(
        "replay.cli.log",
        "verify",
        ("Recompute the whole hash chain of PATH; exit 3 naming the first bad seq."),
    ),
    "info": Entry(
        "replay.cli.log",
        "info",
        ("Print the head (seq, block, hash) of PATH and the count of records by type."),
    ),
    "state": Entry(
        "replay.cli.state",
        "state",
        ("Print projection state at a block: the nearest snapshot plus the tail of the log."),
    ),
    "digest": Entry(
        "replay.cli.state",
        "digest",
        ("Print each projection's digest (sha256 of its canonical state), now or at a block."),
    ),
    "follow": Entry(
        "replay.cli.projections",
        "follow_command",
        ("Print the records of PATH from --from-seq on, then each new one as it is appended."),
    ),
    "rebuild": Entry(
        "replay.cli.projections",
        "rebuild",
        (
            "Rebuild the views of PATH from seq 1: after a projection's version changed, or"
            " when a view is suspect."
        ),
    ),
    "export": Entry(
        "replay.cli.projections",
        "export",
        (
            "Write a projection's tables at sampled blocks to OUT, one file per table, each"
            " with a leading `block` column and the log head hash and block range it "
            "reflects."
        ),
    ),
    "copy": Entry(
        "replay.cli.copy",
        "copy_command",
        ("Copy the log at SOURCE to DESTINATION (each a path or a postgresql:// URL)."),
    ),
    "import": Entry(
        "replay.cli.chain_import",
        "import_command",
        (
            "Import chain logs from FILES into the log at PATH (created if absent; a path or"
            " a postgresql:// URL)."
        ),
    ),
    "audit": Entry(
        "replay.cli.audit",
        "audit_command",
        (
            "Recompute each swap and liquidity fact in the log at PATH from the pool state"
            " before it."
        ),
    ),
    "replay": Entry(
        "replay.cli.replay",
        "replay",
        ("Replay SCENARIO block by block into a new log, or verify a replayed log."),
    ),
    "fork": Entry(
        "replay.cli.replay",
        "fork",
        ("Fork the log at PATH at a block into OUT (sharing its chain), then run a what-if."),
    ),
    "diff": Entry(
        "replay.cli.replay",
        "diff",
        ("Show what differs between two logs' projections at a block."),
    ),
    "report": Entry(
        "replay.cli.replay",
        "report",
        ("Write SVG charts and an HTML page (index.html) for the log at PATH into OUT."),
    ),
    "solvency": Entry(
        "replay.cli.solvency",
        "solvency",
        (
            "Reserve solvency: assets (free balance), exposure (owed + CRP debt at risk at the "
            "current price), coverage in bps, and the first block of a price path it would fail "
            "at."
        ),
    ),
    "stress": Entry(
        "replay.cli.stress",
        "stress",
        "Stress the positions in LOG as they stand at a block: fork, run a price path, report.",
    ),
    "var": Entry(
        "replay.cli.var",
        "var",
        "Default-loss distribution of a CRP: the white paper's VaR, beside the contract's rule.",
    ),
    "schema": Entry(
        "replay.cli.schema",
        "schema",
        ("List event types, commands, agent kinds, projections and views, with fields and units."),
    ),
    "serve": Entry(
        "replay.cli.serve",
        "serve",
        (
            "Open the log at PATH in Datasette: the views with titles, descriptions and units, "
            "internals hidden, canned queries (balances at a block, a position's history, a "
            "transaction's events, reserve coverage over time)."
        ),
    ),
}
"""Every command: the module that defines it, its click command there, and its help line.

The help line is kept here so `defi-ledger --help` lists the commands without importing them
(a test checks each line against the command's own help).
"""


class LedgerGroup(click.Group):
    """The command group over `COMMANDS`, loading each command's module when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = COMMANDS.get(cmd_name)
        if found is None:
            return None
        command = getattr(importlib.import_module(found.module), found.attribute)
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name].summary) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; whatever it lets out becomes an exit code of the contract."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:
            silence_stdout()  # the reader went away (`log | head`): not an error
            ctx.exit(ExitCode.OK)
        except KeyboardInterrupt:
            # Not click's "Aborted!" and exit 1, which says the input was refused.
            click.echo(INTERRUPTED, err=True)
            ctx.exit(INTERRUPTED_EXIT)
        except Exception as error:
            outcome = exit_for(error)
            if outcome is not None:
                raise outcome from error
            debug = bool(ctx.params.get("debug")) or bool(os.environ.get("DEFI_LEDGER_DEBUG"))
            raise internal_exit(error, debug) from error


HELP = f"""defi-ledger: an event-sourced ledger for DeFi protocols (ALEX, AlphaX, f(x)).

Every protocol action is an immutable, hash-chained event in a log (an SQLite file, or
PostgreSQL: give a postgresql:// URL wherever a command takes PATH); projections rebuild
balances, reserve-pool solvency, position LTVs and governance tallies from it, at any block.

Exit codes:

{exit_code_table()}
"""


@click.group(cls=LedgerGroup, help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="defi-ledger")
@click.option(
    "--debug",
    is_flag=True,
    help="On an internal error, print the traceback to stderr; print the PostgreSQL pool's "
    "warnings (each attempt to reconnect) as well.",
)
def cli(debug: bool) -> None:
    """The group: its help is `HELP`, which carries the exit-code table."""
    if debug or os.environ.get("DEFI_LEDGER_DEBUG"):
        import logging

        logging.basicConfig(format="%(name)s: %(message)s")  # warnings and worse, to stderr


INTERRUPTED_EXIT = 130
"""Ctrl-C (SIGINT), as shells report it: outside the contract's codes, since it is no outcome."""
INTERRUPTED = (
    "interrupted: every write is all or nothing, so the log holds each one whole or not at "
    "all; see where it stands (`defi-ledger info`) before running the command again (an "
    "import goes on from where it stopped)"
)


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="defi-ledger", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo(INTERRUPTED, err=True)
        sys.exit(INTERRUPTED_EXIT)
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            silence_stdout()
