"""Time travel that undoes records: a book restored from the snapshot above a block, with the
records after the block undone, shows what folding up to the block shows (`Balances.unfold`,
`ledger.restore.restore_near`), and books that cannot undo a record fold forward instead."""

from __future__ import annotations

import json
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import AssetRegistered, Burned, Event, Minted, Transferred
from events.base import event_tag
from events.record import Record
from ledger.batch import NewEvent
from ledger.projector import Projector
from ledger.restore import snapshot_interval
from ledger.sqlite_store import SqliteStore
from projections.balances import Balances
from projections.balances_layout import SNAPSHOT_MAGIC
from projections.base import FoldsBackwards
from projections.runtime import make_books

ACCOUNTS = ["acct:a", "acct:b", "acct:c"]
ASSETS = ["ETH", "USDC"]

accounts = st.sampled_from(ACCOUNTS)
assets = st.sampled_from(ASSETS)
amounts = st.integers(1, 10**24)
events = st.one_of(
    st.builds(Minted, asset=assets, to_account=accounts, amount=amounts),
    st.builds(Burned, asset=assets, from_account=accounts, amount=amounts),  # may overdraw
    st.builds(
        Transferred, asset=assets, from_account=accounts, to_account=accounts, amount=amounts
    ),
    st.builds(AssetRegistered, asset=assets, symbol=assets, decimals=st.integers(0, 18)),
)
#: Blocks of one to three events; some registrations, which may replace an asset's decimals.
logs = st.lists(st.lists(events, min_size=1, max_size=3), min_size=1, max_size=25)


def records_of(blocks: list[list[Event]]) -> list[Record]:
    placed = [(block, event) for block, group in enumerate(blocks, start=1) for event in group]
    return [
        Record(seq, block, 0, "", 0, event_tag(type(event)), 1, "", None, "", "", event)
        for seq, (block, event) in enumerate(placed, start=1)
    ]


def shows(book: Balances) -> tuple[object, ...]:
    """Everything the book shows, and its snapshot: the same bytes, holdings in one order."""
    return book.digest(), book.tables(), book.violations(), book.snapshot()


def folded(records: list[Record]) -> Balances:
    book = Balances()
    for record in records:
        book.apply(record)
    return book


@settings(max_examples=200, deadline=None)
@given(blocks=logs, data=st.data())
def test_undoing_the_last_records_shows_the_fold_that_stopped_before_them(
    blocks: list[list[Event]], data: st.DataObject
) -> None:
    records = records_of(blocks)
    keep = data.draw(st.integers(0, len(records)))
    book = folded(records)
    assert book.unfold(records[keep:])
    assert shows(book) == shows(folded(records[:keep]))
    assert book.registered == folded(records[:keep]).registered


def test_a_registration_undone_gives_back_the_decimals_it_replaced() -> None:
    register = [AssetRegistered(asset="ETH", symbol="ETH", decimals=d) for d in (18, 6, 300)]
    mint = Minted(asset="ETH", to_account="acct:a", amount=5)
    records = records_of([[register[0]], [mint], [register[1]], [register[2]]])  # 300: a finding
    book = folded(records)
    assert book.decimals == {"ETH": 6} and book.violations()
    assert book.unfold(records[2:])
    assert book.decimals == {"ETH": 18} and not book.violations()
    assert book.unfold(records[:2])
    assert book.decimals == {} and book.registered == []
    assert shows(book) == shows(Balances())


def test_without_the_registrations_a_registration_is_not_undone() -> None:
    """A snapshot written before `registered` was kept restores without it: the records it
    cannot undo leave the book untouched, and time travel folds forward instead."""
    register = AssetRegistered(asset="ETH", symbol="ETH", decimals=18)
    mint = Minted(asset="ETH", to_account="acct:a", amount=5)
    records = records_of([[mint], [register], [mint]])
    book = folded(records)
    book.registered = None
    before = shows(book)
    assert not book.unfold(records[1:])
    assert shows(book) == before
    assert book.unfold(records[2:])  # no registration among them
    expected = folded(records[:2])
    expected.registered = None
    assert shows(book) == shows(expected)


