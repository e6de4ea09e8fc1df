"""The f(x) protocol's facts: pools, xPOSITION/sPOSITION operations, walks, funding, fxBASE.

Each event carries every amount the pool model computed (the field names are those of the
`projections.contracts.fx_results` previews), so a projection rebuilds the preview from the event
and applies it mechanically. Signed deltas are plain ints. Accounts: `vault:fx:<pool>` holds a
pool's collateral, `fx:stability` the stability pool's fxUSD/USDC; the long side's debt lender is
`issuer:fxUSD` (borrowing mints fxUSD, repaying burns it), the short side's is its counterparty.
"""

from __future__ import annotations

from typing import Any

import msgspec

from events.base import Amount, Event, Name, register

STABILITY_ACCOUNT = "fx:stability"
PEGKEEPER_ACCOUNT = "fx:pegkeeper"
REVENUE_OPEN_ACCOUNT = "fx:revenue:open"
REVENUE_CLOSE_ACCOUNT = "fx:revenue:close"
REVENUE_MISC_ACCOUNT = "fx:revenue:misc"
TREASURY_ACCOUNT = "fx:treasury"
FUNDING_TREASURY_ACCOUNT = "fx:treasury:funding"


def fx_vault_account(pool_id: str) -> str:
    """The protocol account that holds a pool's collateral."""
    return f"vault:fx:{pool_id}"


def fx_position_stream(pool_id: str, position_id: int) -> str:
    return f"position:fx:{pool_id}:{position_id}"


@register
class FxPoolCreated(Event, frozen=True, kw_only=True):
    """A long (xPOSITION) or short (sPOSITION) pool with every parameter its math reads."""

    pool_id: Name
    """The pool's id (`ETH-long`, `ETH-short`)."""
    side: Name
    """`long` or `short`."""
    collateral_asset: Name
    """What positions deposit (ETH for long, fxUSD for short)."""
    debt_asset: Name
    """What positions borrow (fxUSD for long, ETH for short)."""
    price_asset: Name
    """The oracle asset (ETH): the short side inverts its price."""
    debt_lender: Name
    """Who lends the debt: `issuer:fxUSD` (mint/burn) or the short side's counterparty."""
    parameters: dict[str, Any]
    """Every `FxPoolParameters` field (ints and strs), as the pool was created."""
    price_age_blocks_max: int = 0
    """An oracle price older than this many blocks is stale (0: any age)."""
    profile: Name = "contract"
    """The parameter profile the pool was created under (`contract` or `whitepaper`)."""

    def default_stream(self) -> str:
        return f"pool:fx:{self.pool_id}"


@register
class FxPoolParametersChanged(Event, frozen=True, kw_only=True):
    """Some of a pool's parameters changed (a rebalance or liquidation line, a fee ratio).

    What governance does on chain, and what a stress records at its fork block so the what-if
    is on the record. No value moves.
    """

    pool_id: Name
    changes: dict[str, Any]
    """The `FxPoolParameters` fields changed, with their new values (ints and strs)."""
    authority: Name
    """Who changed them (governance, or a stress naming itself)."""

    def default_stream(self) -> str:
        return f"pool:fx:{self.pool_id}"


@register
class FxPositionOperated(Event, frozen=True, kw_only=True):
    """Open / add or remove collateral / borrow / repay / close (an `OperatePreview`)."""

    pool_id: Name
    collateral_asset: Name
    debt_asset: Name
    debt_lender: Name
    position_id: int
    owner: Name
    opened: bool
    price_1e18: Amount
    """The price the pool judged it at (min price; inverted on the short side)."""
    collateral_in_token: Amount
    """Owner -> vault, fees included."""
    collateral_out_token: Amount
    """Vault -> owner, fees deducted."""
    collateral_raw_delta: int
    pool_collateral_token_delta: int
    pool_collateral_raw_delta: int
    fee_open_token: Amount
    fee_close_token: Amount
    fee_raw: Amount
    debt_raw_delta: int
    """Signed: > 0 borrowed, < 0 repaid."""
    fxusd_to_owner: Amount
    """Debt asset lender -> owner (borrow, after its fee)."""
    fxusd_from_owner: Amount
    """Owner -> lender (repay, fee included)."""
    fxusd_fee_to_open_revenue: Amount
    fxusd_fee_to_close_revenue: Amount
    coll_shares_delta: int
    debt_shares_delta: int
    coll_shares_after: Amount
    debt_shares_after: Amount
    tick_after: int | None
    raw_coll_after: Amount
    raw_debt_after: Amount
    debt_ratio_after_1e18: Amount
    usdc_from_owner: Amount = 0
    """A repay in USDC: owner -> peg keeper, the repay fee included."""
    usdc_fee_to_close_revenue: Amount = 0
    stable_asset: Name = "USDC"

    def default_stream(self) -> str:
        return fx_position_stream(self.pool_id, self.position_id)


