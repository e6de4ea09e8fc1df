"""Python's bytecode cache, for the benchmarks that time commands in fresh processes.

    from bytecode import bytecode_modes
    with bytecode_modes(warm_up) as modes:     # {"cached": env, "compiled": env}
        subprocess.run(command, env=modes["cached"])

Python keeps each module it compiles in a bytecode cache (`__pycache__`) and reads it back on
the next start; a user's `defi-ledger` does so. A machine that sets `PYTHONDONTWRITEBYTECODE`
(this workplace's does) writes none, so every command compiles this project's modules from
source again: a third or more of a short command's time. The two are different figures, and a
start-up figure means one of them, so these benchmarks print both:

    cached     Python's default: every module read from a warm cache
    compiled   this project's modules compiled in every process, everything else (the
               standard library, the installed packages) read from the same warm cache

Both caches live in temporary folders (`PYTHONPYCACHEPREFIX`), never beside the sources, and
are removed after. `warm_up` is called once with the cached environment, to fill the cache.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("events", "ledger", "projections", "replay")
"""This project's packages: the modules the "compiled" mode compiles in every process."""
MODES = ("cached", "compiled")
Env = dict[str, str]


@contextmanager
def bytecode_modes(warm_up: Callable[[Env], object], tree: Path = ROOT) -> Iterator[dict[str, Env]]:
    """The environments of the two modes for commands run from `tree` (see the module doc)."""
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as folder:
        warm, cold = Path(folder) / "warm", Path(folder) / "cold"
        base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        cached = {**base, "PYTHONPYCACHEPREFIX": str(warm)}
        warm_up(cached)
        # The prefix mirrors absolute paths: dropping the packages' parts leaves the rest warm
        # (a virtual environment inside the tree included).
        if warm.exists():
            shutil.copytree(warm, cold)
        else:
            cold.mkdir()
        mirror = cold / tree.resolve().relative_to(tree.anchor)
        for package in PACKAGES:
            shutil.rmtree(mirror / package, ignore_errors=True)
        compiled = {**base, "PYTHONPYCACHEPREFIX": str(cold), "PYTHONDONTWRITEBYTECODE": "1"}
        yield {"cached": cached, "compiled": compiled}
