"""The codec: deterministic bytes, unbounded ints, named failures, and upcasting old shapes."""

from __future__ import annotations

import inspect

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from events import (
    Minted,
    PriceUpdated,
    Transferred,
    UnknownEventType,
    decode,
    decode_many,
    encode,
    event_types,
    issuer_account,
)
from ledger.chain import record_hash
from ledger.memory import MemoryStore


@given(amount=st.integers(min_value=0, max_value=2**512))
def test_amounts_of_any_size_round_trip(amount: int) -> None:
    event = Transferred(asset="ETH", from_account="a", to_account="b", amount=amount)
    assert decode("Transferred", 1, encode(event)) == event


def test_bytes_are_deterministic_and_carry_the_tag() -> None:
    event = Minted(asset="USDC", to_account="alice", amount=5, memo="faucet")
    assert encode(event) == (
        b'{"type":"Minted","asset":"USDC","to_account":"alice","amount":5,"memo":"faucet"}'
    )
    assert decode("Minted", 1, encode(event)) == event


def test_unknown_tags_and_bad_fields_are_named() -> None:
    with pytest.raises(UnknownEventType):
        decode("Minting", 1, b"{}")
    with pytest.raises(msgspec.ValidationError, match=r"\$\.amount"):
        decode("Minted", 1, b'{"type":"Minted","asset":"X","to_account":"a","amount":-1}')
    with pytest.raises(msgspec.ValidationError, match="newer"):
        decode("Minted", 2, b"{}")


PAYLOADS = st.lists(
    st.one_of(
        st.builds(
            Transferred,
            asset=st.sampled_from(["ETH", "USDC"]),
            from_account=st.text(min_size=1, max_size=8),
            to_account=st.text(min_size=1, max_size=8),
            amount=st.integers(min_value=0, max_value=2**130),
        ),
        st.builds(
            Minted,
            asset=st.sampled_from(["ETH", "USDC"]),
            to_account=st.text(min_size=1, max_size=8),
            amount=st.integers(min_value=0, max_value=2**130),
        ),
    ),
    min_size=1,
    max_size=20,
)


@given(events=PAYLOADS)
def test_a_batch_decodes_in_one_call_to_the_events_one_by_one_would_give(
    events: list[Minted | Transferred],
) -> None:
    tags = [type(event).__name__ for event in events]
    payloads = [encode(event).decode() for event in events]
    assert decode_many(tags, [1] * len(events), payloads) == [
        decode(tag, 1, payload) for tag, payload in zip(tags, payloads, strict=True)
    ]
    # JSON may hold newlines between its tokens: such a payload still decodes in the batch.
    spread = [f"{{\n{payload[1:]}" for payload in payloads]
    assert decode_many(tags, [1] * len(events), spread) == events


@given(events=PAYLOADS, data=st.data())
def test_a_batch_that_cannot_decode_in_one_call_says_so(
    events: list[Minted | Transferred], data: st.DataObject
) -> None:
    """An old version, an unknown tag, a bad payload, two values in one payload or a payload
    under another row's tag: None, so the reader decodes one by one and names the fault as
    `decode` does."""
    tags = [type(event).__name__ for event in events]
    versions = [1] * len(events)
    payloads = [encode(event).decode() for event in events]
    at = data.draw(st.integers(min_value=0, max_value=len(events) - 1))
    fault = data.draw(st.sampled_from(["version", "tag", "payload", "two values", "swapped"]))
    if fault == "version":
        versions[at] = 2
    elif fault == "tag":
        tags[at] = "NoSuchEvent"
    elif fault == "payload":
        payloads[at] = payloads[at].replace('"amount":', '"amount":-1')
    elif fault == "two values":
        payloads[at] = f"{payloads[at]}\n{payloads[at]}"
    else:
        tags[at] = "Minted" if tags[at] == "Transferred" else "Transferred"
    assert decode_many(tags, versions, payloads) is None


def test_price_updated_v1_is_upcast_to_v2() -> None:
    stored_v1 = b'{"type":"PriceUpdated","asset":"STX","quote":"USD","price_e8":123456789}'
    assert decode("PriceUpdated", 1, stored_v1) == PriceUpdated(
        asset="STX", quote="USD", price=123456789, scale=10**8
    )


def test_a_v1_record_in_the_log_reads_as_v2_and_still_verifies() -> None:
    """Old records are never rewritten: the chain covers the v1 bytes, readers see v2."""
    store = MemoryStore()
    payload = '{"type":"PriceUpdated","asset":"STX","quote":"USD","price_e8":98000000}'
    row_hash = record_hash(
        "0" * 64, 1, 7, 0, "price:STX", 1, "PriceUpdated", 1, "price:STX#1", None, payload
    )
    store.rows.append(
        (
            1,
            7,
            0,
            "price:STX",
            1,
            "PriceUpdated",
            1,
            payload,
            "price:STX#1",
            None,
            "0" * 64,
            row_hash,
        )
    )
    (record,) = store.read()
    assert record.version == 1
    assert record.event == PriceUpdated(asset="STX", quote="USD", price=98000000, scale=10**8)
    assert store.verify().ok


def test_every_event_type_is_frozen_keyword_only_and_documented() -> None:
    for tag, cls in event_types().items():
        config = cls.__struct_config__
        assert config.frozen and config.tag == tag, tag
        parameters = inspect.signature(cls).parameters.values()
        assert all(parameter.kind is parameter.KEYWORD_ONLY for parameter in parameters), tag
        assert cls.__doc__, f"{tag} needs a docstring saying what fact it records"


def test_mints_and_burns_post_against_the_issuer_account() -> None:
    assert issuer_account("ALEX") == "issuer:ALEX"
