"""ALEX staking: pools per token, stakes per cycle, emission per cycle and year, the ALEX supply.

The fold trusts the recorded amounts (rewards, principal, emission); the commands compute them
with `projections.contracts.staking`. A cycle's emission is fixed at its first claim
(`CycleEmissionFixed`): the band coinbase cut to what is left of the annual cap across all
pools, so the cap holds whatever order stakers claim in, and every staker of the cycle is paid
pro rata from the same emission.

The supply table splits the reward asset's supply by origin (genesis, emissions minted by older
logs, emergency issuance, other mints, burns), so "supply = genesis + emissions + emergency -
burns" can be checked against `balances` at any block. Rewards paid out of a genesis allocation
(`paid_from_allocations`) move ALEX between accounts and leave the total where genesis put it.

Staked principal is held by the token's reserve pool (`reserve:<token>`), as the contract
counts it (`events.alex` explains the reserve events a stake and a principal return carry);
`principal_outstanding(token)` is what that reserve owes stakers.
"""

from __future__ import annotations

import msgspec

from events import alex as alex_events
from events.alex import (
    GENESIS_MEMO_PREFIX,
    CycleEmissionFixed,
    Staked,
    StakingActivationSet,
    StakingConfigured,
    StakingEmissionCapped,
    StakingRewardClaimed,
    StakingUserRegistered,
)
from events.alex_governance import EMISSION_SCHEDULE, ParameterChanged
from events.base import Event
from events.core import Burned, Minted
from events.record import Record
from events.reserve import EmergencyIssued
from projections.base import Table, Violation, canonical_bytes, digest_of
from projections.books import Books, LogPosition
from projections.contracts.staking import (
    BLOCKS_PER_YEAR,
    EMISSION_CAPS_ANNUAL_DEFAULT,
    LOCK_CYCLES_MAX,
    emission_cap_for_year,
    reward_cycle,
)
from projections.routing import event_types_in

_STAKING_EVENTS = event_types_in(alex_events) | {
    Minted,
    Burned,
    EmergencyIssued,
    ParameterChanged,
}


class ScheduleChange(msgspec.Struct):
    """An emission schedule a proposal enacted: bands for cycles starting from `from_height`."""

    from_height: int
    coinbase_amounts: list[int]


class StakingPool(msgspec.Struct):
    """One stakeable token's parameters and activation."""

    owner: str
    activation_mode: str
    coinbase_amounts: list[int]
    halving_cycle: int
    cycle_length_blocks: int
    apower_multiplier: int
    activation_threshold_users: int
    activation_delay_blocks: int
    reward_asset: str
    apower_asset: str
    activation_height: int | None = None
    registered: list[str] = msgspec.field(default_factory=list)
    reward_from: str = ""
    """The allocation account that pays rewards ("" : minted from the issuer, older logs)."""
    schedule_changes: list[ScheduleChange] = msgspec.field(default_factory=list)
    """Emission schedules governance enacted, each from its block, in order."""

    def coinbase_bands(self, cycle_first_height: int) -> list[int]:
        """The band schedule in force at a cycle's first block."""
        bands = self.coinbase_amounts
        for change in self.schedule_changes:
            if change.from_height <= cycle_first_height:
                bands = change.coinbase_amounts
        return bands


class CycleBook(msgspec.Struct):
    """One (token, cycle): stakes per staker, principal due, totals, emission and claims."""

    staked_total: int = 0
    stakes: dict[str, int] = msgspec.field(default_factory=dict)
    to_return: dict[str, int] = msgspec.field(default_factory=dict)
    emission: int | None = None
    emission_year: int | None = None
    rewards_claimed: int = 0


class EmissionCaps(msgspec.Struct):
    caps_annual: list[int] = msgspec.field(
        default_factory=lambda: list(EMISSION_CAPS_ANNUAL_DEFAULT)
    )
    emission_start_height: int = 0
    blocks_per_year: int = BLOCKS_PER_YEAR


