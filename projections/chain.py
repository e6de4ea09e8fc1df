"""The `chain` projection: what the log knows of the chains it imported from.

Per chain, the canonical blocks it holds (number -> hash and the last log index taken), the
pools whose LP supply is unknown (first seen mid-life without it), the token contracts
registered with their decimals (None when no token list gave them), and every reorganisation
recorded. An importer reads it to tell a new log from one already imported (same block, same
hash, log index not above the last taken) and a reorganisation (same block, another hash);
the audit reads it to call a liquidity check unverifiable rather than failed.

Only the latest `RECENT_BLOCKS` blocks are kept one by one (a reorganisation deeper than that
is not one a chain makes: Ethereum finalises in 64); older ones are kept as the range they
span (`settled`), so the state stays small however long the history: a log from a settled
block is a duplicate.
"""

from __future__ import annotations

from typing import Any

import msgspec

from events.alex_pools import WeightedPoolObserved
from events.chain import (
    BlocksImported,
    BlocksRetracted,
    ChainAssetRegistered,
    PairBurned,
    PairMinted,
    PoolObserved,
)
from events.record import Record
from projections.base import Table, Violation, canonical_bytes, digest_of


class Retraction(msgspec.Struct, frozen=True, array_like=True):
    """One `BlocksRetracted`: where it is in the log and what it retracts."""

    seq: int
    chain_id: int
    fork_block: int
    from_seq: int
    to_seq: int


RECENT_BLOCKS = 1024


class _ChainState(msgspec.Struct):
    blocks: list[tuple[int, list[tuple[int, str, int]]]]
    """Per chain id, its blocks as (number, hash, last log index), in order."""
    lp_unknown: list[str]
    assets: dict[str, int | None]
    retractions: list[Retraction]
    settled: list[tuple[int, int, int]] = []
    """Per chain id, the first block imported and the last block settled (kept as a range)."""


class ChainBook:
    """The chain projection (see the module docstring)."""

    name = "chain"
    version = 1

    def __init__(self) -> None:
        self.blocks: dict[int, dict[int, tuple[str, int]]] = {}
        """chain id -> block number -> (hash, last log index imported)."""
        self.lp_unknown: set[str] = set()
        self.assets: dict[str, int | None] = {}
        self.retractions: list[Retraction] = []
        self.settled: dict[int, tuple[int, int]] = {}
        """chain id -> (first block imported, last block no longer kept one by one)."""

    _FOLDS = (
        BlocksImported,
        BlocksRetracted,
        ChainAssetRegistered,
        PoolObserved,
        WeightedPoolObserved,
        PairMinted,
        PairBurned,
    )

    def folds(self, event_type: type[Any]) -> bool:
        return event_type in self._FOLDS

    def apply(self, record: Record) -> None:
        event = record.event
        if type(event) is BlocksImported:
            known = self.blocks.setdefault(event.chain_id, {})
            for block in event.blocks:
                known[block.number] = (block.hash, block.last_log_index)
            if len(known) > 2 * RECENT_BLOCKS:
                self._settle(event.chain_id, known)
        elif type(event) is BlocksRetracted:
            known = self.blocks.get(event.chain_id, {})
            for number in [number for number in known if number >= event.fork_block]:
                del known[number]
            self.retractions.append(
                Retraction(
                    record.seq, event.chain_id, event.fork_block, event.from_seq, event.to_seq
                )
            )
        elif type(event) is ChainAssetRegistered:
            self.assets[event.asset] = event.decimals
        elif type(event) is PoolObserved or type(event) is WeightedPoolObserved:
            if event.lp_supply is None:
                self.lp_unknown.add(event.pool)
        elif type(event) is PairMinted:
            if event.lp_minted is None:
                self.lp_unknown.add(event.pool)
        elif type(event) is PairBurned and event.lp_burned is None:
            self.lp_unknown.add(event.pool)

    def _settle(self, chain_id: int, known: dict[int, tuple[str, int]]) -> None:
        """Keep the latest RECENT_BLOCKS blocks one by one, the ones before as a range."""
        numbers = sorted(known)
        cut = numbers[-RECENT_BLOCKS - 1]
        first, _ = self.settled.get(chain_id, (numbers[0], 0))
        for number in numbers[:-RECENT_BLOCKS]:
            del known[number]
        self.settled[chain_id] = (first, cut)

    def settled_through(self, chain_id: int) -> int:
        """The last block of `chain_id` kept only as part of the settled range (-1: none)."""
        return self.settled[chain_id][1] if chain_id in self.settled else -1

    def head_block(self, chain_id: int) -> int | None:
        known = self.blocks.get(chain_id)
        if known:
            return max(known)
        return self.settled[chain_id][1] if chain_id in self.settled else None

    def _state(self) -> _ChainState:
        blocks = [
            (chain, [(number, *entry) for number, entry in sorted(known.items())])
            for chain, known in sorted(self.blocks.items())
        ]
        return _ChainState(
            blocks,
            sorted(self.lp_unknown),
            dict(sorted(self.assets.items())),
            self.retractions,
            [(chain, *span) for chain, span in sorted(self.settled.items())],
        )

    def snapshot(self) -> bytes:
        return canonical_bytes(self._state())

    def restore(self, data: bytes) -> None:
        state = msgspec.json.decode(data, type=_ChainState)
        self.blocks = {
            chain: {number: (block_hash, last) for number, block_hash, last in known}
            for chain, known in state.blocks
        }
        self.lp_unknown = set(state.lp_unknown)
        self.assets = state.assets
        self.retractions = state.retractions
        self.settled = {chain: (first, through) for chain, first, through in state.settled}

    def digest(self) -> str:
        return digest_of(self.snapshot())

    def tables(self) -> list[Table]:
        heads = [
            (
                chain,
                self.settled.get(chain, (min(known), -1))[0],
                self.settled_through(chain),
                max(known),
                known[max(known)][0],
            )
            for chain, known in sorted(self.blocks.items())
            if known
        ]
        return [
            Table(
                "chain_heads",
                ("chain_id", "first_block", "settled_through", "head_block", "head_hash"),
                heads,
                key_columns=("chain_id",),
            ),
            Table(
                "chain_retractions",
                ("seq", "chain_id", "fork_block", "from_seq", "to_seq"),
                [tuple(msgspec.structs.astuple(item)) for item in self.retractions],
                key_columns=("seq",),
            ),
        ]

    def violations(self) -> list[Violation]:
        return []
