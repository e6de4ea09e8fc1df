"""Log schema v3: logs written by schema v1 and v2 open, verify, fold and append; the queries
the store runs use the indexes it keeps, and every index it keeps is used."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import AssetRegistered, Burned, Minted, Transferred
from ledger.batch import Appended, NewEvent, Rejected
from ledger.errors import StoreError
from ledger.projector import Projector
from ledger.sqlite_schema import SCHEMA_VERSION, STORED_COLUMNS, stream_id
from ledger.sqlite_store import PAGE_SIZE, WAL_CHECKPOINT_BYTES, SqliteStore
from ledger.store import ReadFilter
from projections.balances import Balances
from projections.base import canonical_bytes, digest_of
from projections.runtime import make_projections

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "logs" / "schema-v1.db"
FIXTURE_V2 = FIXTURE.with_name("schema-v2.db")
V2_COLUMNS = (
    "seq, block, ts_ms, streams.name, stream_version, type, version, payload,"
    " coalesce(event_id, streams.name || '#' || stream_version), idempotency_key, hash"
)
V1_COLUMNS = (
    "seq, block, ts_ms, stream, stream_version, type, version, payload, event_id, "
    "idempotency_key, prev_hash, hash"
)


@pytest.fixture
def v1_log(tmp_path: Path) -> Path:
    return Path(shutil.copy(FIXTURE, tmp_path / "v1.db"))


def v1_rows(path: Path) -> list[tuple[object, ...]]:
    connection = sqlite3.connect(path)
    rows = connection.execute(f"SELECT {V1_COLUMNS} FROM events ORDER BY seq").fetchall()
    connection.close()
    return rows


def test_a_v1_log_reads_back_row_for_row_and_verifies(v1_log: Path) -> None:
    before = v1_rows(v1_log)
    assert sqlite3.connect(v1_log).execute("PRAGMA user_version").fetchone()[0] == 1
    store = SqliteStore(v1_log)
    assert store.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert list(store.rows()) == before
    report = store.verify()
    assert report.ok and report.records == len(before) == 60
    assert report.head_hash == store.head().hash == before[-1][11]
    # A read that starts mid-log or skips rows still names each row's predecessor's hash.
    filtered = list(store.rows(ReadFilter(from_seq=7, stream="account:a3")))
    assert filtered == [row for row in before if row[0] >= 7 and row[3] == "account:a3"]
    store.close()


@pytest.fixture
def v2_log(tmp_path: Path) -> Path:
    return Path(shutil.copy(FIXTURE_V2, tmp_path / "v2.db"))


def v2_rows(path: Path) -> list[tuple[object, ...]]:
    """A v2 log's rows as `Row`s: names joined in, `prev_hash` from the row before, hex."""
    connection = sqlite3.connect(path)
    stored = connection.execute(
        f"SELECT {V2_COLUMNS} FROM events JOIN streams ON streams.id = events.stream_id"
        " ORDER BY seq"
    ).fetchall()
    connection.close()
    rows, prev = [], "0" * 64
    for *head, hash_ in stored:
        rows.append((*head, prev, hash_.hex()))
        prev = hash_.hex()
    return rows


def test_a_v2_log_reads_back_row_for_row_verifies_and_folds_as_before(v2_log: Path) -> None:
    before = v2_rows(v2_log)
    connection = sqlite3.connect(v2_log)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == 2
    # A book whose state format has changed since (its version) digests another state.
    current = {projection.name: projection.version for projection in make_projections()}
    tracked = {
        name: (version, digest)
        for name, version, digest in connection.execute(
            "SELECT projection, version, digest FROM view_tracking"
        )
    }
    digests_before = {
        name: digest for name, (version, digest) in tracked.items() if current.get(name) == version
    }
    connection.close()
    store = SqliteStore(v2_log)
    assert store.connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    assert list(store.rows()) == before
    report = store.verify()
    assert report.ok and report.records == len(before) == 103
    assert report.head_hash == store.head().hash == before[-1][11]
    assert store.counts_by_type() == {"Burned": 3, "Minted": 50, "Transferred": 50}
    by_type = list(store.rows(ReadFilter(type="Burned")))
    assert by_type == [row for row in before if row[5] == "Burned"]
    assert list(store.rows(ReadFilter(type="Swapped"))) == []
    named = store.connection.execute(
        "SELECT seq, block, ts_ms, stream, stream_version, type, version, payload, event_id,"
        " idempotency_key, hash FROM named_events ORDER BY seq"
    ).fetchall()
    assert named == [row[:10] + row[11:] for row in before]
    # The books folded from the migrated log give the digests the v2 code recorded.
    rebuilt = Projector(store)
    rebuilt.rebuild()
    # (Books added since, with nothing of theirs in this log, have no recorded digest.)
    digests = {name: digest for name, digest in rebuilt.digests().items() if digest}
    recorded = {name: digest for name, digest in digests.items() if name in digests_before}
    assert recorded == {name: digests_before[name] for name in recorded}
    # Balances of version 1 digested their sorted rows: the same rows fold from the migrated log.
    assert tracked["balances"][0] == 1
    rows = rebuilt.current_books().get(Balances)._state()
    assert digest_of(canonical_bytes(rows)) == tracked["balances"][1]
    store.close()


