"""CLI: the black-swan VaR of a collateral rebalancing pool over a real price series.

With flags it runs the white paper's scenario (or any variation); with `--db LOG --at-block N`
it takes each CRP's loan, the TVL and the fee income from the books at that block
(`replay.var_books.inputs_at_block`). The printing lives in `replay.var_study`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from pydantic import ValidationError

from replay.cli.common import (
    STORED_INT,
    CliExit,
    LogTarget,
    echo_json,
    json_option,
    open_log,
    refuse_output_over_input,
    refuse_past_head,
)
from replay.cli.options import Finite
from replay.cli.projections import progress_bar

_SCENARIO_FLAGS = (
    *("ltv", "crash_multiplier", "crash_size", "calibration", "settlement"),
    *("slippage_depth", "paths", "horizon_hours", "seed"),
)
"""The flags that are `VarParameters` fields, by the same names."""

FEWER = "give fewer --paths or --horizon-hours"


def _size_option(name: str, default: int, help_text: str) -> Any:
    """A size of the run: an int from 1 with no fixed limit (memory bounds it: `var_memory`)."""
    return click.option(
        name, type=click.IntRange(min=1), default=default, show_default=True, help=help_text
    )


_OPTIONS = [
    click.option(
        "--series",
        type=click.Path(path_type=Path, dir_okay=False),
        required=True,
        help="CSV of timestamp,open,high,low,close (hourly); a missing file is exit 4.",
    ),
    click.option("--ltv", type=Finite(), default=0.75, show_default=True, help="Initial LTV."),
    click.option(
        "--crash-multiplier",
        type=Finite(),
        default=100.0,
        show_default=True,
        help="Crashes come at this many times the base frequency (see --calibration).",
    ),
    click.option("--crash-size", type=Finite(), default=0.20, show_default=True),
    click.option(
        "--calibration",
        type=click.Choice(["band", "tail"]),
        default="band",
        show_default=True,
        help="Base frequency: the white paper's -10%..-18% hours, or hours at/below the crash.",
    ),
    click.option(
        "--settlement",
        type=click.Choice(["expiry", "first-breach"]),
        default="expiry",
        show_default=True,
        help="Read the loss at expiry (the contract) or at the first breach.",
    ),
    click.option(
        "--slippage-depth",
        type=Finite(),
        default=None,
        help="D of the impact X^2/(D+X) on each rebalancing trade (default: none).",
    ),
    _size_option("--paths", 10_000, "Loans simulated (24 bytes each; see --horizon-hours)."),
    _size_option(
        "--horizon-hours",
        2160,
        "Loan term (92 bytes an hour). A run whose arrays need more memory than the machine "
        "has available is a usage error.",
    ),
    click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True),
    click.option("--invert", is_flag=True, help="The loan is the series' base asset."),
    click.option(
        "--sensitivity/--no-sensitivity", default=True, help="Print the sensitivity table."
    ),
    click.option(
        "--pool-share",
        type=Finite(min=0, max=1),
        default=0.3125,
        show_default=True,
        help="Case study: the CRP's share of TVL (the white paper's 31.25%).",
    ),
    click.option(
        "--monthly-fees",
        type=Finite(min=0),
        default=0.0125,
        show_default=True,
        help="Case study: fee income a month as a share of TVL (the white paper's 1.25%).",
    ),
    click.option(
        "--db",
        type=LogTarget(),
        default=None,
        help="The log whose books give the loans (an SQLite file or a postgresql:// URL).",
    ),
    click.option("--at-block", type=STORED_INT, default=None),
    click.option(
        "--chart",
        type=click.Path(path_type=Path, dir_okay=False),
        default=Path("var.svg"),
        show_default=True,
        callback=lambda _context, _parameter, path: _svg_path(path),
        help="Where to write the chart, an SVG file (the name ends in .svg).",
    ),
]
"""The flags of `var`, in the order `--help` lists them."""


def _svg_path(path: Path) -> Path:
    if path.suffix.lower() != ".svg":
        raise click.BadParameter(f"{path}: the chart is an SVG file; give a name ending in .svg")
    return path


def _options(function: Any) -> Any:
    """Apply `_OPTIONS`, kept apart so that the command body stays readable."""
    for option in reversed(_OPTIONS):
        function = option(function)
    return function


@click.command()
@_options
@json_option
def var(as_json: bool, **flags: Any) -> None:
    """Default-loss distribution of a CRP: the white paper's VaR, beside the contract's rule.

    Bootstraps hourly returns from the series, adds crashes at k times the series' frequency of
    -10%..-18% hours (the white paper's calibration), runs the pool's hourly rebalancing and
    settles at expiry. Prints the crash rate used, P(loss >= x) with 95% Wilson intervals, a
    sensitivity table and the fees-versus-losses case study; writes a chart. With --db LOG
    --at-block N the loans, TVL and fee income come from the books. Seeded. See docs/var.md.

    Time grows with paths x hours (a progress bar on a terminal); a run the machine cannot
    hold is refused before it starts, naming the memory it needs and what there is.

    Example: defi-ledger var --series prices.csv --ltv 0.75 --crash-multiplier 100
    """
    from replay.var import VarParameters
    from replay.var_memory import memory_refusal
    from replay.var_series import load_log_returns
    from replay.var_study import FeeCase

    if (flags["db"] is None) != (flags["at_block"] is None):
        raise click.UsageError("--db and --at-block go together")
    refuse_output_over_input(
        {"--db": flags["db"], "--series": flags["series"]}, {"--chart": flags["chart"]}
    )
    try:
        base = VarParameters(**{name: flags[name] for name in _SCENARIO_FLAGS})
        fee_case = FeeCase(flags["pool_share"], flags["monthly_fees"], "white paper")
    except ValidationError as error:
        raise click.BadParameter(str(error)) from error
    refusal = memory_refusal(base) if flags["db"] is None else None
    if refusal is not None:
        raise click.UsageError(f"--paths x --horizon-hours: {refusal}; {FEWER}")
    series: Path = flags["series"]
    try:
        returns = load_log_returns(series, invert=flags["invert"])
    except (ValueError, KeyError) as error:
        raise CliExit(f"{series}: not a usable price series: {error}", 1) from error
    if flags["db"] is None:
        runs = [("white-paper scenario" if not flags["invert"] else "scenario", base, fee_case)]
    else:
        runs = _book_runs(flags["db"], flags["at_block"], base)
    report = _run_all(returns, runs, flags["sensitivity"], flags["chart"])
    if as_json:
        echo_json({"seed": base.seed, "series": str(series), "runs": report})
        return
    click.echo(f"series {series}: {returns.size:,} hourly returns; seed {base.seed}")
    for entry in report:
        click.echo("\n" + entry["text"])
    click.echo(f"\nchart written to {flags['chart']}")


def _book_runs(db: Path | str, block: int, base: Any) -> list[tuple[str, Any, Any]]:
    """One run per CRP at the block, its parameters and case study from the books."""
    from replay.var_books import NoCollateralPool, inputs_at_block, pool_parameters
    from replay.var_memory import memory_refusal

    with open_log(db) as store:
        refuse_past_head(block, store.head(), db)
        try:
            inputs = inputs_at_block(store, block)
        except NoCollateralPool as error:
            raise CliExit(f"{db}: {error}; var --at-block needs a CRP to put at risk", 1) from error
    runs = []
    for pool in inputs.pools:
        parameters = pool_parameters(pool, base)
        refusal = memory_refusal(parameters)
        if refusal is not None:
            raise CliExit(
                f"pool {pool.pool_id} at block {block}, {pool.horizon_hours:,} hours to expiry: "
                f"{refusal}; give fewer --paths, or a block nearer the expiry",
                1,
            )
        title = (
            f"pool {pool.pool_id} at block {block}: {pool.token} borrowed against "
            f"{pool.collateral}, LTV {pool.ltv:.2%}, conversion {pool.conversion_ltv:.0%}, weight "
            f"{pool.weight:.2%}, {pool.horizon_hours} h to expiry, value {pool.value_quote:,.2f}"
            f"\nbooks: TVL {inputs.tvl_quote:,.2f}; swap fees to the reserve "
            f"{inputs.fees_window_quote:,.2f} over {inputs.fees_window_blocks} blocks"
            + (f"; unpriced, left out: {', '.join(inputs.unpriced)}" if inputs.unpriced else "")
            + (f"; skipped: {'; '.join(inputs.skipped)}" if inputs.skipped else "")
        )
        runs.append((title, parameters, inputs.fee_case(pool)))
    return runs


def _run_all(
    returns: Any, runs: list[tuple[str, Any, Any]], sensitivity: bool, chart: Path
) -> list[dict[str, Any]]:
    """Run each scenario; the first (the largest pool) also gets the table and the chart."""
    from replay.var import run_var
    from replay.var_chart import format_exceedance_table, write_chart
    from replay.var_study import (
        fees_versus_losses,
        format_calibration,
        format_fee_case,
        format_headline,
        format_sensitivity,
        sensitivity_table,
    )

    with progress_bar(_path_hours(runs, sensitivity), "var", "path-hours", unit_scale=True) as bar:
        report = []
        for index, (title, parameters, fee_case) in enumerate(runs):
            result = run_var(returns, parameters, progress=bar)
            fees = fees_versus_losses(result.losses, fee_case)
            parts = [title, format_calibration(result, returns.size)]
            parts += [format_exceedance_table(result), format_headline(result)]
            parts.append(format_fee_case(fees, fee_case))
            study = sensitivity and index == 0
            rows = sensitivity_table(returns, parameters, progress=bar) if study else []
            if rows:
                parts.append("sensitivity (one input moved at a time, same seed):")
                parts.append(format_sensitivity(rows))
            if index == 0:
                write_chart(result, chart)
            report.append(
                {
                    "title": title,
                    "text": "\n".join(parts),
                    "base_frequency": result.base_frequency,
                    "crash_probability_per_hour": result.crash_probability,
                    "parameters": parameters.model_dump(),
                    "exceedance": [vars(row) for row in result.exceedance],
                    "fees_versus_losses": [_fee_json(row) for row in fees],
                    "sensitivity": [_sensitivity_json(row) for row in rows],
                }
            )
        return report


def _path_hours(runs: list[tuple[str, Any, Any]], sensitivity: bool) -> int:
    """The path-hours every run will simulate, the sensitivity table's included."""
    from replay.var_study import sensitivity_runs

    total = sum(parameters.paths * parameters.horizon_hours for _, parameters, _ in runs)
    if sensitivity and runs:
        first = runs[0][1]
        total += len(sensitivity_runs(first)) * first.paths * first.horizon_hours
    return int(total)


def _fee_json(row: Any) -> dict[str, Any]:
    """A fee row; months of fees is null when there is no fee income to divide by."""
    months = row.months_of_fees
    return {**vars(row), "months_of_fees": None if months == float("inf") else months}


def _sensitivity_json(row: Any) -> dict[str, Any]:
    return {
        "factor": row.factor,
        "setting": row.setting,
        "crash_probability_per_hour": row.crash_probability,
        "default": vars(row.default),
        "headline": vars(row.headline),
        "mean_loss": row.mean_loss,
    }
