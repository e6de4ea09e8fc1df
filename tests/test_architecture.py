"""Imports point one way: events <- projections <- ledger <- replay.

`events` imports only the standard library and msgspec; `projections` never imports `ledger`
or `replay`; `ledger` never imports `replay`. numpy may appear in `projections` only in its
analytics conversion module, sqlite-utils only where views are written (`projections/views.py`)
and zstandard only where snapshot states are stored (`projections/snapshot_states.py`); `ledger`
may use
psycopg (the PostgreSQL store) and psycopg_pool (its connections for long-running commands).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ["events", "projections", "ledger", "replay"]
LAYER = {name: index for index, name in enumerate(PACKAGES)}
THIRD_PARTY_ALLOWED = {
    "events": {"msgspec"},
    "projections": {"msgspec"},
    # psycopg: the PostgreSQL store only; psycopg_pool: its pooled connections (ledger/pg_pool.py)
    "ledger": {"msgspec", "sqlite_utils", "psycopg", "psycopg_pool"},
    "replay": None,  # the outer layer may use anything it declares
}
PROJECTION_EXCEPTIONS = {
    "projections/arrays.py": {"numpy"},
    "projections/views.py": {"sqlite_utils"},
    "projections/snapshot_states.py": {"zstandard"},
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def module_files() -> list[tuple[str, Path]]:
    return [
        (package, path) for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))
    ]


@pytest.mark.parametrize(
    ("package", "path"), module_files(), ids=lambda value: str(value).replace(str(ROOT) + "/", "")
)
def test_imports_point_one_way(package: str, path: Path) -> None:
    relative = str(path.relative_to(ROOT))
    for module in imported_modules(path):
        if module in LAYER:
            assert LAYER[module] <= LAYER[package], (
                f"{relative} imports {module}: imports point events <- projections <- "
                "ledger <- replay"
            )
            continue
        if module in sys.stdlib_module_names or module == "__future__":
            continue
        allowed = THIRD_PARTY_ALLOWED[package]
        if allowed is None:
            continue
        extra = PROJECTION_EXCEPTIONS.get(relative, set())
        assert module in allowed | extra, f"{relative} imports third-party {module}"


def test_the_walk_sees_every_package() -> None:
    seen = {package for package, _ in module_files()}
    assert seen == set(PACKAGES)
