"""The Uniswap V2 ABI the importer reads: event topics (keccak of the signatures) and zero.

The topics are the keccak-256 of the event signatures in `UniswapV2Pair.sol`,
`UniswapV2Factory.sol` and ERC-20 (a test recomputes them).
"""

from __future__ import annotations

TRANSFER = bytes.fromhex("ddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef")
SYNC = bytes.fromhex("1c411e9a96e071241c2f21f7726b17ae89e3cab4c78be50e062b03a9fffbbad1")
SWAP = bytes.fromhex("d78ad95fa46c994b6551d0da85fc275fe613ce37657fb8d5e3d130840159d822")
MINT = bytes.fromhex("4c209b5fc8ad50758f13e2e1088ba56a560dff690a1c6fef26394f4c03821c4f")
BURN = bytes.fromhex("dccd412f0b1252819cb1fd330b93224ca42612892bb3f4f789976e6d81936496")
PAIR_CREATED = bytes.fromhex("0d3648bd0f6ba80134a33ba9275ac585d9d315f0ad8355cddefde31afa28d0e9")
PAIR_EVENTS = {SYNC: "Sync", SWAP: "Swap", MINT: "Mint", BURN: "Burn"}
ZERO = "0x" + "00" * 20
#: The LP token's symbol and decimals, fixed in `UniswapV2ERC20.sol`.
LP_SYMBOL, LP_DECIMALS = "UNI-V2", 18


def log_kind(topic0: bytes) -> str:
    """The name of a log's event by its first topic (`other` for events not read)."""
    if topic0 == TRANSFER:
        return "Transfer"
    if topic0 == PAIR_CREATED:
        return "PairCreated"
    return PAIR_EVENTS.get(topic0, "other")
