"""Black-swan VaR of an ALEX collateral rebalancing pool (CRP): a seeded, vectorised Monte Carlo.

The ALEX risk framework asks what a lender loses when a pool that rebalances only at hour
boundaries meets a crash inside an hour. Analytics: numpy floats, no ledger state. Every knob
is a `VarParameters` field; docs/var.md has the long form and the results.

* Units. Spot is the collateral's price in the loan asset, the series' close (`invert=True`
  when the loan is the series' base asset, as in ALEX's WBTC-against-USDA pools). At t=0 spot
  and collateral are 1 and debt is `ltv` in loan units: no rates, fees or slippage.
* Returns. Hourly log returns are bootstrapped i.i.d. from the series. Each path-hour is, with
  probability min(crash_multiplier * f, 1), a crash of -crash_size (simple return). As in the
  ALEX white paper, f is the series' share of hours that fell between 10% and 18% (its
  "0.017%"); `calibration="tail"` takes the share at or below the crash instead.
* Pool. It starts at weight w0 in collateral (the risky leg), the rest in the loan asset, and
  moves within an hour at the weight set at the hour's start: V <- V * (1 + w * r). A crash
  hits the pre-crash weight; that gap makes default loss. At each boundary it rebalances by the
  contract's rule (protocol-math 2.6): w = conversion_weight once debt / V >= conversion_ltv;
  else w = min(MA * w_prev + (1 - MA) * target, weight_cap) with target N(d1) if spot > strike
  else 1 - N(d1), d1 = (t sigma^2 / 2 + |spot / strike - 1|) / (sigma sqrt(t)), t in years of
  8,760 hours, N from the contract's erf, strike = spot0 * (m * ltv + 1 - m); over the last
  `blend_hours` the target blends toward 1 - debt / V.
* Why the contract's rule rather than a simpler delta: its erf (Abramowitz-Stegun 7.1.27) is a
  quartic, cheaper to vectorise than a normal CDF, and its quirks (|q - 1| for ln q, the cap,
  the conversion floor) are what the deployed pool does. Simplified: the oracle is the close,
  arbitrage brings the pool to target once an hour, time runs in hours rather than blocks.
* Slippage. With `slippage_depth` D, each rebalancing trade of value X (from the weight the
  hour drifted to, to the new weight) loses X^2 / (D + X): selling X into a constant-product
  pool holding D of the bought side, which arbitrage restores to the oracle each hour.
* Default. The contract settles at expiry, so by default the loss is debt - V read then.
  `settlement="first-breach"` settles at the first hour ending with V < debt and freezes the
  path; with the 95% cap and conversion at 90% that bounds a loss at
  ltv - (ltv / conversion_ltv)(1 - 0.95 s) for a worst hour -s (7.5% at -20%), a bound the
  model would impose on the answer, so it is a named alternative and not the default.
  Losses are shares of initial collateral value.
* Series. Reading the price series, its volatility and crash frequency, and the exceedance
  table of the losses live in `replay.var_series`; this module is the simulation.

Determinism: chunk i of `chunk_paths` paths uses child i of `SeedSequence(seed)`, whose two
children drive the bootstrap (24 hours x chunk per draw) and one uniform mark per path-hour
(an hour crashes when its mark is below p): seed and parameters fix every draw, whatever the
thread count, and runs that differ only in p share their marks, so a higher p crashes a
superset of the hours (common random numbers).
Speed: the hour loop runs over chunk-wide vectors and the weight formula over 24-hour blocks,
in float32 (a control variable: losses move by < 1e-7); pool values stay float64.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, model_validator

from replay.var_series import (
    DEFAULT_THRESHOLDS,
    HOURS_PER_YEAR,
    Calibration,
    Exceedance,
    FloatArray,
    crash_probability_per_hour,
    historical_volatility_annual,
    loss_exceedance_table,
)
from replay.var_weights import contract_erf, horner_coefficients, target_weights

__all__ = [
    "Progress",
    "VarParameters",
    "VarResult",
    "draw_hourly_returns",
    "run_var",
    "simulate_default_losses",
    "simulate_pool_values",
    "threads_used",
]

# Hours drawn and priced per numpy call: enough to amortise Python overhead, few enough that a
# block stays in cache (about 1 MB per float64 array at 5,000 paths). Part of the seed contract.
_BLOCK_HOURS = 24

Progress = Callable[[int], None]
"""Told the path-hours each 24-hour block of a chunk has just simulated."""


class VarParameters(BaseModel):
    """One black-swan VaR scenario: the loan, the crash stress, the CRP rule and the sampling."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    ltv: float = Field(default=0.75, gt=0, lt=1)
    """Initial loan-to-value: debt over collateral value at t=0."""
    crash_multiplier: float = Field(default=100.0, ge=0)
    """k: crashes come at k times the base hourly frequency (0 turns them off)."""
    calibration: Calibration = "band"
    """The base frequency: "band" (the white paper's -10%..-18% hours) or "tail"."""
    band_smallest_fall: float = Field(default=0.10, gt=0, lt=1)
    """The band's mildest fall (0.10 is -10%)."""
    band_largest_fall: float = Field(default=0.18, gt=0, lt=1)
    """The band's deepest fall (0.18 is -18%)."""
    crash_size: float = Field(default=0.20, gt=0, lt=1)
    """The injected hourly crash as a fall in spot (0.20 is -20%)."""
    paths: int = Field(default=10_000, ge=1)
    """Number of simulated loans."""
    horizon_hours: int = Field(default=2160, ge=1)
    """Loan term in hours (2,160 is 90 days)."""
    seed: int = Field(default=0, ge=0)
    """Root of every random draw: the same seed and parameters give the same losses."""
    conversion_ltv: float = Field(default=0.90, gt=0, lt=1)
    """LTV at which the pool flies to quality (the write-up's 90%)."""
    volatility_annual: float | None = Field(default=None, gt=0)
    """sigma of the weight rule (bs_vol); None takes the series' realised volatility."""
    moving_average: float = Field(default=0.0, ge=0, lt=1)
    """Share of the previous weight kept at each rebalance (the contract's moving_average)."""
    weight_cap: float = Field(default=0.95, gt=0, le=1)
    """Highest collateral weight the rule may set."""
    conversion_weight: float = Field(default=0.05, ge=0, le=1)
    """Collateral weight after flight to quality."""
    strike_multiplier: float = Field(default=0.25, ge=0, le=1)
    """m in strike = spot0 * (m * ltv + 1 - m), as at pool creation."""
    blend_hours: int = Field(default=0, ge=0)
    """Hours before expiry over which the target blends toward 1 - LTV (0: never)."""
    settlement: Literal["expiry", "first-breach"] = "expiry"
    """When the loss is read: at expiry, as the contract settles, or at the first breach."""
    slippage_depth: float | None = Field(default=None, gt=0)
    """D of the impact function X^2 / (D + X), in initial collateral value; None: no slippage."""
    strike_fraction: float | None = Field(default=None, gt=0)
    """Strike over spot at t=0; None derives it from `strike_multiplier` as at creation."""
    initial_weight: float | None = Field(default=None, ge=0, le=1)
    """Collateral weight at t=0 (a live pool's); None computes the creation weight."""
    chunk_paths: int = Field(default=5000, ge=1)
    """Paths per chunk, the memory and threading unit; part of the seed contract."""

    @model_validator(mode="after")
    def _conversion_above_ltv(self) -> VarParameters:
        if self.initial_weight is None and self.conversion_ltv <= self.ltv:
            raise ValueError(
                f"conversion_ltv {self.conversion_ltv} must be above ltv {self.ltv}: "
                "the contract refuses to create a pool that starts converted"
            )
        return self


