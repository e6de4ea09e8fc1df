"""Facts imported from a chain's logs: pools seen mid-life, pair swaps, syncs, blocks, reorgs.

Every fact here carries a `Provenance` (chain id, block number and hash, transaction hash and
index, log index): the log a user can look up on an explorer. Names for chain things are built
in one place (`chain_name`): an address becomes `evm:<chain_id>:<address>` (asset, pool or
account id alike), and its pool account is `pool:evm:<chain_id>:<address>`.

The books track a chain account only from a known opening balance. Holders the importer knows
no balance for are one boundary account per chain, `outside:evm:<chain_id>` (the rest of the
chain), which like `issuer:` may go negative: value a pool receives comes from it, value a pool
pays goes to it, and the real addresses stay in each fact. A pool first seen mid-life opens
with a `PoolObserved` (its reserves from the first `Sync`, its LP supply when known, else
marked unknown), so nothing in the books is made up.

Blocks carry hashes (`BlocksImported`, first in every imported batch). A reorganisation
appends a `BlocksRetracted`: the log stays append-only, and folds skip the retracted records
(`ledger.reorg`).
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from events.alex_pools import StacksTransactionImported, stacks_print_of
from events.base import Amount, Block, Event, Name, register

ChainId = Annotated[int, msgspec.Meta(ge=1)]
LogIndex = Annotated[int, msgspec.Meta(ge=0)]
#: The stream every `BlocksRetracted` goes to, so folds find them all in one index probe.
REORG_STREAM = "chain:reorgs"


def chain_name(chain_id: int, address: str) -> str:
    """The id of a chain address (asset, pool, account): `evm:<chain_id>:<address>`."""
    return f"evm:{chain_id}:{address.lower()}"


def outside_account(chain_id: int) -> str:
    """The chain's holders whose balances the books do not track (may go negative)."""
    return f"outside:evm:{chain_id}"


def is_outside(account: str) -> bool:
    return account.startswith("outside:")


class Provenance(msgspec.Struct, frozen=True, kw_only=True):
    """Where on the chain a fact comes from: enough to find the log on an explorer."""

    chain_id: ChainId
    """The EVM chain id (1 for Ethereum mainnet)."""
    block: Block
    """The block number."""
    block_hash: str
    """The block hash (0x hex)."""
    tx_hash: str
    """The transaction hash (0x hex)."""
    tx_index: LogIndex
    """The transaction's position in its block."""
    log_index: LogIndex
    """The log's position in its block (for a fact built from several logs, the last one)."""


class ImportedBlock(msgspec.Struct, frozen=True, array_like=True):
    """A block an import read: its number, hash and the last log index taken from it."""

    number: int
    hash: str
    last_log_index: int


@register
class BlocksImported(Event, frozen=True, kw_only=True):
    """The blocks the batch after it comes from, with their hashes (quiet ones included)."""

    chain_id: ChainId
    """The chain."""
    blocks: list[ImportedBlock]
    """Each block read, in order: number, hash, last log index imported."""

    def default_stream(self) -> str:
        return f"chain:{self.chain_id}:blocks"


class OrphanedBlock(msgspec.Struct, frozen=True, array_like=True):
    """A block no longer on the canonical chain: number and hash."""

    number: int
    hash: str


@register
class BlocksRetracted(Event, frozen=True, kw_only=True):
    """A reorganisation: blocks from `fork_block` up are no longer canonical.

    Records of this chain with seq in [from_seq, to_seq] whose provenance block is at or
    above `fork_block` are retracted: every fold skips them. The new blocks follow.
    """

    chain_id: ChainId
    """The chain."""
    fork_block: Block
    """The first block replaced (the books roll back to just before it)."""
    orphaned: list[OrphanedBlock]
    """The blocks that left the canonical chain."""
    from_seq: int
    """First seq that may hold a retracted record."""
    to_seq: int
    """Last seq that may hold a retracted record (the log head when retracted)."""

    def default_stream(self) -> str:
        return REORG_STREAM


