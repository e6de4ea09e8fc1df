"""CLI commands over the log itself: init, append, log, verify, info."""

from __future__ import annotations

import re
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import msgspec

from events.base import SQLITE_INT_MAX
from ledger.batch import Appended, Rejected
from ledger.chain import GENESIS_HASH
from ledger.deep_check import deep_findings
from ledger.jsonl import parse_lines
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from ledger.stores import LogStore, describe_target
from replay.cli.common import (
    EXIT_INTEGRITY,
    STORED_INT,
    STORED_INT_POSITIVE,
    CliExit,
    command_line,
    echo_json,
    fail_rejected,
    json_option,
    log_argument,
    no_such_transaction,
    open_log,
    refresh_views,
)
from replay.cli.dates import date_options
from replay.cli.log_view import FORMATS, check_event_type, chosen, emit
from replay.cli.options import NonEmpty, check_order
from replay.units import asset_decimals

if TYPE_CHECKING:
    from ledger.engine import Engine


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
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False), default="-")
@click.option("--idempotency-key", help="Key that makes a retry of this batch safe.")
@click.option(
    "--expected-head",
    type=STORED_INT,
    help="Refuse unless the log head is this seq.",
)
@json_option
def append(
    path: Path | str,
    source: Path,
    idempotency_key: str | None,
    expected_head: int | None,
    as_json: bool,
) -> None:
    """Append JSON lines from SOURCE (a file, or - for stdin) as one batch: all or nothing.

    Each line is {"block": N, "event": {"type": "...", ...}} with optional "stream",
    "event_id", "expected_version" and "ts_ms". Every fact is checked against the books as
    the lines before it leave them (no overdraft, no value out of an issuer account without a
    mint, no mint of a token after its genesis but emergency issuance, a mint or a swap moves
    a positive amount of a registered asset as the engine's commands do (a swap imported from
    ALEX prints may pay out nothing, as ALEX's pools do), every pool/proposal/market it names
    exists, authority-only facts from the authority: a GovernanceConfigured after the first
    names the authority as its "sender"; governance facts only when their commands would
    record them: no proposal or vote while governance is paused, a signal or veto only before
    the proposal is decided, a conclusion only after the vote with the outcome its tally
    gives, an execution only by the vote or the executive signals, a parameter change only of
    an executed proposal, emergency ALEX only as much as an enacted issuance change still
    allows), and its text is what every store keeps (no U+0000, at most 512 bytes of UTF-8 in
    a stream, id or text field); the first one refused names its line and code, and nothing
    is appended.
    The views (view_* tables) are brought up to the new head before the command returns.

    Example: defi-ledger append ledger.db fixtures/events/genesis.jsonl
    """
    parsed = parse_lines(_source_lines(source))
    if isinstance(parsed, Rejected):
        raise fail_rejected(parsed)
    with open_log(path) as store:
        # Through the engine: every fact is checked against the books before it is appended.
        result = _engine_at_head(store).append_facts(
            parsed.events, expected_head=expected_head, idempotency_key=idempotency_key
        )
        if isinstance(result, Appended):
            # The views are brought up to the new head in the same call, so a plain SQLite
            # client never reads a view behind the log it has just appended to.
            refresh_views(store, path)
    if isinstance(result, Rejected):
        if result.index is not None:
            line = parsed.line_numbers[result.index]
            result = Rejected(code=result.code, detail=f"line {line}: {result.detail}", index=line)
        raise fail_rejected(result)
    _report_appended(result, as_json)


def _engine_at_head(store: Any) -> Engine:
    """The engine over the books at the head: the nearest snapshots plus the records after
    them, so an append onto a long log does not refold it from seq 1. Nothing is written
    here: a refused batch leaves the file as it was."""
    from ledger.engine import Engine  # the books and every command: only `append` needs them
    from ledger.projector import Projector

    if not _has_view_schema(store):
        return Engine(store)  # nothing projected yet: fold from seq 1, writing no view table
    head = store.head()
    books = Projector(store).books_at(head.block)
    return Engine(store, start=(head.seq, head.block, books.snapshot()))


def _has_view_schema(store: Any) -> bool:
    if isinstance(store, SqliteStore):
        found = store.connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'snapshot_states'"
        ).fetchone()
        return found is not None
    from ledger.pg_views import has_schema

    return has_schema(store.connection)


def _source_lines(source: Path) -> list[bytes]:
    """The input's lines as bytes (decoded line by line, so a bad byte is named by line).

    A missing or unreadable file raises `OSError`: an environment fault (exit 4) naming it.
    """
    if str(source) == "-":
        return sys.stdin.buffer.read().splitlines()
    return source.read_bytes().splitlines()


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
        bounds = (int(low) if low else None), (int(high) if high else None)
    except ValueError as error:
        raise click.BadParameter(f"not a block range: {text!r}", param_hint="--blocks") from error
    for bound in bounds:
        if bound is not None and not 0 <= bound <= SQLITE_INT_MAX:
            raise click.BadParameter(
                f"block {bound} is outside 0..{SQLITE_INT_MAX}", param_hint="--blocks"
            )
    check_order(*bounds, ("block", "block"), "--blocks")
    return bounds


