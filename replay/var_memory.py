"""The memory a VaR run holds, to refuse sizes the machine cannot hold before one starts.

`replay.var` keeps its model arrays per hour of the horizon, its results per path and its
24-hour buffers per path of each chunk running at once; the bytes of each were measured with
tracemalloc (peak traced allocations) through `defi-ledger var` with its table and chart.
"""

from __future__ import annotations

from replay.memory import memory_shortfall
from replay.var import VarParameters, threads_used

__all__ = ["CHUNK_PATH_BYTES", "HOUR_BYTES", "PATH_BYTES", "memory_bytes", "memory_refusal"]

HOUR_BYTES = 92
"""Per hour of the horizon: the weight rule's coefficients and blend for each boundary hour
(float64, then float32) and their temporaries (92.0 bytes over 10^6 and 2 x 10^6 hours)."""
PATH_BYTES = 24
"""Per path: its pool value and loss, and the exceedance table's and chart's sorted copies
(24.1 bytes over 4 x 10^6 and 8 x 10^6 paths)."""
CHUNK_PATH_BYTES = 980
"""Per path of each chunk running at once: its 24-hour buffers of draws, crash marks, spots
and targets (4.9 MB a 5,000-path chunk)."""


def memory_bytes(parameters: VarParameters, workers: int | None = None) -> int:
    """About the most memory a run of `parameters` holds (the sizes measured above)."""
    running = threads_used(parameters, workers) * min(parameters.chunk_paths, parameters.paths)
    return (
        (parameters.horizon_hours + 1) * HOUR_BYTES
        + parameters.paths * PATH_BYTES
        + running * CHUNK_PATH_BYTES
    )


def memory_refusal(parameters: VarParameters, workers: int | None = None) -> str | None:
    """Why a run of `parameters` cannot be held here (None when it can): its paths and hours
    need more memory than the machine has available."""
    shortfall = memory_shortfall(memory_bytes(parameters, workers))
    if shortfall is None:
        return None
    return (
        f"{parameters.paths:,} paths x {parameters.horizon_hours:,} hours need {shortfall} "
        f"({HOUR_BYTES} bytes an hour, {PATH_BYTES} a path, {CHUNK_PATH_BYTES} a path of "
        "each chunk running at once)"
    )
