"""CLI commands that read projections: state (at any block) and digest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ledger.chain_queries import state_after_transaction
from ledger.projector import Projector
from projections.base import Table, tables_at
from projections.runtime import Shown, digest_of_shown, projection_names
from replay.cli.common import CliExit, echo_json, json_option, open_store, path_argument


def projection_option(function: Any) -> Any:
    return click.option(
        "--projection",
        "projection_names_chosen",
        multiple=True,
        help="A projection by name (repeatable); all of them by default.",
    )(function)


def check_projection_names(names: tuple[str, ...]) -> list[str] | None:
    known = projection_names()
    unknown = [name for name in names if name not in known]
    if unknown:
        raise click.BadParameter(
            f"unknown projection {', '.join(unknown)}; known: {', '.join(known)}",
            param_hint="--projection",
        )
    return list(names) or None


def load_state(
    path: Path, names: list[str] | None, at_block: int | None, tx_hash: str | None = None
) -> list[Shown]:
    """The books and read models at `at_block`, after chain transaction `tx_hash`, or at the
    head, catching the views up first."""
    with open_store(path) as store:
        projector = Projector(store, names)
        projector.catch_up()
        if tx_hash is not None:
            found = state_after_transaction(store, names, tx_hash)
            if found is None:
                raise CliExit(f"no fact of transaction {tx_hash} in the log", 1)
            return found
        head = store.head()
        if at_block is not None and at_block > head.block:
            raise CliExit(f"block {at_block} is past the log head's block {head.block}", 1)
        return projector.current() if at_block is None else projector.state_at(at_block)


def asked_block(path: Path, at_block: int | None) -> int:
    """The block a reader asks about: `--at-block`, or the log head's block."""
    if at_block is not None:
        return at_block
    with open_store(path) as store:
        return store.head().block


def shown_tables(projection: Shown, at_risk: int | None, block: int) -> list[Table]:
    """All tables at `block`, or with --at-risk the projection's ranking (if it keeps one)."""
    if at_risk is None:
        return tables_at(projection, block)
    ranking = getattr(projection, "at_risk", None)
    return [ranking(at_risk)] if callable(ranking) else []


def filter_rows(table: Table, filters: dict[str, str]) -> list[tuple[Any, ...]]:
    indices = {
        table.columns.index(column): value
        for column, value in filters.items()
        if column in table.columns
    }
    return [
        row
        for row in table.rows
        if all(str(row[index]) == value for index, value in indices.items())
    ]


def render_table(table: Table, rows: list[tuple[Any, ...]]) -> None:
    click.echo(f"[{table.name}] {len(rows)} rows")
    if not rows:
        return
    widths = [
        max(len(str(column)), *(len(str(row[i])) for row in rows))
        for i, column in enumerate(table.columns)
    ]
    click.echo("  ".join(str(c).ljust(w) for c, w in zip(table.columns, widths, strict=True)))
    for row in rows:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)))


@click.command()
@path_argument
@click.option(
    "--at-block", type=click.IntRange(min=0), help="State after this block (head by default)."
)
@projection_option
@click.option("--tx", "tx_hash", help="State just after this chain transaction (hash).")
@click.option("--account", help="Only rows of this account.")
@click.option("--asset", help="Only rows of this asset.")
@click.option(
    "--at-risk",
    type=click.IntRange(min=1),
    help="Only the N riskiest rows of projections that rank risk (e.g. positions), "
    "closest to their line first.",
)
@json_option
def state(
    path: Path,
    at_block: int | None,
    projection_names_chosen: tuple[str, ...],
    tx_hash: str | None,
    account: str | None,
    asset: str | None,
    at_risk: int | None,
    as_json: bool,
) -> None:
    """Print projection state at a block: the nearest snapshot plus the tail of the log.

    Views and snapshots are caches in the log's file; this command catches them up first.

    Example: defi-ledger state ledger.db --at-block 1200 --projection balances --account alice
    """
    names = check_projection_names(projection_names_chosen)
    filters = {key: value for key, value in (("account", account), ("asset", asset)) if value}
    if tx_hash is not None and at_block is not None:
        raise click.BadParameter("give --at-block or --tx, not both", param_hint="--tx")
    projections = load_state(path, names, at_block, tx_hash)
    block = asked_block(path, at_block)
    output: dict[str, Any] = {}
    for projection in projections:
        tables = {
            table.name: [
                dict(zip(table.columns, row, strict=True)) for row in filter_rows(table, filters)
            ]
            for table in tables_at(projection, block)
        }
        output[projection.name] = {
            "digest": digest_of_shown(projection),
            "tables": tables,
            "violations": projection.violations(),
        }
    if as_json:
        echo_json({"at_block": at_block, "tx": tx_hash, "projections": output})
        return
    for projection in projections:
        found = digest_of_shown(projection)
        about = "read model over the books" if found is None else f"digest {found}"
        click.echo(f"== {projection.name} ({about})")
        for table in shown_tables(projection, at_risk, block):
            render_table(table, filter_rows(table, filters))
        for violation in projection.violations():
            click.echo(f"violation {violation.code} at seq {violation.seq}: {violation.detail}")


@click.command()
@path_argument
@click.option("--at-block", type=click.IntRange(min=0), help="Digests after this block.")
@projection_option
@json_option
def digest(
    path: Path, at_block: int | None, projection_names_chosen: tuple[str, ...], as_json: bool
) -> None:
    """Print each projection's digest (sha256 of its canonical state), now or at a block.

    The same log gives the same digests on every run and machine.

    Example: defi-ledger digest ledger.db --at-block 1200 --json
    """
    names = check_projection_names(projection_names_chosen)
    digests = {
        projection.name: found
        for projection in load_state(path, names, at_block)
        if (found := digest_of_shown(projection)) is not None
    }
    if as_json:
        echo_json({"at_block": at_block, "digests": digests})
        return
    for name, value in digests.items():
        click.echo(f"{name:<24} {value}")
