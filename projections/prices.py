"""Prices: the latest oracle price of each asset, with the block it was reported in."""

from __future__ import annotations

import msgspec

from events.base import Event
from events.core import PriceUpdated
from events.record import Record
from projections.base import Table, Violation, canonical_bytes, digest_of


class Quote(msgspec.Struct, frozen=True):
    """A price of one display unit of an asset in `quote`, times `scale`."""

    price: int
    scale: int
    quote: str
    block: int

    def rescaled(self, scale: int) -> int:
        """The price at another fixed-point scale, rounded down."""
        return self.price * scale // self.scale


class Prices:
    name = "prices"
    version = 1

    def __init__(self) -> None:
        self.latest: dict[str, Quote] = {}

    def folds(self, event_type: type[Event]) -> bool:
        return event_type is PriceUpdated

    def apply(self, record: Record) -> None:
        event = record.event
        if type(event) is PriceUpdated:
            self.latest[event.asset] = Quote(event.price, event.scale, event.quote, record.block)

    def quote(self, asset: str) -> Quote | None:
        return self.latest.get(asset)

    def snapshot(self) -> bytes:
        return canonical_bytes(dict(sorted(self.latest.items())))

    def restore(self, data: bytes) -> None:
        self.latest = msgspec.json.decode(data, type=dict[str, Quote])

    def digest(self) -> str:
        return digest_of(self.snapshot())

    def tables(self) -> list[Table]:
        rows = [
            (asset, q.price, q.scale, q.quote, q.block) for asset, q in sorted(self.latest.items())
        ]
        return [
            Table(
                "prices",
                ("asset", "price", "scale", "quote", "block"),
                rows,
                key_columns=("asset",),
            )
        ]

    def violations(self) -> list[Violation]:
        return []
