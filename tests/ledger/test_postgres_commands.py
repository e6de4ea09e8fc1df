"""The commands that once took only an SQLite file, on a PostgreSQL log: `import`, `var --db`,
`fork --out`, `--since/--until`, `solvency`, `verify --expect-head/--views/--deep` and `stress`
give what they give on SQLite; `serve` serves a copy of the log taken at start."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner, Result

from events import Minted
from ledger.batch import NewEvent
from ledger.store import ReadFilter
from ledger.stores import describe_target, open_store
from replay.cli import cli
from tests.importers.chain_model import demo_history, token_list
from tests.importers.conftest import write_logs
from tests.importers.test_reorg import forked_chains
from tests.postgres_server import Server, fresh_schema
from tests.serve_process import fetch, serving

ROOT = Path(__file__).resolve().parents[2]
SERIES = ROOT / "fixtures" / "prices" / "eth-synthetic-slow-bleed-1h.csv"
ALEX = ROOT / "fixtures" / "scenarios" / "alex-cycles.toml"


def invoke(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(arg) for arg in args])


def as_json(*args: str | Path) -> object:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def head_hash(log: str | Path) -> str:
    info = as_json("info", log)
    assert isinstance(info, dict)
    return str(info["head_hash"])


@pytest.fixture
def tokens(tmp_path: Path) -> Path:
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps(token_list()))
    return path


@pytest.fixture
def flash_on_postgres(flash_crash: Path, postgres_url: str) -> str:
    assert invoke("copy", flash_crash, postgres_url).exit_code == 0
    return postgres_url


def test_import_into_postgres_gives_the_books_of_an_sqlite_import(
    postgres_url: str, tmp_path: Path, tokens: Path
) -> None:
    chain, _ = demo_history()
    logs = write_logs(tmp_path, "logs", chain.logs, "etl-json")
    reports = [
        as_json("import", log, "--format", "etl-json", "--token-list", tokens, logs)
        for log in (tmp_path / "ledger.db", postgres_url)
    ]
    assert reports[0] == reports[1]
    assert isinstance(reports[1], dict) and reports[1]["facts_appended"] > 0
    assert as_json("digest", tmp_path / "ledger.db") == as_json("digest", postgres_url)
    again = as_json("import", postgres_url, "--format", "etl-json", "--token-list", tokens, logs)
    assert isinstance(again, dict) and again["facts_appended"] == 0
    assert sum(counts["duplicate"] for counts in again["counts"].values()) == len(chain.logs)
    assert invoke("verify", postgres_url).exit_code == 0


def test_a_refused_import_leaves_no_log_it_created_on_either_store(
    postgres_url: str, tmp_path: Path
) -> None:
    """A log created for an import that wrote nothing is removed, an SQLite file as a
    PostgreSQL log's tables (there is no log after, as before); a log that was there stays."""
    garbled = tmp_path / "garbled.json"
    garbled.write_text("not json\n")
    for log in (tmp_path / "ledger.db", postgres_url):
        refused = invoke("import", log, "--format", "etl-json", garbled)
        assert refused.exit_code == 1 and "garbled.json" in refused.output
        missing = invoke("info", log)
        assert "no ledger at" in missing.output, missing.output
    with psycopg.connect(postgres_url) as connection:
        left = connection.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchone()
    assert left == (0,)
    assert invoke("init", postgres_url).exit_code == 0
    assert invoke("import", postgres_url, "--format", "etl-json", garbled).exit_code == 1
    assert head_hash(postgres_url) == "0" * 64  # the empty log given stays


