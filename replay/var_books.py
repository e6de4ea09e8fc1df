"""VaR inputs read from the books at a block: each CRP's loan, the platform's TVL and fee income.

`defi-ledger var --db LOG --at-block N` runs the black-swan VaR on the pools a log actually
holds rather than on flags. From the `alex_lending` book at N it takes each collateral
rebalancing pool with debt outstanding: its LTV at the oracle price, conversion LTV, current
collateral weight, moving average, sigma, strike over spot and the hours left to expiry (the
contract's clock, 52,560 blocks a year). TVL is what the `pools` and `alex_lending` books hold,
valued at the oracle prices `alex_lending` follows; an asset without a price (an LP token) is
named and left out, and a yield token counts at its underlying token's price (it redeems 1:1).
Fee income is the reserve pool's swap-fee inflow (the `reserve_solvency` book, sources
`swap-fee:<pool>`) over the month before N: the fee share the platform keeps, which is what
pays a shortfall. Floats from here on: this is analytics at the edge of the ledger.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from events.amm import swap_fee_source
from ledger.projector import Projector
from ledger.stores import LogStore
from projections.alex_lending import AlexLending, CrpLoan
from projections.balances import Balances
from projections.contracts.crp import BLOCKS_PER_YEAR
from projections.contracts.fixed_point import ONE_8
from projections.pools import Pools
from projections.prices import Prices
from projections.ratios import ratio_to_float
from replay.var import VarParameters
from replay.var_study import FeeCase

Valuer = Callable[[str, int], float | None]
"""An amount of an asset in the oracle's quote currency (None: the asset has no price)."""

__all__ = ["BookInputs", "BookPool", "NoCollateralPool", "inputs_at_block", "pool_parameters"]

BLOCKS_PER_HOUR = BLOCKS_PER_YEAR / 8760
BLOCKS_PER_MONTH = BLOCKS_PER_YEAR // 12
_FEE_PREFIX = swap_fee_source("")


class NoCollateralPool(ValueError):
    """The books at the block hold no collateral rebalancing pool with debt to put at risk."""


@dataclass(frozen=True)
class BookPool:
    """One CRP loan at the block, in the VaR's units (shares, hours, the oracle's quote)."""

    pool_id: str
    collateral: str
    token: str
    ltv: float
    conversion_ltv: float
    weight: float
    moving_average: float
    volatility: float
    strike_fraction: float
    horizon_hours: int
    blend_hours: int
    value_quote: float
    debt_quote: float


@dataclass(frozen=True)
class BookInputs:
    """Everything `var --at-block` reads from the books, with what it could not price."""

    block: int
    pools: list[BookPool]
    skipped: list[str]
    """CRPs left out, each with the reason (expired, already in default)."""
    tvl_quote: float
    unpriced: list[str]
    fees_window_quote: float
    fees_window_blocks: int

    @property
    def fees_month_quote(self) -> float:
        """Fee income scaled to a month of blocks (the window is shorter early in a log)."""
        if not self.fees_window_blocks:
            return 0.0
        return self.fees_window_quote * BLOCKS_PER_MONTH / self.fees_window_blocks

    def fee_case(self, pool: BookPool) -> FeeCase:
        """The white paper's case study with this pool's share of TVL and this log's fees."""
        tvl = self.tvl_quote or 1.0
        return FeeCase(
            pool_share_of_tvl=pool.value_quote / tvl,
            monthly_fees_share_of_tvl=self.fees_month_quote / tvl,
            source=f"books at block {self.block}, pool {pool.pool_id}",
        )


def inputs_at_block(
    store: LogStore, block: int, *, fee_window_blocks: int = BLOCKS_PER_MONTH
) -> BookInputs:
    """Read the CRPs, TVL and the month's fee income from the books at `block`.

    Fee income is read over the `fee_window_blocks` before the block (a month by default) and
    scaled to a month.

    Raises:
        NoCollateralPool: no CRP with debt and an oracle spot exists at the block.
    """
    names = ["alex_lending", "pools", "reserve_solvency", "prices", "balances"]
    lending, pools, reserve, prices, balances = _by_name(Projector(store, names).state_at(block))
    value = partial(_value, prices, balances)
    start = max(block - fee_window_blocks, 0)
    fees_before = 0.0
    if start > 0:
        (reserve_before,) = Projector(store, ["reserve_solvency"]).state_at(start)
        fees_before = _fees_now(reserve_before, value)  # valued at block N's prices
    pools_found, skipped = [], []
    for loan in lending.crp_loans():
        pool, reason = _book_pool(lending, loan, block, value)
        if pool is None:
            skipped.append(f"{loan.pool_id}: {reason}")
        else:
            pools_found.append(pool)
    if not pools_found:
        detail = f" ({'; '.join(skipped)})" if skipped else ""
        raise NoCollateralPool(f"no collateral rebalancing pool with debt at block {block}{detail}")
    tvl, unpriced = _tvl(lending, pools, value)
    return BookInputs(
        block=block,
        pools=sorted(pools_found, key=lambda pool: -pool.value_quote),
        skipped=skipped,
        tvl_quote=tvl,
        unpriced=unpriced,
        fees_window_quote=_fees_now(reserve, value) - fees_before,
        fees_window_blocks=block - start,
    )


