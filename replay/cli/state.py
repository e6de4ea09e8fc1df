"""CLI commands that read projections: state (at any block) and digest."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Any

import click

from ledger.chain_queries import state_after_transaction
from ledger.projector import Projector
from projections.base import Table, tables_at
from projections.runtime import Shown, digest_of_shown, projection_names
from replay.cli.common import (
    STORED_INT,
    STORED_INT_POSITIVE,
    echo_json,
    json_option,
    log_argument,
    no_such_transaction,
    open_log,
    refuse_past_head,
    units_option,
)
from replay.cli.dates import date_options
from replay.cli.log_view import FORMATS
from replay.cli.options import NonEmpty
from replay.units import Units, asset_decimals


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
    path: Path | str, names: list[str] | None, at_block: int | None, tx_hash: str | None = None
) -> list[Shown]:
    """The books and read models at `at_block`, after chain transaction `tx_hash`, or at the
    head, catching the views up first."""
    return load_state_and_decimals(path, names, at_block, tx_hash)[0]


def load_state_and_decimals(
    path: Path | str, names: list[str] | None, at_block: int | None, tx_hash: str | None = None
) -> tuple[list[Shown], dict[str, int]]:
    """The books and read models as `load_state` finds them, and each asset's decimals.

    A block past the head is refused before the views are caught up: a refusal writes nothing.
    """
    with open_log(path) as store:
        if at_block is not None:
            refuse_past_head(at_block, store.head(), path)
        projector = Projector(store, names)
        projector.catch_up()
        if tx_hash is not None:
            found = state_after_transaction(store, names, tx_hash)
            if found is None:
                raise no_such_transaction(tx_hash)
            return found, asset_decimals(store)
        found = projector.current() if at_block is None else projector.state_at(at_block)
        return found, asset_decimals(store)


def asked_block(path: Path | str, at_block: int | None) -> int:
    """The block a reader asks about: `--at-block`, or the log head's block."""
    if at_block is not None:
        return at_block
    with open_log(path) as store:
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


