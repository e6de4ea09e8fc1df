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

from collections.abc import Iterable

import msgspec

from events.assets import DECIMALS_MAX, AssetRegistered, issuer_account
from events.base import Event
from events.chain import ChainAssetRegistered
from events.core import Burned, Minted, Transferred
from events.record import Record
from projections.base import Table, Violation, canonical_bytes, digest_of
from projections.postings import POSTING_RULES

Registration = AssetRegistered | ChainAssetRegistered

#: Accounts meant to go negative: issuers (minus the supply) and the part of a chain whose
#: holders the books do not track (`outside:`, see `events.chain`).
ALLOWED_NEGATIVE = ("issuer:", "outside:")


def is_issuer(account: str) -> bool:
    return account.startswith("issuer:")


class _State(msgspec.Struct):
    """The sorted state: the balances table's rows (and what snapshots were before v1.1)."""

    balances: list[tuple[str, str, int]]
    assets: list[tuple[str, int]]
    violations: list[Violation]


class _Snapshot(msgspec.Struct):
    """A snapshot: the holdings as they are kept, asset -> account -> amount.

    Snapshots are a cache, so they are written in the dicts' own order (which the log
    determines) with zero amounts kept: restoring one rebuilds exactly the dicts it was taken
    from, so a restored state plus the same tail gives the same bytes as a full fold. The
    `digest()` does not depend on it: it leaves zeros out and the encoding sorts the keys.
    """

    holdings: dict[str, dict[str, int]]
    assets: list[tuple[str, int]]
    violations: list[Violation]


_snapshot_encoder = msgspec.json.Encoder()
_snapshot_decoder = msgspec.json.Decoder(_Snapshot)
_state_decoder = msgspec.json.Decoder(_State)


class Balances:
    """The balances projection (see the module docstring)."""

    name = "balances"
    version = 2
    """2: the digest hashes asset -> account -> amount (digest scheme 4); views and snapshots
    of version 1 carry the digest of the sorted rows, so they are rebuilt."""

    def __init__(self) -> None:
        self.holdings: dict[str, dict[str, int]] = {}
        """asset -> account -> amount: one dict per asset, keyed by plain account strings."""
        self.decimals: dict[str, int] = {}
        self._violations: list[Violation] = []

    @property
    def amounts(self) -> dict[tuple[str, str], int]:
        """(account, asset) -> amount, as a new dict (zero amounts included)."""
        return {
            (account, asset): amount
            for asset, held in self.holdings.items()
            for account, amount in held.items()
        }

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
        asset, amount = event.asset, event.amount
        held = self.holdings.get(asset)
        if held is None:
            held = self.holdings[asset] = {}
        left = held.get(source, 0) - amount
        held[source] = left
        held[target] = held.get(target, 0) + amount
        if left < 0 and not source.startswith(ALLOWED_NEGATIVE):
            self._negative(record.seq, source, asset, left)

    def _apply_by_rule(self, record: Record, event: Event) -> None:
        rule = POSTING_RULES.get(type(event))
        if rule is not None:
            holdings = self.holdings
            for source, target, asset, amount in rule(event):
                held = holdings.get(asset)
                if held is None:
                    held = holdings[asset] = {}
                left = held.get(source, 0) - amount
                held[source] = left
                held[target] = held.get(target, 0) + amount
                if left < 0 and not source.startswith(ALLOWED_NEGATIVE):
                    self._negative(record.seq, source, asset, left)
        elif isinstance(event, Registration) and event.decimals is not None:
            # A chain token without decimals (not in the token list) stays without: no guess;
            # so does one whose decimals no amount could be shown with (a finding).
            if 0 <= event.decimals <= DECIMALS_MAX:
                self.decimals[event.asset] = event.decimals
            else:
                detail = f"{event.asset} registered with {event.decimals} decimals"
                self._violations.append(Violation("INVALID_DECIMALS", record.seq, detail))

    def _negative(self, seq: int, account: str, asset: str, left: int) -> None:
        self._violations.append(
            Violation("NEGATIVE_BALANCE", seq, f"{account} holds {left} of {asset}")
        )

    def balance(self, account: str, asset: str) -> int:
        held = self.holdings.get(asset)
        return 0 if held is None else held.get(account, 0)

    def supply(self, asset: str) -> int:
        """Units in circulation: minus the issuer's balance."""
        return -self.balance(issuer_account(asset), asset)

    def supplies(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for account, asset, amount in self._entries():
            if is_issuer(account):
                result[asset] = result.get(asset, 0) - amount
        return dict(sorted(result.items()))

    def check_invariants(self, seq: int) -> list[Violation]:
        """Per asset, the holders' balances sum to the supply (recomputed from scratch)."""
        held: dict[str, int] = {}
        for account, asset, amount in self._entries():
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

    def _entries(self) -> Iterable[tuple[str, str, int]]:
        for asset, held in self.holdings.items():
            for account, amount in held.items():
                yield account, asset, amount

    def violations(self) -> list[Violation]:
        return list(self._violations)

    def _state(self) -> _State:
        balances = sorted(
            (account, asset, amount)
            for asset, held in self.holdings.items()
            for account, amount in held.items()
            if amount
        )
        return _State(balances, sorted(self.decimals.items()), self._violations)

    def snapshot(self) -> bytes:
        """The state as it is kept (see `_Snapshot`); not canonical: `digest()` is."""
        return _snapshot_encoder.encode(
            _Snapshot(self.holdings, sorted(self.decimals.items()), self._violations)
        )

    def restore(self, data: bytes) -> None:
        """Restore from `snapshot()` bytes, or from the canonical `_State` older ones hold."""
        try:
            snapshot = _snapshot_decoder.decode(data)
        except msgspec.ValidationError:
            state = _state_decoder.decode(data)
            holdings: dict[str, dict[str, int]] = {}
            for account, asset, amount in state.balances:
                holdings.setdefault(asset, {})[account] = amount
            self.holdings = holdings
            self.decimals = dict(state.assets)
            self._violations = list(state.violations)
            return
        self.holdings = snapshot.holdings
        self.decimals = dict(snapshot.assets)
        self._violations = snapshot.violations

    def digest(self) -> str:
        """Hex sha256 of the holdings without zeros (asset -> account -> amount; the canonical
        encoding sorts the keys), the decimals and the violations."""
        holdings = {}
        for asset, held in self.holdings.items():
            if 0 in held.values():  # a scan in C; most checkpoints find no zero to leave out
                held = {account: amount for account, amount in held.items() if amount}
            if held:
                holdings[asset] = held
        state = {"holdings": holdings, "assets": self.decimals, "violations": self._violations}
        return digest_of(canonical_bytes(state))

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
