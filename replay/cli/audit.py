"""CLI command `audit`: recompute every swap and liquidity event and list those that differ."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.audit import audit
from replay.cli.common import (
    EXIT_INTEGRITY,
    STORED_INT,
    CliExit,
    echo_json,
    json_option,
    open_store,
    path_argument,
)


@click.command(name="audit")
@path_argument
@click.option("--from-block", type=STORED_INT, help="First block checked.")
@click.option("--to-block", type=STORED_INT, help="Last block checked.")
@json_option
def audit_command(path: Path, from_block: int | None, to_block: int | None, as_json: bool) -> None:
    """Recompute each swap and liquidity event in the log at PATH from the pool state before it.

    Lists every event whose recorded amounts differ from the protocol math (seq, pool, field,
    recorded, expected), so a log written by another system can be checked. Exit code 3 when
    any differs.

    Example: defi-ledger audit ledger.db --from-block 100 --to-block 200 --json
    """
    if from_block is not None and to_block is not None and from_block > to_block:
        raise click.BadParameter("--from-block is after --to-block", param_hint="--from-block")
    with open_store(path) as store:
        found = audit(store, from_block, to_block)
    if as_json:
        echo_json({"discrepancies": found, "ok": not found})
    elif not found:
        click.echo("audit: every swap and liquidity event matches the math")
    else:
        for item in found:
            click.echo(
                f"{item.seq:>8} {item.block:>10} {item.pool:<16} {item.type:<17} "
                f"{item.field:<26} recorded={item.recorded} expected={item.expected}"
            )
    if found:
        events = len({item.seq for item in found})
        raise CliExit(f"audit: {events} events differ from the math", EXIT_INTEGRITY)
