"""Per-type admission rules: the references a fact names exist, it comes from who may, and a
mint or a swap moves a positive amount of a registered asset, as the engine's commands check.

`REFERENCE_RULES` is the table, written out: event type -> the rule that checks it against the
live books (`ledger.admission` adds the value rules every posting fact obeys). A rule returns
None when the fact fits the books, or a `Rejected` naming what is missing or who may do it.
Facts that only create a thing (a pool, a market, a proposal, an asset) are refused when the
thing exists already: a second `AssetRegistered` would change what every amount means.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from events.alex import (
    CycleEmissionFixed,
    Staked,
    StakingActivationSet,
    StakingConfigured,
    StakingRewardClaimed,
    StakingUserRegistered,
)
from events.alex_pools import PoolFeesObserved, WeightedPoolObserved, about_stacks, is_stacks
from events.alphax import (
    AlphaxGraveyardBought,
    AlphaxGraveyardClaimed,
    AlphaxMarketCreated,
    AlphaxPairMinted,
    AlphaxPairRedeemed,
    AlphaxStrikeLiquidated,
)
from events.amm import (
    LiquidityAdded,
    LiquidityRemoved,
    PoolCreated,
    PoolPaused,
    PoolUnpaused,
    Swapped,
)
from events.assets import DECIMALS_MAX, AssetRegistered
from events.base import Event
from events.chain import BalanceObserved, ChainAssetRegistered, chain_name
from events.core import Minted
from events.fx import (
    FxFundingAccrued,
    FxHarvested,
    FxLeveragedOpened,
    FxPoolCreated,
    FxPositionOperated,
    FxPositionTransferred,
    FxRedeemed,
    FxWalked,
)
from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.command import Context
from ledger.commands.core import check_amount
from projections.alex_staking import AlexStaking, StakingPool
from projections.alphax_markets import AlphaxMarkets, definition_problem
from projections.balances import Balances
from projections.chain import ChainBook
from projections.contracts.staking import LOCK_CYCLES_MAX
from projections.fx_pools import FxPools
from projections.pools import Pools

Rule = Callable[[Any, Context], "Rejected | None"]


def refuse(code: RejectCode, detail: str) -> Rejected:
    return Rejected(code=code, detail=detail)


def names_match(what: str, recorded: dict[str, str], named: dict[str, str]) -> Rejected | None:
    """Refuse a fact that names other assets or accounts than the books hold for `what`."""
    for field, value in named.items():
        if recorded[field] != value:
            return refuse(
                RejectCode.WRONG_ASSET,
                f"{what} has {field} {recorded[field]!r}; the fact names {value!r}",
            )
    return None


# -- assets -------------------------------------------------------------------------------------


def asset_registered(
    event: AssetRegistered | ChainAssetRegistered, books: Context
) -> Rejected | None:
    decimals = books.get(Balances).decimals.get(event.asset)
    if decimals is not None:
        return refuse(
            RejectCode.ASSET_EXISTS,
            f"asset {event.asset!r} is registered already with {decimals} decimals",
        )
    if event.decimals is not None and not 0 <= event.decimals <= DECIMALS_MAX:
        return refuse(
            RejectCode.INVALID_PARAMETER,
            f"decimals must be 0..{DECIMALS_MAX}, not {event.decimals}",
        )
    return None


def minted(event: Minted, books: Context) -> Rejected | None:
    """What the `Mint` command checks: a registered asset and a positive amount.

    A negative amount is the fact's type's to refuse, as the store does (NEGATIVE_AMOUNT). A
    chain token no token list gave decimals for is registered without them, so it is not in
    `Balances.decimals`: refused as the command refuses it, saying why.
    """
    if event.amount < 0:
        return None
    refused = check_amount(books.get(Balances), event.asset, event.amount)
    if refused is None or refused.code is not RejectCode.UNKNOWN_ASSET:
        return refused
    if event.asset in books.get(ChainBook).assets:
        return refuse(
            RejectCode.UNKNOWN_ASSET,
            f"asset {event.asset!r} was registered from a chain without its decimals",
        )
    return refused


def balance_observed(event: BalanceObserved, books: Context) -> Rejected | None:
    """The holder's own chain account, opened once."""
    own = chain_name(event.provenance.chain_id, event.address)
    if event.account != own:
        return refuse(
            RejectCode.INVALID_PARAMETER,
            f"the account of {event.address} is {own}, not {event.account}",
        )
    if event.account in books.get(Balances).holdings.get(event.asset, {}):
        return refuse(
            RejectCode.BALANCE_KNOWN,
            f"{event.account}'s balance of {event.asset} is tracked already",
        )
    return None