@click.command(name="log")
@log_argument
@click.option("--from-seq", type=STORED_INT_POSITIVE, default=1, show_default=True)
@click.option("--to-seq", type=STORED_INT_POSITIVE)
@click.option("--blocks", help="Block range A:B, inclusive (e.g. 100:200, 100:, :200).")
@click.option("--stream", type=NonEmpty(), help="Only this stream.")
@click.option("--type", "type_tag", help="Only this event type (e.g. Transferred).")
@click.option(
    "--tx",
    "tx_hash",
    type=NonEmpty(),
    help="Only the facts of this chain transaction (hash, or Stacks tx id); a hash the log "
    "holds no fact of is refused (exit 1).",
)
@click.option(
    "--account", type=NonEmpty(), help="Only records whose event names this account (any role)."
)
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

    In the table, each number is in the unit `defi-ledger schema` gives its field (one catalog,
    events/units.py): an amount in display units with its asset (shares, LP, a collateral
    pool's dx and dy, votes), a ratio as %, a price or index over its scale, a scale as 1e18; a
    block, id, index or count, or an amount whose asset the event does not name, as stored.
    CSV and JSON keep every value as stored.

    Records a reorganisation retracted are marked (`R` before the seq; `"retracted": true`
    in JSON): they stay in the log, and every projection skips them.

    Example: defi-ledger log ledger.db --since 2021-06-01 --account alice --format csv
    """
    from_block, to_block = parse_block_range(blocks)
    check_order(from_seq, to_seq, ("--from-seq", "--to-seq"), "--from-seq")
    check_event_type(type_tag)
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
        from ledger.chain_queries import holds_transaction, transaction_records  # loads books

        found = transaction_records(store, where, tx_hash)
        if tx_hash is not None:  # a transaction's facts are few: held, to tell none from some
            held = list(found)
            if not held and not holds_transaction(store, tx_hash):
                raise no_such_transaction(tx_hash)
            found = iter(held)
        emit(chosen(found, account), "json" if as_json else fmt, decimals)


def echo_payload(event: object) -> str:
    fields = msgspec.to_builtins(event)
    return " ".join(f"{key}={value}" for key, value in fields.items() if key != "type")


@click.command()
@log_argument
@click.option(
    "--expect-head",
    "expected_head_hash",
    metavar="HASH",
    help="Also check that the chain holds this hash (a head recorded elsewhere, e.g. from "
    "`info --json`): a log rewritten since, even with recomputed hashes, fails.",
)
@click.option(
    "--views",
    "check_views",
    is_flag=True,
    help="Also refold the log and compare every view "
    "and snapshot stored beside it; name the first that differs.",
)
@click.option(
    "--deep",
    is_flag=True,
    help="Also decode every payload and name the first unreadable record; on SQLite run its "
    "integrity check, on PostgreSQL compare each record's jsonb with its payload.",
)
@json_option
def verify(
    path: Path | str, expected_head_hash: str | None, check_views: bool, deep: bool, as_json: bool
) -> None:
    """Recompute the whole hash chain of PATH; exit 3 naming the first bad seq.

    Example: defi-ledger verify ledger.db --expect-head 4ef75bb4... --views --deep
    """
    if expected_head_hash is not None and not re.fullmatch(r"[0-9a-fA-F]{64}", expected_head_hash):
        raise click.BadParameter("a head hash is 64 hex digits", param_hint="--expect-head")
    with open_log(path) as store:
        report = store.verify()
        findings = (
            []
            if report.ok
            else [f"integrity failure at seq {report.first_bad_seq}: {report.detail}"]
        )
        if report.ok and expected_head_hash is not None:
            findings += anchor_findings(store, expected_head_hash.strip().lower())
        if deep:
            findings += deep_findings(store)
        if check_views and report.ok:
            from replay.verify_views import verify_views  # refolds every book

            findings += [item.describe() for item in verify_views(store)]
    if as_json:
        echo_json({**msgspec.to_builtins(report), "ok": not findings, "findings": findings})
        if findings:
            sys.exit(EXIT_INTEGRITY)
        return
    if findings:
        raise CliExit("\n".join(findings), EXIT_INTEGRITY)
    checked = " ".join(
        name
        for name, on in (("views", check_views), ("deep", deep), ("anchor", expected_head_hash))
        if on
    )
    click.echo(
        f"ok: {report.records} records verified{f' ({checked})' if checked else ''}; "
        f"head {report.head_hash}"
    )


def anchor_findings(store: LogStore, expected_hash: str) -> list[str]:
    """Empty when the verified chain holds `expected_hash` (as its head or an earlier record)."""
    head = store.head()
    if expected_hash in (head.hash, GENESIS_HASH) or store.seq_of_hash(expected_hash) is not None:
        return []
    return [
        f"the expected head {expected_hash} is not in this log (its head is seq {head.seq}, "
        f"hash {head.hash}): the log was rewritten, or it is another log"
    ]


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
    click.echo(f"check later: {command_line('verify', path, '--expect-head', head.hash)}")
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
