"""Malformed input on the append path: each kind refused by name, with its line and field,
and the log byte-identical after it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from events.base import SQLITE_INT_MAX
from events.rejections import RejectCode
from ledger.batch import NewEvent, Rejected
from ledger.jsonl import NESTING_DEPTH_MAX, parse_line, parse_lines
from tests.replay.test_cli_log import ledger, run

__all__ = ["ledger"]

TRANSFER = {"type": "Transferred", "asset": "USDC", "from_account": "alice",
            "to_account": "bob", "amount": 5}  # fmt: skip
GOOD = json.dumps({"block": 9, "event": TRANSFER}).encode()


PRICE_SCALE_2_63 = json.dumps(
    {
        "block": 9,
        "event": {
            "type": "PriceUpdated",
            "asset": "ETH",
            "quote": "USD",
            "price": 1,
            "scale": 2**63,
        },
    }
).encode()
"""Once appended, it stopped every later catch-up: the prices view keeps the scale as INTEGER."""


def nested(depth: int) -> bytes:
    memo = "[" * depth + "]" * depth
    return b'{"block": 9, "event": {"type": "Transferred", "memo": ' + memo.encode() + b"}}"


CASES: dict[str, tuple[bytes, RejectCode, str]] = {
    "block 2**63": (GOOD.replace(b'"block": 9', b'"block": 9223372036854775808'),
                    RejectCode.INT_OUT_OF_RANGE, str(SQLITE_INT_MAX)),
    "ts_ms 2**64": (GOOD.replace(b'"block": 9', b'"block": 9, "ts_ms": 18446744073709551616'),
                    RejectCode.INT_OUT_OF_RANGE, "$.ts_ms"),
    "expected_version huge": (GOOD.replace(b'"block": 9', b'"block": 9, "expected_version": ' + b"9" * 40),
                              RejectCode.INT_OUT_OF_RANGE, "$.expected_version"),
    "not UTF-8": (GOOD.replace(b"alice", b"al\xffice"), RejectCode.NOT_UTF8, "byte"),
    "deeper than the limit": (nested(NESTING_DEPTH_MAX + 5), RejectCode.NESTED_TOO_DEEP,
                              f"the limit is {NESTING_DEPTH_MAX}"),
    "deep enough to break the parser": (nested(100_000), RejectCode.NESTED_TOO_DEEP, "deeper"),
    "a second type": (GOOD[:-2] + b', "type": "Burned"}}', RejectCode.DUPLICATE_KEY, "'type'"),
    "a repeated envelope key": (GOOD[:-1] + b', "block": 10}', RejectCode.DUPLICATE_KEY, "'block'"),
    "an unknown event field": (GOOD[:-2] + b', "amuont": 7}}', RejectCode.UNKNOWN_FIELD,
                               "did you mean `amount`"),
    "an unknown envelope field": (GOOD[:-1] + b', "blok": 3}', RejectCode.UNKNOWN_FIELD, "blok"),
    "a price scale past 2**63 - 1": (PRICE_SCALE_2_63, RejectCode.INVALID_FIELD, "$.event.scale"),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_malformed_input_is_named(name: str) -> None:
    line, code, detail = CASES[name]
    result = parse_lines([GOOD, line])
    assert isinstance(result, Rejected), name
    assert result.code == code and result.detail.startswith("line 2: ")
    assert detail in result.detail


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_cli_refuses_it_and_writes_nothing(ledger: Path, tmp_path: Path, name: str) -> None:
    line, code, _ = CASES[name]
    source = tmp_path / "in.jsonl"
    source.write_bytes(GOOD + b"\n" + line + b"\n")
    before = ledger.read_bytes()
    exit_code, output = run("append", str(ledger), str(source))
    assert exit_code == 1 and f"rejected ({code})" in output and "line 2" in output
    assert "Traceback" not in output
    assert ledger.read_bytes() == before


def test_a_key_inside_a_string_is_not_taken_for_a_duplicate() -> None:
    tricky = {**TRANSFER, "memo": 'say "amount": 9, "type": "Burned"'}
    parsed = parse_line(json.dumps({"block": 1, "event": tricky}), 1)
    assert isinstance(parsed, NewEvent)


def test_nesting_at_the_limit_is_read() -> None:
    # Depth counts the envelope (1) and the event (2): a memo list at the limit is fine.
    value: object = []
    for _ in range(NESTING_DEPTH_MAX - 3):
        value = [value]
    line = json.dumps({"block": 1, "event": {**TRANSFER, "memo": value}})
    parsed = parse_line(line, 1)
    # Transferred's memo is a string: the depth check passes, the type check names the field.
    assert isinstance(parsed, Rejected) and parsed.code == RejectCode.INVALID_FIELD


def test_the_largest_stored_int_is_accepted() -> None:
    line = GOOD.replace(b'"block": 9', f'"block": {SQLITE_INT_MAX}'.encode())
    parsed = parse_line(line, 1)
    assert isinstance(parsed, NewEvent) and parsed.block == SQLITE_INT_MAX


def test_the_store_refuses_an_int_sqlite_cannot_hold(ledger: Path) -> None:
    from events.core import Minted
    from ledger.sqlite_store import SqliteStore

    before = ledger.read_bytes()
    store = SqliteStore(ledger)
    try:
        event = Minted(asset="USDC", to_account="x", amount=1)
        result = store.append([NewEvent(event=event, block=2**63)])
    finally:
        store.close()
    assert isinstance(result, Rejected) and result.code == RejectCode.INT_OUT_OF_RANGE
    assert ledger.read_bytes() == before