# -- AMM pools ----------------------------------------------------------------------------------


def pool_created(event: PoolCreated, books: Context) -> Rejected | None:
    if event.pool in books.get(Pools).books:
        return refuse(RejectCode.POOL_EXISTS, f"pool {event.pool!r} exists already")
    return None


def pool_observed(event: WeightedPoolObserved, books: Context) -> Rejected | None:
    if event.pool in books.get(Pools).books:
        return refuse(RejectCode.POOL_EXISTS, f"pool {event.pool!r} exists already")
    return None


def pool_fees_observed(event: PoolFeesObserved, books: Context) -> Rejected | None:
    """Only a pool imported from chain prints takes its fees from its record."""
    if event.pool not in books.get(Pools).books:
        return refuse(RejectCode.UNKNOWN_POOL, f"no pool {event.pool!r}")
    if not is_stacks(event.pool):
        return refuse(
            RejectCode.NOT_AUTHORISED,
            f"{event.pool!r} is not a pool imported from chain prints: its fees are its own "
            "(governance changes the rebate)",
        )
    return None


def pool_liquidity(event: LiquidityAdded | LiquidityRemoved, books: Context) -> Rejected | None:
    book = books.get(Pools).books.get(event.pool)
    if book is None:
        return refuse(RejectCode.UNKNOWN_POOL, f"no pool {event.pool!r}")
    spec = book.spec
    return names_match(
        f"pool {event.pool!r}",
        {"token_x": spec.token_x, "token_y": spec.token_y, "lp_asset": spec.lp_asset},
        {"token_x": event.token_x, "token_y": event.token_y, "lp_asset": event.lp_asset},
    )


def pool_swapped(event: Swapped, books: Context) -> Rejected | None:
    book = books.get(Pools).books.get(event.pool)
    if book is None:
        return refuse(RejectCode.UNKNOWN_POOL, f"no pool {event.pool!r}")
    pair = {book.spec.token_x, book.spec.token_y}
    if {event.asset_in, event.asset_out} != pair:
        return refuse(
            RejectCode.WRONG_ASSET,
            f"pool {event.pool!r} trades {sorted(pair)}; the swap names "
            f"{event.asset_in!r} -> {event.asset_out!r}",
        )
    return swap_amounts(event, books.get(Balances))


def swap_amounts(event: Swapped, balances: Balances) -> Rejected | None:
    """Something paid in and something paid out, as the swap commands check (`check_amount`).

    A swap imported from ALEX prints answers to the pool contracts instead: each refuses a
    zero input (`(asserts! (> dx u0) ERR-INVALID-LIQUIDITY)`) but pays out zero when the fee
    takes the whole input or the output rounds down to nothing (it transfers `dy` only
    `(and (> dy u0) ...)`, and `min-dy` defaults to 0), so its output may be 0. A negative
    amount is the fact's type's to refuse, as the store does (NEGATIVE_AMOUNT).
    """
    if min(event.amount_in, event.amount_out) < 0:
        return None
    refused = check_amount(balances, event.asset_in, event.amount_in, "amount_in")
    if refused is not None or about_stacks(event):
        return refused
    return check_amount(balances, event.asset_out, event.amount_out, "amount_out")


def pool_paused(event: PoolPaused | PoolUnpaused, books: Context) -> Rejected | None:
    book = books.get(Pools).books.get(event.pool)
    if book is None:
        return refuse(RejectCode.UNKNOWN_POOL, f"no pool {event.pool!r}")
    if event.by_account != book.spec.owner:
        return refuse(
            RejectCode.NOT_AUTHORISED, f"only {book.spec.owner} may pause or unpause {event.pool}"
        )
    return None


