"""CLI command `audit`: classify every swap, liquidity and transfer fact; list the violations."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.audit_classes import CLASSES, Finding, classify
from replay.cli.common import (
    EXIT_INTEGRITY,
    STORED_INT,
    CliExit,
    echo_json,
    json_option,
    log_argument,
    no_such_transaction,
    open_log,
)
from replay.cli.dates import date_options
from replay.cli.options import NonEmpty, check_order


def _where(item: Finding) -> str:
    if item.tx_hash:
        return f"tx {item.tx_hash} log {item.log_index} (seq {item.seq})"
    return f"seq {item.seq}"


@click.command(name="audit")
@log_argument
@click.option("--from-block", type=STORED_INT, help="First block checked.")
@click.option("--to-block", type=STORED_INT, help="Last block checked.")
@click.option(
    "--tx",
    "tx_hash",
    type=NonEmpty(),
    help="Only the facts of this chain transaction (hash, or Stacks tx id).",
)
@date_options("from_block", "to_block")
@json_option
def audit_command(
    path: Path | str,
    from_block: int | None,
    to_block: int | None,
    tx_hash: str | None,
    as_json: bool,
) -> None:
    """Recompute each swap and liquidity fact in the log at PATH from the pool state before it.

    Each token transfer is checked against the sender's balance where the books know it.
    Each fact is exact, below the formula (a swap paying out less than the pair's K check
    allows: legal), a violation (amounts the math does not give), or unverifiable (the books
    lack what the check needs, e.g. a pool seen mid-life without its LP supply, or a holder
    whose balance no state file gave). Violations name their seq, and for imported facts the
    transaction hash and log index. Exit code 3 only when there is a violation; unverifiable
    checks are reported, never failed. A --tx the log holds no fact of is refused (exit 1).

    Example: defi-ledger audit ledger.db --from-block 100 --to-block 200 --json
    """
    check_order(from_block, to_block, ("--from-block", "--to-block"), "--from-block")
    with open_log(path, long_running=True) as store:
        report = classify(store, from_block, to_block, tx_hash)
        if tx_hash is not None and not any(report.counts.values()):
            from ledger.chain_queries import holds_transaction

            if not holds_transaction(store, tx_hash):
                raise no_such_transaction(tx_hash)
    violated = bool(report.violations)
    if as_json:
        echo_json(
            {
                "classes": report.counts,
                "violations": report.violations,
                "unverifiable": report.unverifiable,
                "below": report.below,
                "discrepancies": report.violations,
                "ok": not violated,
            }
        )
    else:
        click.echo("audit: " + ", ".join(f"{report.counts[name]} {name}" for name in CLASSES))
        for item in report.violations:
            click.echo(
                f"violation {_where(item)} block {item.block} {item.pool} {item.type} "
                f"{item.field} recorded={item.recorded} expected={item.expected} {item.detail}"
            )
        for item in report.unverifiable:
            click.echo(f"unverifiable {_where(item)} {item.pool} {item.type}: {item.detail}")
    if violated:
        facts = len({item.seq for item in report.violations})
        first = report.violations[0]
        raise CliExit(
            f"audit: {facts} facts violate the math (first: {_where(first)})", EXIT_INTEGRITY
        )