def render_table(table: Table, rows: list[tuple[Any, ...]], units: Units | None = None) -> None:
    """The rows as aligned text; numbers in display units with their unit (unless base)."""
    click.echo(f"[{table.name}] {len(rows)} rows")
    if not rows:
        return
    units = units or Units({}, "base")
    headers = [units.header(table.name, name) for name in table.columns]
    cells = [
        [
            units.cell(table.name, name, dict(zip(table.columns, row, strict=True)))
            for name in table.columns
        ]
        for row in rows
    ]
    widths = [
        max(len(header), *(len(line[i]) for line in cells)) for i, header in enumerate(headers)
    ]
    click.echo("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    for line in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)))


@click.command()
@log_argument
@click.option(
    "--at-block",
    type=STORED_INT,
    help="State after this block (head by default).",
)
@projection_option
@click.option(
    "--tx",
    "tx_hash",
    type=NonEmpty(),
    help="State just after this chain transaction (hash, or Stacks tx id).",
)
@click.option("--account", type=NonEmpty(), help="Only rows of this account.")
@click.option("--asset", type=NonEmpty(), help="Only rows of this asset.")
@click.option(
    "--at-risk",
    type=STORED_INT_POSITIVE,
    help="Only the N riskiest rows of projections that rank risk (e.g. positions), "
    "closest to their line first.",
)
@click.option("--table", "table_name", help="Only this table (e.g. fx_positions).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="table",
    show_default=True,
    help="table: aligned text in display units; csv: one table's exact integers; json: as --json.",
)
@units_option
@date_options(None, "at_block")
@json_option
def state(
    path: Path | str,
    at_block: int | None,
    projection_names_chosen: tuple[str, ...],
    tx_hash: str | None,
    account: str | None,
    asset: str | None,
    at_risk: int | None,
    table_name: str | None,
    fmt: str,
    units: str,
    as_json: bool,
) -> None:
    """Print projection state at a block: the nearest snapshot plus the tail of the log.

    Views and snapshots are caches in the log's file; this command catches them up first.
    Text shows amounts in display units (--units base for the books' integers); --json keeps
    the exact integers, those beyond 2**53 as strings (--json-bare-ints for bare numbers).

    Example: defi-ledger state ledger.db --at-block 1200 --projection balances --account alice
    """
    names = check_projection_names(projection_names_chosen)
    filters = {key: value for key, value in (("account", account), ("asset", asset)) if value}
    if tx_hash is not None and at_block is not None:
        raise click.BadParameter("give --at-block or --tx, not both", param_hint="--tx")
    projections, decimals = load_state_and_decimals(path, names, at_block, tx_hash)
    block = asked_block(path, at_block)
    whole = fmt != "csv" and (as_json or fmt == "json")  # JSON holds every table, ranked or not
    shown = chosen_tables(
        [
            (
                projection,
                tables_at(projection, block) if whole else shown_tables(projection, at_risk, block),
            )
            for projection in projections
        ],
        table_name,
        None if whole else at_risk,
    )
    if fmt == "csv":
        write_csv([table for _, tables in shown for table in tables], filters)
        return
    if whole:
        output = {
            projection.name: {
                "digest": digest_of_shown(projection),
                "tables": {
                    table.name: [
                        dict(zip(table.columns, row, strict=True))
                        for row in filter_rows(table, filters)
                    ]
                    for table in tables
                },
                "violations": projection.violations(),
            }
            for projection, tables in shown
        }
        echo_json({"at_block": at_block, "tx": tx_hash, "projections": output})
        return
    shown_units = Units(decimals, "base" if units == "base" else "display")
    for projection, tables in shown:
        found = digest_of_shown(projection)
        about = "read model over the books" if found is None else f"digest {found}"
        click.echo(f"== {projection.name} ({about})")
        for table in tables:
            render_table(table, filter_rows(table, filters), shown_units)
        for violation in projection.violations():
            click.echo(f"violation {violation.code} at seq {violation.seq}: {violation.detail}")


def chosen_tables(
    shown: list[tuple[Shown, list[Table]]], table_name: str | None, at_risk: int | None
) -> list[tuple[Shown, list[Table]]]:
    """Each projection with the tables it shows, only `table_name` when given: a name none of
    them shows is a usage error listing the ones they do."""
    if table_name is None:
        return shown
    known = sorted({table.name for _, tables in shown for table in tables})
    if table_name not in known:
        ranked = " with --at-risk" if at_risk is not None else ""
        raise click.BadParameter(
            f"unknown table {table_name!r}; the projections shown{ranked} have: "
            f"{', '.join(known) or 'none'}",
            param_hint="--table",
        )
    return [
        (projection, [table for table in tables if table.name == table_name])
        for projection, tables in shown
    ]


@click.command()
@log_argument
@click.option("--at-block", type=STORED_INT, help="Digests after this block.")
@projection_option
@date_options(None, "at_block")
@json_option
def digest(
    path: Path | str, at_block: int | None, projection_names_chosen: tuple[str, ...], as_json: bool
) -> None:
    """Print each projection's digest (sha256 of its canonical state), now or at a block.

    The same log gives the same digests on every run and machine.

    Example: defi-ledger digest ledger.db --at-block 1200 --json
    """
    names = check_projection_names(projection_names_chosen)
    # A read model (positions) has no digest of its own: None, said so in the text output.
    digests = {
        projection.name: digest_of_shown(projection)
        for projection in load_state(path, names, at_block)
    }
    if as_json:
        echo_json({"at_block": at_block, "digests": digests})
        return
    for name, value in digests.items():
        click.echo(f"{name:<24} {value or '(a read model over the books: no digest of its own)'}")


def write_csv(tables: list[Table], filters: dict[str, str]) -> None:
    """One table as CSV with its exact integers (a CSV holds one table: pick it with --table)."""
    if len(tables) != 1:
        names = ", ".join(table.name for table in tables) or "none"
        raise click.UsageError(f"--format csv writes one table; pick one with --table ({names})")
    (table,) = tables
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(table.columns)
    writer.writerows(filter_rows(table, filters))