def test_a_reorganisation_imported_into_postgres_ends_as_the_canonical_chain(
    postgres_url: str, tmp_path: Path, tokens: Path
) -> None:
    main, branch, fork_at = forked_chains(3)
    main_logs = write_logs(tmp_path, "main", main.logs, "etl-json")
    branch_logs = write_logs(tmp_path, "branch", branch.logs, "etl-json")
    reorged = tmp_path / "reorged.db"
    for log in (postgres_url, reorged):
        as_json("import", log, "--format", "etl-json", "--token-list", tokens, main_logs)
        assert invoke("state", log, "--projection", "pools").exit_code == 0  # views first
        report = as_json("import", log, "--format", "etl-json", "--token-list", tokens, branch_logs)
        assert isinstance(report, dict)
        assert [item["fork_block"] for item in report["reorgs"]] == [fork_at]
    assert as_json("digest", postgres_url) == as_json("digest", reorged)
    canonical = tmp_path / "canonical.db"
    as_json("import", canonical, "--format", "etl-json", "--token-list", tokens, branch_logs)
    for at in ([], ["--at-block", str(fork_at)], ["--at-block", str(branch.block)]):
        books = ["--projection", "balances", "--projection", "pools", *at]
        assert as_json("digest", postgres_url, *books) == as_json("digest", canonical, *books)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def test_dates_map_to_the_same_blocks_on_both_stores(
    flash_crash: Path, flash_on_postgres: str
) -> None:
    sqlite, postgres = open_store(flash_crash), open_store(flash_on_postgres)
    stamps = sorted({record.ts_ms for record in sqlite.read()})
    assert len(stamps) > 3
    probes = [stamps[0] - 1, stamps[1], stamps[len(stamps) // 2] + 1, stamps[-1], stamps[-1] + 1]
    for ms in probes:
        for before in (False, True):
            expected_blocks = [
                record.block
                for record in sqlite.read()
                if (record.ts_ms < ms if before else record.ts_ms >= ms)
            ]
            expected = (max if before else min)(expected_blocks, default=None)
            assert sqlite.block_by_time(ms, before=before) == expected, (ms, before)
            assert postgres.block_by_time(ms, before=before) == expected, (ms, before)
    sqlite.close()
    postgres.close()
    since, until = _iso(stamps[len(stamps) // 3]), _iso(stamps[2 * len(stamps) // 3])
    outputs = [
        invoke("log", log, "--since", since, "--until", until, "--json").stdout
        for log in (flash_crash, flash_on_postgres)
    ]
    assert outputs[0] == outputs[1] and 0 < len(outputs[0].splitlines()) < len(stamps)
    nothing = invoke("log", flash_on_postgres, "--since", _iso(stamps[-1] + 2000))
    assert nothing.exit_code == 2 and "no record at or after" in nothing.output


def test_verify_checks_the_anchor_views_and_bodies_of_a_postgres_log(
    flash_on_postgres: str,
) -> None:
    url = flash_on_postgres
    records = [json.loads(line) for line in invoke("log", url, "--json").stdout.splitlines()]
    earlier = records[len(records) // 2]["hash"]
    assert invoke("state", url).exit_code == 0  # views and snapshots beside the log
    checked = as_json("verify", url, "--views", "--deep", "--expect-head", earlier)
    assert isinstance(checked, dict) and checked["ok"] is True
    assert invoke("verify", url, "--expect-head", head_hash(url)).exit_code == 0
    foreign = invoke("verify", url, "--expect-head", "ab" * 32)
    assert foreign.exit_code == 3 and "is not in this log" in foreign.output
    amount = next(record for record in records if "amount" in record["event"])
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(
            "UPDATE events SET body = jsonb_set(body, '{amount}', '7') WHERE seq = %s",
            (amount["seq"],),
        )
        assert invoke("verify", url).exit_code == 0  # the chain covers the payload only
        deep = invoke("verify", url, "--deep")
        assert deep.exit_code == 3 and f"record {amount['seq']}: its jsonb body" in deep.output
        connection.execute(
            "UPDATE view_state SET state = (SELECT state FROM view_state "
            "WHERE projection = 'prices') WHERE projection = 'balances'"
        )
    views = invoke("verify", url, "--views")
    assert views.exit_code == 3 and "view of balances" in views.output


def test_fork_into_postgres_is_the_fork_into_sqlite(
    flash_crash: Path, flash_on_postgres: str, postgres_server: Server, tmp_path: Path
) -> None:
    info = as_json("info", flash_crash)
    assert isinstance(info, dict)
    middle = str(info["head_block"] // 2)
    with fresh_schema(postgres_server) as out:
        forks = [
            as_json("fork", parent, "--at-block", middle, "--out", target)
            for parent, target in ((flash_crash, tmp_path / "fork.db"), (flash_on_postgres, out))
        ]
        assert forks[0] == forks[1]
        assert head_hash(out) == head_hash(tmp_path / "fork.db")
        assert as_json("digest", out) == as_json("digest", tmp_path / "fork.db")
        again = invoke("fork", flash_crash, "--at-block", middle, "--out", out)
        assert again.exit_code == 1 and "holds a log already" in again.output
        assert head_hash(out) == head_hash(tmp_path / "fork.db")  # untouched
        forced = invoke("fork", flash_crash, "--at-block", middle, "--out", out, "--force")
        assert forced.exit_code == 2 and "never drops a PostgreSQL log" in forced.output


def test_var_and_solvency_read_the_books_of_a_postgres_log(
    postgres_url: str, tmp_path: Path
) -> None:
    alex = tmp_path / "alex.db"
    assert invoke("replay", ALEX, "--db", alex).exit_code == 0
    assert invoke("copy", alex, postgres_url).exit_code == 0
    runs = []
    for log in (alex, postgres_url):
        args = ["var", "--series", SERIES, "--db", log, "--at-block", "2000", "--paths", "50"]
        runs.append(as_json(*args, "--no-sensitivity", "--chart", tmp_path / "v.svg"))
    assert runs[0] == runs[1]
    assert as_json("solvency", alex) == as_json("solvency", postgres_url)
    missing = invoke("var", "--series", SERIES, "--db", tmp_path / "no.db", "--at-block", "1")
    assert missing.exit_code == 4 and "no ledger at" in missing.output


STRESS = ROOT / "fixtures" / "stress" / "eth-drop-40.toml"
PLACES = ("log", "out", "unstressed_out", "seconds")


def stress_report(log: str | Path, *args: str | Path) -> dict[str, object]:
    report = as_json("stress", log, "--at-block", "1800", "--scenario", STRESS, *args)
    assert isinstance(report, dict)
    return {key: value for key, value in report.items() if key not in PLACES}


def record_hash(log: str | Path, seq: int) -> str:
    store = open_store(log)
    try:
        return str(next(iter(store.rows(ReadFilter(from_seq=seq, to_seq=seq))))[11])
    finally:
        store.close()


def test_a_stress_from_postgres_is_the_stress_from_the_sqlite_original(
    flash_crash: Path, flash_on_postgres: str, postgres_server: Server, tmp_path: Path
) -> None:
    on_file = stress_report(flash_crash, "--out", tmp_path / "s.db")
    with fresh_schema(postgres_server) as out:
        args = ["--out", out, "--unstressed-out", tmp_path / "u.db"]
        on_url = stress_report(flash_on_postgres, *args)
        assert on_url == on_file
        fork_seq = on_url["fork_seq"]
        assert isinstance(fork_seq, int) and fork_seq > 1
        assert on_url["fork_hash"] == record_hash(flash_crash, fork_seq)
        assert record_hash(out, fork_seq) == record_hash(flash_crash, fork_seq)
        assert head_hash(out) == head_hash(tmp_path / "s.db")
        assert as_json("digest", out) == as_json("digest", tmp_path / "s.db")
        assert head_hash(tmp_path / "u.db") == head_hash(tmp_path / "s-unstressed.db")
        again = invoke(
            "stress", flash_on_postgres, "--at-block", "1800", "--scenario", STRESS, *args
        )
        assert again.exit_code == 1 and "holds a log already" in again.output
        assert head_hash(out) == head_hash(tmp_path / "s.db")  # untouched
    paths = ["--paths", "3", "--seed", "1", "--workers", "1"]
    assert stress_report(flash_on_postgres, *paths) == stress_report(flash_crash, *paths)
    unnamed = invoke(
        "stress", flash_on_postgres, "--at-block", "1", "--scenario", STRESS, "--out", out
    )
    assert unnamed.exit_code == 2 and "--unstressed-out" in unnamed.output
    away = f"postgresql://ledger@/ledger?host={tmp_path / 'no-server'}"
    lost = invoke("stress", away, "--at-block", "1", "--scenario", STRESS, *paths)
    assert lost.exit_code == 4 and "cannot connect" in lost.output
    assert "Traceback" not in again.output + unnamed.output + lost.output


def test_serve_on_postgres_serves_a_copy_taken_at_start(
    flash_crash: Path, flash_on_postgres: str, tmp_path: Path
) -> None:
    pytest.importorskip(
        "datasette", reason="datasette is not installed (pip install -e '.[serve]')"
    )
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    head = as_json("info", flash_crash)
    assert isinstance(head, dict)
    with serving(flash_on_postgres, {"TMPDIR": str(temporary)}) as served:
        base = served.base
        (database,) = json.loads(fetch(f"{base}/-/databases.json"))
        assert database["is_mutable"] is False
        page = fetch(f"{base}/{database['name']}")
        assert page.index("Views first") < page.index("view_balances") < page.index("/events")
        meta = json.loads(fetch(f"{base}/-/metadata.json"))
        assert meta["title"] == f"defi-ledger: {describe_target(flash_on_postgres)}"
        rows = json.loads(fetch(f"{base}/{database['name']}/view_balances.json?_shape=array"))
        assert rows and all(isinstance(row["amount"], str) for row in rows)
        events = json.loads(
            fetch(f"{base}/{database['name']}/events.json?_shape=array&_sort_desc=seq&_size=1")
        )
        assert events[0]["seq"] == head["head_seq"]
        assert any(temporary.iterdir())  # the copy, while it is served
        output = served.output()
    described = describe_target(flash_on_postgres)
    assert f"serving a copy of {described} taken at seq {head['head_seq']}; restart" in output
    assert not any(temporary.iterdir())  # removed on exit


def test_a_fork_stopped_midway_leaves_the_postgres_log_empty(
    flash_crash: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ledger import log_copy, sqlite_store
    from replay.fork import fork_into_postgres

    monkeypatch.setattr(log_copy, "CHUNK_ROWS", 100)
    monkeypatch.setattr(sqlite_store, "READ_BATCH_ROWS", 100)
    calls = []

    def stop_after_two_chunks(store: object, rows: list[object], entries: object) -> None:
        calls.append(len(rows))
        if len(calls) == 3:
            raise KeyboardInterrupt
        original(store, rows, entries)  # type: ignore[arg-type]

    original = log_copy._write_postgres
    monkeypatch.setattr(log_copy, "_write_postgres", stop_after_two_chunks)
    parent = open_store(flash_crash)
    block = parent.head().block
    with pytest.raises(KeyboardInterrupt):
        fork_into_postgres(parent, block, postgres_url)
    parent.close()
    assert len(calls) == 3
    store = open_store(postgres_url)
    assert store.head().seq == 0  # the chunks written went with the transaction
    assert store.verify().ok and list(store.read()) == []
    store.append([NewEvent(event=Minted(asset="ETH", to_account="a", amount=1), block=1)])
    store.close()
