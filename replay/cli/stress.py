"""The `stress` command: a what-if on the books as they stand at a block of a real log."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from ledger.errors import IntegrityError, LedgerError
from ledger.stores import describe_target, is_postgres_url
from replay.cli.common import (
    EXIT_INTEGRITY,
    STORED_INT,
    CliExit,
    ExitCode,
    LogTarget,
    echo_json,
    exit_for,
    json_option,
    open_log,
    refuse_output_over_input,
    refuse_past_head,
    units_option,
)
from replay.cli.options import Folder
from replay.cli.replay import progress_printer
from replay.scenario import ScenarioError
from replay.units import UnitsMode

DEFAULT_PRICES_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "prices"
"""Where the historical crash shapes are read from unless `--prices-dir` or
`$LEDGER_PRICES_DIR` says otherwise (the series are never copied into the project)."""


def prices_dir_default() -> Path:
    return Path(os.environ.get("LEDGER_PRICES_DIR", DEFAULT_PRICES_DIR))


@click.command()
@click.argument("log", type=LogTarget())
@click.option("--at-block", type=STORED_INT, required=True)
@click.option(
    "--scenario",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="A stress file: a price path, actors, changes and agents; no [[setup]]. The path's "
    "last step must fall by 9999-12-31T23:59:59Z, counted from the fork.",
)
@click.option(
    "--out",
    type=LogTarget(),
    help="The stressed log to write: a path, or a postgresql:// URL naming an empty log "
    "(with --paths, the report only).",
)
@click.option(
    "--unstressed-out",
    type=LogTarget(),
    help="The unstressed continuation's log: a path or an empty log's URL (default: OUT with "
    "-unstressed before the suffix; required when OUT is a URL).",
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write stress.json, positions.parquet and summary.parquet here (with --paths: "
    "stress-paths.json and paths.parquet). A folder holding other files is refused; an earlier "
    "stress report is replaced whole.",
)
@click.option(
    "--prices-dir",
    type=Folder(),
    default=None,
    help="The folder of historical series: a `crash` path is cut from one, a `series` file may "
    "be read from it (default: $LEDGER_PRICES_DIR, or ../shared/data/prices beside the "
    "project; a missing one is exit 4).",
)
@click.option(
    "--paths",
    type=click.IntRange(min=1),
    default=None,
    help="Run K seeded variations, each in memory (1,050 bytes a step, 330 into logs).",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    default=0,
    help="The seed of the variations (with --paths); path k is seeded S + k.",
)
@click.option("--workers", type=click.IntRange(min=1), default=2, help="Processes for --paths.")
@units_option
@json_option
def stress(
    log: Path | str,
    at_block: int,
    scenario: Path,
    out: Path | str | None,
    unstressed_out: Path | str | None,
    report_dir: Path | None,
    prices_dir: Path | None,
    paths: int | None,
    seed: int,
    workers: int,
    units: UnitsMode,
    as_json: bool,
) -> None:
    """Stress the positions in LOG as they stand at a block: fork, run a price path, report.

    LOG is a path or a postgresql:// URL; a URL's records up to the block are first copied
    (every hash kept) into a temporary SQLite file, and the stress runs from that. An OUT URL
    gains the stressed log whole once the stress has run to its end, or nothing.

    Time grows with the steps, --paths and per_step (a progress bar on a terminal); a stress
    whose memory the machine cannot hold is refused before anything is written (README).

    Example: defi-ledger stress ledger.db --at-block 1800 --scenario eth-drop-40.toml --out s.db

    Example: defi-ledger stress ledger.db --at-block 1000 --scenario s.toml --paths 200 --seed 1

    Example: defi-ledger stress postgresql://ledger@db/ledger --at-block 1800 --scenario s.toml
    --out postgresql://ledger@db/stressed --unstressed-out unstressed.db
    """
    refuse_output_over_input({"LOG": log}, {"--out": out, "--unstressed-out": unstressed_out})
    from replay.fork import sqlite_prefix
    from replay.stress_spec import load_stress

    _check_arguments(log, at_block, out, unstressed_out, paths, report_dir)
    prices_dir = prices_dir or prices_dir_default()
    try:
        spec = load_stress(scenario)
        unit = "step" if paths is None else "path"
        with sqlite_prefix(log, at_block) as source, progress_printer("stress", unit) as bar:
            if paths is not None:
                from replay.stress_many import stress_many

                result = stress_many(source, at_block, spec, prices_dir, paths, seed, workers, bar)
            else:
                from replay.stress_log import stress_log_to

                if out is None:
                    raise click.UsageError("give --out NEW (the stressed log), or --paths K")
                result = stress_log_to(source, at_block, spec, out, prices_dir, unstressed_out, bar)
        result["log"] = describe_target(log)
        lines = _report(result, paths is not None, report_dir, units)
    except IntegrityError as error:
        raise CliExit(str(error), EXIT_INTEGRITY) from error
    except (ScenarioError, LedgerError) as error:  # a lost PostgreSQL server is exit 4
        raise exit_for(error, log) or CliExit(str(error), 1) from error
    except OSError as error:
        raise CliExit(f"I/O: {error}", ExitCode.ENVIRONMENT) from error
    except click.ClickException:
        raise
    except Exception as error:  # a driver's fault is exit 4; a bug goes on to the command
        outcome = exit_for(error, log)  # group, which saves its traceback as for every command
        if outcome is None:
            raise
        raise outcome from error
    if as_json:
        echo_json(result)
        return
    for line in lines:
        click.echo(line)


def _check_arguments(
    log: Path | str,
    at_block: int,
    out: Path | str | None,
    unstressed_out: Path | str | None,
    paths: int | None,
    report_dir: Path | None,
) -> None:
    """Refuse what cannot make a stress, before anything is read from LOG or written."""
    if paths is None:
        source = click.get_current_context().get_parameter_source("seed")
        if source is not None and source != click.core.ParameterSource.DEFAULT:
            raise click.UsageError(
                "--seed seeds the variations of --paths K; without --paths the stress runs "
                "once, seeded by the file's own `seed`: give --paths K, or drop --seed"
            )
    if isinstance(log, Path) and not log.is_file():
        raise click.BadParameter(f"no log file at {log}", param_hint="'LOG'")
    if paths is None and is_postgres_url(out) and unstressed_out is None:
        raise click.UsageError("with --out URL, name the unstressed log: --unstressed-out")
    if report_dir is not None:
        from replay.stress_report import check_report_folder

        check_report_folder(report_dir)
    with open_log(log) as store:
        refuse_past_head(at_block, store.head(), log)


def _report(
    result: dict[str, Any], many: bool, report_dir: Path | None, units: UnitsMode
) -> list[str]:
    """Write the report files (with `--report`); the report's lines."""
    from replay import stress_report

    if many:
        from replay.stress_many import render_many

        if report_dir is not None:
            stress_report.write_paths_report(result, report_dir)
        return render_many(result, units)
    if report_dir is not None:
        stress_report.write_report(result, report_dir)
    return stress_report.render(result, units)
