"""`defi-ledger import` refusals: named, exit 1 (4 for a file it cannot read), and nothing
created or appended: a new log is not left behind, an existing one keeps its head."""

from __future__ import annotations

import codecs
import gzip
import json
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.sqlite_store import SqliteStore
from replay.cli import cli
from replay.importers.logs import ETL_CSV_COLUMNS, LogFormatError, check_text
from tests.importers.chain_model import demo_history, token_list
from tests.importers.conftest import write_logs

FORMATS = ["etl-json", "etl-csv", "rpc-json", "stacks-json"]
CLI = [sys.executable, "-c", "from replay.cli import main; main()"]
NOT_UTF8 = b'{"a": "\xc3\xa9"}\n{"b": 1}\n\x00\xff\xfe{}\n'
"""UTF-8 up to byte 22 (line 3), then a byte UTF-8 never starts a character with."""


def _import(db: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["import", str(db), *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


@pytest.fixture
def existing_log(tmp_path: Path, tokens_file: Path) -> Path:
    """A log with the demo chain imported into it."""
    chain, _ = demo_history()
    logs = write_logs(tmp_path, "demo", chain.logs, "etl-json")
    db = tmp_path / "existing.db"
    code, output = _import(db, "--format", "etl-json", "--token-list", str(tokens_file), str(logs))
    assert code == 0, output
    return db


def _head(db: Path) -> object:
    store = SqliteStore(db)
    try:
        return store.head()
    finally:
        store.close()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_that_is_not_utf8_is_refused_by_offset_and_line(
    tmp_path: Path, existing_log: Path, fmt: str
) -> None:
    binary = tmp_path / "binary.db"
    binary.write_bytes(NOT_UTF8)
    new = tmp_path / "new.db"
    code, output = _import(new, "--format", fmt, str(binary))
    assert code == 1, output
    assert f"{binary}: byte 22 (line 3): not UTF-8 text" in output
    assert not new.exists()
    before = _head(existing_log)
    code, output = _import(existing_log, "--format", fmt, str(binary))
    assert code == 1 and "not UTF-8 text" in output
    assert _head(existing_log) == before


def test_the_offset_is_found_across_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A character split between two reads is no error; the bad byte's offset and line count
    every chunk before it."""
    monkeypatch.setattr("replay.importers.logs._CHUNK", 3)
    path = tmp_path / "split.json"
    path.write_bytes(b"ab\xc3\xa9\n\xe2\x82\xac\nxy\x80")
    with pytest.raises(LogFormatError, match=r"byte 11 \(line 3\)"):
        check_text(path)
    path.write_bytes(b"ab\xc3\xa9\n\xe2\x82")  # cut short inside a character
    with pytest.raises(LogFormatError, match=r"byte 5 \(line 2\)"):
        check_text(path)
    path.write_bytes(b"ab\xc3\xa9\n\xe2\x82\xac\n")
    check_text(path)


@pytest.mark.parametrize("option", ["--token-list", "--state"])
def test_an_option_file_that_cannot_be_read_is_an_io_fault(
    tmp_path: Path, existing_log: Path, option: str
) -> None:
    """A missing file is the environment's fault (exit 4); one that exists but is not a token
    list or state file is refused input (exit 1). Neither creates a log."""
    logs = tmp_path / "empty.json"
    logs.write_text("")
    missing = tmp_path / "nonexist.json"
    new = tmp_path / "new.db"
    code, output = _import(new, "--format", "etl-json", option, str(missing), str(logs))
    assert code == 4, output
    assert str(missing) in output and "No such file" in output
    assert not new.exists()
    wrong = tmp_path / "wrong.json"
    wrong.write_text("[1, 2]")
    code, output = _import(new, "--format", "etl-json", option, str(wrong), str(logs))
    assert code == 1 and f"{wrong}: not a" in output
    assert not new.exists()
    before = _head(existing_log)
    for given in (missing, wrong):
        code, _ = _import(existing_log, "--format", "etl-json", option, str(given), str(logs))
        assert code in (1, 4)
    assert _head(existing_log) == before


@pytest.mark.parametrize(
    ("content", "lacking"),
    [
        ('{"log_index": 0, "block_number": 1}\n', ", ".join(ETL_CSV_COLUMNS)),
        ("a,b\n1,2\n", ", ".join(ETL_CSV_COLUMNS)),
        (
            "log_index,transaction_hash,block_number,address,data,topics\n",
            "transaction_index, block_hash",
        ),
    ],
)
def test_a_csv_without_the_etl_header_is_refused_naming_its_missing_columns(
    tmp_path: Path, existing_log: Path, content: str, lacking: str
) -> None:
    """ethereum-etl writes the header with the first log: an empty file, or the header alone,
    holds no logs, as an empty JSON lines file does; anything else needs the header."""
    for empty in ("", ",".join(ETL_CSV_COLUMNS) + ",data\n"):
        (tmp_path / "empty.csv").write_text(empty)
        code, output = _import(
            tmp_path / "l.db", "--format", "etl-csv", str(tmp_path / "empty.csv")
        )
        assert code == 0 and "0 logs read" in output
    logs = tmp_path / "logs.csv"
    logs.write_text(content)
    new = tmp_path / "new.db"
    code, output = _import(new, "--format", "etl-csv", str(logs))
    assert code == 1, output
    assert f"{logs}: line 1: not the header of ethereum-etl's logs CSV" in output
    assert f"no {lacking}" in output
    assert not new.exists()
    before = _head(existing_log)
    assert _import(existing_log, "--format", "etl-csv", str(logs))[0] == 1
    assert _head(existing_log) == before


def test_a_line_refused_midway_leaves_no_new_log_and_the_old_one_as_it_was(
    tmp_path: Path, existing_log: Path, tokens_file: Path
) -> None:
    chain, _ = demo_history()
    chain.logs[5] = {**chain.logs[5], "block_number": "x"}
    logs = write_logs(tmp_path, "logs", chain.logs, "etl-json")
    new = tmp_path / "new.db"
    code, output = _import(new, "--format", "etl-json", str(logs))
    assert code == 1 and "line 6: not a log record" in output
    assert not new.exists() and not Path(f"{new}-wal").exists()
    before = _head(existing_log)
    assert _import(existing_log, "--format", "etl-json", str(logs))[0] == 1
    assert _head(existing_log) == before


CHAIN = Path(__file__).resolve().parents[2] / "fixtures" / "chain"


def _logs_in(tmp_path: Path, fmt: str) -> tuple[Path, list[str]]:
    """A file of logs in `fmt`, and the options that import it whole."""
    if fmt == "stacks-json":
        pools = CHAIN / "alex-demo.pools.json"
        return CHAIN / "alex-demo.events.json", ["--pool-state", str(pools)]
    chain, _ = demo_history()
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps(token_list()))
    return write_logs(tmp_path, "logs", chain.logs, fmt), ["--token-list", str(tokens)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_byte_order_mark_is_passed_over(tmp_path: Path, fmt: str) -> None:
    """A spreadsheet saves a CSV, and some tools save JSON, with a UTF-8 byte order mark first:
    the file and its options import as they do without it (it once read as an unknown first
    column, or as JSON that does not parse)."""
    logs, options = _logs_in(tmp_path, fmt)
    plain = _import(tmp_path / "plain.db", "--format", fmt, *options, str(logs), "--json")
    marked_options = list(options)
    for index, given in enumerate(options):
        if given.endswith(".json"):
            marked_options[index] = str(_with_mark(Path(given), tmp_path / f"m{index}.json"))
    marked = _with_mark(logs, tmp_path / f"marked-{logs.name}")
    code, output = _import(
        tmp_path / "m.db", "--format", fmt, *marked_options, str(marked), "--json"
    )
    assert code == 0, output
    assert plain == (0, output)
    assert json.loads(output)["facts_appended"] > 0


def _with_mark(path: Path, to: Path) -> Path:
    to.write_bytes(codecs.BOM_UTF8 + path.read_bytes())
    return to


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_gzip_compressed_file_is_refused_saying_to_decompress_it(
    tmp_path: Path, existing_log: Path, fmt: str
) -> None:
    logs, options = _logs_in(tmp_path, fmt)
    packed = tmp_path / f"{logs.name}.gz"
    packed.write_bytes(gzip.compress(logs.read_bytes()))
    new = tmp_path / "new.db"
    code, output = _import(new, "--format", fmt, *options, str(packed))
    assert code == 1, output
    assert f"{packed}: gzip-compressed" in output and f"gunzip -k {packed}" in output
    assert not new.exists()
    before = _head(existing_log)
    assert _import(existing_log, "--format", fmt, str(packed))[0] == 1
    assert _head(existing_log) == before


@pytest.mark.parametrize("given", ["FILES", "--token-list", "--state"])
def test_a_pipe_is_refused_saying_to_write_it_to_a_file(tmp_path: Path, given: str) -> None:
    """The import reads each input twice (checked before the log opens, then imported): a pipe
    (`<(...)`, /dev/stdin) gave the import nothing the second time, a log file's logs lost
    and '0 logs read'."""
    logs, (_, tokens) = _logs_in(tmp_path, "etl-json")
    (tmp_path / "state.json").write_text("{}")
    inputs = {"--token-list": tokens, "--state": str(tmp_path / "state.json"), "FILES": str(logs)}
    words = [shlex.quote(word) for word in [*CLI, "import", "db", "--format", "etl-json"]]
    for name, file in inputs.items():
        quoted = shlex.quote(file)
        words += [] if name == "FILES" else [name]
        words.append(f"<(cat {quoted})" if name == given else quoted)
    done = subprocess.run(
        ["bash", "-c", " ".join(words)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,  # a bound on a hang, not a measure
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "/dev/fd/" in done.stderr and "a pipe" in done.stderr
    assert "write it to a file" in done.stderr
    assert not (tmp_path / "db").exists()


def _by_transaction(logs: list[dict[str, object]]) -> list[list[dict[str, object]]]:
    groups: list[list[dict[str, object]]] = []
    for item in logs:
        if groups and groups[-1][0]["transaction_hash"] == item["transaction_hash"]:
            groups[-1].append(item)
        else:
            groups.append([item])
    return groups


def test_a_transaction_before_one_of_its_block_read_already_is_refused(
    tmp_path: Path, tokens_file: Path
) -> None:
    """Two transactions of a block swapped: the second was counted as a duplicate of logs never
    imported, its facts lost and the audit then finding violations in a sound history."""
    chain, _ = demo_history()
    groups = _by_transaction(chain.logs)
    second = next(
        k
        for k in range(1, len(groups))
        if groups[k][0]["block_number"] == groups[k - 1][0]["block_number"]
    )
    groups[second - 1], groups[second] = groups[second], groups[second - 1]
    swapped = [item for group in groups for item in group]
    logs = write_logs(tmp_path, "swapped", swapped, "etl-json")
    new = tmp_path / "new.db"
    code, output = _import(new, "--format", "etl-json", "--token-list", str(tokens_file), str(logs))
    assert code == 1, output
    record = sum(len(group) for group in groups[:second]) + 1
    block = groups[second][0]["block_number"]
    began = groups[second - 1][0]["log_index"]
    why = f"log index {began} of its block came before it"
    assert f"{logs}: log {record} (block {block}, log index 0: {why})" in output
    assert "sort the file by block number and log index" in output
    assert not new.exists()


def test_files_given_newest_first_are_refused_naming_the_older_one(
    tmp_path: Path, tokens_file: Path
) -> None:
    """A shell's sorted glob puts logs_100000.json before logs_20000.json: the older file's
    blocks were counted as ones 'the log never held' and the import exited 0."""
    chain, _ = demo_history()
    groups = _by_transaction(chain.logs)
    half = len(groups) // 2
    older = write_logs(tmp_path, "older", [i for g in groups[:half] for i in g], "etl-json")
    newer = write_logs(tmp_path, "newer", [i for g in groups[half:] for i in g], "etl-json")
    db = tmp_path / "new.db"
    options = ["--format", "etl-json", "--token-list", str(tokens_file)]
    code, output = _import(db, *options, str(newer), str(older))
    assert code == 1, output
    first, top = groups[0][0]["block_number"], groups[-1][0]["block_number"]
    assert f"{older}: log 1 (block {first}, log index 0: block {top} came before it)" in output
    assert not db.exists()
    code, output = _import(db, *options, str(older), str(newer), str(older))
    assert code == 0, output  # oldest first; read again, the older file is all duplicates
    assert "unmapped: Transfer: token not in the token list: 1" in output


def test_a_block_hash_changing_inside_a_transaction_is_refused(
    tmp_path: Path, tokens_file: Path
) -> None:
    chain, _ = demo_history()
    groups = _by_transaction(chain.logs)
    group = next(g for g in groups if len(g) > 1)
    group[-1]["block_hash"] = "0x" + "ab" * 32
    logs = write_logs(tmp_path, "logs", [i for g in groups for i in g], "etl-json")
    code, output = _import(tmp_path / "new.db", "--format", "etl-json", str(logs))
    assert code == 1, output
    assert "the block hash changes inside its transaction" in output


@pytest.mark.parametrize(
    ("fmt", "given"),
    [
        ("rpc-json", "uniswap-v2-demo.logs.json"),
        ("rpc-json", "alex-demo.events.json"),
        ("etl-json", "uniswap-v2-demo.rpc.json"),
        ("etl-json", "alex-demo.events.json"),
        ("etl-json", "uniswap-v2-demo.logs.csv"),
        ("stacks-json", "uniswap-v2-demo.rpc.json"),
        ("stacks-json", "uniswap-v2-demo.logs.json"),
    ],
)
def test_a_file_of_another_format_is_refused_asking_whether_it_is(
    tmp_path: Path, fmt: str, given: str
) -> None:
    """The refusal said what it could not read ('no `result` list of logs', 'Expecting value')
    but not what the format reads, nor that the file may be of another one."""
    code, output = _import(tmp_path / "new.db", "--format", fmt, str(CHAIN / given))
    assert code == 1, output
    assert f"{fmt} reads" in output and "is the file of another --format?" in output
    assert not (tmp_path / "new.db").exists()


def test_log_indexes_numbered_per_transaction_are_refused_saying_so(
    tmp_path: Path, tokens_file: Path
) -> None:
    """Some nodes number a log's index within its transaction: the second transaction of a
    block then reuses the first one's indexes, and was counted as its duplicate, lost."""
    chain, _ = demo_history()
    groups = _by_transaction(chain.logs)
    for group in groups:
        for index, item in enumerate(group):
            item["log_index"] = index
    logs = write_logs(tmp_path, "logs", [i for g in groups for i in g], "rpc-json")
    db = tmp_path / "new.db"
    code, output = _import(db, "--format", "rpc-json", "--token-list", str(tokens_file), str(logs))
    assert code == 1, output
    assert "the file numbers them per transaction, not per block" in output
    assert not db.exists()