@register
class ChainAssetRegistered(Event, frozen=True, kw_only=True):
    """A token contract joins the ledger, with what the token list says of it (or nothing)."""

    asset: Name
    """Its id (`evm:<chain>:<address>`)."""
    address: str
    """The token contract's address."""
    symbol: str = ""
    """Its symbol from the token list; empty when unknown."""
    decimals: int | None = None
    """Its decimals from the token list; None when unknown (never guessed)."""
    provenance: Provenance
    """The first log that named it."""

    def default_stream(self) -> str:
        return f"asset:{self.asset}"


class _PoolFact(Event, frozen=True, kw_only=True):
    pool: Name
    """The pool (`evm:<chain>:<pair address>`); its tokens sit in `pool:<pool>`."""
    token_x: Name
    """Token0 of the pair."""
    token_y: Name
    """Token1 of the pair."""

    def default_stream(self) -> str:
        return f"pool:{self.pool}"


@register
class ChainPoolCreated(_PoolFact, frozen=True, kw_only=True):
    """The factory's `PairCreated`: a Uniswap V2 pair opens, empty, seen from its start."""

    lp_asset: Name
    """The pair's LP token (the pair contract itself)."""
    factory: str
    """The factory that created it."""
    fee_bps: int = 30
    """The swap fee on input in basis points (30 for Uniswap V2)."""
    provenance: Provenance
    """The `PairCreated` log."""


@register
class PoolObserved(_PoolFact, frozen=True, kw_only=True):
    """A pair first seen mid-life: its state when first seen (postings: outside -> pool)."""

    lp_asset: Name
    """The pair's LP token."""
    fee_bps: int = 30
    """The swap fee on input in basis points."""
    reserve_x: Amount
    """Reserve of token0 just before the first fact seen (from the first `Sync`)."""
    reserve_y: Amount
    """Reserve of token1."""
    lp_supply: Amount | None = None
    """LP supply then, when known; None marks it unknown (liquidity audits unverifiable)."""
    provenance: Provenance
    """The log the state was taken from."""


@register
class BalanceObserved(Event, frozen=True, kw_only=True):
    """A holder's balance of a token, known from a state file, opening its account mid-history.

    Until it, the holder's movements of the token are the chain's `outside:` account's; from it,
    the holder's own account is debited and credited (postings: outside -> holder).
    """

    asset: Name
    """The token."""
    address: str
    """The holder's address."""
    account: Name
    """The holder's account (`evm:<chain>:<address>`)."""
    amount: Amount
    """The balance at the end of `at_block`."""
    at_block: Block
    """The block at whose end the state file read the balance."""
    provenance: Provenance
    """The first log after `at_block` that moved the holder's token (it opens the account)."""

    def default_stream(self) -> str:
        return f"account:{self.account}"


@register
class PairSwapped(_PoolFact, frozen=True, kw_only=True):
    """A pair's `Swap` as the pair measured it: both sides in and out, never merged.

    Postings: outside -> pool for what came in, pool -> outside for what went out.
    """

    sender: str
    """`msg.sender` of the swap (often a router)."""
    to: str
    """Who received the output."""
    amount_x_in: Amount
    """Token0 the pair measured in (balance - (reserve - out))."""
    amount_y_in: Amount
    """Token1 the pair measured in."""
    amount_x_out: Amount
    """Token0 paid out."""
    amount_y_out: Amount
    """Token1 paid out."""
    reserve_x_after: Amount
    """Reserve of token0 after, from the `Sync` just before the `Swap`."""
    reserve_y_after: Amount
    """Reserve of token1 after."""
    provenance: Provenance
    """The `Swap` log."""


