"""The stored-text rule's quick answer (no decode where a payload has no escape) agrees with
a naive walk over every text of the decoded payload, keys included."""

from __future__ import annotations

from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.stored_text import TEXT_BYTES_MAX, payload_fault


def naive_fault(value: Any) -> bool:
    """Whether any text in `value` holds U+0000 or is longer than the limit in UTF-8."""
    if isinstance(value, str):
        return "\x00" in value or len(value.encode()) > TEXT_BYTES_MAX
    if isinstance(value, dict):
        return any(naive_fault(key) or naive_fault(item) for key, item in value.items())
    if isinstance(value, list):
        return any(naive_fault(item) for item in value)
    return False


def texts_near_the_limit() -> st.SearchStrategy[str]:
    """Short and long texts, ASCII and wider, with quotes, backslashes and U+0000 among them."""
    alphabet = st.sampled_from(["a", '"', "\\", "\x00", "é", "€", "𝄞", "\n", "0"])
    pieces = st.lists(alphabet, max_size=40).map("".join)
    return st.tuples(pieces, st.integers(0, 520), pieces).map(lambda p: p[0] + "x" * p[1] + p[2])


payloads = st.recursive(
    st.one_of(texts_near_the_limit(), st.integers(-(10**600), 10**600), st.booleans()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(texts_near_the_limit(), inner, max_size=4)
    ),
    max_leaves=8,
)


@settings(max_examples=400, deadline=None)
@given(payload=st.dictionaries(texts_near_the_limit(), payloads, min_size=1, max_size=4))
def test_the_quick_answer_is_the_naive_walks(payload: dict[str, Any]) -> None:
    encoded = msgspec.json.encode(payload)
    assert (payload_fault(encoded) is not None) == naive_fault(payload)


def test_a_long_text_split_by_escaped_quotes_is_still_found() -> None:
    """Runs between quotes of 300 bytes each, but one text of 601 bytes."""
    text = "a" * 300 + '"' + "b" * 300
    assert payload_fault(msgspec.json.encode({"memo": text})) is not None
    assert payload_fault(msgspec.json.encode({"memo": "a" * 300, "to": "b" * 300})) is None
