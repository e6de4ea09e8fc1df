"""How a `balances` snapshot is laid out: the current layout, and the older ones it restores.

Snapshots are a cache, written in the dicts' own order (which the log determines) with zero
amounts kept, so restoring one rebuilds exactly the dicts it was taken from and a restored
state plus the same tail gives the same bytes as a full fold. `Balances.digest()` does not
depend on the layout: it leaves zeros out and the canonical encoding sorts the keys.

Layout 4, after `SNAPSHOT_MAGIC`: the header's length (8 bytes, little-endian), the header
(JSON, `_Header`, with the registrations that set decimals: `Balances.registered`), each
asset's accounts as a JSON pair (the byte counts are in the header): the accounts in order and
the seq each arrived at (`Balances.arrivals`; null when not known), and last every asset's
amounts as one `marshal` list of int lists (format 2: no back-references). The amounts are
~80-bit ints: marshal writes them in binary, about six times faster than their decimal text,
and the accounts of an asset are encoded again only when new ones arrive
(`Balances._accounts_encoded`), so a snapshot costs the amounts (`bench/log_flat.py`).
Layout 3 (`LAYOUT_3_MAGIC`) was the same with each asset's accounts as a plain JSON list, and
no arrivals; the JSON layouts before it begin with `{`.
"""

from __future__ import annotations

import marshal
from typing import NamedTuple

import msgspec

from projections.base import Violation


class State(msgspec.Struct):
    """The sorted state: the balances table's rows (and what snapshots were before v1.1)."""

    balances: list[tuple[str, str, int]]
    assets: list[tuple[str, int]]
    violations: list[Violation]


class _Snapshot(msgspec.Struct):
    """A snapshot as taken before v3 (JSON): asset -> account -> amount; still restored."""

    holdings: dict[str, dict[str, int]]
    assets: list[tuple[str, int]]
    violations: list[Violation]


SNAPSHOT_MAGIC = b"\xffbalances snapshot 4\n"
"""How a snapshot of the current layout (4, in the module docstring) begins."""
LAYOUT_3_MAGIC = b"\xffbalances snapshot 3\n"


class _Header(msgspec.Struct, array_like=True):
    decimals: list[tuple[str, int]]
    violations: list[Violation]
    assets: list[tuple[str, int, int]]
    """(asset, accounts, bytes of its accounts' JSON list), in the holdings' order."""
    registered: list[tuple[int, str, int]] | None = None
    """`Balances.registered`; absent (None) in the layout 4 snapshots written before it."""


_encoder = msgspec.json.Encoder()
_snapshot_decoder = msgspec.json.Decoder(_Snapshot)
_state_decoder = msgspec.json.Decoder(State)
_header_decoder = msgspec.json.Decoder(_Header)
_accounts_decoder = msgspec.json.Decoder(list[str])
_arrived_decoder = msgspec.json.Decoder(tuple[list[str], list[int] | None])
_MARSHAL_FORMAT = 2
_LENGTH_BYTES = 8


_ACCOUNTS_KEPT = 32
_accounts_seen: dict[bytes, tuple[list[str], dict[str, int], list[int] | None]] = {}


def _accounts_of(
    encoded: bytes, with_arrivals: bool
) -> tuple[list[str], dict[str, int], list[int] | None]:
    """An asset's accounts in a snapshot, and a dict of them in that order (amounts 0).

    Once every account has appeared, snapshots of a log hold the same accounts again and
    again: the decoded ones are kept (the last `_ACCOUNTS_KEPT` lists), so a restore copies a
    dict whose keys are already hashed and fills in the amounts. On a log of 5M events that
    is about half of a restore (`bench/log_flat.py`, `state_at`).
    """
    seen = _accounts_seen.get(encoded)
    if seen is None:
        arrived: list[int] | None = None
        if with_arrivals:  # layout 4: [accounts, arrivals]
            accounts, arrived = _arrived_decoder.decode(encoded)
        else:
            accounts = _accounts_decoder.decode(encoded)
        if arrived is not None and len(arrived) != len(accounts):
            raise msgspec.DecodeError("balances snapshot: arrivals do not match the accounts")
        if len(_accounts_seen) >= _ACCOUNTS_KEPT:
            _accounts_seen.clear()
        seen = _accounts_seen[encoded] = (accounts, dict.fromkeys(accounts, 0), arrived)
    return seen


