"""Black-swan VaR of the ALEX CRP: determinism, the directions the risk must move in, and an oracle.

The oracle is a deliberately naive pure-Python loop over paths and hours, written from the
formulas in protocol-math 2.6. It prices the same draws as the vectorised engine and must agree
with it to 1e-6 (the engine prices weights in float32).
"""

from __future__ import annotations

import json
import math
import tracemalloc
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import numpy.typing as npt
import pytest
from pydantic import ValidationError

from replay.var import (
    VarParameters,
    draw_hourly_returns,
    run_var,
    simulate_default_losses,
    simulate_pool_values,
)
from replay.var_chart import format_exceedance_table, write_chart
from replay.var_memory import memory_bytes
from replay.var_series import (
    DEFAULT_THRESHOLDS,
    crash_probability_per_hour,
    historical_volatility_annual,
    load_log_returns,
    loss_exceedance_table,
)
from tests.replay.var_data import SHARED

FloatArray = npt.NDArray[np.float64]


@pytest.fixture(scope="module")
def calm_returns() -> FloatArray:
    """A quiet synthetic market: 0.2% hourly volatility (about 19% a year), no crash in it."""
    return np.random.default_rng(7).normal(0.0, 0.002, 5000)


def probabilities(returns: FloatArray, parameters: VarParameters) -> list[float]:
    return [row.probability for row in run_var(returns, parameters).exceedance]


# --- determinism -----------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_losses(eth_returns: FloatArray) -> None:
    parameters = VarParameters(paths=3000, horizon_hours=720, seed=11)
    first = simulate_default_losses(eth_returns, parameters)
    assert np.array_equal(first, simulate_default_losses(eth_returns, parameters))


def test_another_seed_gives_other_losses(eth_returns: FloatArray) -> None:
    parameters = VarParameters(paths=3000, horizon_hours=720, seed=11)
    other = parameters.model_copy(update={"seed": 12})
    assert not np.array_equal(
        simulate_default_losses(eth_returns, parameters),
        simulate_default_losses(eth_returns, other),
    )


def test_the_number_of_threads_does_not_change_the_losses(eth_returns: FloatArray) -> None:
    parameters = VarParameters(paths=700, horizon_hours=300, chunk_paths=200, ltv=0.85)
    alone = simulate_default_losses(eth_returns, parameters, workers=1)
    assert np.array_equal(alone, simulate_default_losses(eth_returns, parameters, workers=3))


# --- the directions the risk must move in ----------------------------------------------------


def test_a_calm_market_without_crashes_never_defaults(calm_returns: FloatArray) -> None:
    parameters = VarParameters(crash_multiplier=0, paths=2000, ltv=0.85)
    assert simulate_default_losses(calm_returns, parameters).max() == 0.0


def test_a_higher_ltv_defaults_more_often_and_deeper(eth_returns: FloatArray) -> None:
    # The same seed gives every LTV the same paths, so only the loan changes. Thresholds up to
    # 2.5% hold tens of paths or more; deeper ones hold too few to rank without noise.
    scenarios = [
        VarParameters(paths=4000, ltv=ltv, crash_multiplier=10) for ltv in (0.6, 0.7, 0.8, 0.85)
    ]
    table = np.array([probabilities(eth_returns, scenario) for scenario in scenarios])
    assert np.all(np.diff(table[:, 0]) > 0)
    assert np.all(np.diff(table[:, :3], axis=0) >= 0)


def test_more_crashes_fatten_the_tail(eth_returns: FloatArray) -> None:
    scenarios = [VarParameters(paths=4000, crash_multiplier=k) for k in (0, 10, 100)]
    table = np.array([probabilities(eth_returns, scenario) for scenario in scenarios])
    assert np.all(np.diff(table[:, 0]) > 0)
    assert np.all(np.diff(table[:, :2], axis=0) >= 0)


# --- the oracle ------------------------------------------------------------------------------


def erf_contract(x: float) -> float:
    """Abramowitz-Stegun 7.1.27 as the CRP contract writes it: (D^4 - 1) / D^4."""
    d = 1 + 0.278393 * x + 0.230389 * x**2 + 0.000972 * x**3 + 0.078108 * x**4
    return (d**4 - 1) / d**4


def oracle_pool_values(shocks: FloatArray, parameters: VarParameters, sigma: float) -> list[float]:
    """Price every path hour by hour with plain floats, straight from protocol-math 2.6."""
    horizon, ltv = parameters.horizon_hours, parameters.ltv
    strike = parameters.strike_multiplier * ltv + 1 - parameters.strike_multiplier
    t0 = horizon / 8760
    d1_0 = (t0 * sigma**2 / 2 + 1 - strike) / (sigma * math.sqrt(t0))
    initial_weight = min((1 + erf_contract(d1_0 / math.sqrt(2))) / 2, parameters.weight_cap)
    values = []
    for path in range(shocks.shape[1]):
        value, spot, weight = 1.0, 1.0, initial_weight
        for hour in range(1, horizon + 1):
            move = float(shocks[hour - 1, path])
            value *= 1 + weight * move
            spot *= 1 + move
            if hour == horizon:
                break
            drifted = weight * (1 + move) / (1 + weight * move)
            weight = oracle_next_weight(parameters, hour, value, spot / strike, weight, sigma)
            if parameters.slippage_depth is not None:  # X^2 / (D + X) on the value traded
                traded = abs(weight - drifted) * value
                value -= traded * traded / (parameters.slippage_depth + traded)
        values.append(value)
    return values