class SupplyOrigins(msgspec.Struct):
    """Where the reward asset's supply came from (base units)."""

    genesis: int = 0
    emissions: int = 0
    """Rewards minted from the issuer (older logs only: new ones are paid from allocations)."""
    emergency: int = 0
    other_mints: int = 0
    burns: int = 0
    paid_from_allocations: int = 0
    """Rewards paid out of genesis allocations: they move supply between accounts, not its total."""

    @property
    def expected_supply(self) -> int:
        return self.genesis + self.emissions + self.emergency + self.other_mints - self.burns


class GenesisMint(msgspec.Struct):
    """Where the last genesis mint of a token is in the log."""

    asset: str
    seq: int


class _StakingState(msgspec.Struct):
    pools: dict[str, StakingPool] = msgspec.field(default_factory=dict)
    cycles: dict[str, dict[str, CycleBook]] = msgspec.field(default_factory=dict)
    """token -> str(cycle) -> book (the canonical encoding allows only str keys)."""
    caps: EmissionCaps = msgspec.field(default_factory=EmissionCaps)
    emitted_by_year: dict[str, int] = msgspec.field(default_factory=dict)
    """str(year) -> emission fixed for cycles starting in that year."""
    supply: dict[str, SupplyOrigins] = msgspec.field(default_factory=dict)
    violations: list[Violation] = msgspec.field(default_factory=list)
    genesis_last: GenesisMint | msgspec.UnsetType = msgspec.UNSET
    """The last genesis mint, until the emission cap that ends a genesis (unset, it is not
    encoded: the state of a log without a genesis under way is what it always was)."""


