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

The facts made from one transaction's prints follow a `StacksTransactionImported`: where on the
chain they come from (network, block height and hash, transaction id and index, the prints'
event indexes). Each of those facts names its print in its event id
(`stacks:<tx>:<event index>[:<part>]`), so a transaction's facts are found from either.
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from events.amm import pool_account
from events.base import Amount, Block, Event, Name, register

STACKS_OUTSIDE = "outside:stacks"
"""The Stacks holders whose balances the books do not track (may go negative, like `issuer:`)."""


STACKS_PREFIX = "stacks:"


def stacks_name(principal: str) -> str:
    """The id of a Stacks principal (token, pool, LP token): `stacks:<principal>`."""
    return f"{STACKS_PREFIX}{principal.lower()}"


def is_stacks(name: str) -> bool:
    """Whether an id names a Stacks thing (a pool, asset or account imported from prints)."""
    return name.startswith(STACKS_PREFIX)


def about_stacks(event: object) -> bool:
    """Whether a fact is about a Stacks pool or token (one an import of prints writes)."""
    return any(is_stacks(str(getattr(event, field, ""))) for field in ("pool", "token"))


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


def stacks_network(principal: str) -> str:
    """The chain a principal lives on, from its c32 version letter (after the `S`):
    `stacks:mainnet` (`SP`, `SM`), `stacks:testnet` (`ST`, `SN`), else `stacks`."""
    version = principal[1:2].upper() if principal[:1].upper() == "S" else ""
    if version in ("P", "M"):
        return "stacks:mainnet"
    if version in ("T", "N"):
        return "stacks:testnet"
    return "stacks"


Index = Annotated[int, msgspec.Meta(ge=0)]


@register
class StacksTransactionImported(Event, frozen=True, kw_only=True):
    """Where on the Stacks chain the facts right after it come from: one transaction's prints.

    No postings. Those facts carry the event id `stacks:<tx_id>:<event index>[:<part>]`.
    """

    chain: Name
    """`stacks:mainnet` or `stacks:testnet` (the printing contract's address version), or
    `stacks` when the address does not say."""
    block: Block
    """The block height."""
    block_hash: str | None = None
    """The block hash (0x hex); None when the pages did not give it (unknown)."""
    tx_id: Name
    """The transaction id (0x hex, lower case)."""
    tx_index: Index | None = None
    """The transaction's position in its block; None when the pages did not give it."""
    event_indexes: list[Index]
    """The event indexes of the prints whose facts follow, ascending."""

    def default_stream(self) -> str:
        return f"chain:{self.chain}:transactions"


def stacks_transaction_id(tx_id: str, event_index: int) -> str:
    """The event id of a `StacksTransactionImported` whose first print is `event_index`."""
    return f"stacks-tx:{tx_id.lower()}:{event_index}"


def stacks_print_of(event_id: str) -> tuple[str, int] | None:
    """The transaction and event index of a fact made from a Stacks print, from its event id."""
    parts = event_id.split(":")
    if len(parts) in (3, 4) and parts[0] == "stacks" and parts[2].isdigit():
        return parts[1], int(parts[2])
    return None
