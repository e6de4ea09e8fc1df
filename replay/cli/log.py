"""CLI commands over the log itself: init, append, log, verify, info."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import click
import msgspec

from events.rejections import RejectCode
from ledger.batch import Appended, Rejected
from ledger.chain_queries import transaction_records
from ledger.engine import Engine
from ledger.jsonl import parse_lines
from ledger.store import ReadFilter
from replay.cli.common import (
    EXIT_INTEGRITY,
    CliExit,
    echo_json,
    fail_rejected,
    json_option,
    open_store,
    path_argument,
)


@click.command()
@path_argument
@json_option
def init(path: Path, as_json: bool) -> None:
    """Create an empty log at PATH (an SQLite file).

    Example: defi-ledger init ledger.db
    """
    if path.exists():
        raise CliExit(f"{path} exists already; pick a new path or remove it", 1)
    with open_store(path, create=True) as store:
        head = store.head()
    if as_json:
        echo_json({"path": str(path), "head_seq": head.seq, "head_hash": head.hash})
    else:
        click.echo(f"created an empty log at {path}")


@click.command()
@path_argument
@click.argument("source", type=click.File("r"), default="-")
@click.option("--idempotency-key", help="Key that makes a retry of this batch safe.")
@click.option("--expected-head", type=int, help="Refuse unless the log head is this seq.")
@json_option
def append(
    path: Path,
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
    authority); the first one refused names its line and code, and nothing is appended.

    Example: defi-ledger append ledger.db fixtures/events/genesis.jsonl
    """
    try:
        parsed = parse_lines(source)
    except UnicodeDecodeError as error:
        parsed = Rejected(code=RejectCode.MALFORMED_JSON, detail=f"the input is not UTF-8: {error}")
    if isinstance(parsed, Rejected):
        raise fail_rejected(parsed)
    with open_store(path) as store:
        # Through the engine: every fact is checked against the books before it is appended.
        result = Engine(store).append_facts(
            parsed.events, expected_head=expected_head, idempotency_key=idempotency_key
        )
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
@path_argument
@click.option("--from-seq", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--to-seq", type=click.IntRange(min=1))
@click.option("--blocks", help="Block range A:B, inclusive (e.g. 100:200, 100:, :200).")
@click.option("--stream", help="Only this stream.")
@click.option("--type", "type_tag", help="Only this event type (e.g. Transferred).")
@click.option("--tx", "tx_hash", help="Only the facts of this chain transaction (hash).")
@json_option
def log_command(
    path: Path,
    from_seq: int,
    to_seq: int | None,
    blocks: str | None,
    stream: str | None,
    type_tag: str | None,
    tx_hash: str | None,
    as_json: bool,
) -> None:
    """Print records of the log at PATH, in seq order.

    Records a reorganisation retracted are marked (`R` before the seq; `"retracted": true`
    in JSON): they stay in the log, and every projection skips them.

    Example: defi-ledger log ledger.db --blocks 100:200 --type Transferred --json
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
    with open_store(path) as store:
        for record, retracted in transaction_records(store, where, tx_hash):
            if as_json:
                echo_json({**msgspec.to_builtins(record), "retracted": retracted})
            else:
                payload = echo_payload(record.event)
                mark = "R" if retracted else " "
                click.echo(
                    f"{mark}{record.seq:>8} {record.block:>10} {record.stream:<28} "
                    f"{record.type:<20} {payload}"
                )


def echo_payload(event: object) -> str:
    fields = msgspec.to_builtins(event)
    return " ".join(f"{key}={value}" for key, value in fields.items() if key != "type")


@click.command()
@path_argument
@json_option
def verify(path: Path, as_json: bool) -> None:
    """Recompute the whole hash chain of PATH; exit 3 naming the first bad seq.

    Example: defi-ledger verify ledger.db
    """
    with open_store(path) as store:
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
@path_argument
@json_option
def info(path: Path, as_json: bool) -> None:
    """Print the head (seq, block, hash) of PATH and the count of records by type.

    Example: defi-ledger info ledger.db --json
    """
    with open_store(path) as store:
        head = store.head()
        counts = store.counts_by_type()
    if as_json:
        echo_json(
            {
                "head_seq": head.seq,
                "head_block": head.block,
                "head_hash": head.hash,
                "counts_by_type": counts,
            }
        )
        return
    click.echo(f"head seq:   {head.seq}\nhead block: {head.block}\nhead hash:  {head.hash}")
    click.echo("records by type:")
    for tag, count in counts.items():
        click.echo(f"  {tag:<28} {count}")