class AlexStaking:
    """The `alex_staking` projection (see the module docstring)."""

    name = "alex_staking"
    version = 2

    def __init__(self) -> None:
        self.state = _StakingState()
        self._position = LogPosition()

    def attach(self, books: Books) -> None:
        self._position = books.position

    # -- reads the commands use ------------------------------------------------------------

    def pool(self, token: str) -> StakingPool | None:
        return self.state.pools.get(token)

    def current_cycle(self, token: str, height: int) -> int | None:
        """The reward cycle of `height` for `token` (None: unknown or not activated)."""
        found = self.pool(token)
        if found is None or found.activation_height is None:
            return None
        return reward_cycle(height, found.activation_height, found.cycle_length_blocks)

    def cycle(self, token: str, cycle: int) -> CycleBook:
        """The book of one cycle (an empty one if nothing was staked in it)."""
        return self.state.cycles.get(token, {}).get(str(cycle)) or CycleBook()

    @property
    def caps(self) -> EmissionCaps:
        return self.state.caps

    def emitted_in_year(self, year: int) -> int:
        """Emission fixed so far for cycles whose first block falls in `year`."""
        return self.state.emitted_by_year.get(str(year), 0)

    def principal_outstanding(self, token: str) -> int:
        """Staked principal not yet handed back: what `reserve:<token>` owes stakers."""
        return sum(
            sum(book.to_return.values()) for book in self.state.cycles.get(token, {}).values()
        )

    def supply_origins(self, asset: str = "ALEX") -> SupplyOrigins:
        return self.state.supply.get(asset) or SupplyOrigins()

    def genesis_under_way(self, asset: str) -> bool:
        """True when the last fact the books folded is a genesis mint of `asset`: its genesis
        is being recorded, one mint per allocation, and the next genesis mint belongs to it."""
        last = self.state.genesis_last
        return (
            isinstance(last, GenesisMint) and last.asset == asset and last.seq == self._position.seq
        )

    # -- the fold ---------------------------------------------------------------------------

    def _book(self, token: str, cycle: int) -> CycleBook:
        cycles = self.state.cycles.setdefault(token, {})
        found = cycles.get(str(cycle))
        if found is None:
            found = cycles[str(cycle)] = CycleBook()
        return found

    def _origins(self, asset: str) -> SupplyOrigins:
        found = self.state.supply.get(asset)
        if found is None:
            found = self.state.supply[asset] = SupplyOrigins()
        return found

    def folds(self, event_type: type[Event]) -> bool:
        return event_type in _STAKING_EVENTS

    def apply(self, record: Record) -> None:
        event = record.event
        if isinstance(event, Staked):
            self._apply_staked(event, record.seq)
        elif isinstance(event, StakingRewardClaimed):
            self._apply_claimed(event, record.seq)
        elif isinstance(event, CycleEmissionFixed):
            self._apply_emission(event, record.seq)
        elif isinstance(event, (Minted, Burned, EmergencyIssued)):
            self._apply_supply(event, record.seq)
        elif isinstance(event, StakingConfigured):
            self.state.pools[event.token] = StakingPool(
                owner=event.owner,
                activation_mode=event.activation_mode,
                coinbase_amounts=list(event.coinbase_amounts),
                halving_cycle=event.halving_cycle,
                cycle_length_blocks=event.cycle_length_blocks,
                apower_multiplier=event.apower_multiplier,
                activation_threshold_users=event.activation_threshold_users,
                activation_delay_blocks=event.activation_delay_blocks,
                reward_asset=event.reward_asset,
                apower_asset=event.apower_asset,
                reward_from=event.reward_from,
            )
        elif isinstance(event, (StakingActivationSet, StakingUserRegistered)):
            self._apply_activation(event, record.seq)
        elif isinstance(event, ParameterChanged):
            change, found = event.change, self.state.pools.get(event.change.target)
            if change.parameter == EMISSION_SCHEDULE and found is not None:
                found.schedule_changes.append(
                    ScheduleChange(event.effective_height, list(change.values))
                )
        elif isinstance(event, StakingEmissionCapped):
            self.state.caps = EmissionCaps(
                list(event.caps_annual), event.emission_start_height, event.blocks_per_year
            )
            self.state.genesis_last = msgspec.UNSET  # the genesis's last fact

    def _apply_activation(
        self, event: StakingActivationSet | StakingUserRegistered, seq: int
    ) -> None:
        """A log written before facts were checked on the way in may name a token whose
        staking was never configured: that is a finding, not a crash."""
        pool = self.state.pools.get(event.token)
        if pool is None:
            self.state.violations.append(
                Violation("UNKNOWN_STAKING_TOKEN", seq, f"{event.token} staking is not configured")
            )
        elif isinstance(event, StakingActivationSet):
            pool.activation_height = event.activation_height
        else:
            pool.registered.append(event.user)

    def _apply_staked(self, event: Staked, seq: int) -> None:
        if not 0 <= event.last_cycle - event.first_cycle < LOCK_CYCLES_MAX:
            # A fold walks the cycles one by one: a span no stake can have is a finding.
            self.state.violations.append(
                Violation(
                    "LOCK_OUT_OF_RANGE",
                    seq,
                    f"{event.staker} stakes cycles {event.first_cycle}..{event.last_cycle}",
                )
            )
            return
        for cycle in range(event.first_cycle, event.last_cycle + 1):
            book = self._book(event.token, cycle)
            book.stakes[event.staker] = book.stakes.get(event.staker, 0) + event.amount
            book.staked_total += event.amount
        last = self._book(event.token, event.last_cycle)
        last.to_return[event.staker] = last.to_return.get(event.staker, 0) + event.amount

    def _apply_claimed(self, event: StakingRewardClaimed, seq: int) -> None:
        book = self._book(event.token, event.cycle)
        book.stakes.pop(event.staker, None)
        book.to_return.pop(event.staker, None)
        book.rewards_claimed += event.reward
        origins = self._origins(event.reward_asset)
        if event.reward_from:
            origins.paid_from_allocations += event.reward
        else:
            origins.emissions += event.reward
        if book.emission is not None and book.rewards_claimed > book.emission:
            self.state.violations.append(
                Violation(
                    "REWARDS_ABOVE_EMISSION",
                    seq,
                    f"{event.token} cycle {event.cycle}: {book.rewards_claimed} paid of "
                    f"{book.emission}",
                )
            )

    def _apply_emission(self, event: CycleEmissionFixed, seq: int) -> None:
        book = self._book(event.token, event.cycle)
        book.emission, book.emission_year = event.emission, event.emission_year
        year = event.emission_year
        emitted = self.state.emitted_by_year.get(str(year), 0) + event.emission
        self.state.emitted_by_year[str(year)] = emitted
        cap = emission_cap_for_year(year, self.state.caps.caps_annual)
        if emitted > cap:
            self.state.violations.append(
                Violation("EMISSION_CAP_EXCEEDED", seq, f"year {year}: {emitted} > cap {cap}")
            )

    def _apply_supply(self, event: Minted | Burned | EmergencyIssued, seq: int) -> None:
        if isinstance(event, EmergencyIssued):
            self._origins(event.alex_asset).emergency += event.alex_amount
        elif isinstance(event, Burned):
            self._origins(event.asset).burns += event.amount
        elif event.memo.startswith(GENESIS_MEMO_PREFIX):
            self._origins(event.asset).genesis += event.amount
            self.state.genesis_last = GenesisMint(event.asset, seq)
        else:
            self._origins(event.asset).other_mints += event.amount

    # -- the Projection protocol ------------------------------------------------------------

    def snapshot(self) -> bytes:
        return canonical_bytes(self.state)

    def restore(self, data: bytes) -> None:
        self.state = msgspec.json.decode(data, type=_StakingState)

    def digest(self) -> str:
        return digest_of(self.snapshot())

    def violations(self) -> list[Violation]:
        return list(self.state.violations)

    def tables(self) -> list[Table]:
        state = self.state
        pools = [
            (token, p.activation_mode, p.activation_height, len(p.registered), p.apower_multiplier)
            for token, p in sorted(state.pools.items())
        ]
        books = [
            (token, int(cycle), book)
            for token, by_cycle in sorted(state.cycles.items())
            for cycle, book in sorted(by_cycle.items(), key=lambda item: int(item[0]))
        ]
        cycles = [
            (token, cycle, book.staked_total, book.emission, book.rewards_claimed)
            for token, cycle, book in books
        ]
        stakes = [
            (token, cycle, staker, amount, book.to_return.get(staker, 0))
            for token, cycle, book in books
            for staker, amount in sorted(book.stakes.items())
        ]
        years = [
            (int(year), emission_cap_for_year(int(year), state.caps.caps_annual), emitted)
            for year, emitted in sorted(state.emitted_by_year.items(), key=lambda i: int(i[0]))
        ]
        return [
            Table(
                "staking_pools",
                ("token", "activation_mode", "activation_height", "registered", "apower_x1e8"),
                pools,
                key_columns=("token",),
            ),
            Table(
                "staking_cycles",
                ("token", "cycle", "staked_total", "emission", "rewards_claimed"),
                cycles,
                key_columns=("token", "cycle"),
            ),
            Table(
                "staking_stakes",
                ("token", "cycle", "account", "amount", "principal_due"),
                stakes,
                key_columns=("token", "cycle", "account"),
            ),
            Table(
                "staking_emission_years",
                ("year", "cap", "emitted"),
                years,
                key_columns=("year",),
            ),
            _supply_table(state.supply),
        ]


def _supply_table(supply: dict[str, SupplyOrigins]) -> Table:
    rows = [
        (
            asset,
            o.genesis,
            o.emissions,
            o.emergency,
            o.other_mints,
            o.burns,
            o.expected_supply,
            o.paid_from_allocations,
        )
        for asset, o in sorted(supply.items())
    ]
    columns = ("asset", "genesis", "emissions", "emergency", "other_mints", "burns", "expected")
    return Table(
        "supply_origins", (*columns, "paid_from_allocations"), rows, key_columns=("asset",)
    )