@dataclass(frozen=True)
class VarResult:
    """Losses of one run and the figures a report quotes with them."""

    parameters: VarParameters
    losses: FloatArray
    """Default loss per path as a share of initial collateral value (0 when solvent)."""
    exceedance: list[Exceedance]
    """Rows of `loss_exceedance_table`: probability, count, paths and Wilson interval."""
    crash_probability: float
    """Per path-hour probability of an injected crash."""
    base_frequency: float
    """The series' hourly frequency the multiplier scaled (the band's, or the tail's)."""
    volatility_annual: float
    """sigma the weight rule used."""
    initial_weight: float
    """Collateral weight at creation."""


@dataclass(frozen=True)
class _PoolModel:
    """Constants of one run, resolved once from the series and the parameters."""

    simple_returns: FloatArray
    crash_probability: float
    base_frequency: float
    volatility_annual: float
    horner: npt.NDArray[np.float32]  # (5, H + 1, 1): coefficients of D in u, per boundary hour
    blend_fraction: FloatArray  # (H + 1,): the contract's t2, capped at 1
    inverse_strike: float
    initial_weight: float


def _resolve_model(returns: FloatArray, parameters: VarParameters) -> _PoolModel:
    if returns.ndim != 1 or returns.size < 2 or not np.all(np.isfinite(returns)):
        raise ValueError("returns must be a 1-d array of at least 2 finite log returns")
    sigma = parameters.volatility_annual or historical_volatility_annual(returns)
    horizon = parameters.horizon_hours
    # Row h prices the rebalance after h hours. Row H (expiry) is never used; it copies row H - 1
    # so that t = 0 does not divide by zero.
    hours_left = np.maximum(horizon - np.arange(horizon + 1), 1).astype(np.float64)
    horner = horner_coefficients(sigma * np.sqrt(hours_left / HOURS_PER_YEAR))
    blend = np.ones(horizon + 1)
    if parameters.blend_hours:
        blend = np.minimum(hours_left / parameters.blend_hours, 1.0)
    multiplier = parameters.strike_multiplier
    strike_fraction = parameters.strike_fraction or multiplier * parameters.ltv + 1 - multiplier
    crash_probability, base_frequency = crash_probability_per_hour(
        returns,
        parameters.crash_multiplier,
        parameters.crash_size,
        calibration=parameters.calibration,
        band=(parameters.band_smallest_fall, parameters.band_largest_fall),
    )
    return _PoolModel(
        simple_returns=np.expm1(returns),
        crash_probability=crash_probability,
        base_frequency=base_frequency,
        volatility_annual=sigma,
        horner=horner,
        blend_fraction=blend,
        inverse_strike=1 / strike_fraction,
        initial_weight=_initial_weight(parameters, sigma, strike_fraction),
    )


