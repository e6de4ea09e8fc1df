"""Every column a projection shows is described (kind, unit, meaning) in projections.columns."""

from __future__ import annotations

from pathlib import Path

from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from projections.columns import BY_ROW, COLUMNS, EXACT_KINDS, ROW_UNITS
from projections.runtime import make_books, shown


def shown_tables(db: Path) -> dict[str, tuple[str, ...]]:
    store = SqliteStore(db)
    try:
        tables = {t.name: t.columns for p in Projector(store).current() for t in p.tables()}
    finally:
        store.close()
    for projection in shown(make_books()):
        ranking = getattr(projection, "at_risk", None)
        if callable(ranking):
            table = ranking(1)
            tables[table.name] = table.columns
    return tables


def test_every_shown_column_is_described(whale_log: Path) -> None:
    tables = shown_tables(whale_log)
    missing = [
        f"{table}.{name}"
        for table, columns in tables.items()
        for name in columns
        if name not in COLUMNS.get(table, {})
    ]
    assert not missing, f"describe these in projections/columns.py: {missing}"
    described_but_gone = [t for t in COLUMNS if t not in tables]
    assert not described_but_gone


def test_amounts_name_the_column_or_asset_they_are_in() -> None:
    for table, columns in COLUMNS.items():
        for name, described in columns.items():
            if described.kind == "amount":
                unit = described.unit
                assert unit.startswith(("asset=", "asset:")), (table, name)
                if unit.startswith("asset:"):
                    assert unit.removeprefix("asset:") in columns, (table, name)
            if described.kind in EXACT_KINDS - {"amount"} and described.unit == BY_ROW:
                assert (table, name) in ROW_UNITS, (table, name)  # the row gives the unit
            elif described.kind in EXACT_KINDS - {"amount"}:
                assert described.unit in ("ratio", "multiple", "price", "tokens"), (table, name)
