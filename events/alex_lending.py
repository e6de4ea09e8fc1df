"""ALEX lending facts: the yield-token pool (fixed-rate lending) and the collateral
rebalancing pool (borrowing without liquidation).

Each pool is an ordinary account, `pool:<pool_id>`. Swap fees split as everywhere in ALEX: the
rebate stays in the pool, the rest goes to the reserve pool in a separate `ReserveCredited`
fact, so the swap's own postings move only `amount_in - reserve_share` into the pool.

The CRP converts collateral to the risky token (and back, at expiry) through a conversion
desk account (`router:<pool_id>` by default) at the oracle price, so it does not depend on
any AMM pool: the desk is an ordinary account that must hold the token it pays out.
"""

from __future__ import annotations

from events.base import Amount, Block, Event, Name, register


def pool_account(pool_id: str) -> str:
    """The protocol account that holds a pool's balances."""
    return f"pool:{pool_id}"


@register
class YieldPoolCreated(Event, frozen=True, kw_only=True):
    """A yield-token pool opens: token x against its ayToken y, maturing at `expiry`."""

    pool_id: Name
    """The pool's id (e.g. `ytp-USDA-59760`)."""
    token: Name
    """The underlying token (x)."""
    yield_token: Name
    """The ayToken (y), a zero-coupon bond on `token`."""
    lp_token: Name
    """The pool's LP token."""
    expiry: Block
    """Maturity block."""
    listed: Block
    """Block the pool was created (the start of its time scale)."""
    max_expiry: Amount
    """Length of the time scale (210,240 blocks)."""
    fee_rate_token: Amount = 0
    """Fee rate on token-in swaps, charged in yield terms (x 1e8)."""
    fee_rate_yield_token: Amount = 0
    """Fee rate on ayToken-in swaps, charged in yield terms (x 1e8)."""
    fee_rebate: Amount = 0
    """Share of the fee kept by LPs (x 1e8); the rest goes to the reserve pool."""
    min_fee: Amount = 0
    """Smallest fee charged."""
    small_threshold: Amount = 0
    """Trades at or below this are priced at the spot."""

    def default_stream(self) -> str:
        return pool_account(self.pool_id)


@register
class YieldLiquidityChanged(Event, frozen=True, kw_only=True):
    """LP tokens minted (add) or burnt (remove) against tokens and actual/virtual ayTokens.

    Postings on add: provider -> pool (dx, dy_actual), issuer:lp -> provider (lp_amount);
    on remove the reverse.
    """

    pool_id: Name
    """The pool."""
    provider: Name
    """The liquidity provider."""
    added: bool
    """True: add-to-position; False: reduce-position."""
    lp_amount: Amount
    """LP tokens minted or burnt."""
    dx: Amount
    """Tokens deposited or paid out."""
    dy_actual: Amount
    """Actual ayTokens deposited or paid out."""
    dy_virtual: Amount
    """Virtual ayTokens booked or written off (no value moves)."""
    token: Name
    """The underlying token."""
    yield_token: Name
    """The ayToken."""
    lp_token: Name
    """The LP token."""

    def default_stream(self) -> str:
        return pool_account(self.pool_id)


@register
class YieldTokenSwapped(Event, frozen=True, kw_only=True):
    """A fixed-rate trade: lend (token in, ayToken out) or borrow (ayToken in, token out)."""

    pool_id: Name
    """The pool."""
    trader: Name
    """Who traded."""
    asset_in: Name
    """The asset sent."""
    asset_out: Name
    """The asset received."""
    amount_in: Amount
    """Gross amount sent."""
    amount_in_net: Amount
    """Amount the curve priced (gross - fee)."""
    amount_out: Amount
    """Amount received."""
    fee: Amount
    """Fee, charged in yield terms."""
    rebate: Amount
    """Part of the fee kept in the pool."""
    reserve_share: Amount
    """Part of the fee sent to the reserve pool (its own ReserveCredited fact)."""
    time_fraction: Amount
    """t (x 1e8) at the trade."""
    price_before: Amount
    """ayTokens per token before the trade (x 1e8); yield = price - 1e8."""

    def default_stream(self) -> str:
        return pool_account(self.pool_id)


