"""What the Uniswap V2 mapper keeps: each pair's tokens and reserves, the transaction at hand."""

from __future__ import annotations

import msgspec

from replay.importers.logs import ChainLog
from replay.importers.uniswap_v2_abi import decode_fields

TWO_AMOUNTS = ("uint256", "uint256")
FOUR_AMOUNTS = ("uint256", "uint256", "uint256", "uint256")


def amount_of(log: ChainLog) -> int:
    """A `Transfer`'s value, decoded only when a fact needs it."""
    (value,) = decode_fields(("uint256",), log.data)
    return int(value)


class PairTrack(msgspec.Struct):
    """What the mapper keeps of a pair: its tokens and reserves as the books have them."""

    pool: str
    token0: str
    token1: str
    reserve0: int
    reserve1: int


class Tx:
    """One transaction's logs being mapped: pending `Sync`s and LP mints/burns per pair."""

    def __init__(self, logs: list[ChainLog], pair_addresses: set[str]) -> None:
        self.logs = logs
        self.pairs = pair_addresses
        self.sync: dict[str, tuple[int, int, ChainLog]] = {}
        self.lp_minted: dict[str, list[tuple[str, int]]] = {}
        self.lp_burned: dict[str, int] = {}
        self.touched: dict[str, set[str]] = {}
