"""A replay step is one transaction: each command a savepoint, a refusal appends nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from events import Minted, RejectCode
from ledger.batch import Appended, NewEvent, Rejected
from ledger.sqlite_store import SqliteStore
from replay.runner import COMMIT_STEPS_MAX, run_steps


def mint(amount: int, block: int = 1) -> list[NewEvent]:
    return [NewEvent(event=Minted(asset="ETH", to_account="a", amount=amount), block=block)]


def test_a_refused_append_inside_a_step_leaves_the_others_and_appends_nothing(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    with store.one_transaction():
        assert isinstance(store.append(mint(1)), Appended)
        refused = store.append(mint(2), expected_head=0)  # the head is 1 by now
        assert isinstance(refused, Rejected) and refused.code == RejectCode.HEAD_CONFLICT
        assert isinstance(store.append(mint(3)), Appended)
    assert [record.event.amount for record in store.read()] == [1, 3]  # type: ignore[attr-defined]
    assert store.verify().ok and store.head().seq == 2
    store.close()


def test_an_error_inside_a_step_rolls_the_whole_step_back(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    store = SqliteStore(path, create=True)
    store.append(mint(1))
    with pytest.raises(RuntimeError), store.one_transaction():
        store.append(mint(2, block=2))
        raise RuntimeError("an agent failed mid-step")
    assert store.head().seq == 1
    assert isinstance(store.append(mint(4, block=2)), Appended)  # the store is usable after
    store.close()
    reopened = SqliteStore(path)
    assert [r.event.amount for r in reopened.read()] == [1, 4]  # type: ignore[attr-defined]
    assert reopened.verify().ok
    reopened.close()


@given(st.integers(1, 2_000))
def test_a_transaction_runs_whole_checkpoint_intervals_up_to_a_week_of_steps(every: int) -> None:
    steps = run_steps(every)
    assert 1 <= steps <= COMMIT_STEPS_MAX
    if every < COMMIT_STEPS_MAX:  # ends at a checkpoint, and one more interval would not fit
        assert steps % every == 0 and steps + every > COMMIT_STEPS_MAX
    else:
        assert steps == COMMIT_STEPS_MAX
