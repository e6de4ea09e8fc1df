"""Admission: every fact is checked against the live books before it is applied or appended.

One check serves every way a fact comes in: the engine's own command handlers, `append` (JSON
lines from outside), importers and replays. A fact is admitted when

- its references exist and it comes from whoever may record it (the per-type rules in
  `ledger.admission_rules`: pools, markets, proposals, positions, staking tokens, authorities,
  the governance tally, an asset registered once), when its command would record it
  (`ledger.admission_governance`, `ledger.admission_acts`: a parameter change only of an
  executed proposal, emergency ALEX only as much as an enacted issuance change still allows);
- a `Minted` or a `Swapped` passes the check the `Mint` and swap commands make
  (`ledger.commands.core.check_amount`): a registered asset and a positive amount, UNKNOWN_ASSET
  or ZERO_AMOUNT otherwise; a swap imported from ALEX prints may pay out 0, as its pools do;
- value leaves an issuer account only by a fact that mints that asset (`MINTS`): a transfer
  out of `issuer:USDC` is money from nowhere;
- a token with a genesis is minted only by that genesis's own mints and by emergency issuance
  (`ledger.commands.alex_supply.fixed_supply_minted`), SUPPLY_FIXED otherwise: its genesis
  allocation is the whole supply, whichever fact would mint it;
- no account goes below zero, posting by posting, exactly as the balances book folds it, except
  the accounts in `MAY_GO_NEGATIVE` and, for a fact imported from a chain (an EVM fact with its
  provenance, or a fact about a pool or token imported from Stacks prints), the chain's
  `outside:` account: the holders the books do not track.

A fact that breaks a rule gets a `Rejected` with a named code and nothing is applied; the
caller appends nothing. The check only reads the books: it never changes them.

Facts imported from an EVM chain (`events.chain`) are held to what the chain enforces and no
more. Their amounts are not held to `check_amount`: an ERC-20 `Transfer` of 0 is real, and a
token no token list gave decimals for is registered without them (`ChainAssetRegistered`), so
it is not in `Balances.decimals`. Whether a token is one the chain knows would need a registry
of every token contract, which the books do not keep: such facts are admitted as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from events.alex import StakingRewardClaimed
from events.alex_lending import CollateralMinted, YieldLiquidityChanged
from events.alex_pools import WeightedPoolObserved, about_stacks
from events.alphax import AlphaxGraveyardBought, AlphaxPairMinted
from events.amm import LiquidityAdded, LiquidityRemoved
from events.assets import issuer_account
from events.base import SQLITE_INT_MAX, Event, event_tag
from events.chain import PairBurned, PairMinted, PoolObserved, is_outside, provenance_of
from events.codec import decoder_of, encode
from events.core import Minted
from events.fx import FxPositionOperated
from events.rejections import RejectCode
from events.reserve import EmergencyIssued
from ledger.admission_acts import ACTS_RULES
from ledger.admission_governance import GOVERNANCE_RULES
from ledger.admission_lending import LENDING_RULES
from ledger.admission_rules import REFERENCE_RULES, Rule
from ledger.batch import NewEvent, Rejected, validation_rejection
from ledger.command import Context
from ledger.commands.alex_supply import fixed_supply_minted
from projections.alex_staking import AlexStaking
from projections.balances import Balances
from projections.postings import POSTING_RULES, Posting

#: Account prefixes whose balance may go below zero, and why. An issuer account is debited by
#: every mint, so its balance is minus the asset's supply. No other account goes negative in
#: any scenario the project ships (flash-crash, alex-cycles, calm-month, calm-payments,
#: slow-bleed; checked with `state --projection balances`) nor in the test suite: pools,
#: vaults, reserve pools, the stability pool, f(x) debt lenders (a long pool's lender is
#: `issuer:fxUSD`, a short pool's is an account that must hold what it lends) and treasuries
#: all hold what they pay out.
MAY_GO_NEGATIVE: tuple[str, ...] = ("issuer:",)

#: The facts that mint, and which assets each may mint (take out of `issuer:<asset>`).
MINTS: dict[type[Event], Callable[[Any], Iterable[str]]] = {
    Minted: lambda event: (event.asset,),
    LiquidityAdded: lambda event: (event.lp_asset,),
    LiquidityRemoved: lambda event: (event.lp_asset,),
    StakingRewardClaimed: lambda event: (event.reward_asset, event.apower_asset),
    YieldLiquidityChanged: lambda event: (event.lp_token,),
    CollateralMinted: lambda event: (event.yield_token, event.key_token),
    AlphaxPairMinted: lambda event: (event.long_token, event.short_token),
    AlphaxGraveyardBought: lambda event: (event.opposite_token,),
    EmergencyIssued: lambda event: (event.alex_asset,),
    # fxUSD is minted as debt by a long pool, whose recorded debt lender is its issuer account
    # (`admission_rules` checks the fact names the pool's own lender).
    FxPositionOperated: lambda event: (event.debt_asset,),
    # A pair's LP token: its supply when first seen, what a mint (locked and protocol fee
    # included) or a burn's protocol fee issues.
    PoolObserved: lambda event: (event.lp_asset,),
    WeightedPoolObserved: lambda event: (event.lp_asset,),  # an ALEX pool seen mid-life
    PairMinted: lambda event: (event.lp_asset,),
    PairBurned: lambda event: (event.lp_asset,),
}


RULES: dict[type[Event], Rule] = {
    **REFERENCE_RULES,
    **GOVERNANCE_RULES,
    **ACTS_RULES,
    **LENDING_RULES,
}
"""Every event type with a reference or authority rule; types not listed need none."""


def may_go_negative(account: str, event: Event) -> bool:
    """An issuer account; or the chain's `outside:` account, by a fact imported from a chain."""
    if account.startswith(MAY_GO_NEGATIVE):
        return True
    return is_outside(account) and (provenance_of(event) is not None or about_stacks(event))


