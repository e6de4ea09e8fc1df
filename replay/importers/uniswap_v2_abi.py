"""The Uniswap V2 ABI the importer reads, and its decoding with eth-abi.

The topics are the keccak-256 of the event signatures in `UniswapV2Pair.sol`,
`UniswapV2Factory.sol` and ERC-20 (a test recomputes them), kept as the lower-case 0x hex the
log formats carry, so a log's kind is found by comparing strings.

Decoding uses eth-abi's own decoders for each ABI type (`uint256`, `uint112`, `address`), taken
from its registry once and run on a stream of the log's data, field after field: the same code
`eth_abi.decode` runs per field, without its per-call set-up (validating the type list,
building a tuple decoder, a first pass over the pointers), which costs several times the
decoding of a static head. Indexed addresses repeat (pairs, routers, traders), so each topic
is decoded once and remembered.
"""

from __future__ import annotations

from typing import Any

from eth_abi.decoding import ContextFramesBytesIO
from eth_abi.registry import registry

TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
SYNC = "0x1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1"
SWAP = "0xd78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822"
MINT = "0x4c209b5fc8ad50758f13e2e1088ba56a560dff690a1c6fef26394f4c03821c4f"
BURN = "0xdccd412f0b1252819cb1fd330b93224ca42612892bb3f4f789976e6d81936496"
PAIR_CREATED = "0x0d3648bd0f6ba80134a33ba9275ac585d9d315f0ad8355cddefde31afa28d0e9"
PAIR_EVENTS = {SYNC: "Sync", SWAP: "Swap", MINT: "Mint", BURN: "Burn"}
ZERO = "0x" + "00" * 20
#: The LP token's symbol and decimals, fixed in `UniswapV2ERC20.sol`.
LP_SYMBOL, LP_DECIMALS = "UNI-V2", 18

#: eth-abi's stream, typed loosely: its constructor is not annotated.
_Stream: Any = ContextFramesBytesIO
_ADDRESS: Any = registry.get_decoder("address")


def log_kind(topic0: str) -> str:
    """The name of a log's event by its first topic (`other` for events not read)."""
    if topic0 == TRANSFER:
        return "Transfer"
    if topic0 == PAIR_CREATED:
        return "PairCreated"
    return PAIR_EVENTS.get(topic0, "other")


def not_erc20(topics: int) -> str:
    """Why a `Transfer` of `topics` topics is not ERC-20's (3): ERC-721 indexes the token id."""
    why = "ERC-721 (token id indexed)" if topics == 4 else f"{topics} topics"
    return f"{why}: not an ERC-20 transfer"


def _bytes(hex_text: str) -> bytes:
    return bytes.fromhex(hex_text[2:] if hex_text[:2] in ("0x", "0X") else hex_text)


def decode_fields(types: tuple[str, ...], data: str) -> list[Any]:
    """The static head fields `types` of a log's `data` (0x hex), decoded by eth-abi.

    Raises:
        eth_abi.exceptions.DecodingError: the data is short or not what the types say.
    """
    decoders = _FIELD_DECODERS.get(types)
    if decoders is None:
        decoders = _FIELD_DECODERS[types] = tuple(registry.get_decoder(name) for name in types)
    stream = _Stream(_bytes(data))
    return [decoder(stream) for decoder in decoders]


_FIELD_DECODERS: dict[tuple[str, ...], tuple[Any, ...]] = {}


class TopicAddresses:
    """Indexed addresses of log topics, each distinct topic decoded by eth-abi once."""

    def __init__(self) -> None:
        self.known: dict[str, str] = {}

    def __call__(self, topic: str) -> str:
        found = self.known.get(topic)
        if found is None:
            found = self.known[topic] = _ADDRESS(_Stream(_bytes(topic))).lower()
        return found
