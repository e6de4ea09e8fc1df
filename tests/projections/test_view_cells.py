"""The view tables keep every value a book shows them, whatever its size."""

from __future__ import annotations

import sqlite3

from events.base import SQLITE_INT_MAX
from projections.base import Table
from projections.views import _replace_table, row_cells


def test_an_int_past_64_bits_in_an_integer_column_is_written_not_a_crash() -> None:
    """SQLite refuses such an int as a parameter; the cell holds its text (SQLite may keep it
    as a REAL in an INTEGER column: the books keep it exact, the view is a cache)."""
    table = Table(
        "supply",
        ("asset", "amount", "decimals"),
        [("A", 1, SQLITE_INT_MAX), ("B", 2, SQLITE_INT_MAX + 1), ("C", 3, -(2**63) - 1)],
        key_columns=("asset",),
    )
    cells = row_cells(table)
    assert [cells(row)[3] for row in table.rows] == [
        SQLITE_INT_MAX,
        str(SQLITE_INT_MAX + 1),
        str(-(2**63) - 1),
    ]
    connection = sqlite3.connect(":memory:")
    _replace_table(connection, table)
    stored = dict(connection.execute("SELECT asset, decimals FROM view_supply"))
    assert stored["A"] == SQLITE_INT_MAX
    assert float(stored["B"]) == float(SQLITE_INT_MAX + 1)


def test_a_lone_int_key_past_64_bits_is_written_too() -> None:
    """A lone INTEGER key would be the rowid (int64 only): the key column is INT, same affinity."""
    table = Table(
        "staking_emission_years",
        ("year", "cap", "emitted"),
        [(1, 5, 0), (2**63, 5, 1)],
        key_columns=("year",),
    )
    connection = sqlite3.connect(":memory:")
    _replace_table(connection, table)
    assert connection.execute("SELECT count(*) FROM view_staking_emission_years").fetchone() == (2,)
    types = {row[1]: (row[2], row[5]) for row in connection.execute(
        "PRAGMA table_info(view_staking_emission_years)"
    )}  # fmt: skip
    assert types["year"] == ("INT", 1)
    _replace_table(connection, table)  # the same shape: kept, not rebuilt
