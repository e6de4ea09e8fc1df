"""Load the protocols' test vectors and run each through the kind of transition it describes.

The vectors live beside the project in `../shared/protocols/vectors` (or `$LEDGER_VECTORS_DIR`);
when that folder is absent every vector test is skipped with a message that says where it
looked. Each vector becomes one test named by its id.

A vector is checked by what it does, never by its id: its kind is found from the inputs it
carries (and, where two kinds take the same inputs, words of its `transition`). The kind
computes every output it can through the model's public API; the vector's `expected` fields
are then compared, each one the vector asserts and only those (a field listed under
`derived_not_asserted_by_test` is not asserted), within the tolerance the vector declares. A
vector of a known kind with other numbers, the other direction or another flag runs without
a code change; a vector of no known kind fails with a message naming its transition and inputs.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from events.rejections import RejectCode
from projections.contracts import MathRejected

PROJECT_ROOT = Path(__file__).resolve().parents[2]
VECTORS_DIR_DEFAULT = PROJECT_ROOT.parent / "shared" / "protocols" / "vectors"

Vector = dict[str, Any]
Computed = dict[str, Any]
"""What a kind computed: field name -> value (ints, bools, strings, nested dicts and lists)."""


@dataclass(frozen=True)
class Kind:
    """One kind of transition: the inputs it needs and how to compute its outputs."""

    name: str
    compute: Callable[[Vector], Computed]
    needs: frozenset[str]
    """Input keys every vector of this kind carries."""
    any_of: frozenset[str] = frozenset()
    """If set, at least one of these input keys must be present too."""
    words: tuple[str, ...] = ()
    """Words (lower case) the transition must contain: to tell apart kinds with one input set."""
    absent: frozenset[str] = frozenset()
    """Input keys a vector of this kind never carries."""

    def takes(self, vector: Vector) -> bool:
        keys = set(vector.get("inputs", {}))
        transition = str(vector.get("transition", "")).lower()
        return (
            self.needs <= keys
            and (not self.any_of or bool(self.any_of & keys))
            and not self.absent & keys
            and all(word in transition for word in self.words)
        )

    @property
    def specificity(self) -> tuple[int, int]:
        return len(self.needs) + bool(self.any_of) + len(self.absent), len(self.words)


def kind(
    name: str,
    needs: Iterable[str],
    *,
    any_of: Iterable[str] = (),
    words: Iterable[str] = (),
    absent: Iterable[str] = (),
) -> Callable[[Callable[[Vector], Computed]], Kind]:
    """Make a `Kind` of the decorated compute function."""

    def decorate(compute: Callable[[Vector], Computed]) -> Kind:
        return Kind(
            name, compute, frozenset(needs), frozenset(any_of), tuple(words), frozenset(absent)
        )

    return decorate


def vectors_dir() -> Path:
    return Path(os.environ.get("LEDGER_VECTORS_DIR", str(VECTORS_DIR_DEFAULT)))


def load_vectors(filename: str) -> list[Vector] | None:
    path = vectors_dir() / filename
    if not path.exists():
        return None
    vectors: list[Vector] = json.loads(path.read_text())["vectors"]
    return vectors


def vector_params(filename: str) -> list[Any]:
    """One `pytest.param` per vector in `filename`, with the vector's id as test id."""
    vectors = load_vectors(filename)
    if vectors is None:
        reason = (
            f"protocol vectors not found at {vectors_dir() / filename}; set "
            "LEDGER_VECTORS_DIR or place the shared folder beside the project root"
        )
        return [pytest.param(None, id=f"{filename}-absent", marks=pytest.mark.skip(reason=reason))]
    return [pytest.param(vector, id=vector["id"]) for vector in vectors]


PRINTED_MARK = "_as_printed"
"""Marks an expected field that quotes a documentation misprint (checked to differ)."""


def classify(vector: Vector, kinds: Iterable[Kind]) -> Kind:
    """The most specific kind that takes `vector`; a failure names what is unknown."""
    taking = [candidate for candidate in kinds if candidate.takes(vector)]
    if not taking:
        pytest.fail(
            f"vector {vector.get('id')!r}: no known kind of transition "
            f"{vector.get('transition')!r} with inputs {sorted(vector.get('inputs', {}))}"
        )
    best = max(candidate.specificity for candidate in taking)
    top = [candidate for candidate in taking if candidate.specificity == best]
    if len(top) > 1:
        pytest.fail(
            f"vector {vector.get('id')!r}: ambiguous between kinds "
            f"{', '.join(candidate.name for candidate in top)}"
        )
    return top[0]