def _initial_weight(parameters: VarParameters, sigma: float, strike_fraction: float) -> float:
    """A live pool's weight as given, else the contract's creation weight for this strike."""
    if parameters.initial_weight is not None:
        return parameters.initial_weight
    t0 = parameters.horizon_hours / HOURS_PER_YEAR
    d1_0 = (t0 * sigma**2 / 2 + (1 - strike_fraction)) / (sigma * math.sqrt(t0))
    return min((1 + contract_erf(d1_0 / math.sqrt(2))) / 2, parameters.weight_cap)


def _return_blocks(
    model: _PoolModel, parameters: VarParameters, path_count: int, seed: np.random.SeedSequence
) -> Iterator[FloatArray]:
    """Yield one chunk's simple returns, 24 hours x paths at a time, in one reused buffer."""
    bootstrap_seed, crash_seed = seed.spawn(2)
    bootstrap = np.random.default_rng(bootstrap_seed)
    horizon = parameters.horizon_hours
    marks = np.random.default_rng(crash_seed)
    threshold = np.float32(model.crash_probability)
    buffer = np.empty((_BLOCK_HOURS, path_count))
    mark_buffer = np.empty((_BLOCK_HOURS, path_count), np.float32)
    crashed = np.empty((_BLOCK_HOURS, path_count), np.bool_)
    for start in range(0, horizon, _BLOCK_HOURS):
        rows = min(_BLOCK_HOURS, horizon - start)
        block = buffer[:rows]
        indices = bootstrap.integers(0, model.simple_returns.size, size=block.shape)
        np.take(model.simple_returns, indices, out=block, mode="clip")  # in range: skip checks
        if threshold > 0:  # marks are drawn whatever p is, so runs differing in p share them
            marks.random(dtype=np.float32, out=mark_buffer[:rows])
            np.less(mark_buffer[:rows], threshold, out=crashed[:rows])
            np.copyto(block, -parameters.crash_size, where=crashed[:rows])
        yield block


