"""Stress price paths: shocks, shifted series and historical crash shapes from the book's price."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import pytest

from replay.prices import decimal_to_int
from replay.stress_paths import base_path, flat_path, shifted, shock_path, varied
from replay.stress_spec import Shock, StressPath
from tests.replay.var_data import PRICES

E18 = 10**18
START = 2_000 * E18


def prices(path: list[tuple[int, int]]) -> list[int]:
    return [price for _, price in path]


def test_a_linear_shock_falls_evenly_then_holds() -> None:
    path = shock_path(Shock(size_bps=-4000, duration_steps=4), START, 6, 300)
    assert prices(path) == [E18 * p for p in (2000, 1800, 1600, 1400, 1200, 1200, 1200)]
    assert [moment for moment, _ in path] == [0, 300, 600, 900, 1200, 1500, 1800]


def test_a_step_shock_is_all_at_once() -> None:
    path = shock_path(Shock(size_bps=-2500, duration_steps=3, shape="step"), START, 3, 60)
    assert prices(path) == [START, 1500 * E18, 1500 * E18, 1500 * E18]


def test_an_exponential_shock_falls_by_the_same_ratio_each_step() -> None:
    """-75% over two steps: x0.5 each step (exactly, through 50-digit decimals)."""
    path = shock_path(Shock(size_bps=-7500, duration_steps=2, shape="exponential"), START, 2, 60)
    assert prices(path) == [START, 1000 * E18, 500 * E18]


def test_a_repeated_shock_starts_each_episode_from_the_level_reached() -> None:
    shock = Shock(size_bps=-1000, duration_steps=1, shape="step", every_steps=2)
    path = shock_path(shock, START, 6, 60)
    assert prices(path) == [E18 * p for p in (2000, 1800, 1800, 1620, 1620, 1458, 1458)]


def test_a_series_is_shifted_to_start_at_the_books_price() -> None:
    series = [(1000, 100 * E18), (1060, 90 * E18), (1120, 120 * E18)]
    assert shifted(series, START) == [(0, START), (60, 1800 * E18), (120, 2400 * E18)]


def test_a_csv_series_keeps_its_returns(tmp_path: Path) -> None:
    (tmp_path / "eth.csv").write_text(
        "timestamp,open,high,low,close\n"
        "2022-01-01T00:00:00Z,1,1,1,3000\n"
        "2022-01-01T01:00:00Z,1,1,1,2400\n"
        "2022-01-01T02:00:00Z,1,1,1,2700\n"
    )
    spec = StressPath(asset="ETH", series={"csv": "eth.csv"})  # type: ignore[arg-type]
    path = base_path(spec, START, E18, tmp_path, tmp_path)
    assert path == [(0, START), (3600, 1600 * E18), (7200, 1800 * E18)]
    assert flat_path(path) == [(0, START), (3600, START), (7200, START)]


def test_variations_are_seeded_and_start_at_the_fork() -> None:
    path = shock_path(Shock(size_bps=-3000, duration_steps=10), START, 10, 60)
    one, again, other = varied(path, 100, 7), varied(path, 100, 7), varied(path, 100, 8)
    assert one == again and one != other and one[0] == path[0]
    assert varied(path, 0, 7) == path


@pytest.mark.parametrize("crash", ["march-2020", "may-2021", "june-2022", "november-2022"])
def test_historical_crash_shapes_are_scaled_to_the_books_price(crash: str) -> None:
    if not (PRICES / "eth-usdt-1h.csv").exists():
        pytest.skip(f"real price series not found at {PRICES}: crash shapes are cut from it")
    path = base_path(StressPath(asset="ETH", crash=crash), START, E18, PRICES, PRICES)
    assert path[0] == (0, START)
    assert all(later - earlier == 3600 for (earlier, _), (later, _) in pairwise(path))
    lowest = min(prices(path))
    assert lowest < START * 80 // 100, f"{crash}: the window holds a fall of more than 20%"


def test_march_2020_fell_by_the_series_own_ratio() -> None:
    """ETH/USDT closed 2020-03-11 12:00 at its own level; the shape keeps every ratio."""
    series = PRICES / "eth-usdt-1h.csv"
    if not series.exists():
        pytest.skip(f"real price series not found at {PRICES}: crash shapes are cut from it")
    rows = {}
    for line in series.read_text().splitlines()[1:]:
        fields = line.split(",")
        if "2020-03-11T12" <= fields[0] <= "2020-03-13T12":
            rows[fields[0]] = fields[4]
    first = decimal_to_int(rows["2020-03-11T12:00:00Z"], E18)
    lowest = min(decimal_to_int(text, E18) for text in rows.values())
    path = base_path(StressPath(asset="ETH", crash="march-2020"), START, E18, PRICES, PRICES)
    assert min(prices(path)) == START * lowest // first
