"""The memory a run will hold, against what this machine has available.

The sizes a user gives (`var --paths` and `--horizon-hours`, a stress file's `steps`, an
agent's `per_step`) have no bound of their own: each costs time, which a progress bar shows,
and memory, which is checked here before the run starts, so that a size the machine cannot
hold is refused at once, naming what it needs and what there is, not ended by a MemoryError
or the kernel's out-of-memory killer hours in. Each caller states its bytes per unit beside
the figure, as measured (tracemalloc's peak of the allocations a run makes).
"""

from __future__ import annotations

import os
from pathlib import Path

MEMINFO = Path("/proc/meminfo")
CGROUP_FILES = (
    (Path("/sys/fs/cgroup/memory.max"), Path("/sys/fs/cgroup/memory.current")),
    (
        Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
        Path("/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ),
)
"""A container's memory limit and its usage: cgroup v2's files, then v1's."""


def _meminfo_available() -> int | None:
    """Linux's estimate of what a process can take without swapping (`MemAvailable`)."""
    try:
        for line in MEMINFO.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_room() -> int | None:
    """What the container's limit leaves (limit less usage), where a limit is set."""
    for limit_file, usage_file in CGROUP_FILES:
        try:
            limit_text = limit_file.read_text().strip()
            usage = int(usage_file.read_text().strip())
        except (OSError, ValueError):
            continue
        if limit_text.isdigit():
            return max(int(limit_text) - usage, 0)
        return None  # "max": no limit
    return None


def available_memory_bytes() -> int | None:
    """What this machine can still give a run: `MemAvailable`, capped by the container's room;
    the available physical pages where there is no /proc; None when nothing says."""
    found = [room for room in (_meminfo_available(), _cgroup_room()) if room is not None]
    if found:
        return min(found)
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def size_text(size_bytes: int) -> str:
    """A number of bytes as people read it (1 GB = 10^9 bytes)."""
    for unit, size in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if size_bytes >= size:
            return f"{size_bytes / size:,.1f} {unit}"
    return f"{size_bytes} bytes"


def memory_shortfall(need_bytes: int) -> str | None:
    """Why `need_bytes` cannot be held here (None when it can, or when nothing says)."""
    available = available_memory_bytes()
    if available is None or need_bytes <= available:
        return None
    return (
        f"about {size_text(need_bytes)} of memory, more than the {size_text(available)} "
        "this machine has available"
    )
