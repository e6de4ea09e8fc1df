"""The store contract: what every backend of the log honours (run against each one)."""

from __future__ import annotations

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import AssetRegistered, Burned, Minted, PriceUpdated, RejectCode, Transferred
from ledger.batch import EMPTY_HEAD, Appended, NewEvent, Rejected
from ledger.store import EventStore, ReadFilter
from ledger.stored_text import TEXT_BYTES_MAX


def mint(amount: int, block: int, to: str = "alice", **extra: object) -> NewEvent:
    return NewEvent(event=Minted(asset="USDC", to_account=to, amount=amount), block=block, **extra)  # type: ignore[arg-type]


def appended(result: object) -> Appended:
    assert isinstance(result, Appended), result
    return result


def rejected(result: object, code: RejectCode) -> Rejected:
    assert isinstance(result, Rejected), result
    assert result.code == code, result
    return result


def test_an_empty_store_reads_nothing(store: EventStore) -> None:
    assert store.head() == EMPTY_HEAD
    assert list(store.read()) == []
    assert store.stream_version("asset:USDC") == 0
    report = store.verify()
    assert report.ok and report.records == 0
    assert store.counts_by_type() == {}


def test_append_then_read_round_trips(store: EventStore) -> None:
    batch = [
        NewEvent(event=AssetRegistered(asset="USDC", symbol="USDC", decimals=6), block=1),
        mint(5_000_000, 2),
        NewEvent(
            event=Transferred(
                asset="USDC", from_account="alice", to_account="bob", amount=1_000_000
            ),
            block=2,
            event_id="tx-1",
        ),
    ]
    result = appended(store.append(batch))
    assert (result.first_seq, result.last_seq) == (1, 3)
    records = list(store.read())
    assert [record.event for record in records] == [item.event for item in batch]
    assert [record.seq for record in records] == [1, 2, 3]
    assert [(record.stream, record.stream_version) for record in records] == [
        ("asset:USDC", 1),
        ("asset:USDC", 2),
        ("account:alice", 1),
    ]
    assert records[2].event_id == "tx-1"
    assert records[0].event_id == "asset:USDC#1"
    assert records[-1].hash == result.head_hash == store.head().hash
    assert records[1].prev_hash == records[0].hash
    assert all(record.ts_ms == 1_700_000_000_000 for record in records)
    assert store.counts_by_type() == {"AssetRegistered": 1, "Minted": 1, "Transferred": 1}


def test_a_batch_is_all_or_nothing(store: EventStore) -> None:
    appended(store.append([mint(1, 1)]))
    bad_last = [mint(2, 2), mint(3, 2), mint(-4, 2)]
    rejected(store.append(bad_last), RejectCode.NEGATIVE_AMOUNT)
    assert store.head().seq == 1
    assert [record.event.amount for record in store.read()] == [1]  # type: ignore[attr-defined]


def test_expected_version_conflict(store: EventStore) -> None:
    appended(store.append([mint(1, 1, expected_version=0)]))
    result = rejected(
        store.append([mint(1, 1, expected_version=0)]), RejectCode.STREAM_VERSION_CONFLICT
    )
    assert result.index == 0
    appended(store.append([mint(1, 1, expected_version=1), mint(1, 1, expected_version=2)]))
    assert store.stream_version("asset:USDC") == 3


def test_expected_head_conflict(store: EventStore) -> None:
    appended(store.append([mint(1, 1)], expected_head=0))
    rejected(store.append([mint(1, 1)], expected_head=0), RejectCode.HEAD_CONFLICT)
    appended(store.append([mint(1, 1)], expected_head=1))


def test_idempotent_retry_returns_the_original_result(store: EventStore) -> None:
    first = appended(store.append([mint(1, 1), mint(2, 1)], idempotency_key="k1"))
    again = appended(store.append([mint(1, 1), mint(2, 1)], idempotency_key="k1"))
    assert again.replayed and (again.first_seq, again.last_seq, again.head_hash) == (
        first.first_seq,
        first.last_seq,
        first.head_hash,
    )
    assert store.head().seq == 2
    rejected(store.append([mint(9, 1)], idempotency_key="k1"), RejectCode.IDEMPOTENCY_CONFLICT)
    assert store.head().seq == 2


def test_duplicate_event_id_is_rejected_not_overwritten(store: EventStore) -> None:
    appended(store.append([mint(1, 1, event_id="m-1")]))
    rejected(store.append([mint(2, 1, event_id="m-1")]), RejectCode.DUPLICATE)
    rejected(
        store.append([mint(2, 1, event_id="m-2"), mint(3, 1, event_id="m-2")]), RejectCode.DUPLICATE
    )
    rejected(store.append([mint(2, 1, event_id="asset:USDC#9")]), RejectCode.INVALID_FIELD)
    assert [record.event.amount for record in store.read()] == [1]  # type: ignore[attr-defined]


def test_blocks_never_go_back(store: EventStore) -> None:
    appended(store.append([mint(1, 10)]))
    rejected(store.append([mint(1, 9)]), RejectCode.BLOCK_ORDER)
    result = rejected(store.append([mint(1, 12), mint(1, 11)]), RejectCode.BLOCK_ORDER)
    assert result.index == 1
    appended(store.append([mint(1, 10), mint(1, 11)]))


def test_empty_batch_is_rejected(store: EventStore) -> None:
    rejected(store.append([]), RejectCode.EMPTY_BATCH)


