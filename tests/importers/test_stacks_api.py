"""Stacks API event pages: ALEX prints are read with their Clarity values and counted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.sqlite_store import SqliteStore
from replay.cli import cli
from replay.importers import import_logs
from replay.importers.alex_import import MissingBlockHeight
from replay.importers.logs import LogFormatError
from replay.importers.stacks_api import parse_clarity, read_stacks_pages

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "chain"
POOLS = FIXTURES / "alex-demo.pools.json"

SWAP_PRINT = (
    '(tuple (action "swap-x-for-y") (data (tuple (dx u100000000) (dy u98123456) '
    "(fee u300000) (pool-id u3) (sender 'SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9))) "
    '(object "pool"))'
)


def test_clarity_values_read_as_python_data() -> None:
    value = parse_clarity(SWAP_PRINT)
    assert value["action"] == "swap-x-for-y" and value["object"] == "pool"
    assert value["data"]["dy"] == 98_123_456
    assert value["data"]["sender"] == "SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9"
    assert parse_clarity("(ok (list u1 u2 -3 none true))") == [1, 2, -3, None, True]
    assert parse_clarity('(some "a \\"quoted\\" word")') == 'a \\"quoted\\" word'


def test_every_print_of_a_page_is_counted_by_action(tmp_path: Path) -> None:
    """A pool print needs a block height; one whose record lacks the balances is unmapped."""
    page = {
        "limit": 3,
        "offset": 0,
        "results": [
            {
                "event_index": index,
                "event_type": "smart_contract_log",
                "tx_id": f"0x{index:064x}",
                "contract_log": {
                    "contract_id": "SP102V8P0F7JX67ARQ77WEA3D3CFB5XW39REDT0AM.amm-pool-v2-01",
                    "topic": "print",
                    "value": {"hex": "0x0c", "repr": SWAP_PRINT},
                },
            }
            for index in range(2)
        ]
        + [{"event_index": 9, "event_type": "fungible_token_asset", "tx_id": "0x01"}],
    }
    path = tmp_path / "page.json"
    path.write_text(json.dumps([page]))
    assert [item.event_index for item in read_stacks_pages(path)] == [0, 1]
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    with pytest.raises(MissingBlockHeight, match="2 ALEX pool prints have no block_height"):
        import_logs(store, [path], format="stacks-json")
    for found in page["results"][:2]:
        found["tx"] = {"block_height": 7, "tx_index": 0}  # as the transaction endpoints give it
    path.write_text(json.dumps([page]))
    assert {item.block_height for item in read_stacks_pages(path)} == {7}
    result = import_logs(store, [path], format="stacks-json")
    assert result.counts == {"ALEX print": {"mapped": 0, "unmapped": 2, "duplicate": 0}}
    assert result.unmapped_reasons == {
        "ALEX print: pool/swap-x-for-y: the pool record has no uint `balance-x`": 2
    }
    assert store.head().seq == 0


@pytest.mark.parametrize("name", ["block_height", "tx_index", "event_index"])
@pytest.mark.parametrize(
    ("value", "says"),
    [
        (1.5, "expected a number, not float 1.5"),
        (-5, "-5 is not a block number or index"),
        (2**70, "1180591620717411303424 is not a block number or index"),
        (True, "expected a number, not bool True"),
    ],
)
def test_a_height_or_index_that_is_no_whole_number_in_range_is_refused_by_item(
    tmp_path: Path, name: str, value: object, says: str
) -> None:
    """A fraction was cut to a whole block, a negative height refused as a negative amount, and
    a height or index past 2**63 - 1 recorded: each is refused by its page and item instead,
    before the log is created."""
    pages = json.loads((FIXTURES / "alex-demo.events.json").read_text())
    pages[0]["results"][0][name] = value
    path = tmp_path / "events.json"
    path.write_text(json.dumps(pages))
    db = tmp_path / "alex.db"
    args = ["import", str(db), "--format", "stacks-json", "--pool-state", str(POOLS), str(path)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert f"page 0 result 0: not a contract log (`{name}`: {says}" in result.output
    assert not db.exists()


def test_pages_appended_one_a_line_import_as_a_list_of_them(tmp_path: Path) -> None:
    """Pages fetched with a growing offset and appended to a file one a line import as the
    same pages in a list (they were refused as JSON with 'Extra data')."""
    pages = json.loads((FIXTURES / "alex-demo.events.json").read_text())
    path = tmp_path / "events.json"
    path.write_text("".join(json.dumps(page) + "\n" for page in pages))
    assert list(read_stacks_pages(path)) == list(
        read_stacks_pages(FIXTURES / "alex-demo.events.json")
    )


@pytest.mark.parametrize(
    ("where", "name", "value", "says"),
    [
        ((), "tx_id", None, "no `tx_id`"),
        ((), "tx_id", 7, "`tx_id`: expected text, not int 7"),
        (("contract_log",), "contract_id", None, "no `contract_id`"),
        (("contract_log", "value"), "repr", 5, "`repr`: expected text, not int 5"),
        ((), "contract_log", "print", "`contract_log`: expected a JSON object, not str"),
    ],
)
def test_an_item_field_missing_or_of_another_kind_is_refused_by_name(
    tmp_path: Path, where: tuple[str, ...], name: str, value: object, says: str
) -> None:
    """A null tx id was read as the text "none", every such print one transaction; a number
    where the Clarity repr belongs was read as a print of that number."""
    pages = json.loads((FIXTURES / "alex-demo.events.json").read_text())
    item = pages[0]["results"][0]
    for key in where:
        item = item[key]
    item[name] = value
    path = tmp_path / "events.json"
    path.write_text(json.dumps(pages))
    with pytest.raises(LogFormatError, match=f"page 0 result 0: not a contract log \\({says}"):
        list(read_stacks_pages(path))