def test_a_v2_log_takes_appends_of_known_and_new_types(v2_log: Path) -> None:
    store = SqliteStore(v2_log)
    types = dict(store.connection.execute("SELECT name, id FROM event_types"))
    assert types == {"Minted": 1, "Transferred": 2, "Burned": 3}  # numbered in order of use
    burn = Burned(asset="USDC", from_account="b1", amount=1)
    register = AssetRegistered(asset="DAI", symbol="DAI", decimals=18)
    result = store.append([NewEvent(event=burn, block=60), NewEvent(event=register, block=60)])
    assert isinstance(result, Appended)
    records = list(store.read(ReadFilter(from_seq=result.first_seq)))
    assert [record.event for record in records] == [burn, register]
    assert store.verify().ok
    assert (
        store.connection.execute("SELECT count(*) FROM events WHERE type_id = 3").fetchone()[0] == 4
    )
    store.close()


def test_a_v1_log_folds_and_keeps_its_streams_and_ids(v1_log: Path) -> None:
    store = SqliteStore(v1_log)
    digests = Projector(store).digests()
    stream = "account:a1"
    last = store.stream_version(stream)
    assert last == max(row[4] for row in v1_rows(FIXTURE) if row[3] == stream) > 0
    transfer = Transferred(asset="ETH", from_account="a1", to_account="a2", amount=1)
    result = store.append([NewEvent(event=transfer, block=31, expected_version=last)])
    assert isinstance(result, Appended)
    (appended,) = store.read(ReadFilter(from_seq=result.last_seq))
    assert appended.stream_version == last + 1
    taken = store.append([NewEvent(event=transfer, block=31, event_id="tx-5")])
    assert isinstance(taken, Rejected)
    assert store.verify().ok
    rebuilt = Projector(store)
    rebuilt.rebuild()
    fresh = SqliteStore(v1_log.with_name("fresh.db"), create=True)
    for record in store.read():
        fresh.append([NewEvent(event=record.event, block=record.block, stream=record.stream)])
    assert Projector(fresh).digests() == rebuilt.digests() != digests
    store.close()


def test_a_v1_log_whose_prev_hash_was_altered_is_not_upgraded(v1_log: Path) -> None:
    connection = sqlite3.connect(v1_log)
    connection.execute("UPDATE events SET prev_hash = ? WHERE seq = 9", ("ab" * 32,))
    connection.commit()
    connection.close()
    with pytest.raises(StoreError, match="seq 9"):
        SqliteStore(v1_log)
    assert sqlite3.connect(v1_log).execute("PRAGMA user_version").fetchone()[0] == 1


def plan(store: SqliteStore, sql: str, *params: object) -> str:
    rows = store.connection.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    return " | ".join(row[-1] for row in rows)


def test_every_index_serves_a_query_the_store_runs(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "log.db", create=True)
    store.append([NewEvent(event=Minted(asset="ETH", to_account="a", amount=1), block=1)])
    indexes = {
        row[0]
        for row in store.connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'"
            " AND sql IS NOT NULL"
        )
    }
    assert indexes == {"idx_events_explicit_id"}
    probe = plan(store, "SELECT block FROM events WHERE seq >= ? ORDER BY seq LIMIT 1", 5)
    assert "INTEGER PRIMARY KEY" in probe
    assert "idx_events_explicit_id" in plan(store, "SELECT 1 FROM events WHERE event_id = ?", "x")
    by_name = plan(store, "SELECT top_version FROM streams WHERE name = ?", "s")
    assert "sqlite_autoindex_streams_1" in by_name
    type_by_name = plan(store, "SELECT id FROM event_types WHERE name = ?", "Minted")
    assert "sqlite_autoindex_event_types_1" in type_by_name
    # A read walks the events in seq order: a range of the key, no sort.
    read = plan(store, f"SELECT {STORED_COLUMNS} FROM events WHERE seq >= ? ORDER BY seq", 1)
    assert "TEMP B-TREE" not in read and "INTEGER PRIMARY KEY" in read
    store.close()


