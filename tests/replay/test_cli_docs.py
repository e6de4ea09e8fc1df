"""Every command is documented: a help text with an example, and `--help` that works."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from replay import cli_audit, cli_log, cli_projections, cli_replay, cli_state, cli_var  # noqa: F401
from replay.cli import cli, main  # noqa: F401

COMMANDS = sorted(cli.commands)


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
    command = cli.commands[name]
    assert command.help and "Example: defi-ledger " + name in command.help
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
