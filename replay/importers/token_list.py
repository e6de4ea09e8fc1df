"""Token decimals and symbols from a token list (the Uniswap token-list JSON format).

    {"name": "...", "tokens": [{"chainId": 1, "address": "0x...", "symbol": "USDC",
     "decimals": 6, "name": "USD Coin"}]}

A token that is not in the list is recorded with unknown decimals, never guessed; so is a listed
token whose decimals (0..255 in the list's schema) are more than the books keep (36).
"""

from __future__ import annotations

import codecs
import json
from pathlib import Path
from typing import Annotated

import msgspec

from events.assets import DECIMALS_MAX


class ListedToken(msgspec.Struct, frozen=True):
    symbol: str
    decimals: int | None
    """None where the list gives more than the books keep (`DECIMALS_MAX`): listed, its
    decimals recorded as unknown."""


class TokenListError(ValueError):
    """The token list is not one (names the file and what is wrong); a file that cannot be
    read at all is the `OSError` that says why."""


class _Token(msgspec.Struct):
    chainId: int  # the token-list schema's own name
    address: str
    symbol: str
    decimals: Annotated[int, msgspec.Meta(ge=0, le=255)]  # the token-list schema's range


class _TokenList(msgspec.Struct):
    tokens: list[_Token]


def load_token_list(path: Path | None, chain_id: int) -> dict[str, ListedToken]:
    """Listed tokens of `chain_id` by lower-case address (empty without a file).

    Raises:
        TokenListError: the file is not a token list.
        OSError: the file cannot be read (missing, no permission).
    """
    if path is None:
        return {}
    content = path.read_bytes().removeprefix(codecs.BOM_UTF8)
    try:
        parsed = msgspec.json.decode(content, type=_TokenList)
    except (msgspec.DecodeError, msgspec.ValidationError, json.JSONDecodeError) as error:
        raise TokenListError(
            f"{path}: not a token list: {error}; give a list in the Uniswap token-list format "
            '({"tokens": [{"chainId", "address", "symbol", "decimals"}]}, numbers as JSON ints)'
        ) from error
    return _by_address(path, parsed.tokens, chain_id)


def _by_address(path: Path, tokens: list[_Token], chain_id: int) -> dict[str, ListedToken]:
    """The chain's tokens by lower-case address. The token-list schema lists each token once;
    an address listed twice alike is taken once, and listed twice differently is refused,
    since either entry could be the one meant."""
    listed: dict[str, ListedToken] = {}
    where: dict[str, int] = {}
    for index, token in enumerate(tokens):
        if token.chainId != chain_id:
            continue
        address = token.address.lower()
        entry = ListedToken(
            token.symbol, token.decimals if token.decimals <= DECIMALS_MAX else None
        )
        first = listed.setdefault(address, entry)
        if first != entry:
            raise TokenListError(
                f"{path}: tokens[{where[address]}] and tokens[{index}] both list {address} on "
                f"chain {chain_id}, as {_shown(first)} and {_shown(entry)}; keep the right one"
            )
        where.setdefault(address, index)
    return listed


def _shown(token: ListedToken) -> str:
    decimals = "unknown" if token.decimals is None else token.decimals
    return f"{token.symbol!r} with {decimals} decimals"