@register
class PairMinted(_PoolFact, frozen=True, kw_only=True):
    """A pair's `Mint` with the LP its `Transfer`s from address zero carry."""

    lp_asset: Name
    """The pair's LP token."""
    sender: str
    """`msg.sender` of the mint."""
    to: str
    """Who received the LP ('' when no LP `Transfer` was seen)."""
    amount_x: Amount
    """Token0 deposited."""
    amount_y: Amount
    """Token1 deposited."""
    lp_minted: Amount | None
    """LP to the provider; None when no LP `Transfer` was seen."""
    lp_locked: Amount = 0
    """LP minted to address zero (the first mint's MINIMUM_LIQUIDITY)."""
    protocol_fee_lp: Amount = 0
    """LP minted to the fee recipient before this mint."""
    fee_to: str = ""
    """The protocol fee recipient, when `protocol_fee_lp` > 0."""
    reserve_x_after: Amount
    """Reserve of token0 after, from the `Sync`."""
    reserve_y_after: Amount
    """Reserve of token1 after."""
    provenance: Provenance
    """The `Mint` log."""


@register
class PairBurned(_PoolFact, frozen=True, kw_only=True):
    """A pair's `Burn` with the LP burnt, taken from the LP `Transfer` to address zero."""

    lp_asset: Name
    """The pair's LP token."""
    sender: str
    """`msg.sender` of the burn."""
    to: str
    """Who received the tokens."""
    lp_burned: Amount | None
    """LP burnt; None when no LP `Transfer` to address zero was seen."""
    amount_x: Amount
    """Token0 paid out."""
    amount_y: Amount
    """Token1 paid out."""
    protocol_fee_lp: Amount = 0
    """LP minted to the fee recipient before this burn."""
    fee_to: str = ""
    """The protocol fee recipient, when `protocol_fee_lp` > 0."""
    reserve_x_after: Amount
    """Reserve of token0 after, from the `Sync`."""
    reserve_y_after: Amount
    """Reserve of token1 after."""
    provenance: Provenance
    """The `Burn` log."""


@register
class PoolSynced(_PoolFact, frozen=True, kw_only=True):
    """A `Sync` with no swap, mint or burn: a donation taken in by `sync()`, or a skim.

    The amounts are the change of the reserves (postings: outside <-> pool).
    """

    reserve_x: Amount
    """Reserve of token0 after."""
    reserve_y: Amount
    """Reserve of token1 after."""
    amount_x_in: Amount = 0
    """Token0 the reserves grew by."""
    amount_y_in: Amount = 0
    """Token1 the reserves grew by."""
    amount_x_out: Amount = 0
    """Token0 the reserves shrank by."""
    amount_y_out: Amount = 0
    """Token1 the reserves shrank by."""
    provenance: Provenance
    """The `Sync` log."""


@register
class TokenTransferred(Event, frozen=True, kw_only=True):
    """An ERC-20 `Transfer` of a listed token between holders (not a pool's own movement)."""

    asset: Name
    """The token."""
    from_address: str
    """The sender's address (address zero for a mint)."""
    to_address: str
    """The receiver's address (address zero for a burn)."""
    from_account: Name
    """The account debited: the holder's, or `outside:` when its balance is not tracked."""
    to_account: Name
    """The account credited."""
    amount: Amount
    """Base units moved."""
    provenance: Provenance
    """The `Transfer` log."""

    def default_stream(self) -> str:
        return f"asset:{self.asset}"


def provenance_of(event: Event) -> Provenance | None:
    """The chain provenance of a fact, or None for facts not imported from a chain."""
    found = getattr(event, "provenance", None)
    return found if isinstance(found, Provenance) else None


def transaction_of(event: Event, event_id: str) -> str | None:
    """The chain transaction a fact comes from (hash or Stacks tx id, lower case), or None.

    An EVM fact names it in its provenance; a Stacks fact in its event id
    (`stacks:<tx>:<event index>[:<part>]`), and its transaction's `StacksTransactionImported`
    in its own field.
    """
    provenance = provenance_of(event)
    if provenance is not None:
        return provenance.tx_hash
    if isinstance(event, StacksTransactionImported):
        return event.tx_id
    printed = stacks_print_of(event_id)
    return printed[0] if printed is not None else None
