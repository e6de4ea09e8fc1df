"""The views sort, compare and sum right in a plain SQLite client, and the README's SQL runs."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from projections.views import sort_key
from replay.view_sql import register_sql_functions
from tests.analyst.conftest import ROOT, SECOND, WHALE

README = ROOT / "README.md"


def readme_sql() -> list[str]:
    return re.findall(r"```sql\n(.*?)```", README.read_text(), re.S)


def test_the_two_largest_eth_holders_come_first_with_the_documented_key(whale_log: Path) -> None:
    """`append` has brought the views up to date: no other command ran since."""
    with sqlite3.connect(whale_log) as connection:
        rows = connection.execute(
            "SELECT account FROM view_balances WHERE asset='ETH' ORDER BY amount_key DESC LIMIT 2"
        ).fetchall()
        by_text = connection.execute(
            "SELECT account FROM view_balances WHERE asset='ETH' ORDER BY amount DESC LIMIT 2"
        ).fetchall()
    assert [row[0] for row in rows] == ["whale", "second"]
    assert [row[0] for row in by_text] != ["whale", "second"]  # why the key is needed


def test_every_readme_sql_example_runs_and_gives_exact_numbers(whale_log: Path) -> None:
    examples = readme_sql()
    assert len(examples) >= 3
    connection = sqlite3.connect(whale_log)
    register_sql_functions(connection)
    results = [connection.execute(sql).fetchall() for sql in examples]
    balances = [
        int(amount)
        for (amount,) in connection.execute("SELECT amount FROM view_balances WHERE asset = 'ETH'")
    ]
    exact = sum(balances)
    assert exact > WHALE + SECOND
    top, limbs, per_asset = results[0], results[1], results[2]
    assert [row[0] for row in top] == ["whale", "second"]
    assert int(top[0][1]) == WHALE
    low, mid, high = limbs[0]
    assert high * 10**24 + mid * 10**12 + low == exact
    eth = next(row for row in per_asset if row[0] == "ETH")
    assert int(eth[1]) == exact
    assert eth[2] == f"{exact // 10**18}.{exact % 10**18:018d}".rstrip("0").rstrip(".")


def test_comparing_with_a_literal_uses_its_key(whale_log: Path) -> None:
    connection = sqlite3.connect(whale_log)
    register_sql_functions(connection)
    above = connection.execute(
        "SELECT account FROM view_balances WHERE asset='ETH' "
        "AND amount_key > dec_key('10000000000000000000') ORDER BY amount_key DESC"
    ).fetchall()
    expected = sorted(
        (
            (int(amount), account)
            for account, amount in connection.execute(
                "SELECT account, amount FROM view_balances WHERE asset='ETH'"
            )
            if int(amount) > 10**19
        ),
        reverse=True,
    )
    assert [row[0] for row in above] == [account for _, account in expected]
    assert "small" not in [row[0] for row in above]


@given(st.lists(st.integers(min_value=-(10**60), max_value=10**60), min_size=2, max_size=30))
def test_the_key_orders_like_the_integers_for_any_size_and_sign(values: list[int]) -> None:
    assert sorted(values, key=sort_key) == sorted(values)
    assert len({sort_key(v) for v in values}) == len(set(values))
