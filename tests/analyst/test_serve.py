"""`defi-ledger serve` answers on a loopback port with the metadata, units and queries applied.

The server runs in a child process on 127.0.0.1 and a free port (`tests/serve_process.py`).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from replay.cli import cli
from tests.serve_process import fetch, serving

pytest.importorskip("datasette", reason="datasette is not installed (pip install -e '.[serve]')")


@pytest.fixture(scope="module")
def server(whale_log: Path) -> Iterator[str]:
    with serving(str(whale_log)) as served:
        yield f"{served.base}/{whale_log.stem}"


def test_the_database_page_lists_the_views_first_and_hides_internals(server: str) -> None:
    page = fetch(server)
    assert page.index("Views first") < page.index("view_balances") < page.index("/events")
    tables = json.loads(fetch(f"{server}.json"))["tables"]
    hidden = {t["name"] for t in tables if t["hidden"]}
    assert {"snapshots", "view_state", "view_tracking"} <= hidden
    assert "events" not in hidden and "view_balances" not in hidden


def test_metadata_describes_tables_and_columns_with_units(server: str) -> None:
    meta = json.loads(fetch(server.rsplit("/", 1)[0] + "/-/metadata.json"))
    (database,) = meta["databases"].values()
    balances = database["tables"]["view_balances"]
    assert balances["title"] and balances["description"]
    assert "base units" in balances["columns"]["amount"] and "amount_key" in balances["columns"]
    assert set(database["queries"]) >= {
        "balances_at_block",
        "position_history",
        "transaction_events",
        "reserve_coverage_over_time",
    }


def test_sorting_by_the_key_puts_the_whale_first_and_cells_read_in_units(server: str) -> None:
    rows = json.loads(
        fetch(f"{server}/view_balances.json?_shape=array&asset=ETH&_sort_desc=amount_key&_size=2")
    )
    assert [row["account"] for row in rows] == ["whale", "second"]
    assert rows[0]["amount"] == str(10**30)  # the JSON keeps the exact text
    page = fetch(f"{server}/view_balances?asset=ETH&_sort_desc=amount_key")
    assert "1,000,000,000,000 ETH" in page


def test_canned_queries_answer_exactly(server: str) -> None:
    rows = json.loads(fetch(f"{server}/balances_at_block.json?block=2500&_shape=array"))
    assert rows and all(isinstance(row["amount"], str) for row in rows)
    assert not any(row["account"] == "whale" for row in rows)  # minted later
    series = json.loads(
        fetch(f"{server}/reserve_coverage_over_time.json?token=fx:ETH&_shape=array")
    )
    assert [row["type"] for row in series][:2] == ["ReserveCredited", "ShortfallReported"]
    history = json.loads(
        fetch(f"{server}/position_history.json?pool=ETH-long&position=1&_shape=array")
    )
    assert history[0]["type"] == "FxPositionOperated"


def test_a_record_links_to_the_events_of_its_block_and_a_position_to_its_history(
    server: str,
) -> None:
    assert "/events?block=" in fetch(f"{server}/view_prices")
    assert "/position_history?pool=ETH-long&amp;position=" in fetch(f"{server}/view_fx_positions")


def serve_at_once(*args: str) -> Result:
    """`serve ARGS` in this process: for a command that must end before it serves anything."""
    return CliRunner().invoke(cli, ["serve", *args])


def test_a_port_in_use_is_an_environment_fault_named_with_what_to_do(whale_log: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = serve_at_once(str(whale_log), "--port", str(port))
    assert result.exit_code == 4, result.output
    assert result.output.splitlines() == [
        f"Error: I/O or environment fault: cannot listen on 127.0.0.1 port {port} (Address "
        "already in use); stop what listens there, or pick another --port (0: any free one)"
    ]


def test_a_host_that_is_not_this_machines_is_an_environment_fault(whale_log: Path) -> None:
    result = serve_at_once(str(whale_log), "--host", "256.1.1.1", "--port", "0")
    assert result.exit_code == 4, result.output
    assert "cannot listen on 256.1.1.1 port 0 (" in result.output
    assert "give --host an address of this machine" in result.output


def test_a_missing_log_is_an_environment_fault_as_in_every_read_command(tmp_path: Path) -> None:
    missing = tmp_path / "nonexist.db"
    result = serve_at_once(str(missing), "--port", "0")
    assert result.exit_code == 4, result.output
    assert f"I/O or environment fault: no ledger at {missing}; create one" in result.output
    assert list(tmp_path.iterdir()) == []