def oracle_next_weight(
    parameters: VarParameters, hour: int, value: float, q: float, weight: float, sigma: float
) -> float:
    """The weight set at the end of `hour` (q = spot / strike), in plain floats."""
    horizon, ltv = parameters.horizon_hours, parameters.ltv
    if parameters.settlement == "first-breach" and value < ltv:
        return 0.0
    if ltv / value >= parameters.conversion_ltv:
        return parameters.conversion_weight
    t = (horizon - hour) / 8760
    d1 = (t * sigma**2 / 2 + abs(q - 1)) / (sigma * math.sqrt(t))
    e = erf_contract(d1 / math.sqrt(2))
    target = (1 + e) / 2 if q > 1 else (1 - e) / 2
    if parameters.blend_hours and horizon - hour < parameters.blend_hours:
        t2 = (horizon - hour) / parameters.blend_hours
        target = t2 * target + (1 - t2) * (1 - ltv / value)
    mixed = parameters.moving_average * weight + (1 - parameters.moving_average) * target
    return min(mixed, parameters.weight_cap)


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"moving_average": 0.6, "blend_hours": 60},
        {"settlement": "first-breach", "volatility_annual": 0.5},
        {"slippage_depth": 5.0, "moving_average": 0.3},
    ],
    ids=["contract-defaults", "moving-average-and-blend", "first-breach", "slippage"],
)
def test_the_vectorised_engine_agrees_with_a_naive_loop(
    eth_returns: FloatArray, fields: dict[str, object]
) -> None:
    # Crashes at 110x the band (2% of hours): some pools default, some never convert. Pool values, not
    # losses, are compared, because a loss hides every solvent path behind a zero. 200 hours is
    # not a multiple of the 24-hour block; 120 paths in chunks of 50 leave a short last chunk.
    parameters = VarParameters(
        ltv=0.8, crash_multiplier=110, paths=120, horizon_hours=200, chunk_paths=50, seed=5
    ).model_copy(update=fields)
    sigma = parameters.volatility_annual or historical_volatility_annual(eth_returns)
    expected = oracle_pool_values(draw_hourly_returns(eth_returns, parameters), parameters, sigma)
    actual = simulate_pool_values(eth_returns, parameters)
    conversion_value = parameters.ltv / parameters.conversion_ltv
    assert sum(value < parameters.ltv for value in expected) >= 3, "some pools must default"
    assert sum(value > conversion_value for value in expected) >= 3, "some must never convert"
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-6)
    losses = simulate_default_losses(eth_returns, parameters)
    np.testing.assert_allclose(
        losses, np.maximum(parameters.ltv - np.array(expected), 0), atol=1e-6
    )


def test_the_creation_weight_matches_the_contract_vector(calm_returns: FloatArray) -> None:
    vectors = SHARED / "protocols" / "vectors" / "alex.json"
    if not vectors.exists():
        pytest.skip(f"ALEX vectors not found at {vectors}")
    vector = next(
        v for v in json.loads(vectors.read_text())["vectors"] if v["id"] == "alex-crp-create-weight"
    )
    inputs = vector["inputs"]
    years = (int(inputs["expiry"]) - int(inputs["block_height"])) / 52560  # 10-minute blocks
    parameters = VarParameters(
        ltv=int(inputs["ltv_0"]) / 1e8,
        volatility_annual=int(inputs["bs_vol"]) / 1e8,
        horizon_hours=round(years * 8760),  # whole hours: t moves by < 1e-4 years
        paths=1,
    )
    weight = run_var(calm_returns, parameters).initial_weight
    assert weight == pytest.approx(int(vector["expected"]["weight_x"]) / 1e8, abs=1e-5)


def test_draws_are_bootstrapped_returns_or_the_crash(eth_returns: FloatArray) -> None:
    parameters = VarParameters(crash_multiplier=1500, paths=100, horizon_hours=200)
    shocks = draw_hourly_returns(eth_returns, parameters)
    crashed = shocks == -0.2
    assert shocks.shape == (200, 100)
    bootstrapped, series = shocks[~crashed], np.expm1(eth_returns)
    assert np.isin(bootstrapped, series).all()
    # i.i.d. draws from 72,554 returns: most are distinct and the spread is the series' spread.
    assert np.unique(bootstrapped).size > 0.8 * bootstrapped.size
    assert abs(bootstrapped.std() / series.std() - 1) < 0.15
    probability, _ = crash_probability_per_hour(eth_returns, 1500, 0.2)
    assert abs(crashed.mean() - probability) < 5 * math.sqrt(probability / crashed.size)