@register
class CollateralPoolCreated(Event, frozen=True, kw_only=True):
    """A collateral rebalancing pool opens (token x collateral, token y borrowed)."""

    pool_id: Name
    """The pool's id."""
    collateral: Name
    """Token x: the riskless collateral."""
    token: Name
    """Token y: the risky token borrowed."""
    yield_token: Name
    """The loan: redeemable 1:1 in token y after expiry."""
    key_token: Name
    """The borrower's claim on what is left after yield holders are paid."""
    expiry: Block
    """Expiry block."""
    strike: Amount
    """Strike (y per x, x 1e8)."""
    weight_x: Amount
    """Initial collateral weight (x 1e8)."""
    bs_vol: Amount
    """Volatility (x 1e8)."""
    ltv_0: Amount
    """Initial LTV (x 1e8)."""
    conversion_ltv: Amount
    """LTV at which the pool converts to collateral (x 1e8)."""
    moving_average: Amount
    """Weight of the previous weight in the EMA (x 1e8)."""
    token_to_maturity: Amount
    """Blend scale toward 1 - ltv near expiry (blocks x 1e8)."""
    spot: Amount
    """Oracle spot at creation (y per x in base units, x 1e8)."""
    router: Name
    """The conversion desk account."""
    fee_rate_x: Amount = 0
    """Fee rate on collateral-in swaps (x 1e8)."""
    fee_rate_y: Amount = 0
    """Fee rate on token-in swaps (x 1e8)."""
    fee_rebate: Amount = 0
    """Share of the fee kept in the pool (x 1e8)."""

    def default_stream(self) -> str:
        return pool_account(self.pool_id)


@register
class CollateralMinted(Event, frozen=True, kw_only=True):
    """A borrower deposits collateral for equal yield and key tokens.

    Postings: borrower -> pool (dx_kept of x), borrower -> router (dx_converted of x),
    router -> pool (dy_bought of y), issuer -> borrower (minted yield and key tokens).
    """

    pool_id: Name
    """The pool."""
    borrower: Name
    """Who deposited."""
    dx: Amount
    """Collateral deposited."""
    minted: Amount
    """Yield tokens and key tokens minted (each)."""
    dx_kept: Amount
    """Collateral kept (stored weight x dx)."""
    dx_converted: Amount
    """Collateral converted to token y at the oracle spot."""
    dy_bought: Amount
    """Token y the conversion bought."""
    spot: Amount
    """Oracle spot used (y per x in base units, x 1e8)."""
    ltv: Amount
    """LTV before the mint (x 1e8)."""
    collateral: Name
    """Token x."""
    token: Name
    """Token y."""
    yield_token: Name
    """The yield token minted."""
    key_token: Name
    """The key token minted."""
    router: Name
    """The conversion desk."""

    def default_stream(self) -> str:
        return pool_account(self.pool_id)


@register
class CollateralSwapped(Event, frozen=True, kw_only=True):
    """A rebalancing swap between collateral and token at the stored weights.

    Postings: trader -> pool (amount_in - reserve_share), pool -> trader (amount_out).
    """

    pool_id: Name
    """The pool."""
    trader: Name
    """Who traded (a keeper or arbitrageur)."""
    asset_in: Name
    """The asset sent."""
    asset_out: Name
    """The asset received."""
    amount_in: Amount
    """Gross amount sent."""
    amount_in_net: Amount
    """Amount the curve priced."""
    amount_out: Amount
    """Amount received."""
    fee: Amount
    """Fee."""
    rebate: Amount
    """Part of the fee kept in the pool."""
    reserve_share: Amount
    """Part of the fee sent to the reserve pool."""
    weight_x_after: Amount
    """Collateral weight stored for the next trade (x 1e8)."""
    spot: Amount
    """Oracle spot the new weight was computed at (x 1e8)."""

    def default_stream(self) -> str:
        return pool_account(self.pool_id)


@register
class CollateralRedeemed(Event, frozen=True, kw_only=True):
    """After expiry a holder redeems yield or key tokens (the tokens are burnt).

    Postings: pool -> router (collateral_sold of x), router -> pool (token_bought of y),
    holder -> issuer (shares of the redeemed token), pool -> holder (paid_x, paid_y).
    The reserve's cover (reserve_cover_x) arrives before, in ShortfallCovered facts.
    """

    pool_id: Name
    """The pool."""
    holder: Name
    """Who redeemed."""
    redeemed_token: Name
    """The yield or key token burnt."""
    shares: Amount
    """Tokens burnt."""
    paid_x: Amount
    """Collateral paid to the holder."""
    paid_y: Amount
    """Token y paid to the holder."""
    shortfall_y: Amount
    """Token y the pool was short (times the coverage) before paying."""
    collateral_sold: Amount
    """Collateral sold to buy the shortfall."""
    token_bought: Amount
    """Token y bought."""
    reserve_cover_x: Amount
    """Collateral the reserve pool (or emergency issuance) paid in."""
    collateral: Name
    """Token x."""
    token: Name
    """Token y."""
    router: Name
    """The conversion desk."""

    def default_stream(self) -> str:
        return pool_account(self.pool_id)
