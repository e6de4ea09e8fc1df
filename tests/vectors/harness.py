"""Load the protocols' test vectors from `$LEDGER_VECTORS_DIR` and run each through a checker.

The vectors live beside the project in `../shared/protocols/vectors` (the default); when that
folder is absent every vector test is skipped with a message that says where it looked. Each
vector becomes one test named by its id. A checker is chosen by the longest id prefix the test
module registers; a vector no checker claims fails, so a new kind of vector cannot slip by as
a skip.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VECTORS_DIR_DEFAULT = PROJECT_ROOT.parent / "shared" / "protocols" / "vectors"

Vector = dict[str, Any]
Checker = Callable[[Vector], None]


def vectors_dir() -> Path:
    return Path(os.environ.get("LEDGER_VECTORS_DIR", str(VECTORS_DIR_DEFAULT)))


def vector_params(filename: str) -> list[Any]:
    """Return one `pytest.param` per vector in `filename`, with the vector's id as test id."""
    path = vectors_dir() / filename
    if not path.exists():
        reason = (
            f"protocol vectors not found at {path}; set LEDGER_VECTORS_DIR or place "
            "the shared folder beside the project root"
        )
        return [pytest.param(None, id=f"{filename}-absent", marks=pytest.mark.skip(reason=reason))]
    document = json.loads(path.read_text())
    return [pytest.param(vector, id=vector["id"]) for vector in document["vectors"]]


def run_vector(vector: Vector, checkers: Mapping[str, Checker]) -> None:
    """Run `vector` through the checker registered under the longest prefix of its id."""
    matches = [prefix for prefix in checkers if vector["id"].startswith(prefix)]
    if not matches:
        pytest.fail(
            f"vector {vector['id']!r} (transition {vector.get('transition')!r}) is not known "
            "to the suite: register a checker for its id prefix"
        )
    checkers[max(matches, key=len)](vector)


def as_int(value: Any) -> int:
    """Vector integers are decimal strings; ints and bools pass through."""
    if isinstance(value, bool):
        raise TypeError(f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    return int(str(value))
