"""Balances read like accounting: a few events inline, the books after them."""

from __future__ import annotations

import marshal

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import AssetRegistered, Burned, Event, Minted, Record, Transferred
from projections.balances import Balances
from projections.balances_layout import LAYOUT_3_MAGIC, SNAPSHOT_MAGIC
from projections.base import digest_of
from projections.runtime import fold
from tests.oracle import naive_balances, naive_supply

JOURNAL = b"""
{"type": "AssetRegistered", "asset": "USDC", "symbol": "USDC", "decimals": 6}
{"type": "Minted", "asset": "USDC", "to_account": "alice", "amount": 100000000}
{"type": "Transferred", "asset": "USDC", "from_account": "alice", "to_account": "pool:E", "amount": 30000000}
{"type": "Burned", "asset": "USDC", "from_account": "alice", "amount": 5000000}
"""


def records_of(events: list[Event], blocks: list[int] | None = None) -> list[Record]:
    return [
        Record(
            seq=index + 1,
            block=(blocks[index] if blocks else index + 1),
            ts_ms=0,
            stream="s",
            stream_version=index + 1,
            type=type(event).__name__,
            version=1,
            event_id=str(index),
            idempotency_key=None,
            prev_hash="",
            hash="",
            event=event,
        )
        for index, event in enumerate(events)
    ]


def decode_journal(text: bytes) -> list[Event]:
    decoder = msgspec.json.Decoder(AssetRegistered | Minted | Burned | Transferred)
    return [decoder.decode(line) for line in text.strip().splitlines()]


def test_a_mint_a_deposit_and_a_burn() -> None:
    balances = Balances()
    fold(records_of(decode_journal(JOURNAL)), [balances])
    assert balances.balance("alice", "USDC") == 65_000_000
    assert balances.balance("pool:E", "USDC") == 30_000_000
    assert balances.supply("USDC") == 95_000_000
    assert balances.balance("issuer:USDC", "USDC") == -95_000_000
    assert balances.violations() == [] and balances.check_invariants(4) == []
    assert balances.decimals == {"USDC": 6}


def test_an_overdraft_is_recorded_as_a_violation_not_raised() -> None:
    balances = Balances()
    fold(
        records_of(
            [
                Minted(asset="ETH", to_account="a", amount=5),
                Transferred(asset="ETH", from_account="a", to_account="b", amount=7),
            ]
        ),
        [balances],
    )
    (violation,) = balances.violations()
    assert (violation.code, violation.seq) == ("NEGATIVE_BALANCE", 2)
    assert balances.balance("a", "ETH") == -2


def test_snapshot_restores_the_same_state_and_digest() -> None:
    balances = Balances()
    fold(records_of(decode_journal(JOURNAL)), [balances])
    copy = Balances()
    copy.restore(balances.snapshot())
    assert copy.digest() == balances.digest()
    assert copy.tables() == balances.tables()


def test_a_snapshot_of_the_json_layout_before_v3_restores_the_same_dicts() -> None:
    """Snapshots stored before the binary layout (JSON, asset -> account -> amount) still
    restore: the same dicts in the same order, so the next snapshot is today's bytes but for
    the arrivals, which that layout did not hold (and without which nothing is undone)."""
    balances = Balances()
    fold(records_of(decode_journal(JOURNAL)), [balances])
    balances.decimals["ETH"] = 18
    older = msgspec.json.encode(
        {
            "holdings": balances.holdings,
            "assets": sorted(balances.decimals.items()),
            "violations": balances.violations(),
        }
    )
    restored = Balances()
    restored.restore(older)
    assert restored.arrivals is None and restored.registered is None
    assert not restored.unfold([])
    restored.arrivals, restored.registered = balances.arrivals, balances.registered
    assert restored.snapshot() == balances.snapshot()
    assert restored.digest() == balances.digest()


