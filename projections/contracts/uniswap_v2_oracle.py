"""Uniswap V2 price oracle: the UQ112.112 cumulative price accumulators `_update` advances.

Restated from protocol-math.md section 1.8 (`Uniswap/v2-core:contracts/UniswapV2Pair.sol`
`_update`, `price0CumulativeLast` and `price1CumulativeLast`). Time is kept mod 2^32 and the
sums wrap mod 2^256, as in the contract.
"""

from __future__ import annotations

from dataclasses import dataclass

UINT32_LIMIT = 2**32
UINT256_LIMIT = 2**256
Q112 = 2**112


@dataclass(frozen=True, slots=True)
class PriceAccumulators:
    price0_cumulative: int
    """Sum of UQ112.112 reserve1/reserve0 times seconds, mod 2^256."""
    price1_cumulative: int
    block_timestamp_last: int
    """Block timestamp mod 2^32 at the last update."""


def price_accumulators_after(
    accumulators: PriceAccumulators, reserve0: int, reserve1: int, block_timestamp: int
) -> PriceAccumulators:
    """Advance the TWAP accumulators on `_update`, with the reserves from before the update.

    Time is kept mod 2^32 (the 2106 wrap is harmless) and the sums wrap mod 2^256.

    Args:
        accumulators: The accumulators and last timestamp before this update.
        reserve0: Reserve of token0 before the update.
        reserve1: Reserve of token1 before the update.
        block_timestamp: The block's timestamp in seconds (any size; reduced mod 2^32).

    Returns:
        The accumulators after the update, with the new last timestamp.
    """
    timestamp = block_timestamp % UINT32_LIMIT
    elapsed_seconds = (timestamp - accumulators.block_timestamp_last) % UINT32_LIMIT
    price0 = accumulators.price0_cumulative
    price1 = accumulators.price1_cumulative
    if elapsed_seconds > 0 and reserve0 != 0 and reserve1 != 0:
        price0 = (price0 + reserve1 * Q112 // reserve0 * elapsed_seconds) % UINT256_LIMIT
        price1 = (price1 + reserve0 * Q112 // reserve1 * elapsed_seconds) % UINT256_LIMIT
    return PriceAccumulators(
        price0_cumulative=price0, price1_cumulative=price1, block_timestamp_last=timestamp
    )


__all__ = ["PriceAccumulators", "price_accumulators_after"]
