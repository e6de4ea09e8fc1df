"""The vector suite generalises: vectors of known kinds with other numbers, sides and fields run.

Each dev vector is mutated the ways a held-out vector of the same kind may differ, and the
suite must still run it, with no code change:

* mirrored: token 0 and token 1 (or x and y) swap roles in the inputs and in the expected
  values, which symmetry says are then the mirrored expectations, so they must still pass;
* a fee flag flipped (protocol fee on/off, the fee on the other side, another swap fee): the
  kind is still recognised and computes every asserted field, and the outputs move;
* an unasserted field added (listed under `derived_not_asserted_by_test`, nonsense value):
  the vector still passes;
* each integer input nudged: the kind still computes every asserted field, and at least one
  nudge changes an asserted output (so the kind recomputes from the inputs, not from a table).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

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
from tests.vectors.harness import (
    Kind,
    Vector,
    asserted_fields,
    classify,
    compute_all,
    load_vectors,
    run_vector,
)

SUITES: dict[str, list[Kind]] = {
    "uniswap_v2.json": uniswap_v2_checkers.KINDS,
    "alex.json": [
        *alex_amm_checkers.KINDS,
        *alex_lending_checkers.KINDS,
        *alex_staking_checkers.KINDS,
    ],
    "fx_protocol.json": [*fx_checkers.KINDS, *fx_manager_checkers.KINDS],
    "alphax.json": alphax_checkers.KINDS,
}


def dev_vectors(keep: Callable[[Vector, list[Kind]], bool] = lambda v, k: True) -> list[Any]:
    """The dev vectors `keep` selects, each with the kinds of its protocol."""
    params = []
    for filename, kinds in SUITES.items():
        for vector in load_vectors(filename) or []:
            if keep(vector, kinds):
                params.append(pytest.param(vector, kinds, id=vector["id"]))
    if not params:
        params.append(pytest.param(None, None, marks=pytest.mark.skip(reason="no vectors found")))
    return params


# --- mirroring -----------------------------------------------------------------------------

_PAIR_SIDE = re.compile(r"(reserve|amount|token)([01])")
_POOL_SIDE = re.compile(r"(?<![a-z])(balance|weight|fee_rate)_([xy])")


def _swap_digit(match: re.Match[str]) -> str:
    return match.group(1) + ("1" if match.group(2) == "0" else "0")


def _swap_letter(match: re.Match[str]) -> str:
    return f"{match.group(1)}_{'y' if match.group(2) == 'x' else 'x'}"


def _mirror_text(value: Any, pattern: re.Pattern[str], swap: Callable[[re.Match[str]], str]) -> Any:
    if isinstance(value, str):
        return pattern.sub(swap, value)
    if isinstance(value, dict):
        return {
            pattern.sub(swap, key): _mirror_text(item, pattern, swap) for key, item in value.items()
        }
    if isinstance(value, list):
        return [_mirror_text(item, pattern, swap) for item in value]
    return value


def mirror_pair(vector: Vector) -> Vector:
    """Token0 <-> token1 in every key (and in prose such as "1e18 token1 in, ... token0 out")."""
    mirrored = copy.deepcopy(vector)
    for section in ("inputs", "expected", "derived_not_asserted_by_test"):
        if section in mirrored:
            mirrored[section] = _mirror_text(mirrored[section], _PAIR_SIDE, _swap_digit)
    return mirrored


def mirror_pool(vector: Vector) -> Vector:
    """x <-> y in a weighted pool: balances, weights, fees, the amount paid and the one out."""
    mirrored = copy.deepcopy(vector)
    inputs = _mirror_text(mirrored["inputs"], _POOL_SIDE, _swap_letter)
    if "weights" in inputs:
        inputs["weights"] = "/".join(reversed(str(inputs["weights"]).split("/")))
    inputs = {{"dx": "dy", "dy": "dx"}.get(key, key): value for key, value in inputs.items()}
    expected = _mirror_text(mirrored["expected"], _POOL_SIDE, _swap_letter)
    expected = {{"dx": "dy", "dy": "dx"}.get(key, key): value for key, value in expected.items()}
    mirrored["inputs"], mirrored["expected"] = inputs, expected
    return mirrored


MIRRORS: dict[str, Callable[[Vector], Vector]] = {
    "pair swap": mirror_pair,
    "burn": mirror_pair,
    "first mint": mirror_pair,
    "mint, swap, burn": mirror_pair,
    "liquidity value after a swap": mirror_pair,
    "weighted pool: one swap": mirror_pool,
}


def mirrorable(vector: Vector, kinds: list[Kind]) -> bool:
    return classify(vector, kinds).name in MIRRORS


@pytest.mark.parametrize(("vector", "kinds"), dev_vectors(mirrorable))
def test_a_mirrored_vector_passes(vector: Vector, kinds: list[Kind]) -> None:
    found = classify(vector, kinds)
    # A symmetric pool mirrors onto itself, which must pass as well.
    assert run_vector(MIRRORS[found.name](vector), kinds).name == found.name


# --- flags ---------------------------------------------------------------------------------


def _flip_fee(vector: Vector) -> Vector | None:
    flipped = copy.deepcopy(vector)
    inputs = flipped["inputs"]
    found = False
    if "kLast" in inputs or "fee" in str(vector.get("transition", "")).lower():
        inputs["fee_on"] = not uniswap_v2_checkers.fee_on(vector)
        found = True
    for pool in [inputs, *(value for value in inputs.values() if isinstance(value, dict))]:
        if "fee_rate_y" in pool or "fee_rate_x" in pool:
            pool["fee_rate_x"], pool["fee_rate_y"] = (
                pool.get("fee_rate_y", "0"),
                pool.get("fee_rate_x", "0"),
            )
            found = True
    if "fee_bps" in inputs:
        inputs["fee_bps"] = 25
        found = True
    return flipped if found else None


@pytest.mark.parametrize(
    ("vector", "kinds"), dev_vectors(lambda vector, _kinds: _flip_fee(vector) is not None)
)
def test_a_flipped_fee_flag_still_runs_and_moves_the_outputs(
    vector: Vector, kinds: list[Kind]
) -> None:
    flipped = _flip_fee(vector)
    assert flipped is not None
    before = compute_all(vector, kinds)
    after = compute_all(flipped, kinds)
    assert classify(flipped, kinds).name == classify(vector, kinds).name
    fields = asserted_fields(vector)
    if (
        any("fee" in key for key in ("kLast", *vector["inputs"]))
        or "fee" in str(vector.get("transition", "")).lower()
    ):
        # Where the fee enters the amounts, some asserted output moves (a zero fee on both
        # sides or a pool whose k did not grow leaves them, which is fine).
        moved = [field for field in fields if before.get(field) != after.get(field)]
        changes_nothing = before == after
        assert moved or changes_nothing


# --- unasserted fields ---------------------------------------------------------------------


@pytest.mark.parametrize(("vector", "kinds"), dev_vectors())
def test_an_unasserted_field_is_not_asserted(vector: Vector, kinds: list[Kind]) -> None:
    mutated = copy.deepcopy(vector)
    mutated.setdefault("derived_not_asserted_by_test", {})["made_up_field"] = "123456789"
    mutated["expected"]["made_up_field"] = "987654321"
    run_vector(mutated, kinds)


# --- nudged inputs -------------------------------------------------------------------------


def _nudges(vector: Vector) -> list[Vector]:
    """The vector with one integer input (top level or in a nested pool) moved, each in turn."""
    found = []
    inputs = vector["inputs"]
    for key, value in inputs.items():
        containers = (
            [(inputs, key)] if not isinstance(value, dict) else [(value, inner) for inner in value]
        )
        for container, inner in containers:
            text = container[inner]
            if isinstance(text, bool) or not re.fullmatch(r"\d+", str(text)):
                continue
            number = int(text)
            for moved in {number + max(number // 1000, 1), number // 100}:
                nudged = copy.deepcopy(vector)
                target = nudged["inputs"] if container is inputs else nudged["inputs"][key]
                target[inner] = str(moved) if isinstance(text, str) else moved
                found.append(nudged)
    return found


def vectors_by_kind() -> list[Any]:
    grouped: dict[str, tuple[list[Vector], list[Kind]]] = {}
    for filename, kinds in SUITES.items():
        for vector in load_vectors(filename) or []:
            name = classify(vector, kinds).name
            grouped.setdefault(name, ([], kinds))[0].append(vector)
    if not grouped:
        return [pytest.param(None, None, marks=pytest.mark.skip(reason="no vectors found"))]
    return [pytest.param(found, kinds, id=name) for name, (found, kinds) in grouped.items()]


CONSTANT_BY_RULE = {"claim a cycle twice": "the second claim of a cycle is zero, whatever it is"}


@pytest.mark.parametrize(("vectors", "kinds"), vectors_by_kind())
def test_each_kind_recomputes_from_the_inputs(vectors: list[Vector], kinds: list[Kind]) -> None:
    """Some nudge of some vector of the kind moves an asserted output (or leaves the domain)."""
    name = classify(vectors[0], kinds).name
    if name in CONSTANT_BY_RULE:
        pytest.skip(CONSTANT_BY_RULE[name])
    nudged_any = moved_any = False
    for vector in vectors:
        original = compute_all(vector, kinds)
        fields = asserted_fields(vector)
        for nudged in _nudges(vector):
            nudged_any = True
            try:
                computed = compute_all(nudged, kinds)
            except Exception:
                moved_any = True
                continue
            if any(computed.get(field) != original.get(field) for field in fields):
                moved_any = True
    if not nudged_any:
        pytest.skip("no integer input to move in any vector of this kind")
    assert moved_any, "no input moved any asserted output: the kind ignores its inputs"


def test_a_vector_of_no_known_kind_fails_naming_its_transition_and_inputs() -> None:
    unknown = {"id": "x", "transition": "teleport", "inputs": {"q": "1"}, "expected": {"r": "2"}}
    with pytest.raises(
        pytest.fail.Exception, match=r"no known kind of transition 'teleport'.*\['q'\]"
    ):
        run_vector(unknown, uniswap_v2_checkers.KINDS)


def test_a_field_the_kind_does_not_compute_fails_naming_it() -> None:
    vectors = load_vectors("uniswap_v2.json")
    if not vectors:
        pytest.skip("no vectors found")
    vector = copy.deepcopy(vectors[0])
    vector["expected"]["price_of_tea"] = "1"
    with pytest.raises(
        pytest.fail.Exception, match="does not compute the expected field 'price_of_tea'"
    ):
        run_vector(vector, uniswap_v2_checkers.KINDS)
