"""The vocabulary: every fact the protocols can record, and its one codec.

Importing this package registers every event type.
"""

from __future__ import annotations

from events import alex as _alex  # noqa: F401  (registers the ALEX staking facts)
from events import alex_governance as _alex_governance  # noqa: F401  (ALEX AGP facts)
from events import alex_lending as _alex_lending  # noqa: F401  (ALEX YTP and CRP facts)
from events import alex_pools as _alex_pools  # noqa: F401  (ALEX pools seen on chain)
from events import alphax as _alphax  # noqa: F401  (f(x), AlphaX facts)
from events import amm as _amm  # noqa: F401  (registers the AMM facts)
from events import chain as _chain  # noqa: F401  (facts imported from chain logs)
from events import checkpoint as _checkpoint  # noqa: F401  (registers checkpoints)
from events import fx as _fx  # noqa: F401  (registers the f(x) facts)
from events import fx_chain as _fx_chain  # noqa: F401  (f(x) facts imported from chain logs)
from events import reserve as _reserve  # noqa: F401  (registers the reserve facts)
from events.assets import AssetRegistered, issuer_account
from events.base import Amount, Event, event_tag, event_type, event_types, register
from events.codec import UnknownEventType, decode, decode_many, encode
from events.core import Burned, Minted, PriceUpdated, Transferred
from events.record import Record
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
    "decode_many",
    "encode",
    "event_tag",
    "event_type",
    "event_types",
    "issuer_account",
    "register",
]