def test_a_snapshot_header_without_the_registrations_restores_without_them() -> None:
    records = records_of([[AssetRegistered(asset="ETH", symbol="ETH", decimals=18)]])
    data = folded(records).snapshot()
    start = len(SNAPSHOT_MAGIC) + 8
    end = start + int.from_bytes(data[len(SNAPSHOT_MAGIC) : start], "little")
    header = json.loads(data[start:end])
    assert header[3] == [[1, "ETH", 18]]
    old = json.dumps(header[:3], separators=(",", ":")).encode()
    book = Balances()
    book.restore(data[: len(SNAPSHOT_MAGIC)] + len(old).to_bytes(8, "little") + old + data[end:])
    assert book.registered is None and book.decimals == {"ETH": 18}
    assert not book.unfold(records)


def test_holdings_that_arrived_with_the_records_are_taken_away_with_them() -> None:
    mint = Minted(asset="ETH", to_account="acct:a", amount=5)
    move = Transferred(asset="ETH", from_account="acct:a", to_account="acct:b", amount=5)
    usdc = Minted(asset="USDC", to_account="acct:b", amount=1)
    records = records_of([[mint], [move], [usdc], [move]])  # the last one overdraws acct:a
    book = folded(records)
    assert book.violations()
    assert book.unfold(records[1:])
    assert shows(book) == shows(folded(records[:1]))
    assert list(book.holdings) == ["ETH"] and list(book.holdings["ETH"]) == ["issuer:ETH", "acct:a"]
    book.arrivals = None  # restored from a layout without them: nothing is undone
    assert not book.unfold(records[1:2])


def log_of(path: Path, blocks: list[list[Event]]) -> SqliteStore:
    store = SqliteStore(path, create=True)
    for block, block_events in enumerate(blocks, start=1):
        store.append([NewEvent(event=event, block=block) for event in block_events])
    return store


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(blocks=logs, every=st.integers(1, 4))
def test_time_travel_to_every_block_shows_the_forward_fold(
    tmp_path_factory: pytest.TempPathFactory, blocks: list[list[Event]], every: int
) -> None:
    store = log_of(tmp_path_factory.mktemp("travel") / "ledger.db", blocks)
    Projector(store, snapshot_every=every).catch_up()  # every book: snapshots at two cadences
    records = list(store.read())
    for block in range(len(blocks) + 2):
        expected = make_books()
        expected.fold(record for record in records if record.block <= block)
        travelled = Projector(store).books_at(block)
        assert travelled.digests() == expected.digests()
        assert shows(travelled.get(Balances)) == shows(expected.get(Balances))
        assert travelled.position.seq == expected.position.seq
    store.close()


def test_the_nearer_snapshot_is_used_and_one_that_cannot_undo_folds_forward(
    tmp_path: Path,
) -> None:
    mint = Minted(asset="ETH", to_account="acct:a", amount=50)
    move = Transferred(asset="ETH", from_account="acct:a", to_account="acct:b", amount=2)
    register = AssetRegistered(asset="ETH", symbol="ETH", decimals=18)
    blocks = [[mint], [move], [move], [move], [move], [move], [move], [register]]
    store = log_of(tmp_path / "ledger.db", blocks)
    Projector(store, ["balances"], snapshot_every=2).catch_up()  # balances: seq 4 and 8
    records = list(store.read())
    calls: list[bool] = []
    unfold = Balances.unfold

    def spy(book: Balances, undone: list[Record]) -> bool:
        book.registered = None  # as restored from a snapshot written before they were kept
        calls.append(unfold(book, undone))
        return calls[-1]

    with mock.patch.object(Balances, "unfold", spy):
        at = {block: Projector(store, ["balances"]).state_at(block)[0] for block in (3, 5, 7)}
    # 3: one under seq 4, three over nothing; 5: one over 4; 7: one under 8, a registration
    # it cannot undo, so from the snapshot at seq 4 forward.
    assert calls == [True, False]
    for block, shown in at.items():
        assert shown.digest() == folded(records[:block]).digest()
    store.close()


def test_only_books_that_undo_are_snapshotted_half_as_often() -> None:
    books = make_books()
    backwards = [book.name for book in books if isinstance(book, FoldsBackwards)]
    assert backwards == ["balances"]
    assert snapshot_interval(books.get(Balances), 7) == 14
    assert {snapshot_interval(b, 7) for b in books if b.name != "balances"} == {7}