def _rebalance(
    target: npt.NDArray[np.float32],
    state: tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]],
    fraction: float,
    parameters: VarParameters,
) -> None:
    """Set the weight held next hour from this hour's target; `state` is weight, value, mask."""
    weight, value, mask = state
    moving_average = parameters.moving_average
    goal: npt.NDArray[np.floating] = target
    if fraction < 1.0:  # near expiry the contract steers toward holding exactly the debt
        goal = target * fraction + (1.0 - parameters.ltv / value) * (1 - fraction)
    if moving_average:
        weight *= moving_average
        weight += goal * (1 - moving_average)
    else:
        np.copyto(weight, goal)
    if moving_average or parameters.blend_hours:  # otherwise the block capped the target
        np.minimum(weight, parameters.weight_cap, out=weight)
    # A breach implies conversion (debt < debt / conversion_ltv): one cheap test guards both.
    np.less_equal(value, parameters.ltv / parameters.conversion_ltv, out=mask)
    if mask.any():
        np.copyto(weight, parameters.conversion_weight, where=mask)
        if parameters.settlement == "first-breach":
            np.less(value, parameters.ltv, out=mask)
            np.copyto(weight, 0.0, where=mask)  # frozen: the loss is settled at the breach


def _simulate_chunk(
    model: _PoolModel,
    parameters: VarParameters,
    progress: Progress | None,
    path_count: int,
    seed: np.random.SeedSequence,
) -> FloatArray:
    horizon = parameters.horizon_hours
    value, spot = np.ones(path_count), np.ones(path_count)
    weight = np.full(path_count, model.initial_weight)
    state = (weight, value, np.empty(path_count, dtype=np.bool_))
    spots = np.empty((_BLOCK_HOURS, path_count))
    targets = np.empty((_BLOCK_HOURS, path_count), np.float32)
    growth = np.empty(path_count)
    drifted = np.empty(path_count)
    depth = parameters.slippage_depth
    blocks = _return_blocks(model, parameters, path_count, seed)
    for start, block in zip(range(0, horizon, _BLOCK_HOURS), blocks, strict=True):
        rows = len(block)
        previous = spot
        for row in range(rows):  # spot first: it does not depend on the pool
            np.multiply(previous, block[row], out=spots[row])
            spots[row] += previous
            previous = spots[row]
        spot[:] = previous
        hours = slice(start + 1, start + rows + 1)
        target_weights(spots[:rows], hours, model.horner, model.inverse_strike, targets[:rows])
        if not (parameters.moving_average or parameters.blend_hours):
            np.minimum(targets[:rows], np.float32(parameters.weight_cap), out=targets[:rows])
        for row in range(rows):
            np.multiply(weight, block[row], out=growth)
            growth += 1.0
            value *= growth
            hour = start + row + 1
            if hour < horizon:
                if depth is not None:  # the weight this hour's move left the pool at
                    np.divide(weight * (1.0 + block[row]), growth, out=drifted)
                _rebalance(targets[row], state, float(model.blend_fraction[hour]), parameters)
                if depth is not None:
                    _pay_slippage(drifted, weight, value, depth)
        if progress is not None:
            progress(rows * path_count)
    return value


def _pay_slippage(drifted: FloatArray, weight: FloatArray, value: FloatArray, depth: float) -> None:
    """Take the impact X^2 / (D + X) of trading X = |new - drifted weight| x value from value."""
    traded = np.abs(weight - drifted)
    traded *= value
    value -= traded * traded / (depth + traded)


