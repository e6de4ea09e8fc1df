"""The ALEX white paper's VaR study beside our runs: its figures, a sensitivity table, fees.

The white paper (ALEXnomics, "ALEX reserve pool risk management") calibrates on the hourly
frequency of -10%..-18% falls (0.017%), injects -20% crashes at up to about 100 times that,
and states that at an initial LTV of 75% a default of 12.5% of collateral value has a
probability under 1%. Its case study puts the collateral pool at 31.25% of TVL and monthly fee
income at 1.25% of TVL, and finds the losses worth about three months of fees. This module
holds those figures, varies one input at a time around a base run (`sensitivity_table`), and
turns a loss distribution into months of fee income (`fees_versus_losses`). Every row of the
sensitivity table reuses the base run's seed, so rows differ only in the input they name
(common random numbers). docs/var.md has the results.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import ValidationError

from replay.var import Progress, VarParameters, VarResult, run_var
from replay.var_series import Exceedance, FloatArray, loss_exceedance_table

__all__ = [
    "SENSITIVITY",
    "WHITE_PAPER",
    "FeeCase",
    "FeeRow",
    "SensitivityRow",
    "WhitePaper",
    "fees_versus_losses",
    "format_calibration",
    "format_fee_case",
    "format_headline",
    "format_sensitivity",
    "sensitivity_runs",
    "sensitivity_table",
]


@dataclass(frozen=True)
class WhitePaper:
    """The figures the white paper states, as shares (0.017% is 0.00017)."""

    band: tuple[float, float] = (0.10, 0.18)
    band_frequency: float = 0.00017
    crash_multiplier: float = 100.0
    crash_size: float = 0.20
    ltv: float = 0.75
    headline_loss: float = 0.125
    headline_probability: float = 0.01
    pool_share_of_tvl: float = 0.3125
    monthly_fees_share_of_tvl: float = 0.0125
    months_of_fees: float = 3.0


WHITE_PAPER = WhitePaper()

SENSITIVITY: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("multiplier", "1x", {"crash_multiplier": 1.0}),
    ("multiplier", "10x", {"crash_multiplier": 10.0}),
    ("multiplier", "30x", {"crash_multiplier": 30.0}),
    ("multiplier", "50x", {"crash_multiplier": 50.0}),
    ("multiplier", "300x", {"crash_multiplier": 300.0}),
    ("ltv", "60%", {"ltv": 0.60}),
    ("ltv", "70%", {"ltv": 0.70}),
    ("ltv", "80%", {"ltv": 0.80}),
    ("ltv", "85%", {"ltv": 0.85}),
    ("crash size", "-15%", {"crash_size": 0.15}),
    ("crash size", "-25%", {"crash_size": 0.25}),
    ("crash size", "-30%", {"crash_size": 0.30}),
    ("settlement", "first-breach", {"settlement": "first-breach"}),
    ("settlement", "expiry", {"settlement": "expiry"}),
    ("slippage", "D = 10", {"slippage_depth": 10.0}),
    ("slippage", "D = 3", {"slippage_depth": 3.0}),
    ("slippage", "D = 1", {"slippage_depth": 1.0}),
    ("calibration", "tail (<= crash)", {"calibration": "tail"}),
    ("converted w", "1% (contract 5%)", {"conversion_weight": 0.01}),
    ("converted w", "0%", {"conversion_weight": 0.0}),
)
"""(factor, setting, changes to the base run): one input moved at a time."""


@dataclass(frozen=True)
class SensitivityRow:
    """One run of the sensitivity table."""

    factor: str
    setting: str
    parameters: VarParameters
    crash_probability: float
    default: Exceedance
    """P(loss > 0)."""
    headline: Exceedance
    """P(loss >= the headline loss)."""
    mean_loss: float


def sensitivity_runs(
    base: VarParameters, variations: Sequence[tuple[str, str, dict[str, Any]]] = SENSITIVITY
) -> list[tuple[str, str, VarParameters]]:
    """The base run, then each variation of it, with the same seed and paths.

    A variation the parameters refuse (an LTV at or above the conversion LTV) is left out;
    one that equals the base is left out too, since it would repeat the base row.
    """
    runs = [("base", "as run", base)]
    for factor, setting, changes in variations:
        try:
            parameters = VarParameters.model_validate({**base.model_dump(), **changes})
        except ValidationError:
            continue
        if parameters != base:
            runs.append((factor, setting, parameters))
    return runs


def sensitivity_table(
    returns: FloatArray,
    base: VarParameters,
    *,
    headline_loss: float = WHITE_PAPER.headline_loss,
    variations: Sequence[tuple[str, str, dict[str, Any]]] = SENSITIVITY,
    progress: Progress | None = None,
) -> list[SensitivityRow]:
    """A row for each of `sensitivity_runs` (`progress` is told each run's path-hours)."""
    return [
        _row(factor, setting, returns, parameters, headline_loss, progress)
        for factor, setting, parameters in sensitivity_runs(base, variations)
    ]


def _row(
    factor: str,
    setting: str,
    returns: FloatArray,
    parameters: VarParameters,
    loss: float,
    progress: Progress | None,
) -> SensitivityRow:
    result = run_var(returns, parameters, thresholds=(0.0, loss), progress=progress)
    default, headline = result.exceedance
    return SensitivityRow(
        factor=factor,
        setting=setting,
        parameters=parameters,
        crash_probability=result.crash_probability,
        default=default,
        headline=headline,
        mean_loss=float(result.losses.mean()),
    )


def format_sensitivity(rows: Sequence[SensitivityRow]) -> str:
    """The sensitivity table as fixed-width text: one line per run, intervals at 95% (Wilson)."""
    loss = rows[0].headline.threshold if rows else WHITE_PAPER.headline_loss
    header = (
        f"{'factor':<12} {'setting':<16} {'crash p/h':>9}  {'P(loss > 0)':>11}  "
        f"{f'P(loss >= {loss:.1%})':>17} {'95% interval':>21}  {'mean loss':>9}"
    )
    lines = [header]
    for row in rows:
        interval = f"[{row.headline.low:.3%}, {row.headline.high:.3%}]"
        lines.append(
            f"{row.factor:<12} {row.setting:<16} {row.crash_probability:>9.4%}  "
            f"{row.default.probability:>11.2%}  {row.headline.probability:>17.2%} "
            f"{interval:>21}  {row.mean_loss:>9.2%}"
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class FeeCase:
    """The case study's inputs: the CRP's share of TVL and fee income a month, as TVL shares."""

    pool_share_of_tvl: float = WHITE_PAPER.pool_share_of_tvl
    monthly_fees_share_of_tvl: float = WHITE_PAPER.monthly_fees_share_of_tvl
    source: str = "white paper"


@dataclass(frozen=True)
class FeeRow:
    """One loss measure, as a share of collateral, of TVL and in months of fee income."""

    measure: str
    loss_of_collateral: float
    loss_of_tvl: float
    months_of_fees: float


def fees_versus_losses(losses: FloatArray, case: FeeCase) -> list[FeeRow]:
    """Losses over one loan term in months of the platform's fee income.

    months = loss (share of collateral) x pool share of TVL / monthly fees (share of TVL). The
    white paper's "about three months" follows from its own headline: 12.5% x 31.25% / 1.25%
    = 3.125 months (its appendix is not in the text we have; this reading is ours). The run's
    rows put the simulated mean loss and the 99% and 99.9% quantiles (VaR) in its place.
    """
    measures = [
        ("white paper: 12.5% default", WHITE_PAPER.headline_loss),
        ("mean loss", float(losses.mean()) if losses.size else 0.0),
        ("VaR 99%", float(np.quantile(losses, 0.99)) if losses.size else 0.0),
        ("VaR 99.9%", float(np.quantile(losses, 0.999)) if losses.size else 0.0),
    ]
    rows = []
    for measure, loss in measures:
        of_tvl = loss * case.pool_share_of_tvl
        fees = case.monthly_fees_share_of_tvl
        months = of_tvl / fees if fees > 0 else (math.inf if of_tvl else 0.0)
        rows.append(FeeRow(measure, loss, of_tvl, months))
    return rows


def format_fee_case(rows: Sequence[FeeRow], case: FeeCase) -> str:
    """The fees-versus-losses table as fixed-width text."""
    lines = [
        f"fees versus losses ({case.source}): pool {case.pool_share_of_tvl:.2%} of TVL, "
        f"fees {case.monthly_fees_share_of_tvl:.3%} of TVL a month",
        f"{'measure':<28} {'of collateral':>13} {'of TVL':>8} {'months of fees':>15}",
    ]
    for row in rows:
        months = "no fees" if math.isinf(row.months_of_fees) else f"{row.months_of_fees:.2f}"
        lines.append(
            f"{row.measure:<28} {row.loss_of_collateral:>13.2%} {row.loss_of_tvl:>8.2%} "
            f"{months:>15}"
        )
    return "\n".join(lines)


def format_calibration(result: VarResult, series_hours: int) -> str:
    """Which base frequency the run measured, the crash rate it used, and the paper's figure."""
    parameters = result.parameters
    if parameters.calibration == "band":
        measured = (
            f"measured: hours falling {parameters.band_smallest_fall:.0%}.."
            f"{parameters.band_largest_fall:.0%}: {round(result.base_frequency * series_hours)} "
            f"of {series_hours:,} = {result.base_frequency:.4%} per hour "
            f"(white paper: {WHITE_PAPER.band_frequency:.3%})"
        )
    else:
        measured = (
            f"measured (tail calibration, not the white paper's): hours at or below "
            f"-{parameters.crash_size:.0%}: {result.base_frequency:.5%} per hour"
        )
    expected = result.crash_probability * parameters.horizon_hours
    used = (
        f"crash rate used: {parameters.crash_multiplier:g} x {result.base_frequency:.4%} = "
        f"{result.crash_probability:.4%} per hour of a -{parameters.crash_size:.0%} crash "
        f"(about {expected:.1f} per {parameters.horizon_hours}-hour path)"
    )
    return f"{measured}\n{used}"


def format_headline(result: VarResult, loss: float = WHITE_PAPER.headline_loss) -> str:
    """P(loss >= the headline loss) with its interval, beside the white paper's "< 1%"."""
    (row,) = loss_exceedance_table(result.losses, (loss,))
    bound = WHITE_PAPER.headline_probability
    if row.low >= bound:
        verdict = f"disagrees with the white paper's < {bound:.0%}"
    elif row.high < bound:
        verdict = f"agrees with the white paper's < {bound:.0%}"
    else:
        verdict = f"cannot tell against the white paper's {bound:.0%} at this many paths"
    return (
        f"P(loss >= {loss:.1%} of collateral) = {row.probability:.3%}, 95% Wilson interval "
        f"[{row.low:.3%}, {row.high:.3%}], {row.count} of {row.paths} paths "
        f"(settled at {result.parameters.settlement}): {verdict}"
    )
