"""Uniswap V2 liquidity: pair mint and burn, the protocol fee, router deposits, LP valuation.

Restated from protocol-math.md sections 1.5 to 1.7 (`Uniswap/v2-core:contracts/UniswapV2Pair.sol`
`mint`, `burn` and `_mintFee`, `Uniswap/v2-periphery:contracts/UniswapV2Router02.sol`
`_addLiquidity` and `UniswapV2LiquidityMathLibrary.sol` `computeLiquidityValue`). Amounts are
raw token base units; the pair state and reserve checks are those of
`projections.contracts.uniswap_v2`.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import isqrt

from events.rejections import RejectCode
from projections.contracts import MathRejected
from projections.contracts.uniswap_v2 import PairState, quote, reserves_checked

MINIMUM_LIQUIDITY = 1000
PROTOCOL_FEE_SHARE_INVERSE = 6


@dataclass(frozen=True, slots=True)
class MintResult:
    liquidity_to_provider: int
    liquidity_locked: int
    """MINIMUM_LIQUIDITY sent to the zero address on the first mint, else 0."""
    liquidity_to_fee_recipient: int
    pair_after: PairState


@dataclass(frozen=True, slots=True)
class BurnResult:
    amount0: int
    amount1: int
    liquidity_to_fee_recipient: int
    pair_after: PairState


@dataclass(frozen=True, slots=True)
class DepositAmounts:
    amount_a: int
    amount_b: int


@dataclass(frozen=True, slots=True)
class LiquidityValue:
    amount0: int
    amount1: int


def protocol_fee_liquidity(pair: PairState, fee_on: bool) -> int:
    """LP `_mintFee` mints to `feeTo` before a mint/burn: 1/6 of the growth of sqrt(k).

    Args:
        pair: The pair before the mint/burn (reserves, supply, kLast).
        fee_on: Whether the factory's `feeTo` is set.

    Returns:
        floor(T*(rk - rkl) / (5*rk + rkl)) if the fee is on and sqrt(k) grew, else 0.
    """
    root_k = isqrt(pair.reserve0 * pair.reserve1)
    root_k_last = isqrt(pair.k_last)
    if not fee_on or pair.k_last == 0 or root_k <= root_k_last:
        return 0
    numerator = pair.total_supply * (root_k - root_k_last)
    return numerator // (root_k * (PROTOCOL_FEE_SHARE_INVERSE - 1) + root_k_last)


def _k_last_after(reserve0_after: int, reserve1_after: int, fee_on: bool) -> int:
    # kLast tracks k only while the fee is on; turning the fee off resets it to 0.
    return reserve0_after * reserve1_after if fee_on else 0


def pair_mint(pair: PairState, balance0: int, balance1: int, fee_on: bool = False) -> MintResult:
    """Mint LP for the tokens sent to the pair since the last sync (section 1.5).

    Args:
        pair: The pair before the mint.
        balance0: Pair balance of token0 (reserve plus the deposit).
        balance1: Pair balance of token1 (reserve plus the deposit).
        fee_on: Whether the protocol fee is on.

    Returns:
        LP to the provider, LP locked forever (first mint), LP to the fee recipient, new pair.
    """
    deposit0 = balance0 - pair.reserve0
    deposit1 = balance1 - pair.reserve1
    if deposit0 < 0 or deposit1 < 0:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "balances below reserves")
    fee_liquidity = protocol_fee_liquidity(pair, fee_on)
    supply = pair.total_supply + fee_liquidity
    locked = 0
    if supply == 0:
        liquidity = isqrt(deposit0 * deposit1) - MINIMUM_LIQUIDITY
        locked = MINIMUM_LIQUIDITY
    elif pair.reserve0 == 0 or pair.reserve1 == 0:
        raise MathRejected(RejectCode.INSUFFICIENT_LIQUIDITY, "LP supply with an empty reserve")
    else:
        liquidity = min(deposit0 * supply // pair.reserve0, deposit1 * supply // pair.reserve1)
    if liquidity <= 0:
        raise MathRejected(
            RejectCode.INSUFFICIENT_LIQUIDITY, "UniswapV2: INSUFFICIENT_LIQUIDITY_MINTED"
        )
    reserve0_after, reserve1_after = reserves_checked(balance0, balance1)
    pair_after = PairState(
        reserve0=reserve0_after,
        reserve1=reserve1_after,
        total_supply=supply + locked + liquidity,
        k_last=_k_last_after(reserve0_after, reserve1_after, fee_on),
    )
    return MintResult(
        liquidity_to_provider=liquidity,
        liquidity_locked=locked,
        liquidity_to_fee_recipient=fee_liquidity,
        pair_after=pair_after,
    )


def pair_burn(
    pair: PairState, balance0: int, balance1: int, liquidity: int, fee_on: bool = False
) -> BurnResult:
    """Burn LP sent to the pair for its pro-rata share of the balances (section 1.6).

    Args:
        pair: The pair before the burn.
        balance0: Pair balance of token0 (balances, not reserves, are shared out).
        balance1: Pair balance of token1.
        liquidity: LP sent to the pair to burn.
        fee_on: Whether the protocol fee is on.

    Returns:
        Amounts paid out, LP to the fee recipient, and the pair after the burn.
    """
    fee_liquidity = protocol_fee_liquidity(pair, fee_on)
    supply = pair.total_supply + fee_liquidity
    if liquidity < 0 or liquidity > supply or supply == 0:
        raise MathRejected(RejectCode.INSUFFICIENT_BALANCE, "liquidity exceeds the LP supply")
    amount0 = liquidity * balance0 // supply
    amount1 = liquidity * balance1 // supply
    if amount0 <= 0 or amount1 <= 0:
        raise MathRejected(
            RejectCode.INSUFFICIENT_LIQUIDITY, "UniswapV2: INSUFFICIENT_LIQUIDITY_BURNED"
        )
    reserve0_after, reserve1_after = reserves_checked(balance0 - amount0, balance1 - amount1)
    pair_after = PairState(
        reserve0=reserve0_after,
        reserve1=reserve1_after,
        total_supply=supply - liquidity,
        k_last=_k_last_after(reserve0_after, reserve1_after, fee_on),
    )
    return BurnResult(
        amount0=amount0,
        amount1=amount1,
        liquidity_to_fee_recipient=fee_liquidity,
        pair_after=pair_after,
    )


def router_deposit_amounts(
    amount_a_desired: int,
    amount_b_desired: int,
    amount_a_min: int,
    amount_b_min: int,
    reserve_a: int,
    reserve_b: int,
) -> DepositAmounts:
    """Amounts the router deposits so the pool ratio is kept (`_addLiquidity`).

    Args:
        amount_a_desired: Most of token A the provider will deposit.
        amount_b_desired: Most of token B the provider will deposit.
        amount_a_min: Least of token A the provider accepts (slippage bound).
        amount_b_min: Least of token B the provider accepts (slippage bound).
        reserve_a: Pool reserve of token A.
        reserve_b: Pool reserve of token B.

    Returns:
        The (amount_a, amount_b) the router transfers to the pair.
    """
    if reserve_a == 0 and reserve_b == 0:
        return DepositAmounts(amount_a=amount_a_desired, amount_b=amount_b_desired)
    amount_b_optimal = quote(amount_a_desired, reserve_a, reserve_b)
    if amount_b_optimal <= amount_b_desired:
        if amount_b_optimal < amount_b_min:
            raise MathRejected(RejectCode.SLIPPAGE, "UniswapV2Router: INSUFFICIENT_B_AMOUNT")
        return DepositAmounts(amount_a=amount_a_desired, amount_b=amount_b_optimal)
    amount_a_optimal = quote(amount_b_desired, reserve_b, reserve_a)
    if amount_a_optimal < amount_a_min:
        raise MathRejected(RejectCode.SLIPPAGE, "UniswapV2Router: INSUFFICIENT_A_AMOUNT")
    return DepositAmounts(amount_a=amount_a_optimal, amount_b=amount_b_desired)


def liquidity_value(pair: PairState, liquidity: int, fee_on: bool = False) -> LiquidityValue:
    """Tokens `liquidity` LP would burn for now, counting the pending protocol fee.

    As `computeLiquidityValue`: the fee LP the next mint/burn would mint dilutes everyone.

    Args:
        pair: Current reserves, LP supply and kLast.
        liquidity: LP amount to value, at most the supply.
        fee_on: Whether the protocol fee is on.

    Returns:
        floor(reserve_i * liquidity / supply_with_fee) for both tokens.
    """
    supply = pair.total_supply + protocol_fee_liquidity(pair, fee_on)
    if liquidity < 0 or liquidity > supply or supply == 0:
        raise MathRejected(RejectCode.INVALID_PARAMETER, "liquidity must be within the supply")
    return LiquidityValue(
        amount0=pair.reserve0 * liquidity // supply,
        amount1=pair.reserve1 * liquidity // supply,
    )


__all__ = [
    "MINIMUM_LIQUIDITY",
    "BurnResult",
    "DepositAmounts",
    "LiquidityValue",
    "MintResult",
    "liquidity_value",
    "pair_burn",
    "pair_mint",
    "protocol_fee_liquidity",
    "router_deposit_amounts",
]
