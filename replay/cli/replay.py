"""CLI commands for scenarios: replay (and --verify), fork, diff."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import click

from ledger.stores import describe_target
from replay.cli.common import (
    EXIT_INTEGRITY,
    STORED_INT,
    CliExit,
    ExitCode,
    LogTarget,
    echo_json,
    json_option,
    library_errors,
    open_log,
    refuse_output_over_input,
    refuse_past_head,
    watched,
)
from replay.cli.options import Folder
from replay.cli.state import check_projection_names
from replay.summary import render_summary, summarise
from replay.units import Units, asset_decimals
from replay.verify import NO_DIGEST, verify_replay

data_dir_option = click.option(
    "--data-dir",
    "data_dirs",
    multiple=True,
    type=Folder(),
    help="A folder the scenario may read price files from, besides its own and the "
    "project's data folders (repeatable; a missing one is exit 4).",
)


@contextmanager
def progress_printer(
    description: str = "replay", unit: str = "step"
) -> Iterator[Callable[[int, int], None] | None]:
    """A tqdm bar (on stderr) told (done, total) when a person watches (`watched`); None
    otherwise."""
    if not watched():
        yield None
        return
    from tqdm import tqdm

    with tqdm(unit=unit, desc=description) as bar:

        def update(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        yield update


@click.command()
@click.argument("scenario", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--db",
    type=LogTarget(),
    help="The new log to write (replaying a scenario): a path, or a PostgreSQL URL naming "
    "an empty log.",
)
@click.option(
    "--verify",
    "verify_path",
    type=LogTarget(),
    help="Instead of replaying: rebuild every projection of this log and check "
    "every recorded checkpoint digest (exit 3 on a mismatch).",
)
@click.option("--force", is_flag=True, help="Replace the log at --db if it exists.")
@data_dir_option
@json_option
def replay(
    scenario: Path | None,
    db: Path | str | None,
    verify_path: Path | str | None,
    force: bool,
    data_dirs: tuple[Path, ...],
    as_json: bool,
) -> None:
    """Replay SCENARIO block by block into a new log, or verify a replayed log.

    The log appears at --db only once the replay has finished: it is built beside it under a
    hidden name and moved into place at the end (into PostgreSQL: built in a temporary file,
    then copied in one transaction). An agent's `per_step` whose commands, held for a run of
    steps until it is appended, the machine cannot hold is refused before anything is written.

    Example: defi-ledger replay fixtures/scenarios/flash-crash.toml --db ledger.db

    Example: defi-ledger replay --verify ledger.db
    """
    if verify_path is not None:
        if scenario is not None or db is not None:
            raise click.UsageError("--verify takes only the log; drop SCENARIO and --db")
        verify_command(verify_path, as_json)
        return
    if scenario is None or db is None:
        raise click.UsageError("give SCENARIO and --db PATH (or --verify PATH)")
    refuse_output_over_input({"SCENARIO": scenario}, {"--db": db})
    from replay.scenario import load_scenario  # pydantic: not in `report`'s start-up

    with library_errors(db):
        loaded = load_scenario(scenario, data_dirs=data_dirs)
        from replay.runner import replay_scenario  # not in `report`'s start-up

        with progress_printer() as progress:
            outcome = replay_scenario(loaded, db, progress=progress, force=force)
    with open_log(db) as store:
        summary = summarise(store)
    summary["refusals"] = dict(sorted(outcome.refusals.items()))
    summary["checkpoints"] = outcome.checkpoints
    if as_json:
        echo_json(summary)
        return
    click.echo(f"replayed {loaded.name}: {outcome.steps} steps into {outcome.path}")
    for line in render_summary(summary):
        click.echo(line)


def verify_command(path: Path | str, as_json: bool) -> None:
    with open_log(path) as store:
        result = verify_replay(store)
    if as_json:
        echo_json(
            {
                "ok": result.ok,
                "checkpoints": result.checkpoints,
                "chain_ok": result.chain_ok,
                "chain_detail": result.chain_detail,
                "mismatches": [asdict(item) for item in result.mismatches],
                "earlier_digest_schemes": {
                    str(scheme): count for scheme, count in sorted(result.earlier_schemes.items())
                },
                "note": result.earlier_scheme_note(),
            }
        )
    elif result.ok:
        click.echo(f"ok: chain verified; {result.checkpoints} checkpoints match")
        if result.earlier_schemes:
            click.echo(f"note: {result.earlier_scheme_note()}")
    if result.ok:
        return
    if not result.chain_ok:
        message = f"integrity failure at {result.chain_detail}"
    else:
        first = result.mismatches[0]
        message = (
            f"checkpoint {first.label} (seq {first.seq}): {first.projection} digest "
            f"{first.rebuilt} differs from the recorded {first.recorded}"
            if first.projection != NO_DIGEST
            else f"checkpoint {first.label} (seq {first.seq}) records no digest to compare"
        )
    if as_json:
        sys.exit(EXIT_INTEGRITY)
    raise CliExit(message, EXIT_INTEGRITY)


@click.command()
@click.argument("path", type=LogTarget())
@click.option("--at-block", type=STORED_INT, required=True)
@click.option(
    "--out",
    type=LogTarget(),
    required=True,
    help="The new log: a path, or a postgresql:// URL naming an empty log.",
)
@click.option(
    "--scenario",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A what-if to continue the fork with (its steps after the fork block).",
)
@click.option(
    "--force", is_flag=True, help="Replace the log at --out if it exists (never PATH itself)."
)
@data_dir_option
@json_option
def fork(
    path: Path | str,
    at_block: int,
    out: Path | str,
    scenario: Path | None,
    force: bool,
    data_dirs: tuple[Path, ...],
    as_json: bool,
) -> None:
    """Fork the log at PATH at a block into OUT (sharing its chain), then run a what-if.

    OUT appears only once the what-if has run to its end.

    Example: defi-ledger fork ledger.db --at-block 7200 --out whatif.db --scenario calm.toml
    """
    refuse_output_over_input({"PATH": path, "--scenario": scenario}, {"--out": out})
    if isinstance(out, str) and force:
        raise click.UsageError(
            "--force replaces a file; defi-ledger never drops a PostgreSQL log: fork into an "
            "empty one (a new database or schema)"
        )
    loaded = None
    if scenario is not None:
        from replay.scenario import load_scenario

        with library_errors(scenario):
            loaded = load_scenario(scenario, data_dirs=data_dirs)
    from replay.fork import fork_into_postgres, fork_with_whatif

    with open_log(path) as parent:
        refuse_past_head(at_block, parent.head(), path)
        with library_errors(out):
            if isinstance(out, str):
                head, final = fork_into_postgres(parent, at_block, out, loaded)
            else:
                head, final = fork_with_whatif(parent, at_block, out, loaded, force=force)
    result = {
        "fork_seq": head.seq,
        "fork_hash": head.hash,
        "head_seq": final.seq,
        "head_hash": final.hash,
    }
    if as_json:
        echo_json(result)
        return
    click.echo(
        f"forked {path} at block {at_block} (seq {head.seq}, hash {head.hash}) into "
        f"{describe_target(out)}; head now seq {final.seq}"
    )


@click.command()
@click.argument("log_a", type=LogTarget())
@click.argument("log_b", type=LogTarget())
@click.option("--at-block", type=STORED_INT, required=True)
@click.option("--projection", "names", multiple=True, help="Only this projection (repeatable).")
@json_option
def diff(
    log_a: Path | str, log_b: Path | str, at_block: int, names: tuple[str, ...], as_json: bool
) -> None:
    """Show what differs between two logs' projections at a block.

    Exits 0 when they agree and 1 when they differ, like `diff` and `git diff --exit-code`.

    Example: defi-ledger diff ledger.db whatif.db --at-block 9000 --projection balances
    """
    from replay.fork import diff_logs

    chosen = check_projection_names(names)
    with open_log(log_a) as a, open_log(log_b) as b:
        refuse_past_head(at_block, a.head(), log_a)
        refuse_past_head(at_block, b.head(), log_b)
        diffs = diff_logs(a, b, at_block, chosen)
        units = Units(asset_decimals(a))
    if as_json:
        echo_json([asdict(item) for item in diffs])
    elif not diffs:
        click.echo(f"no differences at block {at_block}")
    for item in [] if as_json else diffs:
        click.echo(f"== {item.projection}.{item.table}")
        for row in item.only_in_a:
            click.echo(f"  - {units.row_text(item.table, row)}")
        for row in item.only_in_b:
            click.echo(f"  + {units.row_text(item.table, row)}")
    if diffs:
        sys.exit(ExitCode.REFUSED)


@click.command()
@click.argument("path", type=LogTarget())
@click.option("--out", type=click.Path(path_type=Path, file_okay=False), required=True)
@click.option("--force", is_flag=True, help="Replace OUT even if it holds files of its own.")
def report(path: Path | str, out: Path, force: bool) -> None:
    """Write SVG charts and an HTML page (index.html) for the log at PATH into OUT.

    The report appears whole or not at all. OUT may be missing, empty or an earlier report,
    which is replaced; a folder holding any other file is refused unless --force.

    Example: defi-ledger report ledger.db --out report/
    """
    refuse_output_over_input({"PATH": path}, {"--out": out})
    from replay.report import write_report

    with open_log(path) as store:
        index = write_report(store, out, force=force)
    click.echo(f"wrote {index}")
