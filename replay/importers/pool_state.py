"""What a user knows of pairs the logs do not show from their start: a pool state file.

    {"pools": [{"address": "0xpair", "token0": "0x...", "token1": "0x...",
                "lp_supply": 1234567}]}

`token0`/`token1` name a pair's tokens where the logs cannot (an `eth_getLogs` export filtered
by the pair's address has no token `Transfer`s); `lp_supply` is its LP supply just before the
first log of it the import reads, which makes its deposits and withdrawals verifiable. Leave
`lp_supply` out (or null) when it is not known: it is then recorded as unknown.

An ALEX pool (Stacks prints) is named by its pool token principal (`address`), or
`<pool contract>/<pool-id>` where the pool record has a `pool-id`; `token0`/`token1` are its
token x and token y, and `weight_x`/`weight_y` (x 1e8) its weights, which its prints never show:

    {"pools": [{"address": "SP3K...fwp-wstx-alex-50-50-v1-01", "token0": "SP3K...token-wstx",
                "token1": "SP3K...age000-governance-token", "weight_x": 50000000,
                "weight_y": 50000000}]}
"""

from __future__ import annotations

from pathlib import Path

import msgspec


class PoolHint(msgspec.Struct, frozen=True):
    address: str
    token0: str
    token1: str
    lp_supply: int | None = None
    weight_x: int | None = None
    weight_y: int | None = None


class _PoolStateFile(msgspec.Struct):
    pools: list[PoolHint]


class PoolStateError(ValueError):
    """The pool state file cannot be read (names the file and what is wrong)."""


def load_pool_state(path: Path | None) -> dict[str, PoolHint]:
    """Pool hints by lower-case pair address (empty without a file)."""
    if path is None:
        return {}
    try:
        parsed = msgspec.json.decode(path.read_bytes(), type=_PoolStateFile)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError) as error:
        raise PoolStateError(f"{path}: not a pool state file: {error}") from error
    hints = {}
    for hint in parsed.pools:
        if hint.lp_supply is not None and hint.lp_supply < 0:
            raise PoolStateError(f"{path}: {hint.address}: lp_supply is negative")
        if (hint.weight_x is None) != (hint.weight_y is None) or min(
            hint.weight_x or 0, hint.weight_y or 0
        ) < 0:
            raise PoolStateError(f"{path}: {hint.address}: give both weights, neither negative")
        hints[hint.address.lower()] = msgspec.structs.replace(
            hint,
            address=hint.address.lower(),
            token0=hint.token0.lower(),
            token1=hint.token1.lower(),
        )
    return hints
