"""ALEX weighted pools as their prints show them on chain: a pool first seen mid-life, and its
fee parameters when they change without a print of their own.

ALEX pool contracts print the whole pool record after each action (`{object: "pool", action:
"swap-x-for-y", data: {balance-x, balance-y, total-supply, fee-rate-x, ...}}`), but the owner's
setters (`set-fee-rate-x`, `set-fee-rebate`, `set-oracle-enabled`, ...) print nothing. A pool
whose creation the import did not read opens with a `WeightedPoolObserved` (its balances and LP
supply just before the first fact seen of it, what is not known marked unknown); a print whose
record shows other fee parameters than the books hold is preceded by a `PoolFeesObserved`.
The pool's tokens come from `holder` (the chain's holders the books do not track, an `outside:`
account), as the chain facts of `events.chain` do.
"""

from __future__ import annotations

from events.amm import pool_account
from events.base import Amount, Event, Name, register

STACKS_OUTSIDE = "outside:stacks"
"""The Stacks holders whose balances the books do not track (may go negative, like `issuer:`)."""


STACKS_PREFIX = "stacks:"


def stacks_name(principal: str) -> str:
    """The id of a Stacks principal (token, pool, LP token): `stacks:<principal>`."""
    return f"{STACKS_PREFIX}{principal.lower()}"


def is_stacks(name: str) -> bool:
    """Whether an id names a Stacks thing (a pool, asset or account imported from prints)."""
    return name.startswith(STACKS_PREFIX)


@register
class WeightedPoolObserved(Event, frozen=True, kw_only=True):
    """An ALEX weighted pool first seen mid-life (postings: holder -> pool; LP issuer -> holder)."""

    pool: Name
    """The pool's id (its account is `pool:<id>`)."""
    token_x: Name
    """Token x."""
    token_y: Name
    """Token y."""
    lp_asset: Name
    """The pool's LP token."""
    weight_x: Amount = 0
    """Weight of x (x 1e8); 0 with `weight_y` 0 marks the weights unknown (swaps unverifiable)."""
    weight_y: Amount = 0
    """Weight of y (x 1e8)."""
    fee_rate_x: Amount = 0
    """Fee rate on x in (x 1e8), from the pool record."""
    fee_rate_y: Amount = 0
    """Fee rate on y in (x 1e8)."""
    fee_rebate: Amount = 0
    """Share of a fee that stays in the pool (x 1e8)."""
    max_in_ratio: Amount = 10**8
    """Largest input as a fraction of its balance (x 1e8); 1e8 when the record does not say."""
    max_out_ratio: Amount = 10**8
    """Largest output as a fraction of its balance (x 1e8); 1e8 when the record does not say."""
    oracle_enabled: bool = False
    """Whether swaps keep the resilient price."""
    oracle_average: Amount = 0
    """Weight of the old resilient price in each update (x 1e8)."""
    oracle_resilient: Amount = 0
    """The resilient price then (x 1e8)."""
    balance_x: Amount
    """Balance of x just before the first fact seen."""
    balance_y: Amount
    """Balance of y."""
    lp_supply: Amount | None = None
    """LP supply then; None marks it unknown (liquidity audits unverifiable)."""
    holder: Name = STACKS_OUTSIDE
    """The account the balances and LP supply are taken from."""

    def default_stream(self) -> str:
        return pool_account(self.pool)

    @property
    def weights_known(self) -> bool:
        return self.weight_x > 0 and self.weight_y > 0


@register
class PoolFeesObserved(Event, frozen=True, kw_only=True):
    """A pool's fee and oracle parameters as its next print shows them (no postings)."""

    pool: Name
    """The pool."""
    fee_rate_x: Amount = 0
    """Fee rate on x in (x 1e8)."""
    fee_rate_y: Amount = 0
    """Fee rate on y in (x 1e8)."""
    fee_rebate: Amount = 0
    """Share of a fee that stays in the pool (x 1e8)."""
    oracle_enabled: bool = False
    """Whether swaps keep the resilient price."""
    oracle_average: Amount = 0
    """Weight of the old resilient price in each update (x 1e8)."""

    def default_stream(self) -> str:
        return pool_account(self.pool)


def stacks_print_id(tx_id: str, event_index: int, part: int = 0) -> str:
    """The event id of the `part`-th fact made from one print: `stacks:<tx>:<index>[:<part>]`."""
    base = f"stacks:{tx_id.lower()}:{event_index}"
    return f"{base}:{part}" if part else base


def stacks_print_of(event_id: str) -> tuple[str, int] | None:
    """The transaction and event index of a fact made from a Stacks print, from its event id."""
    parts = event_id.split(":")
    if len(parts) in (3, 4) and parts[0] == "stacks" and parts[2].isdigit():
        return parts[1], int(parts[2])
    return None