def pool_parameters(pool: BookPool, base: VarParameters) -> VarParameters:
    """The base scenario (crash stress, settlement, sampling) on this pool's loan."""
    return VarParameters.model_validate(
        {
            **base.model_dump(),
            "ltv": pool.ltv,
            "conversion_ltv": pool.conversion_ltv,
            "initial_weight": pool.weight,
            "moving_average": pool.moving_average,
            "volatility_annual": pool.volatility,
            "strike_fraction": pool.strike_fraction,
            "horizon_hours": pool.horizon_hours,
            "blend_hours": pool.blend_hours,
        }
    )


def _by_name(projections: list[Any]) -> tuple[AlexLending, Pools, Any, Prices, Balances]:
    found = {projection.name: projection for projection in projections}
    return (
        found["alex_lending"],
        found["pools"],
        found["reserve_solvency"],
        found["prices"],
        found["balances"],
    )


def _book_pool(
    lending: AlexLending, loan: CrpLoan, block: int, value_of: Valuer
) -> tuple[BookPool | None, str]:
    book = lending.collateral_pool(loan.pool_id)
    if book is None or loan.expiry <= block:
        return None, "expired"
    if loan.ltv_e8 >= ONE_8:
        return None, f"already in default at LTV {loan.ltv_e8 / ONE_8:.2%}"
    value = value_of(loan.debt_asset, loan.collateral_value)
    debt = value_of(loan.debt_asset, loan.debt)
    pool = BookPool(
        pool_id=loan.pool_id,
        collateral=loan.collateral_asset,
        token=loan.debt_asset,
        ltv=loan.ltv_e8 / ONE_8,
        conversion_ltv=book.conversion_ltv / ONE_8,
        weight=book.weight_x / ONE_8,
        moving_average=book.moving_average / ONE_8,
        volatility=book.bs_vol / ONE_8,
        strike_fraction=book.strike / loan.spot_e8,
        horizon_hours=max(math.ceil((loan.expiry - block) / BLOCKS_PER_HOUR), 1),
        blend_hours=round(book.token_to_maturity / ONE_8 / BLOCKS_PER_HOUR),
        value_quote=value or 0.0,
        debt_quote=debt or 0.0,
    )
    return pool, ""


def _value(prices: Prices, balances: Balances, asset: str, amount: int) -> float | None:
    """`amount` base units of `asset` in the oracle's quote, or None without a price."""
    quote = prices.quote(asset)
    if quote is None:
        return None
    return ratio_to_float(amount * quote.price, quote.scale * 10 ** balances.decimals.get(asset, 8))


def _tvl(lending: AlexLending, pools: Pools, value_of: Valuer) -> tuple[float, list[str]]:
    holdings: list[tuple[str, int]] = []
    for amm in pools.books.values():
        holdings += [(amm.spec.token_x, amm.reserve_x), (amm.spec.token_y, amm.reserve_y)]
    for crp in lending.state.crp.values():
        holdings += [(crp.collateral, crp.balance_x), (crp.token, crp.balance_y)]
    underlying = {ytp.yield_token: ytp.token for ytp in lending.state.ytp.values()}
    for ytp in lending.state.ytp.values():
        holdings += [(ytp.token, ytp.balance_token), (ytp.token, ytp.balance_yield_token)]
    total, unpriced = 0.0, set()
    for asset, amount in holdings:
        value = value_of(underlying.get(asset, asset), amount)
        if value is None:
            unpriced.add(asset)
        else:
            total += value
    return total, sorted(unpriced)


def _fees_now(reserve: Any, value_of: Valuer) -> float:
    """Swap-fee inflows to every reserve book so far, valued at the block's oracle prices."""
    total = 0.0
    for token, book in getattr(reserve, "books", {}).items():
        fees = sum(v for source, v in book.inflows.items() if source.startswith(_FEE_PREFIX))
        total += value_of(token, fees) or 0.0
    return total