@register
class FxPositionTransferred(Event, frozen=True, kw_only=True):
    """A position NFT changes owner."""

    pool_id: Name
    position_id: int
    from_owner: Name
    to_owner: Name

    def default_stream(self) -> str:
        return fx_position_stream(self.pool_id, self.position_id)


@register
class FxFlashLoaned(Event, frozen=True, kw_only=True):
    """A leveraged open's flash leg: the counterparty advances `amount` collateral to the owner."""

    pool_id: Name
    asset: Name
    lender: Name
    """The flash lender / swap venue (sells collateral for fxUSD at the oracle price)."""
    owner: Name
    amount: Amount

    def default_stream(self) -> str:
        return f"pool:fx:{self.pool_id}"


@register
class FxLeveragedOpened(Event, frozen=True, kw_only=True):
    """The flash loan is repaid with the borrowed fxUSD; records the C = S + L check."""

    pool_id: Name
    position_id: int
    owner: Name
    lender: Name
    debt_asset: Name
    own_collateral_token: Amount
    """c0: the owner's own collateral."""
    flash_collateral_token: Amount
    """B: collateral flash-borrowed and bought back with the fxUSD debt."""
    fxusd_paid: Amount
    """F: what the owner pays the lender for B (owner -> lender), in `debt_asset`: fxUSD for a
    long; for a short (B is fxUSD) the asset it borrowed and sold."""
    leverage_1e18: Amount
    price_1e18: Amount
    collateral_value_usd: Amount
    """C: the position's collateral at the price (1e18 USD)."""
    stable_usd: Amount
    """S: its fxUSD debt."""
    leveraged_nav_usd: Amount
    """L: the owner's equity, c0 less fees, at the price."""
    residual_usd: int
    """C - S - L: integer rounding only (checked small)."""

    def default_stream(self) -> str:
        return fx_position_stream(self.pool_id, self.position_id)


class FxTickMove(msgspec.Struct, frozen=True, kw_only=True):
    """One tick redeemed, rebalanced or liquidated (a `TickMovement`)."""

    tick: int
    coll_shares_removed: int
    debt_shares_removed: int
    coll_ratio_x60: int
    debt_ratio_x60: int
    tick_after: int | None
    raw_debt: int
    raw_coll: int
    bonus_raw_coll: int = 0
    bonus_from_reserve_raw: int = 0
    bad_debt_raw: int = 0


@register
class FxRedeemed(Event, frozen=True, kw_only=True):
    """fxUSD redeemed for collateral at the max price (a `RedeemPreview`); fxUSD is burned."""

    pool_id: Name
    collateral_asset: Name
    debt_asset: Name
    debt_lender: Name
    redeemer: Name
    price_1e18: Amount
    movements: list[FxTickMove]
    raw_debts: Amount
    raw_colls: Amount
    colls_token: Amount
    fee_token: Amount
    colls_to_redeemer_token: Amount
    coll_shares_removed: Amount
    debt_shares_removed: Amount

    def default_stream(self) -> str:
        return f"pool:fx:{self.pool_id}"


@register
class FxWalked(Event, frozen=True, kw_only=True):
    """A rebalance (one tick or batch) or a liquidation (a `WalkPreview` with its settlement).

    Postings: payer repays `fxusd_used` of the debt asset to the lender (burned on the long
    side) and `stable_used` USDC to the peg keeper; the vault pays `colls_to_receiver_token`.
    The reserve's bonus arrives by its own `ShortfallCovered`.
    """

    kind: Name
    """`rebalance`, `rebalance_tick` or `liquidate`."""
    pool_id: Name
    collateral_asset: Name
    debt_asset: Name
    debt_lender: Name
    stable_asset: Name
    payer: Name
    """Who repays the debt (a keeper, or the stability pool)."""
    receiver: Name
    """Who receives the collateral."""
    price_1e18: Amount
    movements: list[FxTickMove]
    raw_debts: Amount
    raw_colls: Amount
    bonus_raw_colls: Amount
    bonus_from_reserve_raw: Amount
    bonus_from_reserve_token: Amount
    bad_debt_raw: Amount
    """Debt left without collateral, spread over every position by raising debtIndex."""
    coll_shares_removed: Amount
    debt_shares_removed: Amount
    debt_index_after: Amount
    colls_token: Amount
    protocol_revenue_token: Amount
    colls_to_receiver_token: Amount
    fxusd_used: Amount
    stable_used: Amount

    def default_stream(self) -> str:
        return f"pool:fx:{self.pool_id}"


