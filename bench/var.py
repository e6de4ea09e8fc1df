"""Benchmark of the black-swan VaR engine: path-hours per second, then the white paper's figures.

Run from the repository root:

    .venv/bin/python bench/var.py                      # 10,000 paths x 2,160 h on ETH/USDT
    .venv/bin/python bench/var.py --paths 100000 --repeat 1 --sensitivity

It times `simulate_default_losses` (best and median of --repeat runs, after a warm-up), on one
thread and on every CPU, and gives path-hours per CPU-second too: other load on a shared
machine disturbs that less than wall time. It then prints, at the requested inputs and seed
(the white paper's by default), the band frequency measured, the crash rate used, the
exceedance table with Wilson intervals, the headline P(loss >= 12.5%) beside the paper's
"< 1%", the fees-versus-losses case study and, with --sensitivity, the sensitivity table: the
figures quoted in docs/var.md and the README. The target is >= 50 million path-hours/s on the
project's 2-core machine. This is a report, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

# `python bench/var.py` puts bench/ first on sys.path, where bench/replay.py would shadow the
# `replay` package: the repository root goes in front of it, as in the other bench scripts.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import numpy.typing as npt

from replay.var import VarParameters, run_var, simulate_default_losses
from replay.var_chart import format_exceedance_table
from replay.var_series import load_log_returns
from replay.var_study import (
    FeeCase,
    fees_versus_losses,
    format_calibration,
    format_fee_case,
    format_headline,
    format_sensitivity,
    sensitivity_table,
)

PRICES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "prices"


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=Path, default=PRICES / "eth-usdt-1h.csv")
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--horizon-hours", type=int, default=2160)
    parser.add_argument("--ltv", type=float, default=0.75)
    parser.add_argument("--crash-multiplier", type=float, default=100.0)
    parser.add_argument("--calibration", choices=["band", "tail"], default="band")
    parser.add_argument("--settlement", choices=["expiry", "first-breach"], default="expiry")
    parser.add_argument("--sensitivity", action="store_true", help="print the sensitivity table")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=5)
    return parser.parse_args()


def time_runs(
    returns: npt.NDArray[np.float64], parameters: VarParameters, workers: int, repeat: int
) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU seconds of `repeat` full simulations on `workers` threads."""
    wall, cpu = [], []
    for _ in range(repeat):
        wall_started, cpu_started = time.perf_counter(), time.process_time()
        simulate_default_losses(returns, parameters, workers=workers)
        wall.append(time.perf_counter() - wall_started)
        cpu.append(time.process_time() - cpu_started)
    return wall, cpu


def main() -> None:
    arguments = parse_arguments()
    returns = load_log_returns(arguments.series)
    parameters = VarParameters(
        ltv=arguments.ltv,
        crash_multiplier=arguments.crash_multiplier,
        calibration=arguments.calibration,
        settlement=arguments.settlement,
        paths=arguments.paths,
        horizon_hours=arguments.horizon_hours,
        seed=arguments.seed,
    )
    path_hours = parameters.paths * parameters.horizon_hours
    print(f"series {arguments.series.name}: {returns.size} hourly returns")
    print(f"{parameters.paths} paths x {parameters.horizon_hours} h = {path_hours:,} path-hours")
    simulate_default_losses(returns, parameters.model_copy(update={"paths": 1000}))  # warm-up
    for workers in sorted({1, os.cpu_count() or 1}):
        wall, cpu = time_runs(returns, parameters, workers, arguments.repeat)
        best, median = min(wall), statistics.median(wall)
        line = (
            f"{workers} thread(s): {path_hours / best / 1e6:6.1f} M path-hours/s best, "
            f"{path_hours / median / 1e6:6.1f} M median ({best:.3f} s best of {len(wall)})"
        )
        if workers == 1:  # with more threads, CPU time also counts waiting for the GIL
            line += f"; {path_hours / min(cpu) / 1e6:.1f} M per CPU-second"
        print(line)
    print_figures(returns, parameters, arguments.sensitivity)


def print_figures(
    returns: npt.NDArray[np.float64], parameters: VarParameters, sensitivity: bool
) -> None:
    """The calibration, the table, the headline, the case study and the sensitivity table."""
    result = run_var(returns, parameters)
    print()
    print(format_calibration(result, returns.size))
    print(format_exceedance_table(result))
    print(format_headline(result))
    print(format_fee_case(fees_versus_losses(result.losses, FeeCase()), FeeCase()))
    if sensitivity:
        started = time.perf_counter()
        rows = sensitivity_table(returns, parameters)
        print(f"sensitivity ({len(rows)} runs in {time.perf_counter() - started:.1f} s):")
        print(format_sensitivity(rows))


if __name__ == "__main__":
    main()
