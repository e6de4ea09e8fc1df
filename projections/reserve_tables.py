"""The reserve books as tables: one row per reserve pool and token, inflows and outflows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from projections.base import Table

if TYPE_CHECKING:
    from projections.reserve import ReserveBook

RESERVE_COLUMNS = (
    "token",
    "balance",
    "shortfalls_reported",
    "shortfalls_covered",
    "shortfall_outstanding",
    "emergency_alex_issued",
    "coverage_bps",
    "principal_held",
    "free_balance",
)


def reserve_tables(books: dict[str, ReserveBook]) -> list[Table]:
    ordered = sorted(books.items())
    rows = [
        (
            key,
            book.balance,
            book.shortfalls_reported,
            book.shortfalls_covered,
            book.outstanding,
            book.emergency_alex_issued,
            book.coverage_bps(),
            book.principal,
            book.free_balance,
        )
        for key, book in ordered
    ]
    inflows = [
        (key, source, amount)
        for key, book in ordered
        for source, amount in sorted(book.inflows.items())
    ]
    outflows = [
        (key, reason, amount)
        for key, book in ordered
        for reason, amount in sorted(book.outflows.items())
    ]
    return [
        Table("reserve_solvency", RESERVE_COLUMNS, rows, key_columns=("token",)),
        Table(
            "reserve_inflows",
            ("token", "source", "amount"),
            inflows,
            key_columns=("token", "source"),
        ),
        Table(
            "reserve_outflows",
            ("token", "reason", "amount"),
            outflows,
            key_columns=("token", "reason"),
        ),
    ]
