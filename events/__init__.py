"""The vocabulary: every fact the protocols can record, and its one codec.

Importing this package registers every event type.
"""

from __future__ import annotations

from events import reserve as _reserve  # noqa: F401  (registers the reserve facts)
from events.assets import AssetRegistered, issuer_account
from events.base import Amount, Event, event_tag, event_type, event_types, register
from events.codec import UnknownEventType, decode, decode_any, encode, validated
from events.core import Burned, Minted, PriceUpdated, Transferred
from events.record import Record, record_sort_key
from events.rejections import REJECT_HELP, RejectCode

__all__ = [
    "REJECT_HELP",
    "Amount",
    "AssetRegistered",
    "Burned",
    "Event",
    "Minted",
    "PriceUpdated",
    "Record",
    "RejectCode",
    "Transferred",
    "UnknownEventType",
    "decode",
    "decode_any",
    "encode",
    "event_tag",
    "event_type",
    "event_types",
    "issuer_account",
    "record_sort_key",
    "register",
    "validated",
]