def test_a_snapshot_of_layout_3_restores_the_same_dicts_without_arrivals() -> None:
    balances = Balances()
    fold(records_of(decode_journal(JOURNAL)), [balances])
    accounts = [msgspec.json.encode(list(held)) for held in balances.holdings.values()]
    assets = [
        [asset, len(held), len(encoded)]
        for (asset, held), encoded in zip(balances.holdings.items(), accounts, strict=True)
    ]
    header = msgspec.json.encode([sorted(balances.decimals.items()), balances.violations(), assets])
    amounts = marshal.dumps([list(held.values()) for held in balances.holdings.values()], 2)
    layout_3 = b"".join(
        (LAYOUT_3_MAGIC, len(header).to_bytes(8, "little"), header, *accounts, amounts)
    )
    restored = Balances()
    restored.restore(layout_3)
    assert restored.holdings == balances.holdings
    assert [list(held) for held in restored.holdings.values()] == [
        list(held) for held in balances.holdings.values()
    ]
    assert restored.arrivals is None and restored.registered is None
    restored.arrivals, restored.registered = balances.arrivals, balances.registered
    assert restored.snapshot() == balances.snapshot()


@pytest.mark.parametrize("cut", [1, 40, -5])
def test_a_cut_snapshot_is_refused_by_name(cut: int) -> None:
    """A cut in the magic, the header or the amounts raises `DecodeError`, never a wrong
    state (other damage is the stored sha256's to find: `snapshot_states.snapshot_state`)."""
    balances = Balances()
    fold(records_of(decode_journal(JOURNAL)), [balances])
    with pytest.raises(msgspec.DecodeError):
        Balances().restore(balances.snapshot()[:cut])


@pytest.mark.parametrize(
    ("accounts", "message"),
    [
        (b'[["a","a"],[1,1]]', "ETH does not match its count"),
        (b'[["a","b"],[1]]', "arrivals do not match the accounts"),
    ],
)
def test_a_snapshot_whose_accounts_do_not_add_up_is_refused_by_name(
    accounts: bytes, message: str
) -> None:
    header = msgspec.json.encode([[], [], [["ETH", 2, len(accounts)]]])
    data = b"".join(
        (
            SNAPSHOT_MAGIC,
            len(header).to_bytes(8, "little"),
            header,
            accounts,
            marshal.dumps([[1, 2]], 2),
        )
    )
    with pytest.raises(msgspec.DecodeError, match=message):
        Balances().restore(data)


def test_a_snapshot_after_new_accounts_holds_them() -> None:
    """The accounts' encoding is kept between snapshots until an account is added."""
    balances = Balances()
    fold(records_of([Minted(asset="ETH", to_account="a", amount=1)]), [balances])
    first = balances.snapshot()
    assert balances.snapshot() == first
    fold(
        records_of([Transferred(asset="ETH", from_account="a", to_account="b", amount=1)]),
        [balances],
    )
    restored = Balances()
    restored.restore(balances.snapshot())
    assert restored.holdings == {"ETH": {"issuer:ETH": -1, "a": 0, "b": 1}}


ACCOUNTS = ["alice", "bob", "carol", "pool:X", "reserve:ALEX"]
ASSETS = ["ALEX", "USDC", "ETH"]


@st.composite
def valid_journals(draw: st.DrawFn) -> list[Event]:
    """Random sequences that never overdraw: mints, transfers and burns within balances."""
    events: list[Event] = []
    held: dict[tuple[str, str], int] = {}
    for _ in range(draw(st.integers(1, 40))):
        account, asset = draw(st.sampled_from(ACCOUNTS)), draw(st.sampled_from(ASSETS))
        have = held.get((account, asset), 0)
        kind = draw(st.sampled_from(["mint", "transfer", "burn"])) if have else "mint"
        if kind == "mint":
            amount = draw(st.integers(0, 2**96))
            events.append(Minted(asset=asset, to_account=account, amount=amount))
            held[(account, asset)] = have + amount
            continue
        amount = draw(st.integers(0, have))
        held[(account, asset)] = have - amount
        if kind == "burn":
            events.append(Burned(asset=asset, from_account=account, amount=amount))
        else:
            target = draw(st.sampled_from(ACCOUNTS))
            events.append(
                Transferred(asset=asset, from_account=account, to_account=target, amount=amount)
            )
            held[(target, asset)] = held.get((target, asset), 0) + amount
    return events


