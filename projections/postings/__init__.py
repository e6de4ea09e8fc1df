"""The posting rules, written out: every event type that moves value, to the rule that says how.

This table is the one place a posting rule is found. It is data, not filled by importing
modules for their side effects, so the balances book folds the same log the same way whatever
else the caller happened to import.
"""

from __future__ import annotations

from events.alex import Staked, StakingRewardClaimed
from events.alex_governance import VoteCast, VotesReclaimed
from events.alex_lending import (
    CollateralMinted,
    CollateralRedeemed,
    CollateralSwapped,
    YieldLiquidityChanged,
    YieldTokenSwapped,
)
from events.alex_pools import WeightedPoolObserved
from events.alphax import (
    AlphaxGraveyardBought,
    AlphaxGraveyardClaimed,
    AlphaxPairMinted,
    AlphaxPairRedeemed,
)
from events.amm import LiquidityAdded, LiquidityRemoved, Swapped
from events.base import Event
from events.chain import (
    BalanceObserved,
    PairBurned,
    PairMinted,
    PairSwapped,
    PoolObserved,
    PoolSynced,
    TokenTransferred,
)
from events.core import Burned, Minted, Transferred
from events.fx import (
    FxFlashLoaned,
    FxHarvested,
    FxLeveragedOpened,
    FxPositionOperated,
    FxRedeemed,
    FxStabilityAbsorbed,
    FxStabilityDeposited,
    FxStabilityRedeemed,
    FxWalked,
)
from events.reserve import EmergencyIssued, ReserveCredited, ReserveDebited, ShortfallCovered
from projections.postings import alex, alphax, amm, base, chain, fx, reserve
from projections.postings.base import Posting, PostingRule

POSTING_RULES: dict[type[Event], PostingRule] = {
    Minted: base.minted,
    Burned: base.burned,
    Transferred: base.transferred,
    LiquidityAdded: amm.added,
    LiquidityRemoved: amm.removed,
    Swapped: amm.swapped,
    WeightedPoolObserved: amm.weighted_observed,
    Staked: alex.staking_staked,
    StakingRewardClaimed: alex.staking_claimed,
    YieldLiquidityChanged: alex.lending_liquidity,
    YieldTokenSwapped: alex.swap_postings,
    CollateralMinted: alex.crp_minted,
    CollateralSwapped: alex.swap_postings,
    CollateralRedeemed: alex.crp_redeemed,
    VoteCast: alex.governance_vote_cast,
    VotesReclaimed: alex.governance_votes_reclaimed,
    ReserveCredited: reserve.credited,
    ShortfallCovered: reserve.covered,
    ReserveDebited: reserve.debited,
    EmergencyIssued: reserve.issued,
    FxPositionOperated: fx.operated,
    FxFlashLoaned: fx.flash_loaned,
    FxLeveragedOpened: fx.leveraged,
    FxRedeemed: fx.redeemed,
    FxWalked: fx.walked,
    FxHarvested: fx.harvested,
    FxStabilityDeposited: fx.deposited,
    FxStabilityRedeemed: fx.sp_redeemed,
    FxStabilityAbsorbed: fx.absorbed,
    AlphaxPairMinted: alphax.minted,
    AlphaxPairRedeemed: alphax.redeemed,
    AlphaxGraveyardBought: alphax.bought,
    AlphaxGraveyardClaimed: alphax.claimed,
    PoolObserved: chain.observed,
    PairSwapped: chain.pair_swapped,
    PoolSynced: chain.synced,
    PairMinted: chain.pair_minted,
    PairBurned: chain.pair_burned,
    TokenTransferred: chain.token_transferred,
    BalanceObserved: chain.balance_observed,
}

__all__ = ["POSTING_RULES", "Posting", "PostingRule"]
