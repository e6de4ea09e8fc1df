"""ALEX pool prints (from Stacks API event pages) as the ledger's facts, one transaction at a time.

ALEX's weighted pools (`fixed-weight-pool-v1-01` and its kin) print the pool's whole record after
each action, `{object: "pool", action: A, data: {balance-x, balance-y, total-supply,
fee-rate-x, fee-rate-y, fee-rebate, oracle-enabled, oracle-average, oracle-resilient,
pool-token, ...}}`; later pools (`amm-pool-v2-01`) add `dx`, `dy`, `fee`, `fee-rebate`,
`token-x`, `token-y` and `sender` beside `data`. Each action maps from the change of the record:

- `created` -> `PoolCreated` (kind `weighted`) when the pool's first print in its transaction
  (the first deposit prints before `created` on chain), with the LP and tokens registered;
- `liquidity-added` -> `LiquidityAdded` (x, y and LP minted: the record's growth);
- `liquidity-removed` -> `LiquidityRemoved` (the record's fall);
- `swap-x-for-y` / `swap-y-for-x` -> `Swapped` (exact in) plus the fee's reserve share as a
  `ReserveCredited` (source `swap-fee:<pool>`). The gross input is the printed `dx` (`dy`)
  when the print has it, else solved from the balance change
  (dx - mul_up(dx, rate) + mul_down(fee, rebate)); where two inputs give the same balances the
  smaller is taken.

Amounts are the contracts' 8-decimal fixed-point amounts (ONE_8), which the ALEX books keep as
base units: every token and LP token is registered with 8 decimals (`AssetRegistered`, id
`stacks:<principal>`), whatever decimals the token contract itself has. Traders and providers
are `outside:stacks` (the Stacks holders the books do not track); a pool is
`stacks:<pool-token principal>` (or `stacks:<contract>/<pool-id>`).

What a print does not say: v1 pools print neither their tokens nor their weights, so those come
from the pool state file (`replay.importers.pool_state`); a pool whose tokens are unknown is
reported unmapped; weights left unknown are recorded as 0 and the audit calls the pool's checks
unverifiable. Max in/out ratios, never printed by v1 pools, are recorded as 1e8 (the chain
enforced its own). A record whose fee or oracle parameters differ from the books' (the owner's
setters print nothing) is preceded by a `PoolFeesObserved`. A print of a known pool that cannot
be mapped is reported, and the next print is measured from its record (the chain's), so one
odd print does not skew the ones after it.

A pool first seen after its creation opens with a `WeightedPoolObserved`: its record just before
the print when the print's own amounts give it (a swap with `dx`, `dy`, `fee` and `fee-rebate`),
else its record just after, the print itself then reported unmapped (its amounts unknown). The
staking and reserve-pool contracts (`alex-reserve-pool`, `alex-staking-v2`) print nothing when
a user stakes or claims, so no page holds those; any other print is reported unmapped with its
object and action.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import msgspec

from events.alex_pools import (
    STACKS_OUTSIDE,
    PoolFeesObserved,
    WeightedPoolObserved,
    is_stacks,
    stacks_name,
)
from events.amm import LiquidityAdded, LiquidityRemoved, PoolCreated, Swapped, swap_fee_source
from events.assets import AssetRegistered
from events.base import Event
from events.reserve import ReserveCredited
from projections.contracts.fixed_point import ONE_8, mul_down, mul_up
from projections.pools import Pools
from replay.importers.outcomes import Outcomes
from replay.importers.pool_state import PoolHint
from replay.importers.stacks_api import StacksPrint, print_kind

KIND = "ALEX print"
"""The outcome kind every print is counted under."""
ALEX_DECIMALS = 8
"""The decimals of every amount an ALEX pool prints (ONE_8 fixed point)."""
POOL_ACTIONS = ("created", "liquidity-added", "liquidity-removed", "swap-x-for-y", "swap-y-for-x")
SWAPS = {"swap-x-for-y": True, "swap-y-for-x": False}
"""Swap action -> whether x goes in."""

Made = list[tuple[Event, StacksPrint]]
"""Facts, each with the print it is of."""
Fees = tuple[int, int, int, bool, int]
"""fee-rate-x, fee-rate-y, fee-rebate, oracle-enabled, oracle-average."""


class PoolTrack(msgspec.Struct):
    """What the mapper keeps of a pool: its names and its record as the books have it."""

    pool: str
    token_x: str
    token_y: str
    balance_x: int
    balance_y: int
    supply: int
    fees: Fees


class PoolRecord(msgspec.Struct, frozen=True):
    """The part of a printed pool record the facts need."""

    balance_x: int
    balance_y: int
    supply: int
    fees: Fees
    oracle_resilient: int


class Unmapped(Exception):
    """A print that cannot become a fact: the reason is reported with its kind."""


def is_pool_print(value: Any) -> bool:
    """An ALEX pool print (what needs a block height to be mapped)."""
    return (
        isinstance(value, dict)
        and value.get("object") == "pool"
        and value.get("action") in POOL_ACTIONS
        and isinstance(value.get("data"), dict)
    )


def _uint(data: dict[str, Any], field: str, default: int | None = None) -> int:
    value = data.get(field, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Unmapped(f"the pool record has no uint `{field}`")
    return value


def read_record(data: dict[str, Any]) -> PoolRecord:
    fees = (
        _uint(data, "fee-rate-x", 0),
        _uint(data, "fee-rate-y", 0),
        _uint(data, "fee-rebate", 0),
        data.get("oracle-enabled") is True,
        _uint(data, "oracle-average", 0),
    )
    return PoolRecord(
        _uint(data, "balance-x"),
        _uint(data, "balance-y"),
        _uint(data, "total-supply"),
        fees,
        _uint(data, "oracle-resilient", 0),
    )


def pool_principal(found: StacksPrint) -> str:
    """The pool a print is of: its pool token, else `<contract>/<pool-id>`."""
    data = found.value["data"]
    token = data.get("pool-token")
    if isinstance(token, str):
        return token.lower()
    if "pool-id" in data:
        return f"{found.contract_id}/{_uint(data, 'pool-id')}".lower()
    raise Unmapped("the pool record names no pool-token or pool-id")


def net_of(gross: int, fee_rate: int, rebate_rate: int) -> int:
    """What a gross swap input adds to the pool's balance: less the fee, plus the rebate."""
    fee = mul_up(gross, fee_rate)
    return gross - fee + mul_down(fee, rebate_rate)