def checked_payload(item: NewEvent, index: int) -> bytes | Rejected:
    """The fact's payload, encoded as the log stores it and checked as the store checks it;
    or its refusal: a field its type forbids (a negative amount, ...), or a block, time or
    version the log cannot store.

    msgspec checks constraints only when decoding, so the rules below would otherwise read a
    fact the store is going to refuse anyway.
    """
    for field in ("block", "ts_ms", "expected_version"):
        value = getattr(item, field)
        if value is not None and not 0 <= value <= SQLITE_INT_MAX:
            return Rejected(
                code=RejectCode.INVALID_FIELD,
                detail=f"{field} {value} is outside 0..{SQLITE_INT_MAX}",
                index=index,
            )
    event_class = type(item.event)
    payload = encode(item.event)
    try:
        decoder_of(event_tag(event_class), event_class.schema_version)(payload)
    except msgspec.ValidationError as error:
        return validation_rejection(error, index)
    return payload


def admit(event: Event, books: Context) -> Rejected | None:
    """None when the books can take `event` as it is; else the rule it breaks, by name."""
    rule = RULES.get(type(event))
    if rule is not None:
        refused = rule(event, books)
        if refused is not None:
            return refused
    posting_rule = POSTING_RULES.get(type(event))
    if posting_rule is None:
        return None
    postings = list(posting_rule(event))
    staking = books.get(AlexStaking)
    for source, _, asset, amount in postings:
        if source == issuer_account(asset):
            refused = fixed_supply_minted(staking, event, asset, amount)
            if refused is not None:
                return refused
    return check_postings(event, postings, books.get(Balances))


def check_postings(event: Event, postings: list[Posting], balances: Balances) -> Rejected | None:
    """Refuse issuer outflows that are not mints, and any posting that overdraws its source."""
    running: dict[tuple[str, str], int] = {}
    for source, target, asset, amount in postings:
        if source.startswith("issuer:") or target.startswith("issuer:"):
            refused = _issuer_rule(event, source, target, asset, amount)
            if refused is not None:
                return refused
        key = (source, asset)
        held = running.get(key)
        if held is None:
            held = balances.balance(source, asset)
        running[key] = held - amount
        if held < amount and not may_go_negative(source, event):
            return Rejected(
                code=RejectCode.INSUFFICIENT_BALANCE,
                detail=f"{source} holds {held} {asset}; the {type(event).__name__} takes {amount}",
            )
        target_key = (target, asset)
        credited = running.get(target_key)
        if credited is None:
            credited = balances.balance(target, asset)
        running[target_key] = credited + amount
    return None


def _issuer_rule(
    event: Event, source: str, target: str, asset: str, amount: int
) -> Rejected | None:
    """An issuer account holds only its own asset, and only a mint of it takes it out."""
    for account in (source, target):
        if account.startswith("issuer:") and account != issuer_account(asset):
            return Rejected(
                code=RejectCode.NOT_MINTED,
                detail=f"{account} can hold only its own asset, not {asset}",
            )
    minter = MINTS.get(type(event))
    if source.startswith("issuer:") and amount and (minter is None or asset not in minter(event)):
        return Rejected(
            code=RejectCode.NOT_MINTED,
            detail=f"{type(event).__name__} moves {amount} {asset} out of {source}; "
            "only a mint of that asset may",
        )
    return None
