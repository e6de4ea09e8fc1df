"""Facts imported from the f(x) protocol's logs: what its PoolManager, pools, fxUSD and stability
pool (fxBASE) emitted, as the chain said it, with a `Provenance` each.

The engine's own f(x) facts (`events.fx`) carry a whole model preview: every fee, share delta
and tick movement computed from the pool's parameters. A log carries less (an `Operate` states
the collateral and debt moved and the fees, the pool's `PositionSnapshot` the position's shares
after, its tick and the price), and the pool's parameters are in no log, so imported history is
kept as these facts instead, folded by the `fx_chain` book into positions on the same tick tree
(`projections.contracts.fx_tree`). Nothing is made up: what a log does not say is None
(unknown), and the audit reports the checks that need it as unverifiable.

Pools are named as every chain address is (`evm:<chain_id>:<address>`).
"""

from __future__ import annotations

import msgspec

from events.base import Amount, Event, Name, register
from events.chain import Provenance


class _FxPoolFact(Event, frozen=True, kw_only=True):
    pool: Name
    """The f(x) pool (`evm:<chain>:<pool address>`)."""
    provenance: Provenance
    """The log it comes from (for a fact built from several logs, the last one)."""

    def default_stream(self) -> str:
        return f"pool:{self.pool}"


@register
class FxChainPoolSeen(_FxPoolFact, frozen=True, kw_only=True):
    """A pool the import meets first: at its `RegisterPool` (every position known from there),
    or mid-life (positions opened earlier and the ticks' totals unknown)."""

    manager: str = ""
    """The PoolManager that named it ('' when first seen through the pool's own logs)."""
    from_start: bool
    """True when seen at its registration: the tick tree holds every position."""
    coll_index: Amount | None = None
    """The collateral index then (2^96 at registration); None when unknown."""
    debt_index: Amount | None = None
    """The debt index then; None when unknown."""


@register
class FxChainIndexUpdated(_FxPoolFact, frozen=True, kw_only=True):
    """The pool's `CollateralIndexSnapshot` or `DebtIndexSnapshot` (None: not this one)."""

    coll_index: Amount | None = None
    debt_index: Amount | None = None


@register
class FxChainOperated(_FxPoolFact, frozen=True, kw_only=True):
    """The PoolManager's `Operate` with the pool's `PositionSnapshot` of the same transaction."""

    position_id: int
    owner: str = ""
    """The position NFT's holder when the transaction shows it ('' otherwise)."""
    opened: bool = False
    """The pool minted the position NFT in this transaction."""
    delta_colls: int
    """Collateral tokens in (> 0, fees excluded) or out (< 0, fees deducted)."""
    delta_debts: int
    """fxUSD borrowed (> 0) or repaid (< 0)."""
    protocol_fees: Amount
    """Collateral tokens charged as the open or close fee."""
    tick: int | None = None
    """The position's tick after (None: no snapshot, or no debt left)."""
    coll_shares_after: Amount | None = None
    """Collateral shares after, from the snapshot; None when none was seen."""
    debt_shares_after: Amount | None = None
    """Debt shares after, from the snapshot; None when none was seen."""
    price_1e18: Amount | None = None
    """The price the pool used, from the snapshot."""


class FxChainTickMoved(msgspec.Struct, frozen=True, kw_only=True):
    """A pool's `TickMovement`: what is left of a tick and the tick it moved to."""

    tick: int
    tick_after: int | None
    """None when nothing is left (int16 min on chain)."""
    coll_shares_after: Amount
    debt_shares_after: Amount
    price_1e18: Amount


@register
class FxChainWalked(_FxPoolFact, frozen=True, kw_only=True):
    """The PoolManager's `Rebalance`, `RebalanceTick`, `Liquidate` or `Redeem`, with the pool's
    `TickMovement`s of the same transaction."""

    kind: Name
    """`rebalance`, `rebalance_tick`, `liquidate` or `redeem`."""
    tick: int | None = None
    """The tick asked for (`rebalance_tick` only)."""
    colls: Amount
    """Collateral tokens paid out."""
    fxusd_debts: Amount
    """fxUSD used (or redeemed)."""
    stable_debts: Amount = 0
    """Stable tokens (USDC) used."""
    protocol_fees: Amount = 0
    """Collateral tokens kept as the redeem fee (`redeem` only)."""
    moves: list[FxChainTickMoved] = msgspec.field(default_factory=list)
    """The ticks moved, in log order."""


@register
class FxChainPositionTransferred(_FxPoolFact, frozen=True, kw_only=True):
    """The position NFT's `Transfer` between holders (not its mint)."""

    position_id: int
    from_owner: str
    to_owner: str


@register
class FxChainHarvested(_FxPoolFact, frozen=True, kw_only=True):
    """The PoolManager's `Harvest` (`amount_funding` is None in versions without it)."""

    caller: str
    amount_rewards: Amount
    amount_funding: Amount | None = None
    performance_fee: Amount
    harvest_bounty: Amount


@register
class FxChainStabilityMoved(Event, frozen=True, kw_only=True):
    """One fxBASE (`FxUSDBasePool`) event: `Deposit`, `RequestRedeem`, `Redeem`,
    `InstantRedeem`, `Rebalance` or `Arbitrage`, its amounts by the contract's names."""

    stability_pool: Name
    """The stability pool (`evm:<chain>:<address>`)."""
    action: Name
    """`deposit`, `request_redeem`, `redeem`, `instant_redeem`, `rebalance` or `arbitrage`."""
    caller: str
    receiver: str = ""
    token: str = ""
    """The input token's address (deposit, rebalance, arbitrage)."""
    amount_in: Amount = 0
    shares: Amount = 0
    """Shares minted (deposit), locked (request) or burnt (redeem)."""
    yield_token_out: Amount = 0
    """fxUSD out (redeem) or used (rebalance)."""
    stable_token_out: Amount = 0
    """USDC out (redeem) or used (rebalance)."""
    collateral_out: Amount = 0
    """Collateral received (rebalance); the output token (arbitrage)."""
    bonus_out: Amount = 0
    unlock_at: Amount = 0
    provenance: Provenance

    def default_stream(self) -> str:
        return f"pool:{self.stability_pool}"


@register
class FxUsdStableMoved(Event, frozen=True, kw_only=True):
    """fxUSD's `RebalanceWithStable` or `Buyback`: stable tokens against fxUSD."""

    fxusd: Name
    """The fxUSD contract (`evm:<chain>:<address>`)."""
    kind: Name
    """`rebalance_with_stable` or `buyback`."""
    amount_stable: Amount
    amount_fxusd: Amount
    bonus_fxusd: Amount = 0
    provenance: Provenance

    def default_stream(self) -> str:
        return f"asset:{self.fxusd}"
