"""CLI commands over the log itself: init, append, log, verify, info."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any, TextIO

import click
import msgspec

from events.rejections import RejectCode
from ledger.batch import Appended, Rejected
from ledger.chain_queries import transaction_records
from ledger.engine import Engine
from ledger.jsonl import parse_lines
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from ledger.stores import describe_target
from replay.cli.common import (
    EXIT_INTEGRITY,
    CliExit,
    echo_json,
    fail_rejected,
    json_option,
    log_argument,
    open_log,
)
from replay.cli.dates import date_options
from replay.cli.log_view import FORMATS, chosen, emit
from replay.units import asset_decimals


@click.command()
@log_argument
@json_option
def init(path: Path | str, as_json: bool) -> None:
    """Create an empty log at PATH (an SQLite file, or a PostgreSQL URL).

    Example: defi-ledger init ledger.db
    """
    if isinstance(path, Path) and path.exists():
        raise CliExit(f"{path} exists already; pick a new path or remove it", 1)
    with open_log(path, create=True) as store:
        head = store.head()
    if head.seq:
        raise CliExit(f"{describe_target(path)} holds a log already ({head.seq} records)", 1)
    if as_json:
        echo_json({"path": describe_target(path), "head_seq": head.seq, "head_hash": head.hash})
    else:
        click.echo(f"created an empty log at {describe_target(path)}")


@click.command()
@log_argument
@click.argument("source", type=click.File("r"), default="-")
@click.option("--idempotency-key", help="Key that makes a retry of this batch safe.")
@click.option("--expected-head", type=int, help="Refuse unless the log head is this seq.")
@json_option
def append(
    path: Path | str,
    source: TextIO,
    idempotency_key: str | None,
    expected_head: int | None,
    as_json: bool,
) -> None:
    """Append JSON lines from SOURCE (a file, or - for stdin) as one batch: all or nothing.

    Each line is {"block": N, "event": {"type": "...", ...}} with optional "stream",
    "event_id", "expected_version" and "ts_ms". Every fact is checked against the books as
    the lines before it leave them (no overdraft, no value out of an issuer account without a
    mint, every pool/proposal/market it names exists, authority-only facts from the
    authority); the first one refused names its line and code, and nothing is appended. The
    views (view_* tables) are brought up to the new head before the command returns.

    Example: defi-ledger append ledger.db fixtures/events/genesis.jsonl
    """
    try:
        parsed = parse_lines(source)
    except UnicodeDecodeError as error:
        parsed = Rejected(code=RejectCode.MALFORMED_JSON, detail=f"the input is not UTF-8: {error}")
    if isinstance(parsed, Rejected):
        raise fail_rejected(parsed)
    with open_log(path) as store:
        # Through the engine: every fact is checked against the books before it is appended.
        result = Engine(store).append_facts(
            parsed.events, expected_head=expected_head, idempotency_key=idempotency_key
        )
        if isinstance(result, Appended):
            # The views are brought up to the new head in the same call, so a plain SQLite
            # client never reads a view behind the log it has just appended to.
            from ledger.projector import Projector

            Projector(store).catch_up()
    if isinstance(result, Rejected):
        if result.index is not None:
            line = parsed.line_numbers[result.index]
            result = Rejected(code=result.code, detail=f"line {line}: {result.detail}", index=line)
        raise fail_rejected(result)
    _report_appended(result, as_json)


def _report_appended(result: Appended, as_json: bool) -> None:
    if as_json:
        echo_json(result)
        return
    count = result.last_seq - result.first_seq + 1
    verb = "already appended (idempotent retry)" if result.replayed else "appended"
    click.echo(
        f"{verb} {count} events: seq {result.first_seq}..{result.last_seq}, head {result.head_hash}"
    )


def parse_block_range(text: str | None) -> tuple[int | None, int | None]:
    if text is None:
        return None, None
    low, sep, high = text.partition(":")
    if not sep:
        raise click.BadParameter("use A:B (either side may be empty)", param_hint="--blocks")
    try:
        return (int(low) if low else None), (int(high) if high else None)
    except ValueError as error:
        raise click.BadParameter(f"not a block range: {text!r}", param_hint="--blocks") from error


@click.command(name="log")
@log_argument
@click.option("--from-seq", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--to-seq", type=click.IntRange(min=1))
@click.option("--blocks", help="Block range A:B, inclusive (e.g. 100:200, 100:, :200).")
@click.option("--stream", help="Only this stream.")
@click.option("--type", "type_tag", help="Only this event type (e.g. Transferred).")
@click.option("--tx", "tx_hash", help="Only the facts of this chain transaction (hash).")
@click.option("--account", help="Only records whose event names this account (any role).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@date_options("blocks", "blocks")
@json_option
def log_command(
    path: Path | str,
    from_seq: int,
    to_seq: int | None,
    blocks: str | None,
    stream: str | None,
    type_tag: str | None,
    tx_hash: str | None,
    account: str | None,
    fmt: str,
    as_json: bool,
) -> None:
    """Print records of the log at PATH, in seq order (amounts in display units as text).

    Records a reorganisation retracted are marked (`R` before the seq; `"retracted": true`
    in JSON): they stay in the log, and every projection skips them.

    Example: defi-ledger log ledger.db --since 2021-06-01 --account alice --format csv
    """
    from_block, to_block = parse_block_range(blocks)
    where = ReadFilter(
        from_seq=from_seq,
        to_seq=to_seq,
        from_block=from_block,
        to_block=to_block,
        stream=stream,
        type=type_tag,
    )
    with open_log(path) as store:
        decimals = asset_decimals(store)
        found = transaction_records(store, where, tx_hash)
        emit(chosen(found, account), "json" if as_json else fmt, decimals)


def echo_payload(event: object) -> str:
    fields = msgspec.to_builtins(event)
    return " ".join(f"{key}={value}" for key, value in fields.items() if key != "type")


@click.command()
@log_argument
@json_option
def verify(path: Path | str, as_json: bool) -> None:
    """Recompute the whole hash chain of PATH; exit 3 naming the first bad seq.

    Example: defi-ledger verify ledger.db
    """
    with open_log(path) as store:
        report = store.verify()
    if as_json:
        echo_json(report)
    if not report.ok:
        if as_json:
            sys.exit(EXIT_INTEGRITY)
        raise CliExit(
            f"integrity failure at seq {report.first_bad_seq}: {report.detail}", EXIT_INTEGRITY
        )
    if not as_json:
        click.echo(f"ok: {report.records} records verified; head {report.head_hash}")


@click.command()
@log_argument
@json_option
def info(path: Path | str, as_json: bool) -> None:
    """Print the head (seq, block, hash) of PATH and the count of records by type.

    Example: defi-ledger info ledger.db --json
    """
    with open_log(path) as store:
        head = store.head()
        counts = store.counts_by_type()
        views = _view_seqs(store)
    stale = sorted(name for name, seq in views.items() if seq < head.seq)
    if as_json:
        echo_json(
            {
                "head_seq": head.seq,
                "head_block": head.block,
                "head_hash": head.hash,
                "counts_by_type": counts,
                "views_at_seq": views,
                "stale_views": stale,
            }
        )
        return
    click.echo(f"head seq:   {head.seq}\nhead block: {head.block}\nhead hash:  {head.hash}")
    if stale:
        click.echo(
            f"stale views (behind the head): {', '.join(stale)}; "
            "`defi-ledger state PATH` or `rebuild PATH` brings them up to date"
        )
    elif views:
        click.echo("views: up to date with the head")
    click.echo("records by type:")
    for tag, count in counts.items():
        click.echo(f"  {tag:<28} {count}")


def _view_seqs(store: Any) -> dict[str, int]:
    """Each persisted view's seq (empty when the log has no views yet)."""
    if not isinstance(store, SqliteStore):
        from ledger.pg_views import tracked_seqs  # only a PostgreSQL log loads psycopg

        return tracked_seqs(store.connection)
    try:
        rows = store.connection.execute("SELECT projection, seq FROM view_tracking").fetchall()
    except sqlite3.OperationalError:
        return {}
    return {str(name): int(seq) for name, seq in rows}
