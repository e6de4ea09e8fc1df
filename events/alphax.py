"""AlphaX strike tokens' facts: markets, pair mint/redeem, strike liquidation, the graveyard.

A market holds the USDC collateral of its pairs in `vault:alphax:<market>`. A minted pair is
one LONG ("ASSET-K_L") and one SHORT ("K_S-ASSET") token, backed by K_S - K_L USDC. Prices and
strikes are at the AlphaX scale 1e6 (USDC base units per whole token).
"""

from __future__ import annotations

from events.base import Amount, Event, Name, register


def alphax_vault_account(market_id: str) -> str:
    """The protocol account that holds a strike market's USDC collateral."""
    return f"vault:alphax:{market_id}"


def alphax_fee_account(market_id: str) -> str:
    """The protocol account a strike market's mint, redeem and graveyard fees go to."""
    return f"fees:alphax:{market_id}"


@register
class AlphaxMarketCreated(Event, frozen=True, kw_only=True):
    """A strike pair market on one asset, with its liquidation rule."""

    market_id: Name
    asset: Name
    """The oracle asset (ETH)."""
    collateral_asset: Name
    """USDC."""
    long_strike: Amount
    """K_L at 1e6."""
    short_strike: Amount
    """K_S at 1e6."""
    long_token: Name
    """The LONG token's asset id."""
    short_token: Name
    """The SHORT token's asset id."""
    token_decimals: int = 18
    trigger_kind: Name = "price_buffer"
    """`price_buffer` (docs: 1.2 x K_L / K_S / 1.2) or `leverage` (the "5x" narrative)."""
    price_buffer_bps: int = 12_000
    leverage_max: int = 5
    liquidator_discount_bps: int = 3_000
    price_age_blocks_max: int = 0
    """An oracle price older than this many blocks is stale (0: any age)."""
    profile: Name = "contract"
    """The parameter profile the market was created under (`contract` or `whitepaper`)."""
    long_liquidation_price: Amount = 0
    """The LONG token's liquidation price, preset at creation (1e6; 0 in older logs)."""
    short_liquidation_price: Amount = 0
    """The SHORT token's liquidation price, preset at creation (1e6; 0 in older logs)."""
    settlement: Name = "oracle"
    """A dead token's value: `oracle` (anchor at liquidation) or `preset` (its preset price)."""
    holder_claim: Name = "after_buy"
    """`after_buy` (holders claim once a liquidator bought) or `direct` (at once)."""
    mint_fee_bps: int = 0
    redeem_fee_bps: int = 0
    graveyard_fee_bps: int = 0
    """Of the holders' claim."""

    def default_stream(self) -> str:
        return f"market:alphax:{self.market_id}"


@register
class AlphaxPairMinted(Event, frozen=True, kw_only=True):
    """n LONG + n SHORT minted to `account` for ceil(n (K_S - K_L)) USDC."""

    market_id: Name
    account: Name
    collateral_asset: Name
    long_token: Name
    short_token: Name
    pair_amount: Amount
    collateral_usdc: Amount
    fee_usdc: Amount = 0
    """Paid by the account to `alphax_fee_account` (a redeem's comes out of its collateral)."""

    def default_stream(self) -> str:
        return f"market:alphax:{self.market_id}"


@register
class AlphaxPairRedeemed(Event, frozen=True, kw_only=True):
    """n LONG + n SHORT burned for floor(n (K_S - K_L)) USDC."""

    market_id: Name
    account: Name
    collateral_asset: Name
    long_token: Name
    short_token: Name
    pair_amount: Amount
    collateral_usdc: Amount
    fee_usdc: Amount = 0
    """Paid by the account to `alphax_fee_account` (a redeem's comes out of its collateral)."""

    def default_stream(self) -> str:
        return f"market:alphax:{self.market_id}"


@register
class AlphaxStrikeLiquidated(Event, frozen=True, kw_only=True):
    """A side hit its trigger: every token of it is dead, valued at `token_value` each."""

    market_id: Name
    side: Name
    """`long` or `short`."""
    asset_price: Amount
    """The oracle price that triggered it (1e6)."""
    token_value: Amount
    """V: one dead token's anchor value at that price (1e6 = USDC base units per token)."""
    dead_supply: Amount
    """Dead tokens outstanding at the liquidation."""

    def default_stream(self) -> str:
        return f"market:alphax:{self.market_id}"


@register
class AlphaxGraveyardBought(Event, frozen=True, kw_only=True):
    """A liquidator retires n pairs: supplies n opposite tokens (burned) and 70% of V in USDC.

    Postings: liquidator burns `opposite_token`; liquidator -> vault `liquidator_payment_usdc`;
    vault -> liquidator `pair_collateral_usdc` (the pairs' collateral). The liquidator's gain is
    30% of V; the payment waits in the vault for the dead tokens' holders.
    """

    market_id: Name
    side: Name
    """The dead side."""
    liquidator: Name
    collateral_asset: Name
    opposite_token: Name
    dead_token_amount: Amount
    pair_collateral_usdc: Amount
    token_value_usdc: Amount
    liquidator_payment_usdc: Amount
    liquidator_discount_usdc: Amount
    holder_claim_usdc: Amount

    def default_stream(self) -> str:
        return f"market:alphax:{self.market_id}"


@register
class AlphaxGraveyardClaimed(Event, frozen=True, kw_only=True):
    """A dead token's holder burns it and claims 70% of its value (vault -> holder)."""

    market_id: Name
    side: Name
    holder: Name
    collateral_asset: Name
    dead_token: Name
    dead_token_amount: Amount
    claim_usdc: Amount
    fee_usdc: Amount = 0
    """The graveyard fee, paid by the vault to `alphax_fee_account` out of the 70%."""

    def default_stream(self) -> str:
        return f"market:alphax:{self.market_id}"