@register
class FxFundingAccrued(Event, frozen=True, kw_only=True):
    """Funding raises collIndex (every position's collateral shrinks pro rata)."""

    pool_id: Name
    branch: Name
    """`depeg`, `stability_pool_heavy`, `short_borrow`, or `none`."""
    now_seconds: Amount
    duration_seconds: Amount
    funding_ratio: Amount
    total_raw_coll: Amount
    funding_raw: Amount
    coll_index_before: Amount
    coll_index_after: Amount
    fxusd_price_1e18: Amount = 0
    """fxUSD's market price the depeg branch was judged on (0: judged on a flag)."""

    def default_stream(self) -> str:
        return f"pool:fx:{self.pool_id}"


@register
class FxStabilityDeposited(Event, frozen=True, kw_only=True):
    """fxUSD or USDC into fxBASE for shares (posting: account -> `fx:stability`)."""

    account: Name
    token: Name
    """`fxUSD` or `USDC` (the asset id)."""
    amount: Amount
    amount_usd: Amount
    shares: Amount
    total_fxusd_after: Amount
    total_usdc_after: Amount
    share_supply_after: Amount

    def default_stream(self) -> str:
        return STABILITY_ACCOUNT


@register
class FxStabilityRedeemRequested(Event, frozen=True, kw_only=True):
    """Shares locked for redemption until `unlock_at_seconds` (the cooldown)."""

    account: Name
    shares: Amount
    shares_requested_after: Amount
    unlock_at_seconds: Amount

    def default_stream(self) -> str:
        return STABILITY_ACCOUNT


@register
class FxStabilityRedeemed(Event, frozen=True, kw_only=True):
    """Shares redeemed pro rata in fxUSD and USDC (posting: `fx:stability` -> account)."""

    account: Name
    fxusd_asset: Name
    usdc_asset: Name
    shares: Amount
    instant: bool
    fxusd_out: Amount
    usdc_out: Amount
    fxusd_fee: Amount
    usdc_fee: Amount
    total_fxusd_after: Amount
    total_usdc_after: Amount
    share_supply_after: Amount

    def default_stream(self) -> str:
        return STABILITY_ACCOUNT


@register
class FxStabilityAbsorbed(Event, frozen=True, kw_only=True):
    """fxBASE funded a rebalance/liquidation; the keeper pays back its USD value in `token_in`."""

    keeper: Name
    token_in: Name
    fxusd_used: Amount
    usdc_used: Amount
    token_used: Amount
    """Keeper -> `fx:stability`, in `token_in`."""
    total_fxusd_after: Amount
    total_usdc_after: Amount
    share_supply_after: Amount

    def default_stream(self) -> str:
        return STABILITY_ACCOUNT


@register
class FxHarvested(Event, frozen=True, kw_only=True):
    """`PoolManager.harvest` (a `HarvestPreview`): funding and rate-provider rewards realised and
    the accumulated open/close/misc collateral fees paid out of the pool's vault.

    Funding raised collIndex, so the vault holds more collateral than the positions' raw sum;
    harvest pays that surplus out: `expense_token` to the protocol treasury, `bounty_token` to
    the harvester (deployed 1%), the rest (`funding_to_treasury_token` +
    `rewards_to_treasury_token`) to the funding treasury (fxBASE / sPOSITIONs). Postings, all
    in the collateral asset from `vault:fx:<pool>`: those three, plus the fees to
    `fx:revenue:open`, `fx:revenue:close` and `fx:revenue:misc`.
    """

    pool_id: Name
    collateral_asset: Name
    harvester: Name
    """Who called harvest (receives the bounty)."""
    funding_treasury: Name
    """Receives the funding and rewards net of expense and bounty."""
    expense_treasury: Name
    """Receives the funding and rewards expense."""
    collateral_rate_1e18: Amount
    """The rate provider's rate the harvest read (1e18: no provider)."""
    funding_token: Amount
    funding_raw: Amount
    rewards_token: Amount
    expense_token: Amount
    bounty_token: Amount
    funding_to_treasury_token: Amount
    rewards_to_treasury_token: Amount
    fees_open_paid_token: Amount
    fees_close_paid_token: Amount
    fees_misc_paid_token: Amount

    def default_stream(self) -> str:
        return f"pool:fx:{self.pool_id}"
