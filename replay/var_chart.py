"""Presentation of a black-swan VaR run: the exceedance table as text and a PNG chart.

Kept apart from `replay.var` so that the simulation imports no plotting code. The chart is
drawn on a bare `Figure` with the Agg canvas: no pyplot, no global backend switch and no
display. It works headless and never touches the state of a caller that uses pyplot.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from replay.var import VarResult
from replay.var_series import loss_exceedance_table

__all__ = ["format_exceedance_table", "write_chart"]

# The ALEX white paper's headline: under 1% chance of a default of 12.5% of collateral value.
_HEADLINE_LOSS = 0.125
_HEADLINE_PROBABILITY = 0.01


def format_exceedance_table(result: VarResult) -> str:
    """Render P(loss >= x) as a fixed-width text table, with the scenario on the first line.

    Args:
        result: A finished run.

    Returns:
        Lines of text without a trailing newline. The 0% row reads P(loss > 0).
    """
    parameters = result.parameters
    lines = [
        f"LTV {parameters.ltv:.0%}, crash -{parameters.crash_size:.0%} at "
        f"{parameters.crash_multiplier:g}x (p = {result.crash_probability:.4%} per hour), "
        f"settled at {parameters.settlement}, "
        f"{parameters.paths} paths x {parameters.horizon_hours} h, seed {parameters.seed}",
        f"{'loss >= x':>10}  {'P':>8}  {'paths':>7}  {'95% Wilson interval':>21}",
    ]
    for row in result.exceedance:
        label = "> 0%" if row.threshold == 0 else f"{row.threshold:.1%}"
        interval = f"[{row.low:.3%}, {row.high:.3%}]"
        lines.append(f"{label:>10}  {row.probability:>8.3%}  {row.count:>7}  {interval:>21}")
    return "\n".join(lines)


def write_chart(result: VarResult, path: Path) -> None:
    """Write a PNG with the loss histogram of defaulted paths and the exceedance curve.

    Args:
        result: A finished run.
        path: Where to write the PNG; its parent directory must exist.
    """
    figure = Figure(figsize=(11, 4.5), layout="constrained")
    FigureCanvasAgg(figure)
    histogram, curve = figure.subplots(1, 2)
    losses_percent = np.sort(result.losses) * 100
    defaulted = losses_percent[losses_percent > 0]
    if defaulted.size:
        histogram.hist(defaulted, bins=40, color="tab:red")
    else:
        histogram.text(0.5, 0.5, "no defaults", ha="center", va="center")
    histogram.set(
        title=f"{defaulted.size} defaults in {losses_percent.size} paths",
        xlabel="default loss, % of collateral",
        ylabel="paths",
    )
    ceiling = max(float(losses_percent[-1]) if losses_percent.size else 0.0, 30.0)
    grid = np.linspace(0.0, ceiling, 601)
    rows = loss_exceedance_table(result.losses, [float(x) for x in grid / 100])
    probability = np.array([row.probability for row in rows])
    floor = 1 / max(losses_percent.size, 1)  # zero is drawn on the bottom edge of the log axis
    curve.step(grid, np.maximum(probability, floor / 2), where="post", color="tab:blue")
    table_x = [row.threshold * 100 for row in result.exceedance]
    table_y = [max(row.probability, floor / 2) for row in result.exceedance]
    curve.plot(table_x, table_y, "o", color="tab:blue", label="table thresholds")
    curve.axvline(_HEADLINE_LOSS * 100, color="grey", linestyle="--", label="12.5% loss")
    curve.axhline(_HEADLINE_PROBABILITY, color="grey", linestyle=":", label="1% (white paper)")
    curve.set_yscale("log")
    curve.set_ylim(floor / 2, 1.0)
    curve.set(
        xlabel="loss x, % of collateral",
        ylabel="P(loss >= x); at 0: P(loss > 0)",
        title="exceedance",
    )
    curve.legend(loc="upper right")
    parameters = result.parameters
    figure.suptitle(
        f"CRP black-swan VaR: LTV {parameters.ltv:.0%}, -{parameters.crash_size:.0%} hourly "
        f"crashes at {parameters.crash_multiplier:g}x, seed {parameters.seed}"
    )
    figure.savefig(path, format="png", dpi=100)
