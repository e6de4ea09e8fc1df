"""ALEX staking facts: configuration, activation, stakes, per-cycle emission and claims.

Genesis needs no facts of its own: it is `AssetRegistered` plus one `Minted` per allocation
(memo `genesis:<allocation>`). A claim pays the reward in ALEX out of the staking-incentives
allocation (`reward_from`; older logs minted it from the issuer), mints APower, and hands the
principal back with the stake's last locked cycle.

Staked tokens are the reserve pool's (protocol-math 2.7: stake `reserve[token] += amount`, claim
`reserve[token] -= to_return`). The reserve pool of a token is the account `reserve:<token>`,
so the staking vault IS that account: a stake is recorded as `Staked` plus a `ReserveCredited`
(source `staking:<token>`, posting staker -> reserve) and a principal return as
`StakingRewardClaimed` plus the reserve paying its liability to the staker
(`ReserveDebited`, reason `staking-principal:<token>:<cycle>`,
posting reserve -> staker). Those reserve events move the money; `Staked` and the claim's
principal then move nothing (`reserve_credited` / `principal_from_reserve`). Logs written
before that (both flags False) keep the old postings through `vault:staking:<token>`.
"""

from __future__ import annotations

from events.base import Amount, Block, Event, Name, register

GENESIS_MEMO_PREFIX = "genesis:"
"""Memo of the `Minted` events that make the genesis allocation (`genesis:foundation`, ...)."""

STAKING_INCENTIVES_ACCOUNT = "vault:staking-incentives"
"""The genesis allocation (50% of supply) that pays every staking reward in ALEX."""

STAKING_PRINCIPAL_REASON = "staking-principal"
"""Reason prefix of the reserve events that hand a stake's principal back."""


def staking_vault(token: str) -> str:
    """The account that held staked tokens before stakes were credited to the reserve pool."""
    return f"vault:staking:{token}"


@register
class StakingConfigured(Event, frozen=True, kw_only=True):
    """A token (ALEX or an LP token) becomes stakeable, with its emission schedule."""

    token: Name
    """The token staked."""
    owner: Name
    """The account that may set the activation block (owner variant)."""
    activation_mode: Name
    """`owner` (the owner sets the activation block) or `early` (20 registrations + 150)."""
    coinbase_amounts: list[Amount]
    """ALEX emitted per cycle in each band c1..c5 (8-decimal)."""
    halving_cycle: Amount
    """Cycles per emission band (100)."""
    cycle_length_blocks: Amount
    """Blocks per reward cycle (525)."""
    apower_multiplier: Amount
    """APower minted per ALEX of reward (8-decimal; 0 mints none)."""
    activation_threshold_users: Amount = 20
    """Early variant: registrations that start the countdown."""
    activation_delay_blocks: Amount = 150
    """Early variant: the countdown, in blocks."""
    reward_asset: Name = "ALEX"
    """The asset rewards are minted in."""
    apower_asset: Name = "APOWER"
    """The asset APower is minted in."""
    principal_from_reserve: bool = False
    """True: `principal_returned` is paid from `reserve:<token>` by its own reserve events."""
    reward_from: str = ""
    """The allocation account that pays this pool's rewards; empty (older logs): minted."""

    def default_stream(self) -> str:
        return f"staking:{self.token}"


@register
class StakingEmissionCapped(Event, frozen=True, kw_only=True):
    """The annual cap on staking emission across all pools (the tokenomics variant)."""

    caps_annual: list[Amount]
    """Cap per emission year (8-decimal ALEX); nothing is emitted after the last year."""
    emission_start_height: Block
    """Where emission year 0 begins."""
    blocks_per_year: Amount
    """Blocks per emission year (52,560)."""

    def default_stream(self) -> str:
        return "staking"


@register
class StakingActivationSet(Event, frozen=True, kw_only=True):
    """The activation block of a token's staking is fixed (by its owner, or by the countdown)."""

    token: Name
    """The token staked."""
    activation_height: Block
    """First block of cycle 0."""
    by: Name
    """The owner, or the registration that completed the early threshold."""

    def default_stream(self) -> str:
        return f"staking:{self.token}"


@register
class StakingUserRegistered(Event, frozen=True, kw_only=True):
    """Early variant: a distinct wallet registers for a token's staking."""

    token: Name
    """The token staked."""
    user: Name
    """The wallet registering."""
    registered_users: Amount
    """Distinct wallets registered, counting this one."""

    def default_stream(self) -> str:
        return f"staking:{self.token}"


@register
class Staked(Event, frozen=True, kw_only=True):
    """Tokens are locked for cycles first_cycle..last_cycle.

    Posting: none when `reserve_credited` (the `ReserveCredited` beside it moves the tokens to
    `reserve:<token>`); staker -> `vault:staking:<token>` in older logs.
    """

    token: Name
    """The token staked."""
    staker: Name
    """Who staked."""
    amount: Amount
    """Base units staked."""
    lock_cycles: Amount
    """Lock period in cycles (1..32)."""
    first_cycle: Amount
    """First cycle the stake earns in (the cycle after the stake)."""
    last_cycle: Amount
    """Last locked cycle; its claim hands the principal back."""
    reserve_credited: bool = False
    """True: the tokens went to the reserve pool by their own `ReserveCredited`."""

    def default_stream(self) -> str:
        return f"staking:{self.token}"


@register
class CycleEmissionFixed(Event, frozen=True, kw_only=True):
    """A cycle's emission is fixed at its first claim: the coinbase, cut to the annual cap."""

    token: Name
    """The token staked."""
    cycle: Amount
    """The reward cycle."""
    emission_year: Amount
    """The emission year of the cycle's first block."""
    coinbase: Amount
    """What the band schedule would emit."""
    emission: Amount
    """What the cycle emits: min(coinbase, what is left of the year's cap)."""
    staked_total: Amount
    """All stakes counting in the cycle."""

    def default_stream(self) -> str:
        return f"staking:{self.token}"


@register
class StakingRewardClaimed(Event, frozen=True, kw_only=True):
    """A staker claims a finished cycle: reward and APower minted, principal returned.

    Postings: reward_from (else issuer:<reward_asset>) -> staker (reward),
    issuer:<apower_asset> -> staker
    (apower); the principal moves by the reserve's `ReserveDebited` beside it when
    `principal_from_reserve`, else (older logs) vault:staking:<token> -> staker.
    """

    token: Name
    """The token staked."""
    staker: Name
    """Who claims."""
    cycle: Amount
    """The cycle claimed."""
    reward: Amount
    """ALEX minted: emission x stake / total, rounded down twice."""
    principal_returned: Amount
    """Staked tokens handed back (the stakes whose last cycle this is)."""
    apower: Amount
    """APower minted: mul_down(reward, multiplier)."""
    stake_in_cycle: Amount = 0
    """The staker's amount counting in the cycle."""
    reward_asset: Name = "ALEX"
    """The asset the reward is minted in."""
    apower_asset: Name = "APOWER"
    """The asset APower is minted in."""
    principal_from_reserve: bool = False
    """True: `principal_returned` is paid from `reserve:<token>` by its own reserve events."""
    reward_from: str = ""
    """The allocation account that pays the reward; empty (older logs): minted from the issuer."""

    def default_stream(self) -> str:
        return f"staking:{self.token}"
