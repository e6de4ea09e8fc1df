"""CLI commands over projections and the live log: follow, rebuild, export."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from tqdm import tqdm

from events.record import Record
from ledger.follow import POLL_INTERVAL_S_DEFAULT, follow
from ledger.projector import Projector
from projections.runtime import projection_names
from replay.cli.common import (
    STORED_INT,
    STORED_INT_POSITIVE,
    echo_json,
    json_option,
    library_errors,
    log_argument,
    open_log,
    refuse_output_over_input,
    refuse_past_head,
    silence_stdout,
    watched,
)
from replay.cli.dates import date_options
from replay.cli.log import echo_payload
from replay.cli.options import Seconds
from replay.cli.state import check_projection_names
from replay.export import (
    ExportFormat,
    ExportRangeError,
    ExportRequest,
    export_projection,
    plan_export,
)


def _check_projections(
    _context: click.Context, _param: click.Parameter, value: tuple[str, ...] | str | None
) -> tuple[str, ...] | str | None:
    """Check names when the command runs: projections may register after this module loads."""
    check_projection_names((value,) if isinstance(value, str) else value or ())
    return value


@contextmanager
def progress_bar(
    total: int, description: str, unit: str = "records", *, unit_scale: bool = False
) -> Iterator[Callable[[int], None] | None]:
    """A tqdm bar (on stderr) when a person watches (`watched`); None otherwise.

    Its update may be called from several threads (a `var` run's chunks): one at a time."""
    if not watched():
        yield None
        return
    lock = threading.Lock()
    with tqdm(total=total, desc=description, unit=unit, unit_scale=unit_scale) as bar:

        def update(done: int) -> None:
            with lock:
                bar.update(done)

        yield update


def _echo_record(record: Record, as_json: bool) -> None:
    # click.echo flushes after every line, so a reader downstream sees each record at once.
    if as_json:
        echo_json(record)
        return
    click.echo(
        f"{record.seq:>8} {record.block:>10} {record.stream:<28} {record.type:<20} "
        f"{echo_payload(record.event)}"
    )


@click.command(name="follow")
@log_argument
@click.option(
    "--from-seq",
    type=STORED_INT_POSITIVE,
    default=1,
    show_default=True,
    help="First seq to print: your checkpoint + 1.",
)
@click.option(
    "--until-idle",
    "until_idle_s",
    type=Seconds(zero_ok=True),
    help="Exit 0 after SECONDS with nothing new; 0: once caught up (default: follow until Ctrl-C).",
)
@click.option(
    "--poll-interval",
    "poll_interval_s",
    type=Seconds(),
    default=POLL_INTERVAL_S_DEFAULT,
    show_default=True,
    help="Seconds between looks at the log head.",
)
@json_option
def follow_command(
    path: Path | str,
    from_seq: int,
    until_idle_s: float | None,
    poll_interval_s: float,
    as_json: bool,
) -> None:
    """Print the records of PATH from --from-seq on, then each new one as it is appended.

    With --json each line is one whole record, for another program to consume; the last seq
    printed goes to stderr on exit so the consumer can resume after it. Ctrl-C exits 0.

    Example: defi-ledger follow ledger.db --from-seq 120 --json | my-consumer
    """
    last_seq = from_seq - 1
    with open_log(path, long_running=True) as store, library_errors():
        records = follow(
            store, from_seq, poll_interval_s=poll_interval_s, idle_timeout_s=until_idle_s
        )
        try:
            for record in records:
                _echo_record(record, as_json)
                last_seq = record.seq
        except KeyboardInterrupt:
            pass  # Ctrl-C is how a person stops following: a clean exit, not an error
        except BrokenPipeError:
            silence_stdout()
            return
        finally:
            records.close()
    click.echo(f"followed to seq {last_seq}; resume with --from-seq {last_seq + 1}", err=True)


@click.command()
@log_argument
@click.option(
    "--projection",
    "projections",
    multiple=True,
    callback=_check_projections,
    help="Rebuild only this projection (repeatable; default: all).",
)
@json_option
def rebuild(path: Path | str, projections: tuple[str, ...], as_json: bool) -> None:
    """Rebuild the views of PATH from seq 1: after a projection's version changed, or when a
    view is suspect. Views are caches of the log, so this loses nothing.

    Example: defi-ledger rebuild ledger.db --projection balances
    """
    names = list(projections) or projection_names()
    with open_log(path, long_running=True) as store, library_errors():
        projector = Projector(store, names)
        with progress_bar(store.head().seq, "rebuild") as progress:
            seq = projector.rebuild(progress=progress)
        digests = projector.digests()
    if as_json:
        echo_json({"seq": seq, "digests": digests})
        return
    for name, digest in digests.items():
        click.echo(f"rebuilt {name} to seq {seq}: digest {digest}")


@click.command()
@log_argument
@click.option("--projection", required=True, callback=_check_projections, help="Which one.")
@click.option(
    "--format",
    "format_name",
    type=click.Choice([member.value for member in ExportFormat]),
    default=ExportFormat.PARQUET.value,
    show_default=True,
)
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), required=True)
@click.option("--every-blocks", type=STORED_INT_POSITIVE, help="Sample every N blocks.")
@click.option("--from-block", type=STORED_INT, help="First block sampled.")
@click.option("--to-block", type=STORED_INT, help="Last block (default: head).")
@click.option("--force", is_flag=True, help="Replace OUT if it holds files already.")
@date_options("from_block", "to_block")
@json_option
def export(
    path: Path | str,
    projection: str,
    format_name: str,
    out_dir: Path,
    every_blocks: int | None,
    from_block: int | None,
    to_block: int | None,
    force: bool,
    as_json: bool,
) -> None:
    """Write a projection's tables at sampled blocks to OUT, one file per table, each with
    a leading `block` column and the log head hash and block range it reflects.

    Amounts are exact decimal strings, plus a lossy float `<column>_display` in whole units.
    Without --every-blocks only the last block (the head, by default) is written. The set
    is written into a hidden folder beside OUT and renamed to OUT when complete: OUT holds one
    whole export or none, and every file carries the same head hash.

    Example: defi-ledger export ledger.db --projection balances --every-blocks 100 --out out/
    """
    refuse_output_over_input({"PATH": path}, {"--out": out_dir}, folders={"--out"})
    request = ExportRequest(
        projection=projection,
        format=ExportFormat(format_name),
        out_dir=out_dir,
        every_blocks=every_blocks,
        from_block=from_block,
        to_block=to_block,
        force=force,
    )
    with open_log(path, long_running=True) as store:
        head = store.head()
        for block in (from_block, to_block):
            if block is not None:
                refuse_past_head(block, head, path)
        try:
            plan = plan_export(store, request)
        except ExportRangeError as error:
            raise click.UsageError(str(error)) from error
        with progress_bar(plan.records_to_fold, "export") as progress, library_errors(out_dir):
            result = export_projection(store, request, plan, progress)
    if as_json:
        echo_json(result)
        return
    for file in result.files:
        meta = file.meta
        click.echo(
            f"wrote {file.path}: {meta.rows} rows, blocks {meta.from_block}..{meta.to_block} "
            f"({meta.sample_count} samples), log seq {meta.as_of_seq} hash {meta.as_of_hash}"
        )
