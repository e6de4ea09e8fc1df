"""The `stress` command: a what-if on the books as they stand at a block of a real log."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ledger.errors import IntegrityError, LedgerError
from replay.cli.common import (
    EXIT_INTEGRITY,
    CliExit,
    SqliteFile,
    echo_json,
    json_option,
    units_option,
)
from replay.scenario import ScenarioError
from replay.units import UnitsMode

DEFAULT_PRICES_DIR = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "prices"
"""Where the historical crash shapes are read from unless `--prices-dir` or
`$LEDGER_PRICES_DIR` says otherwise (the series are never copied into the project)."""

EXIT_IO = 4
EXIT_INTERNAL = 5


def prices_dir_default() -> Path:
    return Path(os.environ.get("LEDGER_PRICES_DIR", DEFAULT_PRICES_DIR))


@click.command()
@click.argument("log", type=SqliteFile())
@click.option("--at-block", type=click.IntRange(min=0), required=True)
@click.option(
    "--scenario",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="A stress file: a price path, actors, changes and agents; no [[setup]].",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The stressed log to write (one path; with --paths, the report only).",
)
@click.option(
    "--unstressed-out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The unstressed continuation's log (default: OUT with -unstressed before the suffix).",
)
@click.option(
    "--report",
    "report_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Write stress.json, positions.parquet and summary.parquet here (with --paths: "
    "stress-paths.json and paths.parquet).",
)
@click.option("--prices-dir", type=click.Path(path_type=Path, file_okay=False), default=None)
@click.option("--paths", type=click.IntRange(min=1), default=None, help="Run K seeded variations.")
@click.option("--seed", type=int, default=0, help="The seed of the variations (with --paths).")
@click.option("--workers", type=click.IntRange(min=1), default=2, help="Processes for --paths.")
@units_option
@json_option
def stress(
    log: Path,
    at_block: int,
    scenario: Path,
    out: Path | None,
    unstressed_out: Path | None,
    report_dir: Path | None,
    prices_dir: Path | None,
    paths: int | None,
    seed: int,
    workers: int,
    units: UnitsMode,
    as_json: bool,
) -> None:
    """Stress the positions in LOG as they stand at a block: fork, run a price path, report.

    Example: defi-ledger stress ledger.db --at-block 1800 --scenario eth-drop-40.toml --out s.db

    Example: defi-ledger stress ledger.db --at-block 1000 --scenario s.toml --paths 200 --seed 1
    """
    from replay.stress_spec import load_stress

    prices_dir = prices_dir or prices_dir_default()
    try:
        spec = load_stress(scenario)
        if paths is not None:
            from replay.stress_many import render_many, stress_many

            result = stress_many(log, at_block, spec, prices_dir, paths, seed, workers)
            if report_dir is not None:
                from replay.stress_report import write_paths_report

                write_paths_report(result, report_dir)
            lines = render_many(result, units)
        else:
            if out is None:
                raise click.UsageError("give --out NEW (the stressed log), or --paths K")
            from replay.stress_log import stress_log
            from replay.stress_report import render, write_report

            result = stress_log(log, at_block, spec, out, prices_dir, unstressed_out)
            if report_dir is not None:
                write_report(result, report_dir)
            lines = render(result, units)
    except IntegrityError as error:
        raise CliExit(str(error), EXIT_INTEGRITY) from error
    except (ScenarioError, LedgerError) as error:
        raise CliExit(str(error), 1) from error
    except OSError as error:
        raise CliExit(f"I/O: {error}", EXIT_IO) from error
    except click.ClickException:
        raise
    except Exception as error:  # a bug: say so with an exit code, not a traceback
        raise CliExit(f"internal error: {type(error).__name__}: {error}", EXIT_INTERNAL) from error
    if as_json:
        echo_json(result)
        return
    for line in lines:
        click.echo(line)