def encode_accounts(accounts: list[str], arrived: list[int] | None) -> bytes:
    """An asset's part of a snapshot: its accounts in order and the seq each arrived at."""
    return _encoder.encode((accounts, arrived))


def encode_snapshot(
    holdings: dict[str, dict[str, int]],
    accounts: list[bytes],
    decimals: dict[str, int],
    violations: list[Violation],
    registered: list[tuple[int, str, int]] | None,
) -> list[bytes]:
    """A snapshot in parts: the magic and the header, each asset's accounts (`accounts`, from
    `encode_accounts`, in the holdings' order), and the amounts."""
    assets = [
        (asset, len(held), len(encoded))
        for (asset, held), encoded in zip(holdings.items(), accounts, strict=True)
    ]
    header = _encoder.encode(_Header(sorted(decimals.items()), violations, assets, registered))
    amounts = marshal.dumps([list(held.values()) for held in holdings.values()], _MARSHAL_FORMAT)
    length = len(header).to_bytes(_LENGTH_BYTES, "little")
    return [SNAPSHOT_MAGIC + length + header, *accounts, amounts]


class Restored(NamedTuple):
    """What a snapshot holds, as `Balances` keeps it (arrivals and registrations None where
    the layout does not hold them)."""

    holdings: dict[str, dict[str, int]]
    decimals: dict[str, int]
    violations: list[Violation]
    arrivals: dict[str, list[int]] | None
    registered: list[tuple[int, str, int]] | None


def decode_snapshot(data: bytes) -> Restored:
    """A snapshot of any layout, or `msgspec.DecodeError` on bytes that are none."""
    for magic in (SNAPSHOT_MAGIC, LAYOUT_3_MAGIC):
        if data[: len(magic)] == magic:
            return _decode_layout(memoryview(data)[len(magic) :], magic == SNAPSHOT_MAGIC)
    try:
        snapshot = _snapshot_decoder.decode(data)
    except msgspec.ValidationError:
        state = _state_decoder.decode(data)
        holdings: dict[str, dict[str, int]] = {}
        for account, asset, amount in state.balances:
            holdings.setdefault(asset, {})[account] = amount
        return Restored(holdings, dict(state.assets), list(state.violations), None, None)
    return Restored(snapshot.holdings, dict(snapshot.assets), snapshot.violations, None, None)


def _decode_layout(data: memoryview, with_arrivals: bool) -> Restored:
    header_end = _LENGTH_BYTES + int.from_bytes(data[:_LENGTH_BYTES], "little")
    header = _header_decoder.decode(data[_LENGTH_BYTES:header_end])
    start = header_end + sum(size for _, _, size in header.assets)
    try:
        amounts = marshal.loads(data[start:])
    except (EOFError, ValueError, TypeError) as error:
        raise msgspec.DecodeError(f"balances snapshot: unreadable amounts ({error})") from error
    if type(amounts) is not list or len(amounts) != len(header.assets):
        raise msgspec.DecodeError("balances snapshot: amounts do not match the header")
    holdings: dict[str, dict[str, int]] = {}
    arrivals: dict[str, list[int]] | None = {}
    start = header_end
    for (asset, count, size), held in zip(header.assets, amounts, strict=True):
        part = bytes(data[start : start + size])
        accounts, template, arrived = _accounts_of(part, with_arrivals)
        start += size
        if count != len(accounts) or count != len(template):  # names repeated in it
            raise msgspec.DecodeError(f"balances snapshot: {asset} does not match its count")
        if type(held) is not list or len(held) != count:
            raise msgspec.DecodeError(f"balances snapshot: {asset}'s amounts do not match")
        if count and set(map(type, held)) != {int}:
            raise msgspec.DecodeError(f"balances snapshot: {asset} holds a non-integer")
        holdings[asset] = restored = template.copy()
        restored.update(zip(accounts, held, strict=True))
        if arrivals is not None and arrived is not None:
            arrivals[asset] = list(arrived)
        else:
            arrivals = None
    registered = None if header.registered is None else list(header.registered)
    return Restored(holdings, dict(header.decimals), header.violations, arrivals, registered)
