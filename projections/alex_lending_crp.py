"""Collateral rebalancing pool state: the book per pool, its postings, the oracle spot, loans.

Token x is the collateral (riskless), token y the risky token borrowed; the pool's value and
its debt (yield tokens outstanding, redeemable 1:1 in y) are both in token y base units.
`spot_e8` turns two oracle prices into the contract's spot: token y base units per token x
base unit, times 1e8. A CRP swap posts and folds as a yield-token pool swap does, so
`balances_after_swap` serves both pools (and one posting rule,
`projections.postings.alex.swap_postings`).
"""

from __future__ import annotations

import msgspec

from events.alex_lending import (
    CollateralMinted,
    CollateralPoolCreated,
    CollateralRedeemed,
    CollateralSwapped,
    YieldTokenSwapped,
)
from projections.contracts.crp import CollateralPool
from projections.contracts.fixed_point import ONE_8


def balances_after_swap(
    event: CollateralSwapped | YieldTokenSwapped, asset_x: str, balance_x: int, balance_y: int
) -> tuple[int, int]:
    """A pool's (x, y) balances after a swap, trusting the recorded amounts.

    The net amount in and the fee rebate stay in the pool; the amount out leaves it (the
    balance it leaves floored at zero).
    """
    added = event.amount_in_net + event.rebate
    if event.asset_in == asset_x:
        return balance_x + added, max(balance_y - event.amount_out, 0)
    return max(balance_x - event.amount_out, 0), balance_y + added


def spot_e8(
    price_x: tuple[int, int], price_y: tuple[int, int], decimals_x: int, decimals_y: int
) -> int | None:
    """Token y base units per token x base unit, x 1e8, from two (price, scale) oracle quotes.

    Both prices must be in the same quote unit (e.g. USD); rounded down. None if y has no price.
    """
    (px, scale_x), (py, scale_y) = price_x, price_y
    denominator = scale_x * py * 10**decimals_x
    if denominator == 0:
        return None
    spot: int = px * scale_y * 10**decimals_y * ONE_8 // denominator
    return spot


class CrpBook(msgspec.Struct):
    """One collateral rebalancing pool, as the contract keeps it, plus its asset names."""

    collateral: str
    token: str
    yield_token: str
    key_token: str
    router: str
    expiry: int
    strike: int
    bs_vol: int
    ltv_0: int
    conversion_ltv: int
    moving_average: int
    token_to_maturity: int
    weight_x: int
    fee_rate_x: int = 0
    fee_rate_y: int = 0
    fee_rebate: int = 0
    balance_x: int = 0
    balance_y: int = 0
    yield_supply: int = 0
    key_supply: int = 0

    def to_math(self) -> CollateralPool:
        """The pool as `projections.contracts.crp` reads it."""
        return CollateralPool(
            balance_x=self.balance_x,
            balance_y=self.balance_y,
            weight_x=self.weight_x,
            weight_y=ONE_8 - self.weight_x,
            yield_supply=self.yield_supply,
            key_supply=self.key_supply,
            strike=self.strike,
            bs_vol=self.bs_vol,
            ltv_0=self.ltv_0,
            conversion_ltv=self.conversion_ltv,
            moving_average=self.moving_average,
            token_to_maturity=self.token_to_maturity,
            expiry=self.expiry,
            fee_rate_x=self.fee_rate_x,
            fee_rate_y=self.fee_rate_y,
            fee_rebate=self.fee_rebate,
        )


class CrpLoan(msgspec.Struct, frozen=True):
    """A CRP's borrowing, as the position-LTV projection reads it (all in token y base units).

    `ltv_e8` = debt x 1e8 // collateral_value (the contract's `get-ltv-with-spot`).
    """

    pool_id: str
    collateral_asset: str
    """Token x, the collateral the borrowers deposited."""
    debt_asset: str
    """Token y: the unit of `collateral_value` and `debt`."""
    expiry: int
    collateral_value: int
    """mul_down(balance_x, spot) + balance_y, in token y base units."""
    debt: int
    """Yield tokens outstanding (redeemable 1:1 in token y)."""
    ltv_e8: int
    conversion_ltv_e8: int
    """The LTV at which the pool converts to collateral (its 'line')."""
    spot_e8: int
    """Token y base units per token x base unit, x 1e8, at the latest oracle prices."""
    price_move_to_conversion_1e18: int | None = None
    """Relative rise of token y's price (x 1e18) that takes the LTV to the conversion LTV
    (<= 0: at or past it; None: the pool's token y alone keeps it below)."""


def price_move_to_conversion_1e18(book: CrpBook, spot: int) -> int | None:
    """How far token y's price must rise (x 1e18) for the LTV to reach the conversion LTV.

    A rise by factor f divides the spot by f: LTV(f) = debt / (B_x * spot / f + B_y), so
    f = B_x * spot / (debt / conversion - B_y), and the move is f - 1.
    """
    scale = 10**18
    value_at_line = book.yield_supply * ONE_8 // book.conversion_ltv - book.balance_y
    if value_at_line <= 0:
        return None
    collateral_value = book.balance_x * spot * scale // ONE_8
    return collateral_value // value_at_line - scale


def created_book(event: CollateralPoolCreated) -> CrpBook:
    return CrpBook(
        collateral=event.collateral,
        token=event.token,
        yield_token=event.yield_token,
        key_token=event.key_token,
        router=event.router,
        expiry=event.expiry,
        strike=event.strike,
        bs_vol=event.bs_vol,
        ltv_0=event.ltv_0,
        conversion_ltv=event.conversion_ltv,
        moving_average=event.moving_average,
        token_to_maturity=event.token_to_maturity,
        weight_x=event.weight_x,
        fee_rate_x=event.fee_rate_x,
        fee_rate_y=event.fee_rate_y,
        fee_rebate=event.fee_rebate,
    )


def apply_crp_event(
    book: CrpBook, event: CollateralMinted | CollateralSwapped | CollateralRedeemed
) -> None:
    """Fold one CRP fact into its book, trusting the recorded amounts."""
    if isinstance(event, CollateralMinted):
        book.balance_x += event.dx_kept
        book.balance_y += event.dy_bought
        book.yield_supply += event.minted
        book.key_supply += event.minted
    elif isinstance(event, CollateralSwapped):
        book.balance_x, book.balance_y = balances_after_swap(
            event, book.collateral, book.balance_x, book.balance_y
        )
        book.weight_x = event.weight_x_after
    else:
        book.balance_x = max(
            book.balance_x + event.reserve_cover_x - event.collateral_sold - event.paid_x, 0
        )
        book.balance_y = max(book.balance_y + event.token_bought - event.paid_y, 0)
        if event.redeemed_token == book.yield_token:
            book.yield_supply = max(book.yield_supply - event.shares, 0)
        else:
            book.key_supply = max(book.key_supply - event.shares, 0)