def test_inline_snapshots_move_into_the_shared_states_and_still_serve_time_travel(
    v1_log: Path,
) -> None:
    store = SqliteStore(v1_log)
    projector = Projector(store)
    snapshots = store.connection.execute("SELECT count(*) FROM snapshots").fetchone()[0]
    states = store.connection.execute("SELECT count(*) FROM snapshot_states").fetchone()[0]
    assert snapshots == 30  # ten books, three snapshots each, as the v1 log held them
    assert 0 < states < snapshots  # books that did not change share one stored state
    fresh = SqliteStore(v1_log.with_name("fresh.db"), create=True)
    for record in store.read():
        fresh.append([NewEvent(event=record.event, block=record.block, stream=record.stream)])
    assert projector.digests(25) == Projector(fresh).digests(25)
    store.connection.execute("DELETE FROM snapshots")
    assert store.connection.execute("SELECT count(*) FROM snapshot_states").fetchone()[0] == 0
    store.close()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(st.tuples(st.integers(0, 3), st.sampled_from("abc")), min_size=1, max_size=40),
    bounds=st.tuples(st.integers(0, 80), st.integers(0, 80), st.sampled_from([None, "a", "z"])),
)
def test_block_and_stream_bounds_read_what_a_full_scan_filters(
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[tuple[int, str]],
    bounds: tuple[int, int, str | None],
) -> None:
    """Without a block or stream index, bounded reads still return exactly the rows that pass."""
    store = SqliteStore(tmp_path_factory.mktemp("bounds") / "log.db", create=True)
    block = 1
    for gap, account in steps:
        block += gap
        event = Minted(asset="ETH", to_account=account, amount=1)
        store.append([NewEvent(event=event, block=block, stream=f"account:{account}")])
    rows = list(store.rows())
    for probe in range(block + 2):
        assert store.last_seq_at_block(probe) == max(
            (row[0] for row in rows if row[1] <= probe), default=0
        )
    from_block, to_block, account = bounds
    stream = None if account is None else f"account:{account}"
    where = ReadFilter(from_block=from_block, to_block=to_block, stream=stream)
    assert list(store.rows(where)) == [
        row
        for row in rows
        if from_block <= row[1] <= to_block and (stream is None or row[3] == stream)
    ]
    store.close()


def test_a_new_log_takes_big_pages_and_an_old_one_keeps_its_own(
    tmp_path: Path, v1_log: Path
) -> None:
    """The page size is chosen when a file is created; the WAL is checkpointed by bytes."""
    for path, page_size in ((tmp_path / "new.db", PAGE_SIZE), (v1_log, 4096)):
        store = SqliteStore(path, create=True)
        pragma = store.connection.execute
        assert pragma("PRAGMA page_size").fetchone()[0] == page_size
        assert pragma("PRAGMA journal_mode").fetchone()[0] == "wal"
        checkpoint = pragma("PRAGMA wal_autocheckpoint").fetchone()[0]
        assert checkpoint == WAL_CHECKPOINT_BYTES // page_size
        minted = Minted(asset="ETH", to_account="a", amount=1)
        assert isinstance(store.append([NewEvent(event=minted, block=99)]), Appended)
        assert store.verify().ok
        store.close()


def test_the_served_queries_over_the_log_run_against_the_named_view(tmp_path: Path) -> None:
    """Canned SQL that reads records by stream or type name goes through `named_events`."""
    from replay.serve import QUERIES

    store = SqliteStore(tmp_path / "log.db", create=True)
    store.append([NewEvent(event=Minted(asset="ETH", to_account="a", amount=1), block=1)])
    on_the_log = [query["sql"] for query in QUERIES.values() if "named_events" in query["sql"]]
    assert len(on_the_log) >= 2
    for sql in on_the_log:
        names = {part.split()[0].strip("),'") for part in sql.split(":")[1:]}
        store.connection.execute(sql, dict.fromkeys(names, "")).fetchall()
    store.close()


def test_a_stream_id_is_given_once_whether_the_caller_knew_the_stream_or_not(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "log.db", create=True)
    mint = NewEvent(event=Minted(asset="USDC", to_account="alice", amount=5), block=1)
    assert isinstance(store.append([mint]), Appended)
    connection = store.connection
    (known,) = connection.execute("SELECT id FROM streams").fetchone()
    name = mint.event.default_stream()
    assert stream_id(connection, name, 9, new=False) == known  # looked up, not added
    created = stream_id(connection, "a-new-stream", 9, new=True)
    assert created != known
    assert stream_id(connection, "a-new-stream", 12, new=False) == created
    assert stream_id(connection, "another", 13, new=False) not in (known, created)
    rows = connection.execute("SELECT name, first_seq FROM streams ORDER BY id").fetchall()
    assert rows == [(name, 1), ("a-new-stream", 9), ("another", 13)]
    with pytest.raises(sqlite3.IntegrityError):  # "new" is the row's claim; never a second row
        stream_id(connection, name, 14, new=True)
    connection.rollback()
    store.close()
