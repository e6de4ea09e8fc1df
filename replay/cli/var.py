"""CLI: the black-swan VaR of a collateral rebalancing pool over a real price series."""

from __future__ import annotations

from pathlib import Path

import click
from pydantic import ValidationError

from replay.cli.common import CliExit, echo_json, json_option


@click.command()
@click.option(
    "--series",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    help="CSV of timestamp,open,high,low,close (hourly); a missing file is exit 4.",
)
@click.option(
    "--ltv", type=float, default=0.75, show_default=True, help="Initial loan-to-value of the pool."
)
@click.option(
    "--crash-multiplier",
    type=float,
    default=100.0,
    show_default=True,
    help="How many times the series' own frequency of -20% hours to inject.",
)
@click.option("--paths", type=click.IntRange(min=1), default=10_000, show_default=True)
@click.option("--horizon-hours", type=click.IntRange(min=1), default=2160, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--invert",
    is_flag=True,
    help="The loan is the series' base asset (e.g. WBTC lent against USDA).",
)
@click.option(
    "--chart",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("var.png"),
    show_default=True,
    help="Where to write the chart.",
)
@json_option
def var(
    series: Path,
    ltv: float,
    crash_multiplier: float,
    paths: int,
    horizon_hours: int,
    seed: int,
    invert: bool,
    chart: Path,
    as_json: bool,
) -> None:
    """Default-loss distribution of a CRP under bootstrapped returns with injected crashes.

    Prints P(loss >= x) as a share of collateral and writes a chart. Seeded: the same
    arguments give the same table. The model is described in docs/var.md.

    Example: defi-ledger var --series prices.csv --ltv 0.75 --crash-multiplier 100 --paths 10000
    """
    from replay.var import VarParameters, run_var
    from replay.var_chart import format_exceedance_table, write_chart
    from replay.var_series import load_log_returns

    try:
        parameters = VarParameters(
            ltv=ltv,
            crash_multiplier=crash_multiplier,
            paths=paths,
            horizon_hours=horizon_hours,
            seed=seed,
        )
    except ValidationError as error:
        raise click.BadParameter(str(error)) from error
    try:
        returns = load_log_returns(series, invert=invert)
    except (ValueError, KeyError) as error:
        raise CliExit(f"{series}: not a usable price series: {error}", 1) from error
    result = run_var(returns, parameters)
    write_chart(result, chart)
    if as_json:
        echo_json(
            {
                "seed": seed,
                "series": str(series),
                "chart": str(chart),
                "exceedance": [
                    {"loss_at_least": x, "probability": p} for x, p in result.exceedance
                ],
            }
        )
        return
    click.echo(f"seed {seed}; {paths} paths x {horizon_hours} h; series {series}")
    click.echo(format_exceedance_table(result))
    click.echo(f"chart written to {chart}")
