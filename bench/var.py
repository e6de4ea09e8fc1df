"""Benchmark of the black-swan VaR engine: path-hours per second, then the headline table.

Run from the repository root:

    .venv/bin/python bench/var.py                      # 10,000 paths x 2,160 h on ETH/USDT
    .venv/bin/python bench/var.py --paths 100000 --repeat 1

It times `simulate_default_losses` (best and median of --repeat runs, after a warm-up), on one
thread and on every CPU, and gives path-hours per CPU-second too: other load on a shared
machine disturbs that less than wall time. It then prints the exceedance table at the requested
LTV and crash multiplier, with the seed, so that the figure quoted in docs/var.md can be
repeated. The target is >= 50 million path-hours/s on the project's 2-core machine. This is a
report, not a pass/fail test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from replay.var import VarParameters, run_var, simulate_default_losses
from replay.var_chart import format_exceedance_table
from replay.var_series import load_log_returns

PRICES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "prices"


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=Path, default=PRICES / "eth-usdt-1h.csv")
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--horizon-hours", type=int, default=2160)
    parser.add_argument("--ltv", type=float, default=0.75)
    parser.add_argument("--crash-multiplier", type=float, default=100.0)
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
    result = run_var(returns, parameters)
    print()
    print(format_exceedance_table(result))
    if dict(result.exceedance).get(0.125) == 0:
        bound = 3 / parameters.paths  # the rule of three: 95% bound when no path got there
        print(f"P(loss >= 12.5%) = 0 of {parameters.paths} paths (95% upper bound {bound:.2g})")


if __name__ == "__main__":
    main()
