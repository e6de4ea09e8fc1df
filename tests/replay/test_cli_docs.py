"""Every command is documented: a help text with an example, and `--help` that works."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from replay.cli import COMMANDS as COMMAND_TABLE
from replay.cli import cli

COMMANDS = sorted(COMMAND_TABLE)


def test_every_expected_command_is_there() -> None:
    assert {
        "init",
        "append",
        "log",
        "verify",
        "info",
        "state",
        "digest",
        "follow",
        "export",
        "rebuild",
        "audit",
        "replay",
        "fork",
        "diff",
        "report",
    } <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_each_command_has_help_with_an_example(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    assert command.help and "Example: defi-ledger " + name in command.help
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output


def test_the_table_names_each_command_by_its_own_name() -> None:
    """A command found through `COMMANDS` answers to the name it is listed under."""
    for name in COMMANDS:
        command = cli.get_command(click.Context(cli), name)
        assert command is not None and command.name == name


def test_the_help_listing_says_what_each_command_says_of_itself() -> None:
    """`--help` lists commands from the table without loading them; the lines must stay true."""
    for name in COMMANDS:
        command = cli.get_command(click.Context(cli), name)
        assert command is not None
        assert COMMAND_TABLE[name].summary == command.get_short_help_str(limit=1000)
