"""What every column of every projection table holds: its kind, its unit and one line of meaning.

One catalog, read by the persisted views (which SQLite type a column gets, which columns get a
sortable key), the export (a fixed Arrow type per column, whatever the values), the display of
numbers in units people read (`replay/units.py`), the `schema` command and the reference docs.

Kinds:
- `text`: a name or status.
- `int`: a count, a block height, a number of decimals: always fits SQLite's INTEGER.
- `bool`: 0/1.
- `amount`: an integer in an asset's base units, of any size and sign. `unit` says whose:
  `asset:<column>` (the asset named by another column of the row) or `asset=<NAME>`.
- `fixed`: an integer scaled by `scale` (10**18, 10**8, 10**6, 10**4 or 2**96), of any size;
  `unit` is what the scaled value means: `ratio` (shown as %), `multiple` (×), `price`,
  `tokens` (a quantity), `by row` (each row's, `ROW_UNITS`). A scale of 0 means the row's own
  `scale` column, an `int` whose unit is `scale` (shown as 1e18).

Columns that are `amount` or `fixed` may exceed 2**63 and are exact integers: the views keep
them as decimal TEXT plus a sortable `<column>_key` (see `projections/views.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import msgspec

from events.alex_governance import EMISSION_SCHEDULE, FEE_REBATE, ISSUANCE, RESERVE_DISTRIBUTION

Kind = Literal["text", "int", "bool", "amount", "fixed"]
EXACT_KINDS = frozenset({"amount", "fixed"})


class Column(msgspec.Struct, frozen=True):
    kind: Kind
    doc: str
    unit: str = ""
    """`amount`: `asset:<column>` or `asset=<NAME>`; `fixed`: ratio, multiple, price, tokens."""
    scale: int = 1
    """For `fixed`: the integer that stands for 1."""


def _t(doc: str) -> Column:
    return Column("text", doc)


def _i(doc: str) -> Column:
    return Column("int", doc)


def _b(doc: str) -> Column:
    return Column("bool", doc)


def _amount(where: str, doc: str) -> Column:
    """An amount in base units of the asset named by column `where` (or `=NAME`, a fixed one)."""
    unit = f"asset={where[1:]}" if where.startswith("=") else f"asset:{where}"
    return Column("amount", doc, unit)


def _f(scale: int, unit: str, doc: str) -> Column:
    return Column("fixed", doc, unit, scale)


E18, E8, E6, BPS, Q96 = 10**18, 10**8, 10**6, 10**4, 2**96
BY_ROW, SCALE = "by row", "scale"

COLUMNS: dict[str, dict[str, Column]] = {
    "balances": {
        "account": _t("the holder"),
        "asset": _t("the asset held"),
        "amount": _amount("asset", "the balance"),
    },
    "supply": {
        "asset": _t("the asset"),
        "amount": _amount("asset", "the supply in circulation (mints less burns)"),
        "decimals": _i("base units per display unit, as a power of ten"),
    },
    "prices": {
        "asset": _t("the priced asset"),
        "price": _f(0, "price", "the last price; the `scale` column stands for 1"),
        "scale": Column("int", "the integer that stands for one quote unit (10**decimals)", SCALE),
        "quote": _t("the quote currency"),
        "block": _i("the block of the last price update"),
    },
    "reserve_solvency": {
        "token": _t("the reserve's token"),
        "balance": _amount("token", "what the reserve pool holds"),
        "shortfalls_reported": _amount("token", "shortfalls reported to the reserve"),
        "shortfalls_covered": _amount("token", "shortfalls the reserve paid"),
        "shortfall_outstanding": _amount("token", "shortfalls not yet covered"),
        "emergency_alex_issued": _amount("=ALEX", "ALEX minted in emergencies"),
        "coverage_bps": _f(BPS, "ratio", "balance over the shortfall outstanding (empty: none)"),
        "principal_held": _amount("token", "stakers' principal held apart (not free to pay)"),
        "free_balance": _amount("token", "what the reserve may pay out: balance less principal"),
    },
    "reserve_inflows": {
        "token": _t("the reserve's token"),
        "source": _t("where the inflow came from"),
        "amount": _amount("token", "total received from that source"),
    },
    "reserve_outflows": {
        "token": _t("the reserve's token"),
        "reason": _t("why it was paid out"),
        "amount": _amount("token", "total paid out for that reason"),
    },
    "pools": {
        "pool": _t("the pool"),
        "kind": _t("the AMM kind"),
        "token_x": _t("first token"),
        "token_y": _t("second token"),
        "lp_asset": _t("the pool's LP token"),
        "reserve_x": _amount("token_x", "reserve of token x"),
        "reserve_y": _amount("token_y", "reserve of token y"),
        "lp_supply": _amount("lp_asset", "LP tokens outstanding"),
        "k_last": _f(1, "multiple", "reserve product at the last fee mint (Uniswap V2)"),
        "price0_cumulative": _f(2**112, "price", "Uniswap V2 price accumulator of token x"),
        "price1_cumulative": _f(2**112, "price", "Uniswap V2 price accumulator of token y"),
        "block_timestamp_last": _i("the accumulators' last timestamp"),
        "fee_bps": _f(BPS, "ratio", "swap fee"),
        "weight_x": _f(E8, "ratio", "weight of token x (weighted pools)"),
        "weight_y": _f(E8, "ratio", "weight of token y (weighted pools)"),
        "fee_rate_x": _f(E8, "ratio", "fee rate on token x (ALEX pools)"),
        "fee_rate_y": _f(E8, "ratio", "fee rate on token y (ALEX pools)"),
        "fee_rebate": _f(E8, "ratio", "share of the fee rebated to the pool"),
        "cap_bps": _f(BPS, "ratio", "cap on a swap against the reserve"),
        "gate_lp_per_window": _amount("lp_asset", "LP burn allowed per window"),
        "gate_window_blocks": _i("blocks in a gate window"),
        "paused": _b("whether the pool is paused"),
        "oracle_enabled": _b("whether the pool's oracle is on"),
        "oracle_average": _f(E8, "ratio", "oracle smoothing factor"),
        "oracle_resilient": _f(E8, "price", "the oracle's resilient price"),
    },
    "pool_gates": {
        "pool": _t("the pool"),
        "provider": _t("the liquidity provider"),
        "window": _i("the gate window"),
        "lp_burned": _amount("pool", "LP burned in the window (units of the pool's LP token)"),
    },
    "fx_pools": {
        "pool": _t("the f(x) pool"),
        "side": _t("long or short"),
        "collateral_asset": _t("the collateral"),
        "debt_asset": _t("the debt token"),
        "positions": _i("open positions"),
        "raw_collateral": _amount("collateral_asset", "collateral held"),
        "raw_debt": _amount("debt_asset", "debt owed"),
        "coll_index": _f(Q96, "multiple", "collateral index (Q96)"),
        "debt_index": _f(Q96, "multiple", "debt index (Q96)"),
        "collateral_token": _amount("collateral_asset", "collateral in token terms"),
    },
    "fx_stability_pool": {
        "total_fxusd": _amount("=fxUSD", "fxUSD deposited"),
        "total_usdc": _amount("=USDC", "USDC deposited"),
        "share_supply": _amount("=fxUSD", "stability-pool shares"),
    },
    "alphax_markets": {
        "market": _t("the strike market"),
        "asset": _t("the underlying"),
        "long_strike": _f(E6, "price", "the long token's strike (USD)"),
        "short_strike": _f(E6, "price", "the short token's strike (USD)"),
        "long_supply": _f(E18, "tokens", "long tokens outstanding"),
        "short_supply": _f(E18, "tokens", "short tokens outstanding"),
        "collateral_usdc": _amount("=USDC", "USDC backing the market"),
        "dead_side": _t("the side in the graveyard, if any"),
        "dead_token_value": _f(E6, "price", "what one dead token is worth (USD)"),
        "dead_bought": _f(E18, "tokens", "dead tokens bought by the graveyard"),
        "dead_claimed": _f(E18, "tokens", "dead tokens claimed"),
        "profile": _t("the parameter profile: contract or whitepaper"),
        "long_liquidation_price": _f(E6, "price", "the long token's preset liquidation price"),
        "short_liquidation_price": _f(E6, "price", "the short token's preset liquidation price"),
        "fee_income_usdc": _amount("=USDC", "mint, redeem and graveyard fees collected"),
    },
    "fx_positions": {
        "pool": _t("the f(x) pool"),
        "position": _i("the position's number in its pool"),
        "owner": _t("the owner"),
        "raw_collateral": _f(
            E18, "tokens", "collateral, in 18-decimal units of the pool's collateral"
        ),
        "raw_debt": _amount("=fxUSD", "debt"),
        "price_1e18": _f(E18, "price", "the pool's price"),
        "ltv_1e18": _f(E18, "ratio", "debt ratio (loan to value)"),
        "rebalance_distance_1e18": _f(
            E18, "ratio", "LTV headroom to the rebalance line (none without debt)"
        ),
        "liquidation_distance_1e18": _f(
            E18, "ratio", "LTV headroom to the liquidation line (none without debt)"
        ),
        "price_rebalance_line_1e18": _f(E18, "price", "price at which it is rebalanced"),
        "price_liquidation_line_1e18": _f(E18, "price", "price at which it is liquidated"),
        "price_move_to_line_1e18": _f(E18, "ratio", "price move to the nearest line"),
        "status": _t(
            "healthy, rebalanceable or liquidatable while it has debt; liquidated, redeemed or "
            "rebalanced once a walk took its tick's last debt; closed (nothing left) or no debt"
        ),
    },
    "strike_markets": {
        "market": _t("the strike market"),
        "asset_price": _f(E6, "price", "the underlying's price (USD)"),
        "long_strike": _f(E6, "price", "the long strike (USD)"),
        "short_strike": _f(E6, "price", "the short strike (USD)"),
        "long_anchor": _f(E6, "price", "the long token's anchor price (USD)"),
        "short_anchor": _f(E6, "price", "the short token's anchor price (USD)"),
        "long_ce_1e8": _f(E8, "multiple", "the long token's effective leverage"),
        "short_ce_1e8": _f(E8, "multiple", "the short token's effective leverage"),
        "long_risk_level_1e8": _f(E8, "ratio", "the long side's risk level"),
        "short_risk_level_1e8": _f(E8, "ratio", "the short side's risk level"),
        "long_liquidation_price": _f(E6, "price", "price that kills the long side (USD)"),
        "short_liquidation_price": _f(E6, "price", "price that kills the short side (USD)"),
        "status": _t("alive, or the side that died (long dead, short dead)"),
        "long_supply": _f(E18, "tokens", "long tokens outstanding"),
        "short_supply": _f(E18, "tokens", "short tokens outstanding"),
        "price_move_to_line_1e18": _f(E18, "ratio", "price move to the nearest line"),
    },
    "crp_loans": {
        "pool": _t("the collateral rebalancing pool"),
        "collateral_asset": _t("the collateral"),
        "debt_asset": _t("the borrowed token"),
        "expiry": _i("the expiry block"),
        "collateral_value": _amount("debt_asset", "collateral valued in the debt token"),
        "debt": _amount("debt_asset", "the loan"),
        "ltv_e8": _f(E8, "ratio", "loan to value"),
        "conversion_ltv_e8": _f(E8, "ratio", "LTV at which the pool converts"),
        "spot_e8": _f(E8, "price", "spot price of the debt token in collateral"),
        "price_move_to_conversion_1e18": _f(E18, "ratio", "price move to the conversion LTV"),
        "price_move_to_line_1e18": _f(E18, "ratio", "price move to the nearest line"),
        "status": _t("open, converting, expired, no debt or unpriced (no LTV shown)"),
    },
    "staking_pools": {
        "token": _t("the staked token"),
        "activation_mode": _t("how the pool was activated"),
        "activation_height": _i("the activation block"),
        "registered": _i("registered stakers"),
        "apower_x1e8": _f(E8, "multiple", "APower multiplier"),
    },
    "staking_cycles": {
        "token": _t("the staked token"),
        "cycle": _i("the reward cycle"),
        "staked_total": _amount("token", "staked in the cycle"),
        "emission": _amount("=ALEX", "ALEX emitted for the cycle"),
        "rewards_claimed": _amount("=ALEX", "rewards claimed"),
    },
    "staking_stakes": {
        "token": _t("the staked token"),
        "cycle": _i("the reward cycle"),
        "account": _t("the staker"),
        "amount": _amount("token", "staked in the cycle"),
        "principal_due": _amount("token", "principal returned at the end"),
    },
    "staking_emission_years": {
        "year": _i("the emission year"),
        "cap": _amount("=ALEX", "emission cap for the year"),
        "emitted": _amount("=ALEX", "emitted so far"),
    },
    "supply_origins": {
        "asset": _t("the asset"),
        "genesis": _amount("asset", "minted at genesis"),
        "emissions": _amount("asset", "minted by staking emissions"),
        "emergency": _amount("asset", "minted in emergencies"),
        "other_mints": _amount("asset", "other mints"),
        "burns": _amount("asset", "burnt"),
        "expected": _amount("asset", "the supply these origins add up to"),
        "paid_from_allocations": _amount("asset", "paid out of genesis allocations (not minted)"),
    },
    "governance": {
        "proposal_id": _t("the proposal (AGP)"),
        "kind": _t("the proposal kind"),
        "proposer": _t("who proposed it"),
        "start_height": _i("voting opens at this block"),
        "end_height": _i("voting closes at this block"),
        "votes_for": _amount("=ALEX", "votes for"),
        "votes_against": _amount("=ALEX", "votes against"),
        "voters": _i("distinct voters"),
        "locked_outstanding": _amount("=ALEX", "ALEX still locked in votes"),
        "status": _t("pending, active, passed, failed or executed"),
    },
    "governance_locks": {
        "proposal_id": _t("the proposal"),
        "account": _t("the voter"),
        "amount": _amount("=ALEX", "ALEX locked"),
    },
    "governance_settings": {
        "scope": _t("what the setting governs"),
        "authority": _t("who may change it"),
        "paused": _b("whether it is paused"),
        "quorum": _amount("=ALEX", "votes needed"),
        "signals_required": _i("signals needed"),
        "at_block": _i("block of the last change"),
        "safety_period_end": _i("the foundation's veto and pause hold before this block"),
        "genesis_team": _t("the Genesis team whose proposal enacts an approved AGP"),
    },
    "governance_changes": {
        "proposal_id": _t("the proposal"),
        "index": _i("the change's place in the proposal"),
        "parameter": _t("the parameter changed"),
        "target": _t("what it applies to: a pool, a staked token, a reserve"),
        "value": _f(
            1,
            BY_ROW,
            "the new value: a rebate x 1e8 (fee-rebate), or base units of ALEX (issuance) or of "
            "the target's token (reserve-distribution); shown in those units",
        ),
        "values": _t("a list, comma-separated: emission-schedule bands, base units of ALEX"),
        "recipient": _t("who is paid (reserve distribution)"),
        "effective_height": _i("the first block the change applies to"),
        "enacted": _b("whether it has taken effect"),
    },
    "chain_heads": {
        "chain_id": _i("the chain"),
        "first_block": _i("the first block imported"),
        "settled_through": _i("blocks up to this one are past reorganisation"),
        "head_block": _i("the last block imported"),
        "head_hash": _t("that block's hash"),
    },
    "chain_retractions": {
        "seq": _i("the retraction fact's seq"),
        "chain_id": _i("the chain"),
        "fork_block": _i("the first orphaned block"),
        "from_seq": _i("the first record retracted"),
        "to_seq": _i("the last record retracted"),
    },
    "fx_chain_pools": {
        "pool": _t("the imported f(x) pool (evm:<chain>:<address>)"),
        "from_start": _b("seen from its registration: every position is known"),
        "coll_index": _f(Q96, "multiple", "the collateral index (empty: unknown)"),
        "debt_index": _f(Q96, "multiple", "the debt index (empty: unknown)"),
        "positions": _i("positions seen"),
        "positions_unknown": _i("positions whose shares the logs do not give now"),
        "operates": _i("operates imported"),
        "walks": _i("rebalances, liquidations and redeems imported"),
    },
    "fx_chain_positions": {
        "pool": _t("the imported f(x) pool"),
        "position": _i("the position id (its NFT token id)"),
        "owner": _t("its holder's address, when a log showed it"),
        "tick": _i("its tick (empty: no debt, or unknown)"),
        "raw_collateral": _f(E18, "tokens", "raw collateral, 18 decimals (empty: unknown)"),
        "raw_debt": _f(E18, "tokens", "fxUSD debt (empty: unknown)"),
    },
    "fx_chain_stability": {
        "stability_pool": _t("the imported stability pool (fxBASE)"),
        "deposit": _i("deposits imported"),
        "request_redeem": _i("redeem requests imported"),
        "redeem": _i("redeems imported"),
        "instant_redeem": _i("instant redeems imported"),
        "rebalance": _i("rebalances and liquidations it funded"),
        "arbitrage": _i("arbitrages imported"),
        "net_shares": _f(E18, "tokens", "shares minted less shares burnt since first seen"),
    },
    "yield_token_pools": {
        "pool_id": _t("the yield-token pool"),
        "token": _t("the underlying token"),
        "yield_token": _t("the yield token"),
        "expiry": _i("the expiry block"),
        "balance_token": _amount("token", "token held"),
        "balance_yield_token": _amount("yield_token", "yield token held"),
        "balance_virtual": _amount("yield_token", "virtual yield-token balance"),
        "lp_supply": _amount("pool_id", "LP tokens outstanding"),
        "time_to_maturity_e8": _f(E8, "ratio", "time to maturity (share of the maximum)"),
        "price_e8": _f(E8, "price", "yield token price in the token"),
        "yield_e8": _f(E8, "ratio", "implied yield"),
    },
    "collateral_pools": {
        "pool_id": _t("the collateral rebalancing pool"),
        "collateral": _t("the collateral"),
        "token": _t("the borrowed token"),
        "expiry": _i("the expiry block"),
        "balance_x": _amount("collateral", "collateral held"),
        "balance_y": _amount("token", "borrowed token held"),
        "weight_x_e8": _f(E8, "ratio", "weight of the collateral"),
        "yield_supply": _amount("token", "yield tokens outstanding"),
        "key_supply": _amount("token", "key tokens outstanding"),
        "strike_e8": _f(E8, "price", "the strike"),
        "ltv_e8": _f(E8, "ratio", "loan to value"),
    },
    "positions_at_risk": {
        "kind": _t("fx, strike or crp"),
        "id": _t("the position or market"),
        "owner": _t("the owner"),
        "ltv_or_risk_1e18": _f(E18, "ratio", "LTV or risk level"),
        "price_move_to_line_1e18": _f(E18, "ratio", "price move to the nearest line"),
        "status": _t("the position's status"),
    },
}
"""Every table a projection shows, column by column (`tests/projections/test_columns.py`)."""

UNKNOWN = Column("text", "not described in projections/columns.py")


def column(table: str, name: str) -> Column:
    """The column's description; an undescribed one is plain text (stored and shown as is)."""
    return COLUMNS.get(table, {}).get(name, UNKNOWN)


