"""AlphaX commands: create a strike market, mint and redeem pairs, liquidate a strike, graveyard.

Amounts come from `projections.contracts.alphax` and `projections.contracts.alphax_settlement`. The
tokens are ordinary assets (registered with the market), so they trade on the AMM's Uniswap V2
pairs like any other.
"""

from __future__ import annotations

from events.alphax import (
    AlphaxGraveyardBought,
    AlphaxGraveyardClaimed,
    AlphaxMarketCreated,
    AlphaxPairMinted,
    AlphaxPairRedeemed,
    AlphaxStrikeLiquidated,
)
from events.assets import AssetRegistered
from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.command import Command, Context, Emit, reject
from ledger.commands.core import check_funds
from projections.alphax_markets import AlphaxMarkets, StrikeMarket
from projections.balances import Balances
from projections.contracts import MathRejected
from projections.contracts.alphax import (
    PRICE_SCALE,
    TriggerKind,
    anchor_prices,
    is_long_liquidatable,
    is_short_liquidatable,
)
from projections.contracts.alphax_profiles import (
    AlphaxProfile,
    fee_usdc,
    preset_liquidation_prices,
    profile_named,
    with_overrides,
)
from projections.contracts.alphax_settlement import (
    GraveyardSettlement,
    graveyard_settlement,
    mint_collateral_usdc,
    redeem_collateral_usdc,
)
from projections.prices import Prices


class CreateStrikeMarket(Command, frozen=True, kw_only=True):
    """A market on `asset` with strikes K_L < K_S (1e6); registers its LONG and SHORT tokens."""

    market_id: str
    asset: str
    long_strike: int
    short_strike: int
    collateral_asset: str = "USDC"
    token_decimals: int = 18
    trigger_kind: str = "price_buffer"
    """`price_buffer` (1.2 x K_L, K_S / 1.2) or `leverage` (the "5x" rule)."""
    price_buffer_bps: int = 12_000
    leverage_max: int = 5
    liquidator_discount_bps: int = 3_000
    price_age_blocks_max: int = 0
    profile: str = "contract"
    """`contract` or `whitepaper` (see `projections.contracts.alphax_profiles`): a field above
    left at its default takes the profile's value."""
    long_liquidation_price: int = 0
    """The LONG token's liquidation price (1e6); 0: the one the profile's rule gives."""
    short_liquidation_price: int = 0
    """The SHORT token's liquidation price (1e6); 0: the one the profile's rule gives."""
    settlement: str = ""
    """`oracle` or `preset`; "": the profile's."""
    holder_claim: str = ""
    """`after_buy` or `direct`; "": the profile's."""
    mint_fee_bps: int | None = None
    redeem_fee_bps: int | None = None
    graveyard_fee_bps: int | None = None


class MintStrikePair(Command, frozen=True, kw_only=True):
    market_id: str
    account: str
    pair_amount: int


class RedeemStrikePair(Command, frozen=True, kw_only=True):
    market_id: str
    account: str
    pair_amount: int


class LiquidateStrike(Command, frozen=True, kw_only=True):
    """Mark a side dead once the oracle price reaches its trigger."""

    market_id: str
    side: str
    liquidator: str


class BuyFromGraveyard(Command, frozen=True, kw_only=True):
    """Supply `amount` opposite tokens and 70% of V each; receive the pairs' collateral."""

    market_id: str
    liquidator: str
    amount: int


class ClaimFromGraveyard(Command, frozen=True, kw_only=True):
    """Burn dead tokens for 70% of their value."""

    market_id: str
    holder: str
    amount: int


def live_market(context: Context, market_id: str) -> StrikeMarket | Rejected:
    market = context.get(AlphaxMarkets).markets.get(market_id)
    if market is None:
        return reject(RejectCode.UNKNOWN_POOL, f"no strike market {market_id!r}")
    return market


def strike_price(context: Context, market: StrikeMarket) -> int | Rejected:
    """The asset's oracle price at 1e6, or PRICE_STALE."""
    d = market.definition
    quote = context.get(Prices).quote(d.asset)
    age_max = d.price_age_blocks_max
    if quote is None or (age_max and context.block - quote.block > age_max):
        return reject(RejectCode.PRICE_STALE, f"no fresh {d.asset} price; post a PriceUpdated")
    return quote.rescaled(PRICE_SCALE)


