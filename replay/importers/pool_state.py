"""What a user knows of the chain before the logs an import reads: a state file.

    {"block": 18000000,
     "pools": [{"address": "0xpair", "token0": "0x...", "token1": "0x...",
                "lp_supply": 1234567}],
     "balances": [{"account": "0xholder", "token": "0xtoken", "amount": 5000000}]}

Every key is optional; a number may be a JSON int or the text of its digits. `pools`:
`token0`/`token1` name a pair's tokens where the logs cannot (an `eth_getLogs` export filtered
by the pair's address has no token `Transfer`s); `lp_supply`
is its LP supply just before the first log of it the import reads, which makes its deposits and
withdrawals verifiable. Leave `lp_supply` out (or null) when it is not known: it is then
recorded as unknown.

`balances`: an ERC-20 balance (base units, as `balanceOf` returns it) of `token` held by
`account` at the end of block `block` (the entry's own, else the file's). The first `Transfer`
of that token naming the holder in a later block opens the holder's account with that balance
(a `BalanceObserved`); from there the holder's transfers are checked against it, and one it
cannot cover is refused by name. `Transfer`s at or before that block are in the balance
already. A holder not listed stays untracked (the chain's `outside:` account).

An ALEX pool (Stacks prints) is named by its pool token principal (`address`), or
`<pool contract>/<pool-id>` where the pool record has a `pool-id`; `token0`/`token1` are its
token x and token y, and `weight_x`/`weight_y` (x 1e8) its weights, which its prints never show:

    {"pools": [{"address": "SP3K...fwp-wstx-alex-50-50-v1-01", "token0": "SP3K...token-wstx",
                "token1": "SP3K...age000-governance-token", "weight_x": 50000000,
                "weight_y": 50000000}]}
"""

from __future__ import annotations

import codecs
from pathlib import Path

import msgspec

from events.base import SQLITE_INT_MAX


class PoolHint(msgspec.Struct, frozen=True):
    address: str
    token0: str
    token1: str
    lp_supply: int | None = None
    weight_x: int | None = None
    weight_y: int | None = None


class Opening(msgspec.Struct, frozen=True):
    """A holder's balance of a token at the end of a block."""

    amount: int
    block: int


class _Balance(msgspec.Struct, forbid_unknown_fields=True):
    account: str
    token: str
    amount: int
    block: int | None = None


class _StateFile(msgspec.Struct, forbid_unknown_fields=True):
    pools: list[PoolHint] = []
    balances: list[_Balance] = []
    block: int | None = None


class ChainState(msgspec.Struct):
    """A state file as the importer uses it (lower-case addresses)."""

    pools: dict[str, PoolHint] = {}
    """Pool hints by pair address."""
    balances: dict[tuple[str, str], Opening] = {}
    """Opening balances by (holder, token)."""


class PoolStateError(ValueError):
    """The state file is not one (names the file and what is wrong); a file that cannot be
    read at all is the `OSError` that says why."""


ZERO_ADDRESS = "0x" + "0" * 40
UINT256_MAX = 2**256 - 1


def load_state(path: Path | None) -> ChainState:
    """The state file at `path` (nothing known without one).

    Raises:
        PoolStateError: the file is not a state file.
        OSError: the file cannot be read (missing, no permission).
    """
    if path is None:
        return ChainState()
    content = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    try:
        # Not strict: a number may come as the text of its digits ("5000000000000000000000",
        # as JSON tools and `--json` write ints past 2**53); a fraction is still refused.
        parsed = msgspec.json.decode(content, type=_StateFile, strict=False)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise PoolStateError(
            f"{path}: not a state file: {error}; give a JSON object "
            '{"block": N, "pools": [...], "balances": [{"account", "token", "amount"}]} '
            "with whole numbers (see `defi-ledger import --help`)"
        ) from error
    state = ChainState({}, {})
    for hint in parsed.pools:
        if hint.lp_supply is not None and hint.lp_supply < 0:
            raise PoolStateError(f"{path}: {hint.address}: lp_supply is negative")
        if (hint.weight_x is None) != (hint.weight_y is None) or min(
            hint.weight_x or 0, hint.weight_y or 0
        ) < 0:
            raise PoolStateError(f"{path}: {hint.address}: give both weights, neither negative")
        state.pools[hint.address.lower()] = msgspec.structs.replace(
            hint,
            address=hint.address.lower(),
            token0=hint.token0.lower(),
            token1=hint.token1.lower(),
        )
    for entry in parsed.balances:
        key = (entry.account.lower(), entry.token.lower())
        block = entry.block if entry.block is not None else parsed.block
        problem = (
            "no block (give the file's \"block\" or the entry's)" if block is None
            else "a negative block" if block < 0
            else "a block past 2**63 - 1" if block > SQLITE_INT_MAX
            else "a negative amount" if entry.amount < 0
            else "an amount past 2**256 - 1" if entry.amount > UINT256_MAX
            else "the zero address holds nothing" if key[0] == ZERO_ADDRESS
            else "listed twice" if key in state.balances
            else None
        )  # fmt: skip
        if problem is not None or block is None:
            raise PoolStateError(f"{path}: balance of {key[1]} held by {key[0]}: {problem}")
        state.balances[key] = Opening(entry.amount, block)
    return state
