"""Views, snapshots and time travel over an SQLite log, checked against a naive recount."""

from __future__ import annotations

import gc
import sqlite3
import threading
import time
import zlib
from pathlib import Path

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import Event, Minted, PriceUpdated, Record, Transferred
from ledger import sqlite_fold
from ledger.batch import NewEvent
from ledger.errors import IntegrityError
from ledger.projector import Projector
from ledger.rows import fold_row_to_record
from ledger.sqlite_schema import TypeNames
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from projections import snapshot_states, views
from projections.balances import Balances
from projections.base import canonical_bytes
from projections.prices import Prices
from tests.oracle import naive_balances
from tests.projections.test_balances import valid_journals


def write_log(path: Path, journal: list[Event], blocks: list[int]) -> SqliteStore:
    store = SqliteStore(path, create=True)
    for event, block in zip(journal, blocks, strict=True):
        store.append([NewEvent(event=event, block=block)])
    return store


def holders(balances: Balances) -> dict[tuple[str, str], int]:
    return {
        key: value
        for key, value in balances.amounts.items()
        if value and not key[0].startswith("issuer:")
    }


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(journal=valid_journals(), data=st.data())
def test_state_at_equals_a_naive_fold_of_the_blocks_up_to_it(
    tmp_path_factory: object, journal: list[Event], data: st.DataObject
) -> None:
    path = tmp_path_factory.mktemp("state_at") / "ledger.db"  # type: ignore[attr-defined]
    steps = data.draw(st.lists(st.integers(0, 2), min_size=len(journal), max_size=len(journal)))
    blocks = [sum(steps[: index + 1]) for index in range(len(journal))]
    store = write_log(path, journal, blocks)
    projector = Projector(store, ["balances"], snapshot_every=data.draw(st.integers(1, 7)))
    projector.catch_up()
    for block in sorted(set(blocks) | {0, blocks[-1] + 1}):
        (balances,) = projector.state_at(block)
        upto = [event for event, at in zip(journal, blocks, strict=True) if at <= block]
        assert holders(balances) == naive_balances(upto)  # type: ignore[arg-type]
    store.close()


def mint_and_move(store: SqliteStore, block: int, account: str, minted: int, moved: int) -> None:
    """One batch at `block`: `minted` ETH to `account`, then `moved` of it to `b`."""
    store.append(
        [
            NewEvent(event=Minted(asset="ETH", to_account=account, amount=minted), block=block),
            NewEvent(
                event=Transferred(asset="ETH", from_account=account, to_account="b", amount=moved),
                block=block,
            ),
        ]
    )


