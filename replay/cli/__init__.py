"""The `defi-ledger` command: a thin skin over the library.

Each command parses its options, calls one library function, and renders the result as text
or `--json`. The commands are listed in one table, `COMMANDS` (name -> module and function);
a command's module is imported only when that command runs, so start-up stays light.
Exit codes: 0 ok; 1 rejected input; 2 usage error; 3 integrity or audit failure.
"""

from __future__ import annotations

import importlib
import sys

import click

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
    "schema": ("replay.cli.schema", "schema"),
    "serve": ("replay.cli.serve", "serve"),
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


@click.group(cls=LedgerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="defi-ledger")
def cli() -> None:
    """defi-ledger: an event-sourced ledger for DeFi protocols (ALEX, AlphaX, f(x)).

    Every protocol action is an immutable, hash-chained event in a log (an SQLite file);
    projections rebuild balances, reserve-pool solvency, position LTVs and governance
    tallies from it, at any block.

    Exit codes: 0 ok, 1 rejected input, 2 usage error, 3 integrity or audit failure.
    """


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="defi-ledger", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
