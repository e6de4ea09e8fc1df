"""sqlite-utils for creating tables, without the pandas and numpy it would otherwise load.

sqlite-utils imports pandas and numpy when they are installed (about 0.5 s and 90 MB a process)
for its DataFrame helpers, which this project never uses: the log and the views only create
tables through it. Loading it with those two hidden keeps every command's start-up light; a
caller that already imported them is unaffected.
"""

from __future__ import annotations

import importlib
import sqlite3
import sys
from typing import Any

_HIDDEN = ("pandas", "numpy")


def database(connection: sqlite3.Connection) -> Any:
    """A `sqlite_utils.Database` over `connection`."""
    module = sys.modules.get("sqlite_utils")
    if module is None:
        hidden = [name for name in _HIDDEN if name not in sys.modules]
        for name in hidden:
            sys.modules[name] = None  # type: ignore[assignment]  # makes `import` fail fast
        try:
            module = importlib.import_module("sqlite_utils")
        finally:
            for name in hidden:
                if sys.modules.get(name) is None:
                    del sys.modules[name]
    return module.Database(connection)