def gross_input(net_change: int, fee_rate: int, rebate_rate: int) -> int | None:
    """The least gross input whose net (`net_of`) is `net_change`; None when none is."""

    def net(gross: int) -> int:
        return net_of(gross, fee_rate, rebate_rate)

    low, high = net_change, max(2 * net_change, 1)
    while net(high) < net_change and high < net_change * ONE_8 + ONE_8:
        high *= 2
    while low < high:
        middle = (low + high) // 2
        if net(middle) < net_change:
            low = middle + 1
        else:
            high = middle
    return low if net(low) == net_change else None


def _symbol(principal: str) -> str:
    return principal.rpartition(".")[2] or principal


class AlexPrintMapper:
    """Maps ALEX pool prints to facts (see the module docstring)."""

    def __init__(self, pools: Pools, assets: set[str], hints: dict[str, PoolHint]) -> None:
        self.hints = hints
        self.assets = set(assets)
        self.outcomes = Outcomes()
        self.tracks: dict[str, PoolTrack] = {}
        for pool, book in pools.books.items():
            if is_stacks(pool) and not book.is_uniswap:
                spec = book.spec
                fees = (
                    spec.fee_rate_x,
                    spec.fee_rate_y,
                    spec.fee_rebate,
                    spec.oracle_enabled,
                    spec.oracle_average,
                )
                self.tracks[pool] = PoolTrack(
                    pool,
                    spec.token_x,
                    spec.token_y,
                    book.reserve_x,
                    book.reserve_y,
                    book.lp_supply,
                    fees,
                )

    def map_tx(self, prints: list[StacksPrint]) -> list[tuple[Event, StacksPrint]]:
        """The facts of one transaction's prints (in event order), each with the print it is of."""
        created: dict[str, StacksPrint] = {}
        for found in prints:
            if is_pool_print(found.value) and found.value["action"] == "created":
                with contextlib.suppress(Unmapped):  # reported when the print is mapped
                    created[pool_principal(found)] = found
        facts: list[tuple[Event, StacksPrint]] = []
        for found in prints:
            kind = print_kind(found.value)
            if not is_pool_print(found.value):
                self.outcomes.add(KIND, "unmapped", f"{kind}: not an ALEX pool action")
                continue
            made: Made = []
            try:
                note = self._print(found, created, made)
            except Unmapped as reason:
                note = str(reason)
            facts.extend(made)
            if note:
                self.outcomes.add(KIND, "unmapped", f"{kind}: {note}")
            else:
                self.outcomes.add(KIND, "mapped")
        return facts

    def _print(self, found: StacksPrint, created: dict[str, StacksPrint], made: Made) -> str:
        """Append the print's facts to `made`; a reason when its own action is not among them.

        A pool's creation facts are the `created` print's (its first deposit prints first).
        """
        principal = pool_principal(found)
        action = found.value["action"]
        record = read_record(found.value["data"])
        track = self.tracks.get(stacks_name(principal))
        if track is None:
            track = self._open(found, principal, created.get(principal), record, made)
            if track is None:
                return "pool first seen here: its record after this print opens the books"
        if action == "created":
            return ""
        if track.fees != record.fees:
            made.append((self._fees(track, record), found))
        mapper: Callable[[StacksPrint, PoolTrack, PoolRecord], list[Event]]
        mapper = self._swap if action in SWAPS else self._liquidity
        try:
            made.extend((fact, found) for fact in mapper(found, track, record))
        finally:  # the record is the chain's: the next print's change is measured from it
            track.balance_x, track.balance_y, track.supply = (
                record.balance_x,
                record.balance_y,
                record.supply,
            )
        return ""

    def _fees(self, track: PoolTrack, record: PoolRecord) -> Event:
        track.fees = record.fees
        rate_x, rate_y, rebate, oracle_enabled, oracle_average = record.fees
        return PoolFeesObserved(
            pool=track.pool,
            fee_rate_x=rate_x,
            fee_rate_y=rate_y,
            fee_rebate=rebate,
            oracle_enabled=oracle_enabled,
            oracle_average=oracle_average,
        )

    def _register(self, principal: str, made: Made, source: StacksPrint) -> str:
        asset = stacks_name(principal)
        if asset not in self.assets:
            self.assets.add(asset)
            registered = AssetRegistered(
                asset=asset, symbol=_symbol(principal), decimals=ALEX_DECIMALS
            )
            made.append((registered, source))
        return asset

    def _tokens(self, found: StacksPrint, principal: str) -> tuple[str, str]:
        value, hint = found.value, self.hints.get(principal)
        if isinstance(value.get("token-x"), str) and isinstance(value.get("token-y"), str):
            return value["token-x"].lower(), value["token-y"].lower()
        if hint is not None:
            return hint.token0, hint.token1
        raise Unmapped("pool tokens unknown (the print does not name them: use --pool-state)")

    def _weights(self, found: StacksPrint, principal: str) -> tuple[int, int]:
        data, hint = found.value["data"], self.hints.get(principal)
        if hint is not None and hint.weight_x is not None and hint.weight_y is not None:
            return hint.weight_x, hint.weight_y
        if "weight-x" in data and "weight-y" in data:
            return _uint(data, "weight-x"), _uint(data, "weight-y")
        return 0, 0

    def _open(
        self,
        found: StacksPrint,
        principal: str,
        creation: StacksPrint | None,
        record: PoolRecord,
        made: Made,
    ) -> PoolTrack | None:
        """A pool's first print: its creation, or a pool seen mid-life (observed); None when
        the observed record is the one after the print (its own action then not known)."""
        token_x, token_y = self._tokens(found, principal)
        data = found.value["data"]
        pool = stacks_name(principal)
        source = creation or found
        weight_x, weight_y = self._weights(found, principal)
        rate_x, rate_y, rebate, oracle_enabled, oracle_average = record.fees
        parameters: dict[str, Any] = {
            "pool": pool,
            "token_x": self._register(token_x, made, source),
            "token_y": self._register(token_y, made, source),
            "lp_asset": self._register(principal, made, source),
            "weight_x": weight_x,
            "weight_y": weight_y,
            "fee_rate_x": rate_x,
            "fee_rate_y": rate_y,
            "fee_rebate": rebate,
            "max_in_ratio": _uint(data, "max-in-ratio", ONE_8),
            "max_out_ratio": _uint(data, "max-out-ratio", ONE_8),
            "oracle_enabled": oracle_enabled,
            "oracle_average": oracle_average,
        }
        track = PoolTrack(pool, parameters["token_x"], parameters["token_y"], 0, 0, 0, record.fees)
        before = None
        if creation:
            owner = data.get("pool-owner") or data.get("fee-to-address") or "unknown"
            made.append((PoolCreated(kind="weighted", owner=str(owner), **parameters), source))
        else:
            before = self._before(found, record)
            shown = before if before is not None else record
            observed = WeightedPoolObserved(
                balance_x=shown.balance_x,
                balance_y=shown.balance_y,
                lp_supply=shown.supply,
                oracle_resilient=shown.oracle_resilient,
                holder=STACKS_OUTSIDE,
                **parameters,
            )
            made.append((observed, found))
            track.balance_x, track.balance_y, track.supply = (
                shown.balance_x,
                shown.balance_y,
                shown.supply,
            )
        self.tracks[pool] = track
        return track if creation or before is not None else None

    def _before(self, found: StacksPrint, record: PoolRecord) -> PoolRecord | None:
        """The record before a swap that prints its own amounts (else None: not known)."""
        value = found.value
        x_in = SWAPS.get(value["action"])
        fields = ("dx", "dy", "fee", "fee-rebate")
        if x_in is None or not all(isinstance(value.get(field), int) for field in fields):
            return None
        dx, dy, fee, rebate = (value[field] for field in fields)
        if x_in:
            moved = (record.balance_x - (dx - fee + rebate), record.balance_y + dy)
        else:
            moved = (record.balance_x + dx, record.balance_y - (dy - fee + rebate))
        if min(moved) < 0:
            return None
        return msgspec.structs.replace(record, balance_x=moved[0], balance_y=moved[1])

    def _swap(self, found: StacksPrint, track: PoolTrack, record: PoolRecord) -> list[Event]:
        x_in = SWAPS[found.value["action"]]
        before_in, after_in = (
            (track.balance_x, record.balance_x) if x_in else (track.balance_y, record.balance_y)
        )
        before_out, after_out = (
            (track.balance_y, record.balance_y) if x_in else (track.balance_x, record.balance_x)
        )
        net_in, amount_out = after_in - before_in, before_out - after_out
        if net_in <= 0 or amount_out < 0 or record.supply != track.supply:
            raise Unmapped("the pool record does not move as a swap does")
        rate = record.fees[0] if x_in else record.fees[1]
        rebate_rate = record.fees[2]
        printed = found.value.get("dx" if x_in else "dy")
        amount_in = printed if isinstance(printed, int) else None
        if amount_in is None or net_of(amount_in, rate, rebate_rate) != net_in:
            amount_in = gross_input(net_in, rate, rebate_rate)
        if amount_in is None:
            raise Unmapped("no gross input gives the pool's balance change")
        fee = mul_up(amount_in, rate)
        rebate = mul_down(fee, rebate_rate)
        asset_in, asset_out = (
            (track.token_x, track.token_y) if x_in else (track.token_y, track.token_x)
        )
        facts: list[Event] = [
            Swapped(
                pool=track.pool,
                trader=STACKS_OUTSIDE,
                asset_in=asset_in,
                asset_out=asset_out,
                amount_in=amount_in,
                amount_out=amount_out,
                fee=fee,
                rebate=rebate,
                reserve_share=fee - rebate,
                oracle_resilient=record.oracle_resilient if record.fees[3] else 0,
            )
        ]
        if fee > rebate:
            facts.append(
                ReserveCredited(
                    token=asset_in,
                    amount=fee - rebate,
                    from_account=STACKS_OUTSIDE,
                    source=swap_fee_source(track.pool),
                )
            )
        return facts

    def _liquidity(self, found: StacksPrint, track: PoolTrack, record: PoolRecord) -> list[Event]:
        sign = 1 if found.value["action"] == "liquidity-added" else -1
        dx = sign * (record.balance_x - track.balance_x)
        dy = sign * (record.balance_y - track.balance_y)
        lp = sign * (record.supply - track.supply)
        if dx < 0 or dy < 0 or lp <= 0 or dx + dy == 0:
            raise Unmapped("the pool record does not move as this action does")
        names: dict[str, Any] = {
            "pool": track.pool,
            "provider": STACKS_OUTSIDE,
            "token_x": track.token_x,
            "token_y": track.token_y,
            "lp_asset": track.pool,
            "amount_x": dx,
            "amount_y": dy,
        }
        if sign < 0:
            return [LiquidityRemoved(lp_burned=lp, **names)]
        seed = record.oracle_resilient if track.supply == 0 and record.fees[3] else 0
        return [LiquidityAdded(lp_minted=lp, oracle_resilient_seed=seed, **names)]