# -- AlphaX strike markets ----------------------------------------------------------------------


def market_created(event: AlphaxMarketCreated, books: Context) -> Rejected | None:
    if event.market_id in books.get(AlphaxMarkets).markets:
        return refuse(RejectCode.MARKET_EXISTS, f"strike market {event.market_id!r} exists")
    problem = definition_problem(event)
    return None if problem is None else refuse(RejectCode.INVALID_PARAMETER, problem)


def market_used(event: Any, books: Context) -> Rejected | None:
    market = books.get(AlphaxMarkets).markets.get(event.market_id)
    if market is None:
        return refuse(RejectCode.UNKNOWN_MARKET, f"no strike market {event.market_id!r}")
    definition = market.definition
    named = {
        field: getattr(event, field)
        for field in ("collateral_asset", "long_token", "short_token")
        if hasattr(event, field)
    }
    recorded = {field: getattr(definition, field) for field in named}
    return names_match(f"strike market {event.market_id!r}", recorded, named)


# -- f(x) pools ---------------------------------------------------------------------------------


def fx_pool_created(event: FxPoolCreated, books: Context) -> Rejected | None:
    if event.pool_id in books.get(FxPools).pools:
        return refuse(RejectCode.POOL_EXISTS, f"f(x) pool {event.pool_id!r} exists already")
    lender = event.debt_lender
    if lender.startswith("issuer:") and lender != f"issuer:{event.debt_asset}":
        return refuse(RejectCode.WRONG_ASSET, f"{lender} cannot lend {event.debt_asset}")
    return None


def fx_pool_used(event: Any, books: Context) -> Rejected | None:
    fx = books.get(FxPools)
    meta = fx.meta.get(event.pool_id)
    if meta is None or event.pool_id not in fx.pools:
        return refuse(RejectCode.UNKNOWN_POOL, f"no f(x) pool {event.pool_id!r}")
    named = {
        field: getattr(event, field)
        for field in ("collateral_asset", "debt_asset", "debt_lender")
        if hasattr(event, field)
    }
    recorded = {field: getattr(meta, field) for field in named}
    return names_match(f"f(x) pool {event.pool_id!r}", recorded, named)


def fx_position_operated(event: FxPositionOperated, books: Context) -> Rejected | None:
    refused = fx_pool_used(event, books)
    if refused is not None or event.opened:
        return refused
    return _fx_position_owned(event.pool_id, event.position_id, event.owner, books)


def fx_position_transferred(event: FxPositionTransferred, books: Context) -> Rejected | None:
    refused = fx_pool_used(event, books)
    if refused is not None:
        return refused
    return _fx_position_owned(event.pool_id, event.position_id, event.from_owner, books)


def fx_leveraged(event: FxLeveragedOpened, books: Context) -> Rejected | None:
    refused = fx_pool_used(event, books)
    if refused is not None:
        return refused
    return _fx_position_owned(event.pool_id, event.position_id, event.owner, books)


def _fx_position_owned(
    pool_id: str, position_id: int, owner: str, books: Context
) -> Rejected | None:
    position = books.get(FxPools).pools[pool_id].tree.positions.get(position_id)
    if position is None:
        return refuse(RejectCode.UNKNOWN_POSITION, f"no position {position_id} in {pool_id!r}")
    if position.owner != owner:
        return refuse(
            RejectCode.POSITION_NOT_OWNED,
            f"position {position_id} in {pool_id!r} belongs to {position.owner}, not {owner}",
        )
    return None


# -- ALEX staking -------------------------------------------------------------------------------


def staking_configured(event: StakingConfigured, books: Context) -> Rejected | None:
    if books.get(AlexStaking).pool(event.token) is not None:
        return refuse(
            RejectCode.STAKING_EXISTS, f"staking for {event.token!r} is configured already"
        )
    return None


