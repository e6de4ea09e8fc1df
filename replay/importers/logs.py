"""One chain log, whatever file it came from, and the readers of the EVM formats.

Readers turn ethereum-etl's logs export (JSON lines or CSV) and raw `eth_getLogs` results into
`ChainLog`s in file order. They only parse the envelope: hex quantities become ints, `data`
and topics stay hex text; decoding a log's fields is the protocol module's job (with eth-abi).
A line that cannot be read is a `LogFormatError` naming the file and line: nothing is skipped.
Files are UTF-8 text: a byte that is not is refused by its offset and line (`check_text`).
Topics and data stay 0x hex text (lower case): most logs are told apart by their first topic
alone, and a protocol module decodes only the fields it maps.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Annotated, Any, TypeVar

import msgspec

from events.base import SQLITE_INT_MAX


class ChainLog(msgspec.Struct, frozen=True, gc=False):
    """An EVM log: where it is on the chain, who emitted it, its topics and data."""

    block: int
    block_hash: str
    tx_hash: str
    tx_index: int
    log_index: int
    address: str
    topics: tuple[str, ...]
    """The topics, 0x hex, lower case (the event's signature hash first)."""
    data: str
    """The non-indexed fields, ABI-encoded, 0x hex."""
    removed: bool = False
    """True when a node reported the log as removed by a reorganisation (`eth_getLogs`)."""
    pending: bool = False
    """True for a log in no block yet (`eth_getLogs` to the `pending` block: its block, hashes
    and indexes null): nothing places it on the chain, so it is counted, never imported."""


class LogFormatError(ValueError):
    """A log record the reader cannot parse (names the file and the line or item)."""


ETL_CSV_COLUMNS = (
    "log_index",
    "transaction_hash",
    "transaction_index",
    "block_hash",
    "block_number",
    "address",
    "topics",
)
"""The columns of ethereum-etl's logs CSV a log is read from (`data` may be left out)."""

_CHUNK = 1 << 20
TEXT = "utf-8-sig"
"""How the files are read: UTF-8, a byte order mark before the first line (as spreadsheet
programs save a CSV) passed over."""
GZIP_MAGIC = b"\x1f\x8b"


def check_text(path: Path) -> None:
    """Refuse a file that is not UTF-8 text: a `LogFormatError` naming the offset and line of
    its first byte that is not (the file is read in chunks, never whole), or saying it is
    gzip-compressed."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as raw:
        while True:
            chunk = raw.read(_CHUNK)
            if offset == 0 and chunk[:2] == GZIP_MAGIC:
                raise LogFormatError(
                    f"{path}: gzip-compressed, which the import does not read; decompress it "
                    f"(gunzip -k {path}) and import the file that writes"
                )
            pending = len(decoder.getstate()[0])  # a character split across chunks
            try:
                if pending or not chunk.isascii():  # ASCII, as exports are: nothing to decode
                    decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as error:
                where = offset - pending + error.start
                raise LogFormatError(
                    f"{path}: byte {where} (line {_line_at(path, where)}): not UTF-8 text "
                    f"({error.reason}); give the file as UTF-8 text, as the exporters write it"
                ) from error
            if not chunk:
                return
            offset += len(chunk)


def _line_at(path: Path, offset: int) -> int:
    """The line (from 1) that byte `offset` of `path` is on."""
    line = 1
    with path.open("rb") as raw:
        while offset > 0:
            chunk = raw.read(min(_CHUNK, offset))
            if not chunk:
                break
            line += chunk.count(b"\n")
            offset -= len(chunk)
    return line


_Record = TypeVar("_Record")


def utf8_only(path: Path, records: Iterable[_Record]) -> Iterator[_Record]:
    """`records` read from `path`, a byte that is not UTF-8 refused by `check_text`."""
    try:
        yield from records
    except UnicodeDecodeError as error:
        check_text(path)  # names the offset and line
        raise LogFormatError(f"{path}: not UTF-8 text ({error.reason})") from error


def _hex(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected 0x hex text, not {type(value).__name__} {value!r}")
    text = value.strip().lower()
    if not text.startswith("0x"):
        text = "0x" + text
    if len(text) % 2:
        raise ValueError(f"{value!r} has an odd number of hex digits")
    bytes.fromhex(text[2:])  # refuses what is not hex here, where the line is known
    return text


def _sized(size: int) -> Callable[[Any], str]:
    """0x hex text of exactly `size` bytes: a hash (32), an address (20), a topic (32)."""

    def sized(value: Any) -> str:
        text = _hex(value)
        if len(text) != 2 + 2 * size:
            raise ValueError(f"{value!r} is not {size} bytes long ({len(text) // 2 - 1})")
        return text

    return sized


_hash = _sized(32)
_address = _sized(20)


def quantity(value: Any) -> int:
    """A block number or index: an int, or its decimal or 0x hex text, 0..`SQLITE_INT_MAX`."""
    if type(value) is int:
        number = value
    elif isinstance(value, str):
        text = value.strip()
        number = int(text, 16) if text.startswith(("0x", "0X")) else int(text)
    else:
        raise TypeError(f"expected a number, not {type(value).__name__} {value!r}")
    if not 0 <= number <= SQLITE_INT_MAX:
        digits = str(number)
        shown = digits if len(digits) <= 24 else f"a {len(digits)}-digit number"
        raise ValueError(f"{shown} is not a block number or index (0 to 2**63 - 1)")
    return number


def _topics(value: Any) -> tuple[str, ...]:
    """The topics, each 32 bytes: a shorter or longer one would decode to another address."""
    if isinstance(value, str):
        value = [item for item in value.split(",") if item.strip()]
    if not isinstance(value, list | tuple):
        raise TypeError(f"expected a list of topics, not {type(value).__name__} {value!r}")
    return tuple(_topic(item) for item in value)


_topic = _sized(32)
_Parsed = TypeVar("_Parsed")


def field(item: dict[str, Any], name: str, parse: Callable[[Any], _Parsed]) -> _Parsed:
    """`item[name]` parsed, a missing or wrong value named by its field."""
    value = item.get(name)
    if value is None:
        raise ValueError(f"no `{name}`")
    try:
        return parse(value)
    except (ValueError, TypeError) as error:
        raise ValueError(f"`{name}`: {error}") from error


_ETL_NAMES = ("block_number", "block_hash", "transaction_hash", "transaction_index", "log_index")
_RPC_NAMES = ("blockNumber", "blockHash", "transactionHash", "transactionIndex", "logIndex")
"""Where each format keeps a log's block, block hash, transaction hash and index, log index."""


def _located(item: dict[str, Any], names: tuple[str, ...], removed: bool = False) -> ChainLog:
    block, block_hash, tx_hash, tx_index, log_index = names
    return ChainLog(
        block=field(item, block, quantity),
        block_hash=field(item, block_hash, _hash),
        tx_hash=field(item, tx_hash, _hash),
        tx_index=field(item, tx_index, quantity),
        log_index=field(item, log_index, quantity),
        address=field(item, "address", _address),
        topics=field(item, "topics", _topics),
        data=_hex(item.get("data") or "0x"),
        removed=removed,
    )


def from_etl(item: dict[str, Any]) -> ChainLog:
    """An ethereum-etl log record (JSON or CSV row) as a `ChainLog`."""
    return _located(item, _ETL_NAMES)


def from_rpc(item: dict[str, Any]) -> ChainLog:
    """An `eth_getLogs` result item (hex quantities) as a `ChainLog`; a pending one (in no
    block yet) is marked so."""
    if "blockHash" in item and item["blockHash"] is None:
        return ChainLog(0, "", "", 0, 0, "", (), "0x", pending=True)
    return _located(item, _RPC_NAMES, removed=item.get("removed") is True)


def _parsed(path: Path, where: str, item: Any, parse: Callable[[Any], ChainLog]) -> ChainLog:
    try:
        if not isinstance(item, dict):
            raise TypeError("not a JSON object")
        return parse(item)
    except (KeyError, ValueError, TypeError) as error:
        raise LogFormatError(
            f"{path}: {where}: not a log record ({error}); correct or remove that record, "
            "or export the file again"
        ) from error


_Quantity = Annotated[int, msgspec.Meta(ge=0, le=SQLITE_INT_MAX)]


class _EtlLog(msgspec.Struct):
    """An ethereum-etl log line as it is written (its typed fast path)."""

    log_index: _Quantity
    transaction_hash: str
    transaction_index: _Quantity
    block_hash: str
    block_number: _Quantity
    address: str
    data: str
    topics: list[str]
    type: str = "log"


_etl_line = msgspec.json.Decoder(_EtlLog)


def _etl_fast(line: str) -> ChainLog | None:
    """A well-formed log line in one typed decode (None: take the general path)."""
    try:
        item = _etl_line.decode(line)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    if item.type != "log":
        return None
    topics, data = tuple(topic.lower() for topic in item.topics), item.data.lower()
    block_hash, tx_hash = item.block_hash.lower(), item.transaction_hash.lower()
    address = item.address.lower()
    if len(block_hash) != 66 or len(tx_hash) != 66 or len(address) != 42:
        return None  # the general path names the field of the wrong size
    try:
        for text in (data, *topics):
            if text[:2] != "0x" or (len(text) != 66 and text is not data):
                return None  # the general path adds the prefix, or names the wrong size
            bytes.fromhex(text[2:])
        if block_hash[:2] != "0x" or tx_hash[:2] != "0x" or address[:2] != "0x":
            return None
        bytes.fromhex(block_hash[2:] + tx_hash[2:] + address[2:])
    except ValueError:
        return None  # not hex: the general path refuses it by name
    return ChainLog(
        item.block_number,
        block_hash,
        tx_hash,
        item.transaction_index,
        item.log_index,
        address,
        topics,
        data,
    )


def read_etl_jsonl(path: Path) -> Iterator[ChainLog]:
    """ethereum-etl `export_receipts_and_logs --logs-output logs.json` (one JSON per line)."""
    return utf8_only(path, _etl_jsonl(path))


def _etl_jsonl(path: Path) -> Iterator[ChainLog]:
    with path.open(encoding=TEXT) as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            fast = _etl_fast(line)
            if fast is not None:
                yield fast
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as error:
                raise LogFormatError(f"{path}: line {number}: {error}{_ETL_JSON}") from error
            if isinstance(item, dict) and item.get("type", "log") != "log":
                continue  # a receipt or another item type shares the file: not a log
            if not isinstance(item, dict):
                raise LogFormatError(f"{path}: line {number}: not a JSON object{_ETL_JSON}")
            yield _parsed(path, f"line {number}", item, from_etl)


_ETL_JSON = (
    "; etl-json reads ethereum-etl's logs export, a JSON object a line: is the file of "
    "another --format?"
)


def read_etl_csv(path: Path) -> Iterator[ChainLog]:
    """ethereum-etl's logs CSV (topics comma-joined in one column), its header first; an empty
    file holds no logs (ethereum-etl writes the header with the first log)."""
    return utf8_only(path, _etl_csv(path))


def _etl_csv(path: Path) -> Iterator[ChainLog]:
    with path.open(newline="", encoding=TEXT) as rows:
        reader = csv.DictReader(rows)
        if reader.fieldnames is None:
            return  # an empty file
        lacking = [column for column in ETL_CSV_COLUMNS if column not in reader.fieldnames]
        if lacking:
            raise LogFormatError(
                f"{path}: line 1: not the header of ethereum-etl's logs CSV, which names "
                f"{', '.join(ETL_CSV_COLUMNS)} (and data): no {', '.join(lacking)}"
            )
        for number, row in enumerate(reader, start=2):
            yield _parsed(path, f"line {number}", row, from_etl)


def read_rpc(path: Path) -> Iterator[ChainLog]:
    """`eth_getLogs` results: a JSON-RPC response, a list of them, or a bare list of logs."""
    return utf8_only(path, _rpc(path))


def documents(path: Path) -> list[Any]:
    """The JSON documents of a file: one (a response, a page, a list of them), or one a line
    (responses or pages appended to a file as they were fetched), each line then a document."""
    text = path.read_text(encoding=TEXT)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        if not error.msg.startswith("Extra data"):
            raise LogFormatError(f"{path}: {error}") from error
    else:
        return document if isinstance(document, list) else [document]
    found: list[Any] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except json.JSONDecodeError as error:
            raise LogFormatError(f"{path}: line {number}: {error}") from error
        found.extend(document if isinstance(document, list) else [document])
    return found


def _rpc(path: Path) -> Iterator[ChainLog]:
    responses = documents(path)
    if responses and all(isinstance(item, dict) and "blockNumber" in item for item in responses):
        responses = [{"result": responses}]
    for response_number, response in enumerate(responses):
        if isinstance(response, dict) and isinstance(response.get("error"), dict):
            raise LogFormatError(
                f"{path}: item {response_number}: the node answered an error, not logs "
                f"({response['error'].get('code')}: {response['error'].get('message')}); "
                "fetch that range again (in smaller ranges if it says the answer is too large)"
            )
        if not isinstance(response, dict) or not isinstance(response.get("result"), list):
            raise LogFormatError(
                f"{path}: item {response_number}: no `result` list of logs; rpc-json reads "
                'eth_getLogs results ({"result": [logs]}, a list of them, or the bare list of '
                "logs): is the file of another --format?"
            )
        for index, item in enumerate(response["result"]):
            yield _parsed(path, f"response {response_number} log {index}", item, from_rpc)