def _chunk_plan(parameters: VarParameters) -> list[tuple[int, np.random.SeedSequence]]:
    size = parameters.chunk_paths
    counts = [min(size, parameters.paths - first) for first in range(0, parameters.paths, size)]
    seeds = np.random.SeedSequence(parameters.seed).spawn(len(counts))
    return list(zip(counts, seeds, strict=True))


def threads_used(parameters: VarParameters, workers: int | None) -> int:
    """Chunks run at once: one a worker (default: a CPU), never more than there are chunks."""
    chunks = -(-parameters.paths // parameters.chunk_paths)
    return min(workers or os.cpu_count() or 1, chunks)


def _simulate(
    model: _PoolModel,
    parameters: VarParameters,
    workers: int | None,
    progress: Progress | None = None,
) -> FloatArray:
    plan = _chunk_plan(parameters)
    run_chunk = partial(_simulate_chunk, model, parameters, progress)
    threads = threads_used(parameters, workers)
    if threads <= 1:
        return np.concatenate([run_chunk(count, seed) for count, seed in plan])
    with ThreadPoolExecutor(max_workers=threads) as pool:  # numpy drops the GIL in its loops
        return np.concatenate(list(pool.map(run_chunk, *zip(*plan, strict=True))))


def simulate_pool_values(
    returns: FloatArray, parameters: VarParameters, *, workers: int | None = None
) -> FloatArray:
    """Simulate `parameters.paths` CRP loans and return each pool's value when it is settled.

    Args:
        returns: Hourly log returns to bootstrap from (see `load_log_returns`).
        parameters: The scenario.
        workers: Threads to run chunks on (default: one per CPU). Results do not depend on it.

    Returns:
        Pool value per path in units of initial collateral value (the write-up's "final pool
        value ratio"): at expiry, or at the first breach with `settlement="first-breach"`.
    """
    return _simulate(_resolve_model(returns, parameters), parameters, workers)


def simulate_default_losses(
    returns: FloatArray, parameters: VarParameters, *, workers: int | None = None
) -> FloatArray:
    """Default loss per path, max(debt - pool value, 0), as a share of initial collateral.

    Takes the arguments of `simulate_pool_values`, whose draws it shares.
    """
    values = simulate_pool_values(returns, parameters, workers=workers)
    return np.maximum(parameters.ltv - values, 0.0)


def draw_hourly_returns(returns: FloatArray, parameters: VarParameters) -> FloatArray:
    """The (horizon_hours, paths) simple returns the simulation consumes, crashes included.

    For inspection and oracles: it holds horizon_hours * paths * 8 bytes, so keep cases small.
    """
    model = _resolve_model(returns, parameters)
    chunks = [
        np.concatenate([block.copy() for block in _return_blocks(model, parameters, count, seed)])
        for count, seed in _chunk_plan(parameters)
    ]
    return np.concatenate(chunks, axis=1)


def run_var(
    returns: FloatArray,
    parameters: VarParameters,
    *,
    thresholds: Sequence[float] = DEFAULT_THRESHOLDS,
    workers: int | None = None,
    progress: Progress | None = None,
) -> VarResult:
    """Run one scenario end to end: the call behind `defi-ledger var`.

    Args:
        returns: Hourly log returns to bootstrap from.
        parameters: The scenario.
        thresholds: Loss levels for the exceedance table.
        workers: Threads for the simulation; results do not depend on it.
        progress: Told the path-hours simulated as they are done (paths x hours in all).

    Returns:
        The losses, their exceedance table and the resolved model figures.
    """
    model = _resolve_model(returns, parameters)
    values = _simulate(model, parameters, workers, progress)
    losses = np.maximum(parameters.ltv - values, 0.0)
    return VarResult(
        parameters=parameters,
        losses=losses,
        exceedance=loss_exceedance_table(losses, thresholds),
        crash_probability=model.crash_probability,
        base_frequency=model.base_frequency,
        volatility_annual=model.volatility_annual,
        initial_weight=model.initial_weight,
    )
