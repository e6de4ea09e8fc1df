"""The unit of every int field of every event type: one catalog, read by every display.

`defi-ledger schema` (and `docs/reference.md`) says each field's unit from here, and `log`
(through `replay/units.py`) converts each field by it, so what the reference says a number
counts and what the log prints it in cannot disagree. A test walks every registered event type
and fails on an int field with no unit.

Most fields get their unit from their name, by the rules of `unit_by_name` (STYLE.md's naming
rule: `*_1e18` is fixed point, `*_bps` basis points, `amount_in` counts the event's `asset_in`,
...). The fields whose name does not say are declared in `DECLARED`, per event type; a
declaration wins over the rules.

A unit is one of three kinds (the vocabulary of `projections.columns`):
- `amount`: base units of an asset: `asset:<field>` (the asset the event names in that field)
  or `asset=<NAME>` (always that asset).
- `fixed`: an integer scaled by `scale` (0: the event's own `scale` field); `of` says what the
  scaled value is: `ratio` (shown as %), `multiple` (x), `price`, or what it counts (`USD`,
  `shares`, `raw collateral`: f(x)'s 18-decimal units).
- `plain`: a number as it is, its meaning in words: a block number, a count, an index, an id,
  seconds; and amounts whose asset the event does not say (shown raw, never guessed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, get_args, get_origin

import msgspec

UnitKind = Literal["amount", "fixed", "plain"]
E18, E8, E6, BPS, Q96 = 10**18, 10**8, 10**6, 10**4, 2**96


@dataclass(frozen=True)
class Unit:
    """What an int field counts (see the module's docstring)."""

    kind: UnitKind
    of: str
    scale: int = 1

    def words(self) -> str:
        """The unit in plain words, as the reference gives it."""
        if self.kind == "amount":
            if self.of.startswith("asset="):
                return f"base units of {self.of.removeprefix('asset=')}"
            return f"base units of the asset in `{self.of.removeprefix('asset:')}`"
        if self.kind == "fixed":
            return f"{self.of}, {scale_words(self.scale)} = 1"
        return self.of


def scale_words(scale: int) -> str:
    """A scale as people write it: 1e18, 2^96, or the event's `scale` field (0)."""
    if scale == 0:
        return "the event's `scale`"
    if scale == Q96:
        return "2^96"
    exponent = len(str(scale)) - 1
    return f"1e{exponent}" if 10**exponent == scale else f"{scale:,}"


def asset(field: str) -> Unit:
    """Base units of the asset the event names in `field`."""
    return Unit("amount", f"asset:{field}")


def named(name: str) -> Unit:
    """Base units of the asset `name`, whatever the event's other fields say."""
    return Unit("amount", f"asset={name}")


def fixed(scale: int, of: str) -> Unit:
    return Unit("fixed", of, scale)


def plain(words: str) -> Unit:
    return Unit("plain", words)


BLOCK = plain("block number")
BLOCKS = plain("blocks (a length)")
COUNT = plain("count")
ID = plain("id")
SECONDS = plain("seconds")
CYCLE = plain("reward cycle (a number)")
ALEX_RATIO = fixed(E8, "ratio")
ALEX_PRICE = fixed(E8, "price")
SHARES = fixed(E18, "shares")
INDEX = fixed(Q96, "multiple")
COLLATERAL_UNNAMED = plain("base units of the pool's collateral (the event does not name it)")

BLOCK_NAMES = re.compile(r"(^|_)(block|height|expiry)s?($|_)")
PLAIN_NAMES = {
    "max_expiry": BLOCKS,
    "chain_id": ID,
    "position_id": ID,
    "tick": plain("tick (a price band's number)"),
    "tick_after": plain("tick (a price band's number)"),
    "cycle": CYCLE,
    "first_cycle": CYCLE,
    "last_cycle": CYCLE,
    "lock_cycles": plain("reward cycles (a length)"),
    "halving_cycle": plain("reward cycles (a length)"),
    "signals": COUNT,
    "signals_required": COUNT,
    "registered_users": COUNT,
    "activation_threshold_users": COUNT,
    "tx_index": plain("index (a position, from 0)"),
    "log_index": plain("index (a position, from 0)"),
    "event_indexes": plain("index (a position, from 0)"),
}
"""Plain integers known by their whole name."""
NAMED_ASSETS = {"usdc": "USDC", "fxusd": "fxUSD"}
"""A name with one of these words counts that asset (`collateral_usdc`, `total_fxusd_after`)."""
FIXED_SUFFIXES = (("_1e18", E18), ("_x1e8", E8), ("_1e8", E8), ("_e8", E8), ("_bps", BPS))


def _fixed_meaning(name: str) -> str:
    if name.endswith("_bps"):
        return "ratio"
    if "price" in name:
        return "price"
    if any(word in name for word in ("leverage", "apower", "collateral_rate")):
        return "multiple"
    return "ratio"


def _asset_field(name: str, fields: frozenset[str]) -> str | None:
    """The field naming the asset an amount counts, by the amount's name: `amount` counts
    `asset` (or `token`); `amount_in`, `amount_in_net` `asset_in` (or `token_in`); `amount_x`,
    `amount_x_in`, `reserve_x`, `balance_x_after` `token_x`; `alex_amount` `alex_asset` (`lp_amount`
    `lp_token`); `lp_minted`, `protocol_fee_lp` `lp_asset`; a name ending in `_token` where the
    event names its `collateral_asset` (f(x): the collateral's own units) that asset."""
    parts = name.split("_")
    if name == "amount":
        candidates = ["asset", "token"]
    elif parts[0] in ("amount", "reserve", "balance") and len(parts) > 1:
        candidates = [f"{prefix}_{part}" for part in parts[1:2] for prefix in ("asset", "token")]
    elif name.endswith("_amount"):
        stem = name.removesuffix("amount")
        candidates = [stem + "asset", stem + "token"]
    elif parts[0] == "lp" or parts[-1] == "lp":
        candidates = ["lp_asset"]
    elif parts[-1] == "token":
        candidates = ["collateral_asset"]
    else:
        return None
    return next((field for field in candidates if field in fields), None)


def unit_by_name(name: str, fields: frozenset[str]) -> Unit | None:
    """A field's unit by its name and the names of its event's other fields; None: say it."""
    for suffix, scale in FIXED_SUFFIXES:
        if name.endswith(suffix):
            return fixed(scale, _fixed_meaning(name))
    if name in PLAIN_NAMES:
        return PLAIN_NAMES[name]
    if name.endswith("decimals"):
        return plain("decimals (a power of ten)")
    if name.endswith("timestamp"):
        return plain("unix time (seconds)")
    if name.endswith(("_blocks", "_blocks_max")) or name.startswith("blocks_"):
        return BLOCKS
    if BLOCK_NAMES.search(name):
        return BLOCK
    if name.endswith("_seq"):
        return plain("seq (a record of the log)")
    if name.endswith("_seconds"):
        return SECONDS
    if name.endswith("_usd"):
        return fixed(E18, "USD")
    if "shares" in name or name.startswith("share_supply"):
        return SHARES
    if "raw" in name.split("_"):
        return fixed(E18, "raw debt" if "debt" in name else "raw collateral")
    field = _asset_field(name, fields)
    if field is not None:
        return asset(field)
    for word, named_asset in NAMED_ASSETS.items():
        if word in name.split("_"):
            return named(named_asset)
    return None


SWAP_FEES = {
    "fee": asset("asset_in"),
    "rebate": asset("asset_in"),
    "reserve_share": asset("asset_in"),
}
ALEX_POOL = {
    "weight_x": ALEX_RATIO,
    "weight_y": ALEX_RATIO,
    "fee_rate_x": ALEX_RATIO,
    "fee_rate_y": ALEX_RATIO,
    "fee_rebate": ALEX_RATIO,
    "max_in_ratio": ALEX_RATIO,
    "max_out_ratio": ALEX_RATIO,
    "oracle_average": ALEX_RATIO,
    "oracle_resilient": ALEX_PRICE,
}
"""ALEX's pool parameters, fixed point at 1e8."""
STRIKE_PRICE = fixed(E6, "USDC")
"""AlphaX's strikes and prices: USDC base units per whole token."""
VOTES = plain("votes: base units of the governance token (GovernanceConfigured)")

DECLARED: dict[str, dict[str, Unit]] = {
    "AlphaxGraveyardBought": {
        "dead_token_amount": plain("base units of the dead side's token (the event names none)")
    },
    "AlphaxGraveyardClaimed": {"dead_token_amount": asset("dead_token")},
    "AlphaxMarketCreated": {
        "long_strike": STRIKE_PRICE,
        "short_strike": STRIKE_PRICE,
        "long_liquidation_price": STRIKE_PRICE,
        "short_liquidation_price": STRIKE_PRICE,
        "leverage_max": plain("multiple (a whole number)"),
    },
    "AlphaxPairMinted": {"pair_amount": asset("long_token")},
    "AlphaxPairRedeemed": {"pair_amount": asset("long_token")},
    "AlphaxStrikeLiquidated": {
        "asset_price": fixed(E6, "USD"),
        "token_value": STRIKE_PRICE,
        "dead_supply": plain("base units of the dead side's token (the event names none)"),
    },
    "CheckpointRecorded": {"digest_scheme": plain("version")},
    "CollateralMinted": {
        "dx": asset("collateral"),
        "dx_kept": asset("collateral"),
        "dx_converted": asset("collateral"),
        "dy_bought": asset("token"),
        "minted": asset("yield_token"),
        "spot": ALEX_PRICE,
        "ltv": ALEX_RATIO,
    },
    "CollateralPoolCreated": {
        **ALEX_POOL,
        "strike": ALEX_PRICE,
        "bs_vol": ALEX_RATIO,
        "ltv_0": ALEX_RATIO,
        "conversion_ltv": ALEX_RATIO,
        "moving_average": ALEX_RATIO,
        "token_to_maturity": fixed(E8, "blocks"),
        "spot": ALEX_PRICE,
    },
    "CollateralRedeemed": {
        "shares": asset("redeemed_token"),
        "paid_x": asset("collateral"),
        "paid_y": asset("token"),
        "shortfall_y": asset("token"),
        "collateral_sold": asset("collateral"),
        "token_bought": asset("token"),
        "reserve_cover_x": asset("collateral"),
    },
    "CollateralSwapped": {**SWAP_FEES, "weight_x_after": ALEX_RATIO, "spot": ALEX_PRICE},
    "CycleEmissionFixed": {
        "emission_year": plain("emission year (a number, from 0)"),
        "coinbase": named("ALEX"),
        "emission": named("ALEX"),
        "staked_total": asset("token"),
    },
    "EmergencyIssued": {"proceeds": asset("token")},
    "FxChainHarvested": {
        "amount_rewards": COLLATERAL_UNNAMED,
        "amount_funding": COLLATERAL_UNNAMED,
        "performance_fee": COLLATERAL_UNNAMED,
        "harvest_bounty": COLLATERAL_UNNAMED,
    },
    "FxChainIndexUpdated": {"coll_index": INDEX, "debt_index": INDEX},
    "FxChainOperated": {
        "delta_colls": COLLATERAL_UNNAMED,
        "delta_debts": named("fxUSD"),
        "protocol_fees": COLLATERAL_UNNAMED,
    },
    "FxChainPoolSeen": {"coll_index": INDEX, "debt_index": INDEX},
    "FxChainStabilityMoved": {
        "amount_in": plain("base units of the token at the address in `token`"),
        "yield_token_out": named("fxUSD"),
        "stable_token_out": named("USDC"),
        "collateral_out": plain("base units of the collateral or output token (not named)"),
        "bonus_out": plain("base units of the collateral (not named)"),
        "unlock_at": plain("unix time (seconds)"),
    },
    "FxChainWalked": {
        "colls": COLLATERAL_UNNAMED,
        "fxusd_debts": named("fxUSD"),
        "stable_debts": named("USDC"),
        "protocol_fees": COLLATERAL_UNNAMED,
    },
    "FxFundingAccrued": {
        "now_seconds": plain("unix time (seconds)"),
        "funding_ratio": plain("ratio: 1e18 = 1 (head pools) or 1e9 = 1 (d8e5e9d pools)"),
        "coll_index_before": INDEX,
        "coll_index_after": INDEX,
    },
    "FxLeveragedOpened": {
        "own_collateral_token": COLLATERAL_UNNAMED,
        "flash_collateral_token": COLLATERAL_UNNAMED,
        "fxusd_paid": asset("debt_asset"),
    },
    "FxPositionOperated": {
        "pool_collateral_token_delta": asset("collateral_asset"),
        "fxusd_to_owner": asset("debt_asset"),
        "fxusd_from_owner": asset("debt_asset"),
        "fxusd_fee_to_open_revenue": asset("debt_asset"),
        "fxusd_fee_to_close_revenue": asset("debt_asset"),
        "usdc_from_owner": asset("stable_asset"),
        "usdc_fee_to_close_revenue": asset("stable_asset"),
    },
    "FxStabilityAbsorbed": {"token_used": asset("token_in")},
    "FxStabilityRedeemed": {
        "fxusd_out": asset("fxusd_asset"),
        "fxusd_fee": asset("fxusd_asset"),
        "usdc_out": asset("usdc_asset"),
        "usdc_fee": asset("usdc_asset"),
    },
    "FxUsdStableMoved": {"amount_stable": named("USDC")},
    "FxWalked": {"debt_index_after": INDEX, "stable_used": asset("stable_asset")},
    "GovernanceConfigured": {"quorum": VOTES, "safety_period_end": BLOCK},
    "LiquidityAdded": {"oracle_resilient_seed": ALEX_PRICE},
    "PoolCreated": {**ALEX_POOL, "gate_lp_per_window": asset("lp_asset")},
    "PoolFeesObserved": ALEX_POOL,
    "PriceUpdated": {
        "price": fixed(0, "price"),
        "scale": plain("scale (the integer that stands for 1)"),
    },
    "ProposalConcluded": {"votes_for": VOTES, "votes_against": VOTES},
    "StakingConfigured": {
        "coinbase_amounts": asset("reward_asset"),
        "apower_multiplier": fixed(E8, "multiple"),
    },
    "StakingEmissionCapped": {"caps_annual": named("ALEX")},
    "StakingRewardClaimed": {
        "reward": asset("reward_asset"),
        "principal_returned": asset("token"),
        "apower": asset("apower_asset"),
        "stake_in_cycle": asset("token"),
    },
    "Swapped": {**SWAP_FEES, "oracle_resilient": ALEX_PRICE},
    "VoteCast": {"amount": asset("governance_token")},
    "VotesReclaimed": {"amount": asset("governance_token")},
    "WeightedPoolObserved": ALEX_POOL,
    "YieldLiquidityChanged": {
        "dx": asset("token"),
        "dy_actual": asset("yield_token"),
        "dy_virtual": asset("yield_token"),
    },
    "YieldPoolCreated": {
        "listed": BLOCK,
        "fee_rate_token": ALEX_RATIO,
        "fee_rate_yield_token": ALEX_RATIO,
        "fee_rebate": ALEX_RATIO,
        "min_fee": plain("base units of the asset swapped in (set per pool)"),
        "small_threshold": plain("base units of the asset swapped in (set per pool)"),
    },
    "YieldTokenSwapped": {
        **SWAP_FEES,
        "time_fraction": ALEX_RATIO,
        "price_before": fixed(E8, "multiple"),
    },
}
"""The units their names do not say, per event type (tag -> field -> unit)."""


def holds_int(annotation: Any) -> bool:
    """Whether a field's type is an int, or holds ints (`int | None`, `tuple[int, ...]`)."""
    if annotation is int:
        return True
    if get_origin(annotation) is Annotated:
        return holds_int(get_args(annotation)[0])
    return any(holds_int(arg) for arg in get_args(annotation) if arg is not Ellipsis)


@cache
def event_units(cls: type[msgspec.Struct]) -> dict[str, Unit | None]:
    """Each int field of an event type and its unit (None: neither declared nor named)."""
    tag = cls.__struct_config__.tag
    declared = DECLARED.get(tag if isinstance(tag, str) else cls.__name__, {})
    fields = msgspec.structs.fields(cls)
    names = frozenset(field.name for field in fields)
    return {
        field.name: declared.get(field.name) or unit_by_name(field.name, names)
        for field in fields
        if holds_int(field.type)
    }


def field_unit(cls: type[msgspec.Struct], name: str) -> Unit | None:
    """The unit of one field of an event type; None when it holds no int (or has none)."""
    return event_units(cls).get(name)
