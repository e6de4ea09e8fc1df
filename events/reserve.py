"""The reserve pool's facts: fee inflows, shortfalls reported and covered, emergency issuance.

The reserve pool of a token is an ordinary account, `reserve:<token>`. ALEX feeds it with the
part of each swap fee that is not rebated to LPs; it is the first line of defence when a lending
position (a CRP loan at expiry) comes up short; when it runs dry, governance mints ALEX and sells
it, and the proceeds fill the reserve until the shortfall is covered.
"""

from __future__ import annotations

from events.base import Amount, Event, Name, register

ALEX_RESERVE = ""
"""The ALEX reserve pool (fed by swap fees; covers CRP shortfalls): `reserve:<token>`."""
FX_RESERVE = "fx"
"""The f(x) protocol's reserve for liquidation bonuses: `reserve:fx:<token>`."""
EMERGENCY_SOURCE = "emergency-issuance"
"""Source (prefix) of reserve inflows raised by selling emergency-issued ALEX."""


def reserve_key(token: str, reserve: str = ALEX_RESERVE) -> str:
    """The book of one reserve pool and token: `<token>` (ALEX) or `<reserve>:<token>`."""
    return f"{reserve}:{token}" if reserve else token


def reserve_token(key: str) -> str:
    """The token a reserve book holds, from its key (`reserve_key`'s inverse for the token)."""
    return key.rpartition(":")[2]


def reserve_account(token: str, reserve: str = ALEX_RESERVE) -> str:
    """The protocol account that holds the reserve pool `reserve` of `token`.

    Each protocol and purpose keeps its own reserve: the ALEX reserve pool of a token is
    `reserve:<token>`, the f(x) reserve for liquidation bonuses `reserve:fx:<token>`.
    """
    return f"reserve:{reserve_key(token, reserve)}"


@register
class ReserveCredited(Event, frozen=True, kw_only=True):
    """Tokens flow into the reserve pool of `token` (posting: from_account -> reserve)."""

    token: Name
    """The reserve pool's token."""
    amount: Amount
    """Base units credited."""
    from_account: Name
    """Who paid (the trader whose fee it is, a protocol account, ...)."""
    source: Name
    """Why: `swap-fee:<pool>`, `emergency-issuance`, `deposit`, ..."""
    reserve: str = ALEX_RESERVE
    """Which reserve pool: "" the ALEX reserve, `fx` the f(x) reserve (see `reserve_account`)."""

    def default_stream(self) -> str:
        return reserve_account(self.token, self.reserve)


@register
class ShortfallReported(Event, frozen=True, kw_only=True):
    """A lending position came up short by `amount`: a liability of the reserve pool."""

    token: Name
    """The token owed."""
    amount: Amount
    """Base units owed."""
    beneficiary: Name
    """The account that is owed (e.g. a CRP pool paying yield-token holders)."""
    reason: str = ""
    """Which position, and why."""
    reserve: str = ALEX_RESERVE
    """Which reserve pool: "" the ALEX reserve, `fx` the f(x) reserve (see `reserve_account`)."""

    def default_stream(self) -> str:
        return reserve_account(self.token, self.reserve)


@register
class ShortfallCovered(Event, frozen=True, kw_only=True):
    """The reserve pool pays part of an outstanding shortfall (posting: reserve -> beneficiary)."""

    token: Name
    """The token paid."""
    amount: Amount
    """Base units paid."""
    beneficiary: Name
    """Who is paid."""
    reserve: str = ALEX_RESERVE
    """Which reserve pool: "" the ALEX reserve, `fx` the f(x) reserve (see `reserve_account`)."""

    def default_stream(self) -> str:
        return reserve_account(self.token, self.reserve)


@register
class ReserveDebited(Event, frozen=True, kw_only=True):
    """The reserve pool pays out something it owes that is not a shortfall (posting:
    reserve -> to_account), e.g. staking principal returned at the end of a lock."""

    token: Name
    """The reserve pool's token."""
    amount: Amount
    """Base units paid."""
    to_account: Name
    """Who is paid."""
    reason: Name
    """Why: `staking-principal:<token>:<cycle>`, ..."""
    reserve: str = ALEX_RESERVE
    """Which reserve pool: "" the ALEX reserve, `fx` the f(x) reserve (see `reserve_account`)."""

    def default_stream(self) -> str:
        return reserve_account(self.token, self.reserve)


@register
class EmergencyIssued(Event, frozen=True, kw_only=True):
    """Governance mints ALEX and sells it to `buyer`; the proceeds fill a reserve pool.

    Postings: issuer:ALEX -> buyer (`alex_amount` ALEX), buyer -> reserve:<token> (`proceeds`).
    """

    token: Name
    """The reserve pool filled."""
    alex_amount: Amount
    """ALEX minted (base units, 8 decimals)."""
    proceeds: Amount
    """Base units of `token` the sale raised."""
    buyer: Name
    """The account that bought the new ALEX."""
    alex_asset: Name = "ALEX"
    """The governance token's asset id."""
    approval: str = ""
    """The governance decision that approved it (a proposal id)."""
    sold_through: str = ""
    """The AMM pool the ALEX was sold through; then the sale is its own `Swapped` and the
    proceeds reach the reserve by a `ReserveCredited` (source `emergency-issuance:<id>`), and
    this event mints only (postings: issuer:ALEX -> buyer)."""
    reserve: str = ALEX_RESERVE
    """Which reserve pool is filled (see `reserve_account`)."""

    def default_stream(self) -> str:
        return reserve_account(self.token, self.reserve)