# --- inputs and outputs ----------------------------------------------------------------------


def test_gaps_are_skipped_not_bridged(tmp_path: Path) -> None:
    series = tmp_path / "gappy.csv"
    series.write_text(
        "timestamp,open,high,low,close,volume\n"
        "2020-03-12T00:00:00Z,1,1,1,100,0\n"
        "2020-03-12T01:00:00Z,1,1,1,110,0\n"
        "2020-03-12T03:00:00Z,1,1,1,55,0\n"
        "2020-03-12T04:00:00Z,1,1,1,44,0\n"
    )
    returns = load_log_returns(series)
    np.testing.assert_allclose(returns, [math.log(1.1), math.log(0.8)])
    np.testing.assert_allclose(load_log_returns(series, invert=True), -returns)


def test_a_file_without_close_prices_is_refused(tmp_path: Path) -> None:
    series = tmp_path / "bad.csv"
    series.write_text("time,price\n2020-03-12T00:00:00Z,1\n")
    with pytest.raises(ValueError, match="timestamp and close"):
        load_log_returns(series)


def test_the_tail_calibration_floors_a_series_without_crashes(calm_returns: FloatArray) -> None:
    size = calm_returns.size
    probability = crash_probability_per_hour(calm_returns, 100, 0.2, calibration="tail")
    assert probability == (100 / size, 1 / size)


def test_the_band_calibration_invents_no_frequency(calm_returns: FloatArray) -> None:
    assert crash_probability_per_hour(calm_returns, 100, 0.2) == (0.0, 0.0)


def test_the_exceedance_table_reads_default_probability_at_zero() -> None:
    losses = np.array([0.0, 0.0, 0.0, 0.01, 0.125, 0.3])
    table = {row.threshold: row.probability for row in loss_exceedance_table(losses)}
    assert table[0.0] == 0.5
    assert table[0.01] == 0.5
    assert table[0.125] == pytest.approx(2 / 6)
    assert table[0.25] == pytest.approx(1 / 6)


def test_a_pool_cannot_start_converted() -> None:
    with pytest.raises(ValidationError, match="conversion_ltv"):
        VarParameters(ltv=0.9, conversion_ltv=0.9)


def test_the_chart_is_an_svg_and_the_table_names_the_scenario(
    eth_returns: FloatArray, tmp_path: Path
) -> None:
    result = run_var(eth_returns, VarParameters(paths=500, horizon_hours=720, seed=3))
    chart = tmp_path / "var.svg"
    write_chart(result, chart)
    svg = "{http://www.w3.org/2000/svg}"
    root = ElementTree.parse(chart).getroot()
    assert root.tag == f"{svg}svg" and "seed 3" in (root.findtext(f"{svg}title") or "")
    defaults = int(np.count_nonzero(result.losses > 0))
    titles = [t.text for t in root.iter(f"{svg}text") if t.get("class") == "panel-title"]
    assert f"{defaults} defaults in 500 paths" in titles
    bars = [float(r.get("height", "0")) for r in root.iter(f"{svg}rect") if r.get("class") == "bar"]
    assert len(bars) == (40 if defaults else 0) and (not defaults or max(bars) > 0)
    assert root.find(f"{svg}polyline") is not None  # the exceedance curve
    text = format_exceedance_table(result)
    assert "LTV 75%" in text
    assert "seed 3" in text
    assert len(text.splitlines()) == 2 + len(DEFAULT_THRESHOLDS)


# --- size: memory and progress ---------------------------------------------------------------


def test_progress_is_told_every_path_hour_once(calm_returns: FloatArray) -> None:
    """Chunks of 7 paths over 50 hours (24-hour blocks: 24, 24, 2), on two threads."""
    parameters = VarParameters(paths=30, horizon_hours=50, chunk_paths=7)
    told: list[int] = []
    run_var(calm_returns, parameters, workers=2, progress=told.append)
    assert sum(told) == 30 * 50 and sorted(set(told)) == [2 * 2, 2 * 7, 24 * 2, 24 * 7]


def test_the_memory_estimate_covers_what_a_run_holds(calm_returns: FloatArray) -> None:
    """tracemalloc's peak of a run (numpy reports its arrays to it) stays under the estimate
    `var` refuses by, and near it: the measured bytes a path, an hour and a chunk path."""
    parameters = VarParameters(paths=100_000, horizon_hours=200)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        run_var(calm_returns, parameters, workers=1)
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert 0.7 * memory_bytes(parameters, 1) < peak <= memory_bytes(parameters, 1)
