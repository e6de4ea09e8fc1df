"""Stacks API contract event pages: the `print`s of ALEX contracts, with their Clarity values.

A page is what `/extended/v1/contract/{contract_id}/events` returns (or a list of pages):

    {"limit": 50, "offset": 0, "results": [{"event_index": 3,
     "event_type": "smart_contract_log", "tx_id": "0x...",
     "contract_log": {"contract_id": "SP...amm-pool-v2-01", "topic": "print",
     "value": {"hex": "0x0c...", "repr": "(tuple (action \"swap-x-for-y\") ...)"}}}]}

The Clarity value is read from its `repr` (`parse_clarity`): tuples become dicts, `u12` and
`12` ints, strings and principals str, `none`/`(some x)`/`(ok x)`/`(err x)` None or the inner
value, lists lists. Events that are not contract logs are skipped as what they are (asset
events, which the contract's own print reports too). A page gives no block height unless the
item carries `block_height`, or embeds its transaction (`tx`) with one, as the transaction
endpoints do (`tx_index` and `block_hash` likewise); an ALEX print is reported by its object
and action.
`replay.importers.alex` maps the prints of ALEX pools onto the ledger's facts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from replay.importers.logs import LogFormatError, documents, field, quantity, utf8_only

_TOKEN = re.compile(r'\s*(?:(\()|(\))|"((?:[^"\\]|\\.)*)"|([^\s()]+))')


class StacksPrint(msgspec.Struct, frozen=True):
    """One `print` of a contract: where it is, and its Clarity value as Python data."""

    contract_id: str
    tx_id: str
    event_index: int
    block_height: int | None
    value: Any
    tx_index: int | None = None
    block_hash: str | None = None


def _atom(text: str) -> Any:
    if re.fullmatch(r"u\d+", text):
        return int(text[1:])
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if text in ("true", "false"):
        return text == "true"
    if text == "none":
        return None
    return text.lstrip("'")


def _tokens(text: str) -> Iterator[tuple[str, str]]:
    position = 0
    while position < len(text.rstrip()):
        found = _TOKEN.match(text, position)
        if found is None:
            raise ValueError(f"cannot read Clarity at {text[position : position + 20]!r}")
        position = found.end()
        if found.group(1):
            yield "(", ""
        elif found.group(2):
            yield ")", ""
        elif found.group(3) is not None:
            yield "str", found.group(3)
        else:
            yield "atom", found.group(4)


def _form(items: list[Any]) -> Any:
    head = items[0] if items else None
    if head == "tuple":
        return {str(pair[0]): pair[1] for pair in items[1:]}
    if head == "list":
        return items[1:]
    if head in ("some", "ok", "err") and len(items) == 2:
        return items[1]
    return items


def parse_clarity(text: str) -> Any:
    """A Clarity value's `repr` as Python data (see the module docstring)."""
    stack: list[list[Any]] = [[]]
    for kind, value in _tokens(text):
        if kind == "(":
            stack.append([])
        elif kind == ")":
            if len(stack) < 2:
                raise ValueError("unbalanced ')' in Clarity value")
            done = stack.pop()
            stack[-1].append(_form(done) if done and done[0] in _FORMS else done)
        else:
            stack[-1].append(value if kind == "str" else _atom(value))
    if len(stack) != 1 or len(stack[0]) != 1:
        raise ValueError("unbalanced Clarity value")
    return stack[0][0]


_FORMS = {"tuple", "list", "some", "ok", "err"}


def read_stacks_pages(path: Path) -> Iterator[StacksPrint]:
    """The contract `print`s in a file of Stacks API event pages, in page order."""
    return utf8_only(path, _prints(path))


def _prints(path: Path) -> Iterator[StacksPrint]:
    for page_number, page in enumerate(documents(path)):
        results = page.get("results") if isinstance(page, dict) else None
        if not isinstance(results, list):
            raise LogFormatError(
                f"{path}: page {page_number}: no `results` list; stacks-json reads Stacks API "
                'event pages ({"limit", "offset", "total", "results": [events]}, a list of '
                "them, or one a line): is the file of another --format?"
            )
        for index, item in enumerate(results):
            if not isinstance(item, dict) or item.get("event_type") != "smart_contract_log":
                continue
            try:
                log = field(item, "contract_log", _object)
                yield StacksPrint(
                    contract_id=field(log, "contract_id", _text),
                    tx_id=field(item, "tx_id", _text).lower(),
                    event_index=field(item, "event_index", quantity),
                    block_height=_where(item, "block_height"),
                    value=field(field(log, "value", _object), "repr", _clarity),
                    tx_index=_where(item, "tx_index"),
                    block_hash=_block_hash(item),
                )
            except (TypeError, ValueError) as error:
                where = f"page {page_number} result {index}"
                raise LogFormatError(
                    f"{path}: {where}: not a contract log ({error}); correct or remove that "
                    "item, or export the pages again"
                ) from error


def _text(value: Any) -> str:
    """A string field: null or a number is no tx id or contract, never read as "None"."""
    if not isinstance(value, str):
        raise TypeError(f"expected text, not {type(value).__name__} {value!r}")
    return value


def _clarity(value: Any) -> Any:
    return parse_clarity(_text(value))


def _object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TypeError(f"expected a JSON object, not {type(value).__name__}")
    return value


def _field(item: dict[str, Any], name: str) -> Any:
    """A field of an event item, or of the transaction it embeds (`tx`); None if neither has it."""
    found = item.get(name)
    if found is None and isinstance(item.get("tx"), dict):
        found = item["tx"].get(name)
    return found


def _where(item: dict[str, Any], name: str) -> int | None:
    """`block_height` or `tx_index` of an event item (or of its `tx`): an int or its decimal
    text, 0..2**63 - 1 (a fraction or a negative height places a print nowhere)."""
    found = _field(item, name)
    return None if found is None else field({name: found}, name, quantity)


def _block_hash(item: dict[str, Any]) -> str | None:
    """The `block_hash` of an event item (or of its `tx`), lower case."""
    found = _field(item, "block_hash")
    return None if found is None else str(found).lower()


def print_kind(value: Any) -> str:
    """An ALEX print's `object`/`action` (what the contract says it did), or `print`."""
    if isinstance(value, dict):
        parts = [str(value[key]) for key in ("object", "action") if key in value]
        if parts:
            return "/".join(parts)
    return "print"
