"""`Engine.deferred`: accepted commands' events held for one append, the log's bytes unchanged.

Inside it a refused command still appends nothing and the commands after it go on; the log
holds exactly the rows one append per command would have written, and the books match a fresh
fold of it. A store that refuses the held batch, or an error inside, leaves the books as the
store has them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from events import Minted, RejectCode, Transferred
from ledger.admission import checked_payload
from ledger.batch import Appended, CheckedBatch, NewEvent, Rejected
from ledger.clock import FixedClock
from ledger.command import Command, Context, Emit
from ledger.commands import HANDLERS
from ledger.commands.core import Burn, Mint, RegisterAsset, Transfer
from ledger.engine import Engine, Executed
from ledger.errors import StoreError
from ledger.memory import MemoryStore
from ledger.sqlite_store import SqliteStore
from projections.balances import Balances

ACCOUNTS = ("alice", "bob", "carol")


def fresh_engine(store: MemoryStore | SqliteStore | None = None) -> Engine:
    engine = Engine(store if store is not None else MemoryStore(clock=FixedClock(5_000)))
    setup = [RegisterAsset(asset="USDC", symbol="USDC", decimals=6)]
    setup += [Mint(asset="USDC", to_account=name, amount=100) for name in ACCOUNTS]
    assert isinstance(engine.execute(setup, block=1), Executed)
    return engine


def outcome(result: Executed | Rejected) -> tuple[object, ...]:
    if isinstance(result, Rejected):
        return ("refused", result.code, result.index)
    return ("ok", result.appended.first_seq, result.appended.last_seq, tuple(result.events))


account = st.sampled_from(ACCOUNTS)
amount = st.integers(min_value=0, max_value=150)  # some overdraw, some are zero
command = st.one_of(
    st.builds(
        Transfer, asset=st.just("USDC"), from_account=account, to_account=account, amount=amount
    ),
    st.builds(Mint, asset=st.just("USDC"), to_account=account, amount=amount),
    st.builds(Burn, asset=st.sampled_from(["USDC", "EUR"]), from_account=account, amount=amount),
)
#: A step: its commands (one batch, all or nothing) and whether a run of steps ends after it.
step = st.tuples(st.lists(command, min_size=1, max_size=3), st.booleans())


@settings(max_examples=60, deadline=None)
@given(st.lists(step, min_size=1, max_size=25))
def test_deferred_runs_write_the_same_log_and_books_as_one_append_per_command(
    steps: list[tuple[list[Command], bool]],
) -> None:
    at_once, held = fresh_engine(), fresh_engine()
    expected = [outcome(at_once.execute(commands, block=2)) for commands, _ in steps]
    got: list[tuple[object, ...]] = []
    index = 0
    while index < len(steps):
        with held.deferred():
            while index < len(steps):
                commands, ends_run = steps[index]
                got.append(outcome(held.execute(commands, block=2)))
                index += 1
                if ends_run:
                    break
    assert got == expected
    assert held.store.head() == at_once.store.head() == held.head  # same rows, same hashes
    assert held.store.rows == at_once.store.rows  # type: ignore[attr-defined]
    assert held.books.digests() == at_once.books.digests() == fresh_books_digests(held)


def fresh_books_digests(engine: Engine) -> dict[str, str]:
    return Engine(engine.store).books.digests()


def test_a_refused_command_inside_appends_nothing_and_the_next_ones_go_on(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "ledger.db", clock=FixedClock(5_000), create=True)
    engine = fresh_engine(store)
    with store.one_transaction(), engine.deferred():
        ok = engine.execute(
            [Transfer(asset="USDC", from_account="alice", to_account="bob", amount=40)], block=2
        )
        assert isinstance(ok, Executed) and ok.appended.last_seq == 5
        assert store.head().seq == 4  # held, not yet appended
        refused = engine.execute(
            [Transfer(asset="USDC", from_account="alice", to_account="bob", amount=61)], block=2
        )
        assert isinstance(refused, Rejected) and refused.code == RejectCode.INSUFFICIENT_BALANCE
        spent_twice = [
            Transfer(asset="USDC", from_account="bob", to_account="carol", amount=100),
            Transfer(asset="USDC", from_account="bob", to_account="carol", amount=100),
        ]
        refused = engine.execute(spent_twice, block=2)  # the books are put back from a snapshot
        assert isinstance(refused, Rejected) and refused.index == 1
        assert isinstance(
            engine.execute([Burn(asset="USDC", from_account="carol", amount=7)], block=3), Executed
        )
    assert [type(record.event).__name__ for record in store.read()][4:] == [
        "Transferred",
        "Burned",
    ]
    balances = engine.projection(Balances)
    assert [balances.balance(name, "USDC") for name in ACCOUNTS] == [60, 140, 93]
    assert engine.head == store.head() and store.verify().ok
    assert engine.books.digests() == fresh_books_digests(engine)
    store.close()


class RefusingStore(MemoryStore):
    """Refuses every append with more than one event (the batch a deferred run ends with)."""

    def append(self, batch, *, expected_head=None, idempotency_key=None):  # type: ignore[no-untyped-def]
        if len(batch) > 1:
            return Rejected(code=RejectCode.HEAD_CONFLICT, detail="another writer")
        return super().append(batch, expected_head=expected_head, idempotency_key=idempotency_key)


def test_a_store_refusing_the_held_batch_raises_and_leaves_the_books_as_the_log() -> None:
    engine = Engine(RefusingStore(clock=FixedClock(5_000)))
    assert isinstance(
        engine.execute([RegisterAsset(asset="USDC", symbol="USDC", decimals=6)], block=1), Executed
    )
    head = engine.store.head()
    with pytest.raises(StoreError, match="refused 2 accepted events"), engine.deferred():
        for name in ("alice", "bob"):
            assert isinstance(
                engine.execute([Mint(asset="USDC", to_account=name, amount=5)], block=2), Executed
            )
    assert engine.store.head() == head == engine.head
    assert engine.projection(Balances).balance("alice", "USDC") == 0


def test_an_error_inside_drops_the_held_events() -> None:
    engine = fresh_engine()
    head = engine.store.head()
    with pytest.raises(RuntimeError), engine.deferred():
        engine.execute([Mint(asset="USDC", to_account="dave", amount=5)], block=2)
        raise RuntimeError("an agent failed")
    assert engine.store.head() == head == engine.head
    assert engine.projection(Balances).balance("dave", "USDC") == 0
    with engine.deferred():  # usable again
        assert isinstance(
            engine.execute([Mint(asset="USDC", to_account="dave", amount=5)], block=2), Executed
        )
    assert engine.store.head().seq == head.seq + 1


class MintNegative(Command, frozen=True, kw_only=True):
    """A command whose handler emits an event its type forbids (as a bug would)."""


def mint_negative(command: MintNegative, context: Context) -> list[Emit]:
    return [
        Emit(Minted(asset="USDC", to_account="alice", amount=5)),
        Emit(Minted(asset="USDC", to_account="bob", amount=-5)),
    ]


def test_an_event_the_store_would_refuse_is_refused_by_name_inside_too(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(HANDLERS, MintNegative, mint_negative)
    for deferred in (False, True):
        engine = fresh_engine()
        head = engine.store.head()
        if deferred:
            with engine.deferred():
                result = engine.execute([MintNegative()], block=2)
        else:
            result = engine.execute([MintNegative()], block=2)
        assert isinstance(result, Rejected) and result.code == RejectCode.NEGATIVE_AMOUNT
        assert result.index == 1
        assert engine.store.head() == head == engine.head
        assert engine.projection(Balances).balance("alice", "USDC") == 100


def test_deferred_does_not_nest_and_keyed_batches_go_to_the_store_at_once() -> None:
    engine = fresh_engine()
    with engine.deferred():
        with pytest.raises(RuntimeError, match="does not nest"), engine.deferred():
            pass
        engine.execute([Mint(asset="USDC", to_account="dave", amount=5)], block=2)
        keyed = engine.execute(
            [Mint(asset="USDC", to_account="dave", amount=5)], block=2, idempotency_key="k1"
        )
        assert isinstance(keyed, Executed) and keyed.appended.head_hash
        assert engine.store.head().seq == 6  # the held mint went first, then the keyed one
        facts = engine.append_facts(
            [NewEvent(event=Minted(asset="USDC", to_account="erin", amount=1), block=2)]
        )
        assert isinstance(facts, Appended) and facts.last_seq == 7
    assert engine.store.head().seq == 7 == engine.head.seq


def test_a_checked_batch_appends_the_bytes_a_plain_one_would() -> None:
    events = [
        NewEvent(event=Minted(asset="USDC", to_account="dave", amount=7), block=2),
        NewEvent(
            event=Transferred(asset="USDC", from_account="alice", to_account="bob", amount=3),
            block=3,
        ),
    ]
    plain, checked = fresh_engine().store, fresh_engine().store
    batch = CheckedBatch()
    payloads = [checked_payload(item, index) for index, item in enumerate(events)]
    assert all(isinstance(payload, bytes) for payload in payloads)
    batch.add(events, [payload for payload in payloads if isinstance(payload, bytes)])
    assert isinstance(plain.append(events), Appended)
    assert isinstance(checked.append(batch), Appended)
    assert list(checked.read()) == list(plain.read())
    with pytest.raises(ValueError, match="2 events with 1 payloads"):
        CheckedBatch().add(events, [b"{}"])


def test_a_checked_batch_changed_after_its_check_is_checked_again_whole() -> None:
    store = fresh_engine().store
    head = store.head()
    batch = CheckedBatch()
    first = NewEvent(event=Minted(asset="USDC", to_account="dave", amount=7), block=2)
    payload = checked_payload(first, 0)
    assert isinstance(payload, bytes)
    batch.add([first], [payload])
    batch.append(NewEvent(event=Minted(asset="USDC", to_account="bob", amount=-5), block=2))
    result = store.append(batch)
    assert isinstance(result, Rejected) and result.code == RejectCode.NEGATIVE_AMOUNT
    assert result.index == 1 and store.head() == head
