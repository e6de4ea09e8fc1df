"""Every protocol vector in `$LEDGER_VECTORS_DIR` is one test, named by its id.

Each protocol's checkers live in a module beside this one that exports `CHECKERS`: a mapping
from an id prefix to a function that computes the vector's expected values with the project's
math and asserts them exactly.
"""

from __future__ import annotations

import pytest

from tests.vectors import (
    alex_amm_checkers,
    alex_lending_checkers,
    alex_staking_checkers,
    alphax_checkers,
    fx_checkers,
    fx_manager_checkers,
    uniswap_v2_checkers,
)
from tests.vectors.harness import Vector, run_vector, vector_params

FX_KINDS = [*fx_checkers.KINDS, *fx_manager_checkers.KINDS]
ALEX_KINDS = [*alex_amm_checkers.KINDS, *alex_lending_checkers.KINDS, *alex_staking_checkers.KINDS]


@pytest.mark.parametrize("vector", vector_params("uniswap_v2.json"))
def test_uniswap_v2(vector: Vector) -> None:
    run_vector(vector, uniswap_v2_checkers.KINDS)


@pytest.mark.parametrize("vector", vector_params("alex.json"))
def test_alex(vector: Vector) -> None:
    run_vector(vector, ALEX_KINDS)


@pytest.mark.parametrize("vector", vector_params("fx_protocol.json"))
def test_fx_protocol(vector: Vector) -> None:
    run_vector(vector, FX_KINDS)


@pytest.mark.parametrize("vector", vector_params("alphax.json"))
def test_alphax(vector: Vector) -> None:
    run_vector(vector, alphax_checkers.KINDS)