def staking_used(event: Any, books: Context) -> Rejected | None:
    pool = books.get(AlexStaking).pool(event.token)
    if pool is None:
        return refuse(
            RejectCode.UNKNOWN_STAKING_TOKEN, f"staking for {event.token!r} is not configured"
        )
    if isinstance(event, StakingActivationSet):
        return _activation_by(event, pool)
    if isinstance(event, StakingUserRegistered) and event.user in pool.registered:
        return refuse(RejectCode.INVALID_PARAMETER, f"{event.user} is registered already")
    return None


def _activation_by(event: StakingActivationSet, pool: StakingPool) -> Rejected | None:
    """The owner sets the activation block, or (early mode) the registration that completes
    the threshold of users does."""
    if pool.activation_mode == "owner":
        if event.by != pool.owner:
            return refuse(RejectCode.NOT_AUTHORISED, f"only {pool.owner} sets the activation block")
        return None
    if event.by not in pool.registered or len(pool.registered) < pool.activation_threshold_users:
        return refuse(
            RejectCode.NOT_AUTHORISED,
            f"{event.token} activates when its {pool.activation_threshold_users}th user "
            f"registers; {len(pool.registered)} have, {event.by} is not the one that completes it",
        )
    return None


def staked(event: Staked, books: Context) -> Rejected | None:
    refused = staking_used(event, books)
    if refused is not None:
        return refused
    span = event.last_cycle - event.first_cycle + 1
    if not 1 <= event.lock_cycles <= LOCK_CYCLES_MAX or span != event.lock_cycles:
        return refuse(
            RejectCode.LOCK_OUT_OF_RANGE,
            f"lock {event.lock_cycles} cycles must be 1..{LOCK_CYCLES_MAX} and match "
            f"cycles {event.first_cycle}..{event.last_cycle}",
        )
    return None


def staking_claimed(event: StakingRewardClaimed, books: Context) -> Rejected | None:
    """A claim mints rewards: only the pool's reward assets, for a cycle the staker was in."""
    refused = staking_used(event, books)
    if refused is not None:
        return refused
    staking = books.get(AlexStaking)
    pool = staking.pool(event.token)
    assert pool is not None  # staking_used refused an unknown token
    refused = names_match(
        f"staking for {event.token!r}",
        {"reward_asset": pool.reward_asset, "apower_asset": pool.apower_asset},
        {"reward_asset": event.reward_asset, "apower_asset": event.apower_asset},
    )
    if refused is not None:
        return refused
    book = staking.cycle(event.token, event.cycle)
    if event.staker not in book.stakes and event.staker not in book.to_return:
        return refuse(
            RejectCode.NOTHING_TO_CLAIM,
            f"{event.staker} has nothing in {event.token} cycle {event.cycle}",
        )
    return None


REFERENCE_RULES: dict[type[Event], Rule] = {
    AssetRegistered: asset_registered,
    ChainAssetRegistered: asset_registered,
    Minted: minted,
    BalanceObserved: balance_observed,
    PoolCreated: pool_created,
    WeightedPoolObserved: pool_observed,
    PoolFeesObserved: pool_fees_observed,
    LiquidityAdded: pool_liquidity,
    LiquidityRemoved: pool_liquidity,
    Swapped: pool_swapped,
    PoolPaused: pool_paused,
    PoolUnpaused: pool_paused,
    AlphaxMarketCreated: market_created,
    AlphaxPairMinted: market_used,
    AlphaxPairRedeemed: market_used,
    AlphaxStrikeLiquidated: market_used,
    AlphaxGraveyardBought: market_used,
    AlphaxGraveyardClaimed: market_used,
    FxPoolCreated: fx_pool_created,
    FxPositionOperated: fx_position_operated,
    FxPositionTransferred: fx_position_transferred,
    FxLeveragedOpened: fx_leveraged,
    FxRedeemed: fx_pool_used,
    FxWalked: fx_pool_used,
    FxFundingAccrued: fx_pool_used,
    FxHarvested: fx_pool_used,
    StakingConfigured: staking_configured,
    StakingActivationSet: staking_used,
    StakingUserRegistered: staking_used,
    Staked: staked,
    CycleEmissionFixed: staking_used,
    StakingRewardClaimed: staking_claimed,
}
"""Pools, markets, f(x), staking, assets and mints; `ledger.admission.RULES` adds the rest."""
