"""`in_workers`: jobs over worker processes, in job order, failures raised in the parent."""

from __future__ import annotations

import gc
import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay.scenario import ScenarioError
from replay.stress_workers import chunk_size, in_workers


def square(state: dict[str, int], index: int, seed: int) -> dict[str, Any]:
    return {"path": index, "value": state["base"] + index * index + seed, "pid": os.getpid()}


def fails_at_five(state: dict[str, int], index: int, seed: int) -> dict[str, Any]:
    if index == 5:
        raise ScenarioError(f"path {index} refused")
    return square(state, index, seed)


def dies_at_three(state: dict[str, int], index: int, seed: int) -> dict[str, Any]:
    if index == 3:
        os._exit(7)
    return square(state, index, seed)


@settings(max_examples=10, deadline=None)
@given(count=st.integers(1, 40), workers=st.integers(1, 3), seed=st.integers(0, 9))
def test_every_job_comes_back_once_in_order(count: int, workers: int, seed: int) -> None:
    rows = in_workers(square, {"base": 100}, count, seed, workers)
    assert [row["path"] for row in rows] == list(range(count))
    assert [row["value"] for row in rows] == [100 + k * k + seed for k in range(count)]
    assert os.getpid() not in {row["pid"] for row in rows}


def test_a_jobs_exception_is_raised_in_the_parent() -> None:
    with pytest.raises(ScenarioError, match="path 5 refused"):
        in_workers(fails_at_five, {"base": 0}, 12, 0, 2)
    assert gc.get_freeze_count() == 0  # the parent's objects are back in the collector's care


def test_a_worker_that_dies_is_reported() -> None:
    with pytest.raises(RuntimeError, match="exit code 7"):
        in_workers(dies_at_three, {"base": 0}, 8, 0, 2)


@pytest.mark.parametrize(("count", "workers", "chunk"), [(200, 2, 6), (10, 2, 1), (1000, 4, 15)])
def test_chunks_leave_each_worker_several_turns(count: int, workers: int, chunk: int) -> None:
    assert chunk_size(count, workers) == chunk