def test_mistyped_field_is_rejected(store: EventStore) -> None:
    wrong = NewEvent(event=Minted(asset="USDC", to_account="a", amount="5"), block=1)  # type: ignore[arg-type]
    result = rejected(store.append([wrong]), RejectCode.INVALID_FIELD)
    assert "$.amount" in result.detail


def unkept_text_batches() -> list[tuple[list[NewEvent], str | None]]:
    """Batches holding text PostgreSQL cannot keep (U+0000, or more than an index entry
    holds), with the idempotency key each goes with."""
    plain = Minted(asset="USDC", to_account="a", amount=1)
    plain_fields = msgspec.structs.asdict(plain)
    long_name = "".join(chr(0x4E00 + step % 5000) for step in range(TEXT_BYTES_MAX // 3 + 1))
    return [
        ([mint(1, 1), NewEvent(event=Minted(**{**plain_fields, "memo": "x\x00"}), block=1)], None),
        ([mint(1, 1, to="a\x00b")], None),
        ([NewEvent(event=plain, block=1, stream="s\x00")], None),
        ([NewEvent(event=plain, block=1, event_id="id\x00")], None),
        ([mint(1, 1)], "key\x00"),
        ([mint(1, 1, to=long_name)], None),
        ([NewEvent(event=plain, block=1, stream="s" * (TEXT_BYTES_MAX + 1))], None),
        ([NewEvent(event=plain, block=1, event_id="i" * (TEXT_BYTES_MAX + 1))], None),
        ([mint(1, 1)], "k" * (TEXT_BYTES_MAX + 1)),
    ]


def test_text_a_store_cannot_keep_is_refused_by_every_store(store: EventStore) -> None:
    """PostgreSQL cannot store U+0000 in text nor index a key past about 2,700 bytes; SQLite
    can, but a log one store takes must be one every store takes, so each refuses it alike."""
    for batch, key in unkept_text_batches():
        result = rejected(store.append(batch, idempotency_key=key), RejectCode.INVALID_FIELD)
        assert "U+0000" in result.detail or f"at most {TEXT_BYTES_MAX} bytes" in result.detail
    assert store.head() == EMPTY_HEAD
    at_limit = "b" * TEXT_BYTES_MAX
    appended(store.append([mint(1, 1, to=at_limit)], idempotency_key=at_limit))
    assert [record.event.to_account for record in store.read()] == [at_limit]  # type: ignore[attr-defined]


def test_a_block_or_time_past_64_bits_is_refused_by_every_store(store: EventStore) -> None:
    """SQLite's INTEGER and PostgreSQL's bigint both stop at 2**63 - 1: a caller past it
    gets the one named refusal from every store, not a server's error from one of them."""
    for extra in ({"block": 2**63}, {"block": 1, "ts_ms": 2**63}):
        batch = [
            mint(1, 1),
            NewEvent(event=Minted(asset="USDC", to_account="a", amount=1), **extra),
        ]  # type: ignore[arg-type]
        result = rejected(store.append(batch), RejectCode.INT_OUT_OF_RANGE)
        assert result.index == 1 and "2**63 - 1" in result.detail
    assert store.head() == EMPTY_HEAD
    appended(store.append([mint(1, 2**63 - 1, ts_ms=2**63 - 1)]))


def test_read_bounds(store: EventStore) -> None:
    for block in range(1, 11):
        appended(
            store.append(
                [
                    mint(block, block),
                    NewEvent(
                        event=Burned(asset="USDC", from_account="alice", amount=1),
                        block=block,
                        stream="burns",
                    ),
                ]
            )
        )

    def seqs(where: ReadFilter) -> list[int]:
        return [record.seq for record in store.read(where)]

    assert seqs(ReadFilter(from_seq=5, to_seq=7)) == [5, 6, 7]
    assert seqs(ReadFilter(from_block=3, to_block=4)) == [5, 6, 7, 8]
    assert seqs(ReadFilter(stream="burns", to_block=3)) == [2, 4, 6]
    assert seqs(ReadFilter(type="Minted", from_seq=15)) == [15, 17, 19]
    assert seqs(ReadFilter(from_seq=21)) == []


@settings(
    max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(amounts=st.lists(st.integers(min_value=0, max_value=2**256), min_size=1, max_size=5))
def test_ints_above_64_bits_round_trip_exactly(store: EventStore, amounts: list[int]) -> None:
    block = store.head().block
    appended(store.append([mint(amount, block) for amount in amounts]))
    tail = list(store.read())[-len(amounts) :]
    assert [record.event.amount for record in tail] == amounts  # type: ignore[attr-defined]
    assert store.verify().ok


def test_verify_walks_the_whole_chain(store: EventStore) -> None:
    for block in range(1, 6):
        appended(
            store.append(
                [
                    mint(block, block),
                    NewEvent(
                        event=PriceUpdated(
                            asset="ETH", quote="USD", price=block * 10**18, scale=10**18
                        ),
                        block=block,
                    ),
                ]
            )
        )
    report = store.verify()
    assert report.ok and report.records == 10 and report.head_hash == store.head().hash


def test_fold_records_carry_what_projections_read(store: EventStore) -> None:
    for block in range(1, 6):
        appended(store.append([mint(block, block), mint(block * 2, block)]))
    full = list(store.read(ReadFilter(from_seq=3, to_block=4)))
    folded = list(store.fold_records(from_seq=3, to_block=4))
    assert [(r.seq, r.block, r.type, r.version, r.event) for r in folded] == [
        (r.seq, r.block, r.type, r.version, r.event) for r in full
    ]
    assert [record.seq for record in store.fold_records(to_seq=2)] == [1, 2]