def _market_profile(command: CreateStrikeMarket) -> AlphaxProfile:
    """The command's profile with the fields it sets away from their defaults applied."""
    base = profile_named(command.profile)
    defaults = CreateStrikeMarket.__struct_defaults__
    fields = CreateStrikeMarket.__struct_fields__
    default_of = dict(zip(fields[len(fields) - len(defaults) :], defaults, strict=True))

    def chosen(name: str) -> object:
        value = getattr(command, name)
        return None if value == default_of[name] else value

    if command.trigger_kind not in {kind.value for kind in TriggerKind}:
        raise MathRejected(
            RejectCode.INVALID_PARAMETER, "trigger_kind is price_buffer, leverage or risk_level"
        )
    kind = chosen("trigger_kind")
    return with_overrides(
        base,
        trigger_kind=None if kind is None else TriggerKind(command.trigger_kind),
        price_buffer_bps=chosen("price_buffer_bps"),
        leverage_max=chosen("leverage_max"),
        liquidator_discount_bps=chosen("liquidator_discount_bps"),
        settlement=command.settlement or None,
        holder_claim=command.holder_claim or None,
        mint_fee_bps=command.mint_fee_bps,
        redeem_fee_bps=command.redeem_fee_bps,
        graveyard_fee_bps=command.graveyard_fee_bps,
    )


def create_market(command: CreateStrikeMarket, context: Context) -> list[Emit] | Rejected:
    if command.market_id in context.get(AlphaxMarkets).markets:
        return reject(RejectCode.POOL_EXISTS, f"strike market {command.market_id!r} exists")
    if not 0 < command.long_strike < command.short_strike:
        return reject(RejectCode.INVALID_PARAMETER, "strikes must satisfy 0 < K_L < K_S")
    profile = _market_profile(command)
    long_preset, short_preset = preset_liquidation_prices(
        command.long_strike, command.short_strike, profile
    )
    long_preset = command.long_liquidation_price or long_preset
    short_preset = command.short_liquidation_price or short_preset
    decimals = context.get(Balances).decimals
    if command.collateral_asset not in decimals:
        return reject(RejectCode.UNKNOWN_ASSET, f"{command.collateral_asset!r} is not registered")
    # Named as AlphaX names them, prefixed by the market: a pair redeems only in its market.
    long_token = f"{command.market_id}:{command.asset}-{command.long_strike // PRICE_SCALE}"
    short_token = f"{command.market_id}:{command.short_strike // PRICE_SCALE}-{command.asset}"
    emits = [
        Emit(AssetRegistered(asset=token, symbol=token, decimals=command.token_decimals))
        for token in (long_token, short_token)
        if token not in decimals
    ]
    recorded = {
        name: getattr(profile, name)
        for name in AlphaxMarketCreated.__struct_fields__
        if hasattr(profile, name) and name != "trigger_kind"
    }
    recorded["profile"] = profile.name
    emits.append(
        Emit(
            AlphaxMarketCreated(
                market_id=command.market_id,
                asset=command.asset,
                collateral_asset=command.collateral_asset,
                long_strike=command.long_strike,
                short_strike=command.short_strike,
                long_token=long_token,
                short_token=short_token,
                token_decimals=command.token_decimals,
                trigger_kind=profile.trigger_kind.value,
                price_age_blocks_max=command.price_age_blocks_max,
                long_liquidation_price=long_preset,
                short_liquidation_price=short_preset,
                **recorded,
            )
        )
    )
    return emits


def _pair_moved(
    fact: type[AlphaxPairMinted] | type[AlphaxPairRedeemed],
    command: MintStrikePair | RedeemStrikePair,
    market: StrikeMarket,
    usdc: int,
    fee: int,
) -> Emit:
    """A pair minted or redeemed: `pair_amount` of each token against `usdc` collateral."""
    d = market.definition
    return Emit(
        fact(
            market_id=command.market_id,
            account=command.account,
            collateral_asset=d.collateral_asset,
            long_token=d.long_token,
            short_token=d.short_token,
            pair_amount=command.pair_amount,
            collateral_usdc=usdc,
            fee_usdc=fee,
        )
    )


def mint_pair(command: MintStrikePair, context: Context) -> list[Emit] | Rejected:
    market = live_market(context, command.market_id)
    if isinstance(market, Rejected):
        return market
    if market.dead_side:
        return reject(RejectCode.STRIKE_DEAD, f"{market.dead_side} side of the market is dead")
    d = market.definition
    usdc = mint_collateral_usdc(
        command.pair_amount, d.long_strike, d.short_strike, d.token_decimals
    )
    fee = fee_usdc(usdc, d.mint_fee_bps)
    refused = check_funds(context.get(Balances), command.account, d.collateral_asset, usdc + fee)
    return refused or [_pair_moved(AlphaxPairMinted, command, market, usdc, fee)]


def redeem_pair(command: RedeemStrikePair, context: Context) -> list[Emit] | Rejected:
    market = live_market(context, command.market_id)
    if isinstance(market, Rejected):
        return market
    if market.dead_side:
        return reject(RejectCode.STRIKE_DEAD, "a dead strike redeems through the graveyard")
    d = market.definition
    usdc = redeem_collateral_usdc(
        command.pair_amount, d.long_strike, d.short_strike, d.token_decimals
    )
    balances = context.get(Balances)
    for token in (d.long_token, d.short_token):
        refused = check_funds(balances, command.account, token, command.pair_amount)
        if refused is not None:
            return refused
    fee = min(fee_usdc(usdc, d.redeem_fee_bps), usdc)
    return [_pair_moved(AlphaxPairRedeemed, command, market, usdc, fee)]


