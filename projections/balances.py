"""Balances: (account, asset) -> amount, and supply per asset, from postings.

Every event that moves value maps, through one function per event type, to postings
`(from_account, to_account, asset, amount)`. Mints post from the asset's issuer account and
burns post to it, so the books always balance: the issuer's balance is minus the supply.
Protocol accounts (pools, vaults, reserve pools, the stability pool, the treasury) are ordinary
accounts with readable names (`pool:ALEX-USDA`, `reserve:ALEX`, ...).

Invariants, recorded as `Violation`s: no balance below zero (issuer accounts excepted), and per
asset the balances sum to the supply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import msgspec

from events.assets import AssetRegistered, issuer_account
from events.base import Event
from events.core import Burned, Minted, Transferred
from events.record import Record
from projections.base import Table, Violation, canonical_bytes, digest_of

#: (from_account, to_account, asset, amount)
Posting = tuple[str, str, str, int]
PostingRule = Callable[[Any], Iterable[Posting]]

_POSTING_RULES: dict[type[Event], PostingRule] = {}


def posting_rule(event_class: type[Event]) -> Callable[[PostingRule], PostingRule]:
    """Register the function that turns `event_class` events into postings."""

    def decorate(rule: PostingRule) -> PostingRule:
        if event_class in _POSTING_RULES:
            raise ValueError(f"{event_class.__name__} has a posting rule already")
        _POSTING_RULES[event_class] = rule
        return rule

    return decorate


def postings_of(event: Event) -> Iterable[Posting]:
    """The value an event moves (nothing, for events that move none)."""
    rule = _POSTING_RULES.get(type(event))
    return rule(event) if rule is not None else ()


@posting_rule(Minted)
def _minted(event: Minted) -> Iterable[Posting]:
    return ((issuer_account(event.asset), event.to_account, event.asset, event.amount),)


@posting_rule(Burned)
def _burned(event: Burned) -> Iterable[Posting]:
    return ((event.from_account, issuer_account(event.asset), event.asset, event.amount),)


@posting_rule(Transferred)
def _transferred(event: Transferred) -> Iterable[Posting]:
    return ((event.from_account, event.to_account, event.asset, event.amount),)


def is_issuer(account: str) -> bool:
    return account.startswith("issuer:")


class _State(msgspec.Struct):
    balances: list[tuple[str, str, int]]
    assets: list[tuple[str, int]]
    violations: list[Violation]


class Balances:
    """The balances projection (see the module docstring)."""

    name = "balances"
    version = 1

    def __init__(self) -> None:
        self.amounts: dict[tuple[str, str], int] = {}
        self.decimals: dict[str, int] = {}
        self._violations: list[Violation] = []

    def apply(self, record: Record) -> None:
        event = record.event
        # The three core facts are most of any log: their one posting each is made here
        # directly, exactly as their rules below would make it, without the rule call.
        if type(event) is Transferred:
            source, target = event.from_account, event.to_account
        elif type(event) is Minted:
            source, target = issuer_account(event.asset), event.to_account
        elif type(event) is Burned:
            source, target = event.from_account, issuer_account(event.asset)
        else:
            self._apply_by_rule(record, event)
            return
        asset, amount, amounts = event.asset, event.amount, self.amounts
        debit_key = (source, asset)
        left = amounts.get(debit_key, 0) - amount
        amounts[debit_key] = left
        credit_key = (target, asset)
        amounts[credit_key] = amounts.get(credit_key, 0) + amount
        if left < 0 and not source.startswith("issuer:"):
            self._negative(record.seq, source, asset, left)

    def _apply_by_rule(self, record: Record, event: Event) -> None:
        rule = _POSTING_RULES.get(type(event))
        if rule is not None:
            amounts = self.amounts
            for source, target, asset, amount in rule(event):
                debit_key = (source, asset)
                left = amounts.get(debit_key, 0) - amount
                amounts[debit_key] = left
                credit_key = (target, asset)
                amounts[credit_key] = amounts.get(credit_key, 0) + amount
                if left < 0 and not source.startswith("issuer:"):
                    self._negative(record.seq, source, asset, left)
        elif type(event) is AssetRegistered:
            self.decimals[event.asset] = event.decimals

    def _negative(self, seq: int, account: str, asset: str, left: int) -> None:
        self._violations.append(
            Violation("NEGATIVE_BALANCE", seq, f"{account} holds {left} of {asset}")
        )

    def balance(self, account: str, asset: str) -> int:
        return self.amounts.get((account, asset), 0)

    def supply(self, asset: str) -> int:
        """Units in circulation: minus the issuer's balance."""
        return -self.amounts.get((issuer_account(asset), asset), 0)

    def supplies(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for (account, asset), amount in self.amounts.items():
            if is_issuer(account):
                result[asset] = result.get(asset, 0) - amount
        return dict(sorted(result.items()))

    def check_invariants(self, seq: int) -> list[Violation]:
        """Per asset, the holders' balances sum to the supply (recomputed from scratch)."""
        held: dict[str, int] = {}
        for (account, asset), amount in self.amounts.items():
            if not is_issuer(account):
                held[asset] = held.get(asset, 0) + amount
        found = []
        for asset, supply in self.supplies().items():
            if held.get(asset, 0) != supply:
                found.append(
                    Violation(
                        "SUPPLY_MISMATCH",
                        seq,
                        f"{asset}: balances sum to {held.get(asset, 0)}, supply is {supply}",
                    )
                )
        return found

    def violations(self) -> list[Violation]:
        return list(self._violations)

    def _state(self) -> _State:
        balances = sorted(
            (account, asset, amount) for (account, asset), amount in self.amounts.items() if amount
        )
        return _State(balances, sorted(self.decimals.items()), self._violations)

    def snapshot(self) -> bytes:
        return canonical_bytes(self._state())

    def restore(self, data: bytes) -> None:
        state = msgspec.json.decode(data, type=_State)
        self.amounts = {(account, asset): amount for account, asset, amount in state.balances}
        self.decimals = dict(state.assets)
        self._violations = list(state.violations)

    def digest(self) -> str:
        return digest_of(self.snapshot())

    def tables(self) -> list[Table]:
        state = self._state()
        supply = [
            (asset, amount, self.decimals.get(asset)) for asset, amount in self.supplies().items()
        ]
        return [
            Table(
                "balances",
                ("account", "asset", "amount"),
                [row for row in state.balances if not is_issuer(row[0])],
                key_columns=("account", "asset"),
            ),
            Table("supply", ("asset", "amount", "decimals"), supply, key_columns=("asset",)),
        ]