@settings(max_examples=150, deadline=None)
@given(journal=valid_journals())
def test_the_books_match_a_naive_recount_after_every_event(journal: list[Event]) -> None:
    balances = Balances()
    for count, record in enumerate(records_of(journal), start=1):
        balances.apply(record)
        expected = naive_balances(journal[:count])
        actual = {
            key: value
            for key, value in balances.amounts.items()
            if value and not key[0].startswith("issuer:")
        }
        assert actual == expected
        assert balances.supplies() == dict(sorted(naive_supply(journal[:count]).items()))
        assert balances.violations() == []
        assert balances.check_invariants(record.seq) == []


@settings(max_examples=100, deadline=None)
@given(journal=valid_journals(), data=st.data())
def test_snapshot_at_any_k_plus_the_tail_equals_the_full_fold(
    journal: list[Event], data: st.DataObject
) -> None:
    records = records_of(journal)
    full = Balances()
    fold(records, [full])
    k = data.draw(st.integers(0, len(records)))
    head = Balances()
    fold(records[:k], [head])
    resumed = Balances()
    resumed.restore(head.snapshot())
    fold(records[k:], [resumed])
    assert resumed.digest() == full.digest()


@pytest.mark.parametrize("amount", [2**63, 2**64 + 1, 2**200])
def test_amounts_beyond_64_bits_stay_exact(amount: int) -> None:
    balances = Balances()
    fold(records_of([Minted(asset="ETH", to_account="whale", amount=amount)]), [balances])
    restored = Balances()
    restored.restore(balances.snapshot())
    assert restored.balance("whale", "ETH") == amount


@settings(max_examples=100, deadline=None)
@given(journal=valid_journals(), data=st.data())
def test_a_restored_snapshot_plus_the_tail_gives_the_full_folds_bytes(
    journal: list[Event], data: st.DataObject
) -> None:
    """Snapshots follow the order the state was built in, and restore rebuilds that order."""
    records = records_of(journal)
    full = Balances()
    fold(records, [full])
    k = data.draw(st.integers(0, len(records)))
    head = Balances()
    fold(records[:k], [head])
    resumed = Balances()
    resumed.restore(head.snapshot())
    assert resumed.snapshot() == head.snapshot()
    fold(records[k:], [resumed])
    assert resumed.snapshot() == full.snapshot()
    assert resumed.tables() == full.tables()


@settings(max_examples=50, deadline=None)
@given(journal=valid_journals())
def test_the_digest_is_the_sorted_canonical_state_and_old_snapshots_restore(
    journal: list[Event],
) -> None:
    balances = Balances()
    fold(records_of(journal), [balances])
    holdings: dict[str, dict[str, int]] = {}
    for (account, asset), amount in sorted(balances.amounts.items(), key=lambda i: i[0][::-1]):
        if amount:
            holdings.setdefault(asset, {})[account] = amount
    expected = msgspec.json.encode(  # the digest's encoding: every key sorted
        {
            "assets": dict(sorted(balances.decimals.items())),
            "holdings": dict(sorted(holdings.items())),
            "violations": balances.violations(),
        }
    )
    assert balances.digest() == digest_of(expected)
    canonical = msgspec.json.encode(  # a snapshot as written before v1.1: the sorted state
        {
            "balances": sorted(
                (account, asset, amount)
                for (account, asset), amount in balances.amounts.items()
                if amount
            ),
            "assets": sorted(balances.decimals.items()),
            "violations": balances.violations(),
        }
    )
    restored = Balances()
    restored.restore(canonical)  # a snapshot as written before they followed the dicts' order
    assert restored.digest() == balances.digest()
    # (Those left zero amounts out, so an asset whose supply is exactly 0 lost its `supply`
    # row on restore; snapshots now keep zeros, see the test above.)
    assert restored.tables()[0] == balances.tables()[0]