def test_incremental_catch_up_equals_a_rebuild_from_scratch(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    projector = Projector(store, snapshot_every=4)
    for block in range(1, 30):
        mint_and_move(store, block, f"a{block % 4}", block, block // 2)
        if block % 5 == 0:
            projector.catch_up()
    incremental = projector.digests()
    rebuilt = Projector(store, snapshot_every=4)
    rebuilt.rebuild()
    assert rebuilt.digests() == incremental
    assert projector.digests(12) == rebuilt.digests(12)
    store.close()


def test_views_are_plain_tables_any_client_can_read(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    store.append([NewEvent(event=Minted(asset="ETH", to_account="whale", amount=2**70), block=3)])
    Projector(store).catch_up()
    store.close()
    connection = sqlite3.connect(tmp_path / "ledger.db")
    assert connection.execute(
        "SELECT account, amount FROM view_balances WHERE asset = 'ETH'"
    ).fetchall() == [("whale", str(2**70))]
    assert connection.execute(
        "SELECT seq, block FROM view_tracking WHERE projection = 'balances'"
    ).fetchone() == (1, 3)
    connection.close()


def test_a_snapshot_of_another_version_is_ignored(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    for block in range(1, 6):
        store.append([NewEvent(event=Minted(asset="ETH", to_account="a", amount=1), block=block)])
    projector = Projector(store, ["balances"], snapshot_every=1)
    projector.catch_up()
    honest = projector.digests(4)
    forged = Balances()
    forged.holdings["ETH"] = {"a": 10**9}
    ((seq, version),) = store.connection.execute(
        "SELECT seq, version FROM snapshots WHERE block = 4"
    ).fetchall()
    store.connection.execute("DELETE FROM snapshots WHERE block = 4")
    views.insert_snapshot(store.connection, "balances", version + 1, seq, 4, forged.snapshot())
    assert projector.digests(4) == honest
    store.close()


def test_a_view_whose_table_changed_shape_is_rebuilt(tmp_path: Path) -> None:
    """Views are caches: a table written by an older shape of a projection is replaced."""
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    store.append([NewEvent(event=Minted(asset="ETH", to_account="a", amount=5), block=1)])
    store.connection.executescript(
        "CREATE TABLE view_balances (account TEXT, amount TEXT, old_column TEXT);"
    )
    Projector(store, ["balances"]).catch_up()
    assert store.connection.execute(
        "SELECT account, asset, amount FROM view_balances"
    ).fetchall() == [("a", "ETH", "5")]
    store.close()


def test_the_fold_read_is_the_full_read_with_only_what_projections_read(tmp_path: Path) -> None:
    """`fold_batches` gives `read`'s records, bounds and all, with the unread fields empty."""
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    for block in range(1, 8):
        store.append(
            [
                NewEvent(
                    event=Minted(asset="ETH", to_account="a", amount=2**70 + block), block=block
                ),
                NewEvent(
                    event=Transferred(asset="ETH", from_account="a", to_account="b", amount=1),
                    block=block,
                    stream="moves",
                ),
            ],
            idempotency_key=f"batch-{block}",
        )

    def slim(record: Record) -> Record:
        return msgspec.structs.replace(
            record,
            ts_ms=0,
            stream="",
            stream_version=0,
            event_id="",
            idempotency_key=None,
            prev_hash="",
            hash="",
        )

    for from_seq, to_seq, to_block in [(1, None, None), (3, 9, None), (2, None, 4), (5, 14, 6)]:
        expected = [
            slim(record)
            for record in store.read(
                ReadFilter(from_seq=from_seq, to_seq=to_seq, to_block=to_block)
            )
        ]
        batches = list(store.fold_batches(from_seq, to_seq, to_block))
        assert [record for batch in batches for record in batch] == expected
        assert list(store.fold_records(from_seq, to_seq, to_block)) == expected
    assert list(store.fold_records(15)) == []
    store.close()


@pytest.mark.parametrize("read_ahead", [False, True])
@pytest.mark.parametrize("damage", ["none", "gap", "old version", "odd version", "bad payload"])
def test_the_fold_read_by_ranges_gives_the_row_by_row_records_and_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str, read_ahead: bool
) -> None:
    """Ranges of 3 seqs, each read as one row; the records and the error are what a row-by-row
    read gives, up to the same row, whatever the range holds: a gap, a payload of an old
    version (upcast), a version that does not fit the one-int kind, an undecodable row."""
    monkeypatch.setattr(sqlite_fold, "RANGE_ROWS", 3)
    monkeypatch.setattr(sqlite_fold, "READ_AHEAD_RANGES", 2 if read_ahead else 10**9)
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    for block in range(1, 6):
        mint_and_move(store, block, f"a{block}", block, 1)
    price = PriceUpdated(asset="ETH", quote="USD", price=3 * 10**11, scale=10**8)
    store.append([NewEvent(event=price, block=6)])  # seq 11
    damaged = {
        "none": "SELECT 1",
        "old version": "UPDATE events SET version = 1, payload = "
        '\'{"type":"PriceUpdated","asset":"ETH","quote":"USD","price_e8":5}\' WHERE seq = 11',
        "gap": "DELETE FROM events WHERE seq = 5",
        "odd version": "UPDATE events SET version = -1 WHERE seq = 8",
        "bad payload": 'UPDATE events SET payload = \'{"type": "Minted"}\' WHERE seq = 8',
    }
    store.connection.execute(damaged[damage])

    def one_by_one(from_seq: int, to_seq: int | None, to_block: int | None) -> list[Record]:
        rows = store.connection.execute(
            "SELECT seq, block, type_id, version, payload FROM events WHERE seq >= ? "
            "AND seq <= ? AND block <= ? ORDER BY seq",
            (
                from_seq,
                10**9 if to_seq is None else to_seq,
                10**9 if to_block is None else to_block,
            ),
        ).fetchall()
        names = TypeNames(store.connection)
        return [fold_row_to_record(row, names) for row in rows]

    for bounds in [(1, None, None), (2, 9, None), (4, None, 4), (1, 10, 3)]:
        try:
            expected: list[Record] | Exception = one_by_one(*bounds)
        except Exception as error:
            expected = error
        folded: list[Record] = []
        try:
            for batch in store.fold_batches(*bounds):
                folded += batch
        except Exception as error:
            assert isinstance(expected, Exception), (damage, bounds, error)
            assert (type(error), str(error)) == (type(expected), str(expected))
            assert folded == one_by_one(bounds[0], 7, bounds[2])  # the rows before seq 8
            continue
        assert folded == expected, (damage, bounds)
    store.close()


@pytest.fixture
def read_ahead_by_threes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ranges of 3 seqs, read ahead from the second range on."""
    monkeypatch.setattr(sqlite_fold, "RANGE_ROWS", 3)
    monkeypatch.setattr(sqlite_fold, "READ_AHEAD_RANGES", 2)


def readers() -> int:
    """Read-ahead threads running."""
    return [thread.name for thread in threading.enumerate()].count("ledger-fold-read-ahead")


@pytest.mark.usefixtures("read_ahead_by_threes")
def test_a_read_ahead_that_cannot_see_uncommitted_rows_leaves_them_to_the_callers_read(
    tmp_path: Path,
) -> None:
    """The read-ahead's own connection sees only committed rows: ranges the caller's open
    transaction appended to are read on the caller's connection, and every record comes."""
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    minted = [Minted(asset="ETH", to_account=f"a{n}", amount=n + 1) for n in range(12)]
    store.append([NewEvent(event=event, block=1) for event in minted[:5]])
    with store.one_transaction():
        store.append([NewEvent(event=event, block=2) for event in minted[5:]])
        folded = [record.event for batch in store.fold_batches() for record in batch]
    assert folded == minted
    store.close()


@pytest.mark.usefixtures("read_ahead_by_threes")
def test_a_read_ahead_that_stopped_idle_leaves_the_rest_to_the_callers_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A caller slower than the reader's patience still gets every record, in order."""
    monkeypatch.setattr(sqlite_fold._ReadAhead, "IDLE_S", 0.1)
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    minted = [Minted(asset="ETH", to_account=f"a{n}", amount=n + 1) for n in range(20)]
    store.append([NewEvent(event=event, block=1) for event in minted])
    batches = store.fold_batches()
    folded = [record.event for record in next(batches)]
    deadline = time.monotonic() + 30
    while readers():
        assert time.monotonic() < deadline, "the idle reader did not stop"
        time.sleep(0.05)
    folded += [record.event for batch in batches for record in batch]
    assert folded == minted
    store.close()


@pytest.mark.usefixtures("read_ahead_by_threes")
def test_a_fold_read_left_unread_stops_its_read_ahead(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    store.append([NewEvent(event=Minted(asset="ETH", to_account="a", amount=1), block=1)] * 20)
    batches = store.fold_batches()
    assert readers() == 1
    batches.close()  # type: ignore[attr-defined]
    assert readers() == 0
    store.close()


def test_a_fold_read_stops_at_a_bad_payload_after_the_records_before_it(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    for block in range(1, 5):
        store.append([NewEvent(event=Minted(asset="ETH", to_account="a", amount=1), block=block)])
    store.connection.execute('UPDATE events SET payload = \'{"type": "Minted"}\' WHERE seq = 3')
    folded: list[int] = []
    with pytest.raises(IntegrityError, match="at seq 3: its Minted v1 payload does not decode"):
        for batch in store.fold_batches():
            folded.extend(record.seq for record in batch)
    assert folded == [1, 2]
    store.close()


def test_state_at_restores_snapshots_written_in_the_canonical_form(tmp_path: Path) -> None:
    """Snapshots written before they followed the dicts' order still restore (same version)."""
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    for block in range(1, 9):
        store.append(
            [
                NewEvent(
                    event=Minted(asset="ETH", to_account=f"a{block % 3}", amount=block), block=block
                )
            ]
        )
    projector = Projector(store, ["balances"], snapshot_every=2)
    projector.catch_up()
    expected = projector.digests(7)
    stored = store.connection.execute("SELECT version, seq, block FROM snapshots").fetchall()
    for version, seq, block in stored:
        saved = views.snapshot_before_seq(store.connection, Balances(), seq + 1)
        assert saved is not None
        balances = Balances()
        balances.restore(saved[1])
        canonical = canonical_bytes(balances._state())
        views.insert_snapshot(store.connection, "balances", version, seq, block, canonical)
    assert projector.digests(7) == expected
    store.close()


@given(state=st.binary(max_size=5_000))
def test_a_packed_snapshot_state_unpacks_to_its_bytes(state: bytes) -> None:
    packed = snapshot_states.pack(state)
    assert packed.startswith(snapshot_states.ZSTD_MAGIC)
    assert snapshot_states.unpack(packed) == state
    assert (
        snapshot_states.unpack(zlib.compress(state)) == state
    )  # as states were stored before zstd


def test_snapshot_states_stored_with_zlib_still_serve_time_travel(tmp_path: Path) -> None:
    """States stored before zstd (zlib streams) are read as they are, beside new ones."""
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    for block in range(1, 9):
        event = Minted(asset="ETH", to_account=f"a{block % 3}", amount=block)
        store.append([NewEvent(event=event, block=block)])
    projector = Projector(store, ["balances"], snapshot_every=2)
    projector.catch_up()
    expected = [projector.digests(block) for block in range(9)]
    connection = store.connection
    keys = [key for (key,) in connection.execute("SELECT key FROM snapshot_states")]
    for key in keys[::2]:  # half of them as zlib streams, the others left as zstd frames
        state = snapshot_states.snapshot_state(connection, key, "test")
        connection.execute(
            "UPDATE snapshot_states SET state = ? WHERE key = ?", (zlib.compress(state), key)
        )
    assert [projector.digests(block) for block in range(9)] == expected
    connection.execute("UPDATE snapshot_states SET state = ? WHERE key = ?", (b"neither", keys[0]))
    with pytest.raises(views.ViewMismatch, match="cannot be read"):
        snapshot_states.snapshot_state(connection, keys[0], "test")
    store.close()


def test_views_at_different_positions_catch_up_each_from_where_it_is(tmp_path: Path) -> None:
    """A view added to an existing log folds from seq 1; the others fold only the new tail."""
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    for block in range(1, 6):
        store.append([NewEvent(event=Minted(asset="ETH", to_account="a", amount=1), block=block)])
    Projector(store, ["balances"]).catch_up()  # balances at seq 5, prices nowhere yet
    store.append([NewEvent(event=Minted(asset="ETH", to_account="b", amount=2), block=6)])
    folded: list[int] = []
    original = Balances.apply

    def counting(self: Balances, record: Record) -> None:
        folded.append(record.seq)
        original(self, record)

    Balances.apply = counting  # type: ignore[method-assign]
    try:
        assert Projector(store, ["balances", "prices"]).catch_up() == 6
    finally:
        Balances.apply = original  # type: ignore[method-assign]
    assert folded == [6]
    positions = {
        projection.name: views.read_view_state(store.connection, projection)
        for projection in (Balances(), Prices())
    }
    assert {name: saved[0] for name, saved in positions.items() if saved} == {
        "balances": 6,
        "prices": 6,
    }
    rebuilt = Projector(store, ["balances"])
    rebuilt.rebuild()
    assert Projector(store, ["balances"]).digests() == rebuilt.digests()
    store.close()


def test_a_fold_pauses_the_garbage_collector_and_leaves_it_as_it_found_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal: list[Event] = [
        Minted(asset="ETH", to_account=f"a{n}", amount=n + 1) for n in range(30)
    ]
    store = write_log(tmp_path / "log.db", journal, list(range(1, 31)))
    seen: list[bool] = []
    apply = Balances.apply

    def spying(self: Balances, record: Record) -> None:
        seen.append(gc.isenabled())
        apply(self, record)

    monkeypatch.setattr(Balances, "apply", spying)
    assert gc.isenabled()
    Projector(store, ["balances"]).rebuild()
    assert seen and not any(seen) and gc.isenabled()
    gc.disable()
    try:
        Projector(store, ["balances"]).state_at(12)
        assert not gc.isenabled()  # a caller's choice stays as it was
    finally:
        gc.enable()

    def failing(self: Balances, record: Record) -> None:
        raise RuntimeError("a book failed")

    monkeypatch.setattr(Balances, "apply", failing)
    with pytest.raises(RuntimeError, match="a book failed"):
        Projector(store, ["balances"]).rebuild()
    assert gc.isenabled()
    store.close()