def asserted_fields(vector: Vector) -> list[str]:
    """The expected fields the vector asserts: all but those derived and not asserted."""
    derived = vector.get("derived_not_asserted_by_test") or {}
    return [field for field in vector.get("expected", {}) if field not in derived]


def run_vector(vector: Vector, kinds: Iterable[Kind]) -> Kind:
    """Classify, compute, and compare every asserted field; return the kind used."""
    found = classify(vector, kinds)
    computed = found.compute(vector)
    tolerances = parse_tolerances(vector.get("tolerance_from_test"))
    for field in asserted_fields(vector):
        if field not in computed:
            pytest.fail(
                f"vector {vector.get('id')!r}: kind {found.name!r} does not compute the "
                f"expected field {field!r} (it computes {sorted(computed)})"
            )
        if PRINTED_MARK in field:
            # A figure a document printed and its own formula contradicts: the vector records
            # the error, so the model's value must differ from it.
            assert computed[field] != vector["expected"][field], (
                f"{field}: the model gives the documented misprint {computed[field]!r}"
            )
        else:
            compare(field, vector["expected"][field], computed[field], tolerances)
    return found


def compute_all(vector: Vector, kinds: Iterable[Kind]) -> Computed:
    """The kind's outputs for `vector`, checking it computes every asserted field."""
    found = classify(vector, kinds)
    computed = found.compute(vector)
    missing = [field for field in asserted_fields(vector) if field not in computed]
    assert not missing, f"kind {found.name!r} does not compute {missing}"
    return computed


# --- comparing -----------------------------------------------------------------------------

_TOLERANCE = re.compile(r"\s*(\d+(?:e\d+)?)\s*(wei|units?)\b")


def parse_tolerances(declared: Mapping[str, str] | None) -> dict[str, int]:
    """`{"coll": "10 wei", "amounts": "1e6 wei (test closeTo)"}` -> {"coll": 10, ...}."""
    found: dict[str, int] = {}
    for key, text in (declared or {}).items():
        match = _TOLERANCE.match(str(text))
        if match is None:
            pytest.fail(f"cannot read the tolerance {key!r}: {text!r}")
        found[key.lower()] = scientific_int(match.group(1))
    return found


def scientific_int(text: str) -> int:
    """ "1e6" or "1000" as an int, without floats."""
    mantissa, _, exponent = text.partition("e")
    return int(mantissa) * 10 ** int(exponent or "0")


def tolerance_for(path: str, tolerances: Mapping[str, int]) -> int:
    """The declared tolerance whose key the field path names (`amounts`: every field)."""
    lowered = path.lower()
    for key, allowed in tolerances.items():
        if key in lowered:
            return allowed
    return tolerances.get("amounts", 0)


def compare(path: str, expected: Any, computed: Any, tolerances: Mapping[str, int]) -> None:
    if isinstance(expected, dict):
        assert isinstance(computed, dict), f"{path}: expected a mapping, computed {computed!r}"
        for key, value in expected.items():
            assert key in computed, f"{path}.{key}: not computed (computed {sorted(computed)})"
            compare(f"{path}.{key}", value, computed[key], tolerances)
    elif isinstance(expected, list):
        assert isinstance(computed, list) and len(computed) == len(expected), (
            f"{path}: expected {expected!r}, computed {computed!r}"
        )
        for index, (value, got) in enumerate(zip(expected, computed, strict=True)):
            compare(f"{path}[{index}]", value, got, tolerances)
    elif isinstance(expected, bool) or not _is_integer(expected):
        assert computed == expected, f"{path}: expected {expected!r}, computed {computed!r}"
    else:
        allowed = tolerance_for(path, tolerances)
        difference = abs(as_int(computed) - as_int(expected))
        assert difference <= allowed, (
            f"{path}: expected {expected}, computed {computed} (off by {difference}, "
            f"tolerance {allowed})"
        )


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) or bool(re.fullmatch(r"-?\d+", str(value)))


def as_int(value: Any) -> int:
    """Vector integers are decimal strings; ints pass through."""
    if isinstance(value, bool):
        raise TypeError(f"expected an integer, got {value!r}")
    if isinstance(value, int):
        return value
    return int(str(value))


def rejection_of(action: Callable[[], object], names: Mapping[RejectCode, str]) -> str | None:
    """The revert string `action` ends with (by the model's `RejectCode`), or None if it passes."""
    try:
        action()
    except MathRejected as rejected:
        return names.get(rejected.code, str(rejected.code))
    return None
