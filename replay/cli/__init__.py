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

import click

from replay.cli.common import (
    ExitCode,
    exit_code_table,
    exit_for,
    internal_exit,
    silence_stdout,
)

COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("replay.cli.log", "init"),
    "append": ("replay.cli.log", "append"),
    "log": ("replay.cli.log", "log_command"),
    "verify": ("replay.cli.log", "verify"),
    "info": ("replay.cli.log", "info"),
    "state": ("replay.cli.state", "state"),
    "digest": ("replay.cli.state", "digest"),
    "follow": ("replay.cli.projections", "follow_command"),
    "rebuild": ("replay.cli.projections", "rebuild"),
    "export": ("replay.cli.projections", "export"),
    "audit": ("replay.cli.audit", "audit_command"),
    "replay": ("replay.cli.replay", "replay"),
    "fork": ("replay.cli.replay", "fork"),
    "diff": ("replay.cli.replay", "diff"),
    "report": ("replay.cli.replay", "report"),
    "var": ("replay.cli.var", "var"),
}
"""Every command: its name, the module that defines it and the click command's name there."""


class LedgerGroup(click.Group):
    """The command group over `COMMANDS`, loading each command's module when it is asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = COMMANDS.get(cmd_name)
        if found is None:
            return None
        module, attribute = found
        command = getattr(importlib.import_module(module), attribute)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; whatever it lets out becomes an exit code of the contract."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:
            silence_stdout()  # the reader went away (`log | head`): not an error
            ctx.exit(ExitCode.OK)
        except Exception as error:
            outcome = exit_for(error)
            if outcome is not None:
                raise outcome from error
            debug = bool(ctx.params.get("debug")) or bool(os.environ.get("DEFI_LEDGER_DEBUG"))
            raise internal_exit(error, debug) from error


HELP = f"""defi-ledger: an event-sourced ledger for DeFi protocols (ALEX, AlphaX, f(x)).

Every protocol action is an immutable, hash-chained event in a log (an SQLite file);
projections rebuild balances, reserve-pool solvency, position LTVs and governance
tallies from it, at any block.

Exit codes:

{exit_code_table()}
"""


@click.group(cls=LedgerGroup, help=HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="defi-ledger")
@click.option("--debug", is_flag=True, help="On an internal error, print the traceback to stderr.")
def cli(debug: bool) -> None:
    """The group: its help is `HELP`, which carries the exit-code table."""


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="defi-ledger", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    finally:
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            silence_stdout()