def liquidate_strike(command: LiquidateStrike, context: Context) -> list[Emit] | Rejected:
    market = live_market(context, command.market_id)
    if isinstance(market, Rejected):
        return market
    if market.dead_side:
        return reject(RejectCode.STRIKE_DEAD, f"the {market.dead_side} side is dead already")
    if command.side not in ("long", "short"):
        return reject(RejectCode.INVALID_PARAMETER, "side is long or short")
    price = strike_price(context, market)
    if isinstance(price, Rejected):
        return price
    d = market.definition
    if command.side == "long":
        triggered = is_long_liquidatable(price, d.long_strike, market.rule)
    else:
        triggered = is_short_liquidatable(price, d.short_strike, market.rule)
    if not triggered:
        return reject(
            RejectCode.NOT_LIQUIDATABLE, f"{command.side} of {command.market_id} not at its trigger"
        )
    anchors = anchor_prices(price, d.long_strike, d.short_strike)
    value = anchors.long_price if command.side == "long" else anchors.short_price
    if d.settlement == "preset":
        # Never more than the pair's collateral, so the vault stays whole on narrow strikes.
        value = min(market.liquidation_price(command.side), d.short_strike - d.long_strike)
    return [
        Emit(
            AlphaxStrikeLiquidated(
                market_id=command.market_id,
                side=command.side,
                asset_price=price,
                token_value=value,
                dead_supply=market.supply_of(command.side),
            )
        )
    ]


def _graveyard_settlement(market: StrikeMarket, dead_token_amount: int) -> GraveyardSettlement:
    """How `dead_token_amount` dead tokens of `market` split between liquidator and holders."""
    d = market.definition
    return graveyard_settlement(
        dead_token_amount, market.dead_token_value, d.token_decimals, d.liquidator_discount_bps
    )


def buy_from_graveyard(command: BuyFromGraveyard, context: Context) -> list[Emit] | Rejected:
    market = live_market(context, command.market_id)
    if isinstance(market, Rejected):
        return market
    side = market.dead_side
    if not side:
        return reject(RejectCode.STRIKE_ALIVE, f"{command.market_id} has no dead side")
    unbought = market.unbought
    if not 0 < command.amount <= unbought:
        return reject(RejectCode.INSUFFICIENT_LIQUIDITY, f"{unbought} dead tokens are unbought")
    d = market.definition
    opposite = market.token_of("short" if side == "long" else "long")
    settlement = _graveyard_settlement(market, command.amount)
    balances = context.get(Balances)
    refused = check_funds(balances, command.liquidator, opposite, command.amount)
    if refused is None and settlement.liquidator_payment_usdc:
        refused = check_funds(
            balances, command.liquidator, d.collateral_asset, settlement.liquidator_payment_usdc
        )
    if refused is not None:
        return refused
    pair_usdc = redeem_collateral_usdc(
        command.amount, d.long_strike, d.short_strike, d.token_decimals
    )
    return [
        Emit(
            AlphaxGraveyardBought(
                market_id=command.market_id,
                side=side,
                liquidator=command.liquidator,
                collateral_asset=d.collateral_asset,
                opposite_token=opposite,
                dead_token_amount=command.amount,
                pair_collateral_usdc=pair_usdc,
                token_value_usdc=settlement.token_value_usdc,
                liquidator_payment_usdc=settlement.liquidator_payment_usdc,
                liquidator_discount_usdc=settlement.liquidator_discount_usdc,
                holder_claim_usdc=settlement.holder_claim_usdc,
            )
        )
    ]


def claim_from_graveyard(command: ClaimFromGraveyard, context: Context) -> list[Emit] | Rejected:
    market = live_market(context, command.market_id)
    if isinstance(market, Rejected):
        return market
    side = market.dead_side
    if not side:
        return reject(RejectCode.STRIKE_ALIVE, f"{command.market_id} has no dead side to claim")
    d = market.definition
    claimable = market.claimable
    if not 0 < command.amount <= claimable:
        wait = "" if d.holder_claim == "direct" else "; a liquidator must buy them first"
        return reject(RejectCode.NOTHING_TO_CLAIM, f"{claimable} dead tokens are claimable{wait}")
    dead_token = market.token_of(side)
    refused = check_funds(context.get(Balances), command.holder, dead_token, command.amount)
    if refused is not None:
        return refused
    settlement = _graveyard_settlement(market, command.amount)
    fee = fee_usdc(settlement.holder_claim_usdc, d.graveyard_fee_bps)
    fee = min(fee, settlement.holder_claim_usdc)
    return [
        Emit(
            AlphaxGraveyardClaimed(
                market_id=command.market_id,
                side=side,
                holder=command.holder,
                collateral_asset=d.collateral_asset,
                dead_token=dead_token,
                dead_token_amount=command.amount,
                claim_usdc=settlement.holder_claim_usdc - fee,
                fee_usdc=fee,
            )
        )
    ]