def _change_value(row: Mapping[str, Any]) -> Column | None:
    """A governance change's `value`, in the unit its parameter gives it (events.alex_governance):
    a fee rebate x 1e8, an issuance's ALEX, a reserve distribution's token (the target), and
    none for an emission schedule (its bands are `values`)."""
    parameter = row.get("parameter")
    if parameter == FEE_REBATE:
        return Column("fixed", "the new LP fee rebate", "ratio", E8)
    if parameter == ISSUANCE:
        return Column("amount", "the ALEX that may be issued", "asset=ALEX")
    if parameter == RESERVE_DISTRIBUTION:
        return Column("amount", "what the reserve pays out", "asset:target")
    if parameter == EMISSION_SCHEDULE:
        return Column("int", "unused: the bands are in `values`")
    return None


def _change_values(row: Mapping[str, Any]) -> Column | None:
    """A governance change's `values`: an emission schedule's bands, each ALEX per cycle."""
    if row.get("parameter") == EMISSION_SCHEDULE:
        return Column("amount", "ALEX emitted per cycle in each band", "asset=ALEX")
    return None


ROW_UNITS: dict[tuple[str, str], Callable[[Mapping[str, Any]], Column | None]] = {
    ("governance_changes", "value"): _change_value,
    ("governance_changes", "values"): _change_values,
}
"""Columns whose unit depends on the row (for display only: the view keeps the column's kind)."""


def column_in(table: str, name: str, row: Mapping[str, Any]) -> Column:
    """The column's description for this row: `column`, or the unit the row gives it."""
    by_row = ROW_UNITS.get((table, name))
    found = by_row(row) if by_row is not None else None
    return found if found is not None else column(table, name)


def unit_words(table: str, name: str) -> str:
    """A column's unit in words, as the reference and Datasette's descriptions give it."""
    described = column(table, name)
    if described.kind == "amount":
        where = described.unit.split("=", 1)[1] if "=" in described.unit else None
        return f"base units of {where or '`' + described.unit.removeprefix('asset:') + '`'}"
    if described.kind == "fixed" and described.unit == BY_ROW:
        return "set by the row (as stored where the row sets none)"
    if described.kind == "fixed":
        scale = f"{described.scale:,}" if described.scale else "the row's scale"
        return f"{described.unit}, {scale} = 1"
    return described.unit


def is_exact(table: str, name: str) -> bool:
    """Whether the column holds integers of any size (kept as exact decimal text)."""
    return column(table, name).kind in EXACT_KINDS
