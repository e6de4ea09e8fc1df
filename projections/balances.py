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

from bisect import bisect_right
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import get_args

from events.assets import DECIMALS_MAX, AssetRegistered, issuer_account
from events.base import Event
from events.chain import ChainAssetRegistered
from events.core import Burned, Minted, Transferred
from events.record import Record
from projections.balances_layout import (
    State,
    decode_snapshot,
    encode_accounts,
    encode_snapshot,
)
from projections.base import Table, Violation, canonical_bytes, digest_of
from projections.postings import POSTING_RULES

Registration = AssetRegistered | ChainAssetRegistered
_REGISTRATIONS = frozenset(get_args(Registration))

#: Accounts meant to go negative: issuers (minus the supply) and the part of a chain whose
#: holders the books do not track (`outside:`, see `events.chain`).
ALLOWED_NEGATIVE = ("issuer:", "outside:")


def is_issuer(account: str) -> bool:
    return account.startswith("issuer:")


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
        self.arrivals: dict[str, list[int]] | None = {}
        """asset -> the seq each of its holdings arrived at, in the holdings' order (so the
        holdings that arrived after a seq are the last ones): how `unfold` takes away those
        that were not there yet. None when not known (restored from a layout before 4, until
        a rebuild)."""
        self.registered: list[tuple[int, str, int]] | None = []
        """(seq, asset, decimals) of every registration that set an asset's decimals, in seq
        order: how `unfold` gives back the decimals a registration replaced (or takes away the
        ones it set first). None when not known (restored from a snapshot without them)."""
        self._accounts: dict[str, tuple[dict[str, int], int, bytes]] = {}
        """asset -> (its holdings dict, its size, its accounts' JSON pair) at the last
        snapshot. A holdings dict only ever gains accounts, at its end (zeros are kept), so the
        same dict at the same size holds the same accounts in the same order."""

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
        # `_post`, inline: a call per record is ~10% of a balances fold.
        asset, amount = event.asset, event.amount
        held = self.holdings.get(asset)
        if held is None:
            held = self.holdings[asset] = {}
        before = held.get(source)
        if before is None:
            before = self._arrived(asset, record.seq)
        left = before - amount
        held[source] = left
        after = held.get(target)
        if after is None:
            after = self._arrived(asset, record.seq)
        held[target] = after + amount
        if left < 0 and not source.startswith(ALLOWED_NEGATIVE):
            self._negative(record.seq, source, asset, left)

    def _post(self, seq: int, source: str, target: str, asset: str, amount: int) -> None:
        """One posting: `amount` of `asset` from `source` to `target`."""
        held = self.holdings.get(asset)
        if held is None:
            held = self.holdings[asset] = {}
        before = held.get(source)
        if before is None:
            before = self._arrived(asset, seq)
        left = before - amount
        held[source] = left
        after = held.get(target)
        if after is None:
            after = self._arrived(asset, seq)
        held[target] = after + amount
        if left < 0 and not source.startswith(ALLOWED_NEGATIVE):
            self._negative(seq, source, asset, left)

    def _arrived(self, asset: str, seq: int) -> int:
        """A holding of `asset` arrives at `seq` (the caller adds it): its amount so far, 0."""
        if self.arrivals is not None:
            self.arrivals.setdefault(asset, []).append(seq)
        return 0

    def _apply_by_rule(self, record: Record, event: Event) -> None:
        rule = POSTING_RULES.get(type(event))
        if rule is not None:
            for source, target, asset, amount in rule(event):
                self._post(record.seq, source, target, asset, amount)
        elif isinstance(event, Registration) and event.decimals is not None:
            # A chain token without decimals (not in the token list) stays without: no guess;
            # so does one whose decimals no amount could be shown with (a finding).
            if 0 <= event.decimals <= DECIMALS_MAX:
                self.decimals[event.asset] = event.decimals
                if self.registered is not None:
                    self.registered.append((record.seq, event.asset, event.decimals))
            else:
                detail = f"{event.asset} registered with {event.decimals} decimals"
                self._violations.append(Violation("INVALID_DECIMALS", record.seq, detail))

    def unfold(self, records: Sequence[Record]) -> bool:
        """Undo `records` (`projections.base.FoldsBackwards`): every posting taken back, the
        holdings that arrived with them taken away (`arrivals`), the decimals they registered
        given back (`registered`), and the violations they found dropped: exactly the fold that
        stopped before them. False, the state untouched, when the arrivals are not known, or
        the registrations are not and one is among the records."""
        arrivals = self.arrivals
        if arrivals is None or (
            self.registered is None
            and not _REGISTRATIONS.isdisjoint({type(r.event) for r in records})
        ):
            return False
        if not records:
            return True
        holdings, before = self.holdings, records[0].seq - 1
        for record in records:
            rule = POSTING_RULES.get(type(record.event))
            for source, target, asset, amount in rule(record.event) if rule else ():
                held = holdings[asset]
                held[source] += amount
                held[target] -= amount
        for asset, arrived in list(arrivals.items()):
            kept = bisect_right(arrived, before)
            if kept < len(arrived):
                held = holdings[asset]
                for account in list(islice(reversed(held), len(arrived) - kept)):
                    del held[account]
                del arrived[kept:]
                if not arrived:  # the asset itself arrived with them
                    del holdings[asset], arrivals[asset]
        self._unregister(before)
        violations = self._violations
        while violations and violations[-1].seq > before:
            violations.pop()
        self._accounts = {}
        return True

    def _unregister(self, before: int) -> None:
        """Undo the registrations after seq `before`: each asset's decimals as the last one
        at or before it set them, or none."""
        registered = self.registered
        undone = set()
        while registered and registered[-1][0] > before:
            undone.add(registered.pop()[1])
        for asset in undone:
            kept = [decimals for _, named, decimals in registered or () if named == asset]
            if kept:
                self.decimals[asset] = kept[-1]
            else:
                del self.decimals[asset]

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

    def _state(self) -> State:
        balances = sorted(
            (account, asset, amount)
            for asset, held in self.holdings.items()
            for account, amount in held.items()
            if amount
        )
        return State(balances, sorted(self.decimals.items()), self._violations)

    def snapshot(self) -> bytes:
        """The state as it is kept, in the current layout (`projections.balances_layout`; not
        canonical: `digest()` is)."""
        return b"".join(self.snapshot_parts())

    def snapshot_parts(self) -> list[bytes]:
        """`snapshot()` in parts (`projections.balances_layout`): the magic and the header,
        each asset's accounts, and the amounts. An asset's accounts only change when new ones
        arrive, so consecutive snapshots share those parts, and the log's file keeps each once
        (`projections.snapshot_states`)."""
        accounts = [self._accounts_encoded(asset, held) for asset, held in self.holdings.items()]
        return encode_snapshot(
            self.holdings, accounts, self.decimals, self._violations, self.registered
        )

    def _accounts_encoded(self, asset: str, held: dict[str, int]) -> bytes:
        """The JSON pair of `held`'s accounts in its order and their arrivals: kept while no
        account is added."""
        cached = self._accounts.get(asset)
        if cached is not None and cached[0] is held and cached[1] == len(held):
            return cached[2]
        arrived = None if self.arrivals is None else self.arrivals.get(asset, [])
        encoded = encode_accounts(list(held), arrived)
        self._accounts[asset] = (held, len(held), encoded)
        return encoded

    def restore(self, data: bytes) -> None:
        """Restore from `snapshot()` bytes, or from the older layouts snapshots hold.

        Raises `msgspec.DecodeError` on bytes that are neither (views and snapshots are
        checked against their sha256 before they get here, so only a bug or a hand-made state
        reaches it).
        """
        self._accounts = {}
        (self.holdings, self.decimals, self._violations, self.arrivals, self.registered) = (
            decode_snapshot(data)
        )

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
