"""Uniswap V2 logs as the ledger's facts, one transaction at a time.

Decoded with eth-abi from the pair and factory ABIs (`UniswapV2Pair.sol`, `UniswapV2Factory.sol`):

- `PairCreated` -> `ChainPoolCreated` (the pair seen from its start: LP supply known);
- `Sync` then `Swap` -> `PairSwapped` with all four amounts (a two-sided swap stays two-sided),
  the reserves after from the `Sync`;
- `Sync` then `Mint` -> `PairMinted`, its LP from the LP token's `Transfer`s from address zero
  in the same transaction (to address zero: the locked MINIMUM_LIQUIDITY; before the provider's:
  the protocol fee to `feeTo`);
- `Sync` then `Burn` -> `PairBurned`, the LP burnt from the LP `Transfer` to address zero;
- a `Sync` with none of those (a donation taken in by `sync()`, a skim) -> `PoolSynced`;
- a pair first seen mid-life -> `PoolObserved` first: its reserves just before (from the
  `Sync`, less what the fact after it moved), its LP supply unknown; its tokens are the two
  token contracts that moved into or out of it in the transaction (token0 sorts first, as the
  factory sorts them), or those a pool state file names (`pool_state`, with the LP supply
  when the user knows it); a pair whose tokens cannot be told yet is reported unmapped;
- ERC-20 `Transfer`s into or out of a known pair are the pair's own movements (its reserves
  follow them through `Sync`); between other holders, a listed token's -> `TokenTransferred`
  (holders untracked: `outside:`, but those a state file gives an opening balance: `holders`),
  an unlisted token's are reported unmapped.

A token is registered (`ChainAssetRegistered`) the first time a fact names it, with the token
list's symbol and decimals, or with unknown decimals.
"""

from __future__ import annotations

from collections.abc import Iterable

from eth_abi.exceptions import DecodingError

from events.base import Event
from events.chain import (
    ChainAssetRegistered,
    ChainPoolCreated,
    PairBurned,
    PairMinted,
    PairSwapped,
    PoolObserved,
    PoolSynced,
    Provenance,
    chain_name,
)
from projections.pools import Pools
from replay.importers.holders import Holders
from replay.importers.logs import ChainLog
from replay.importers.outcomes import Outcomes
from replay.importers.pool_state import PoolHint
from replay.importers.token_list import ListedToken
from replay.importers.uniswap_v2_abi import (
    LP_DECIMALS,
    LP_SYMBOL,
    PAIR_CREATED,
    PAIR_EVENTS,
    TRANSFER,
    ZERO,
    TopicAddresses,
    decode_fields,
    log_kind,
    not_erc20,
)
from replay.importers.uniswap_v2_state import FOUR_AMOUNTS, TWO_AMOUNTS, PairTrack, Tx, amount_of


class UniswapV2Mapper:
    """Maps the logs of one chain's Uniswap V2 pairs to facts (see the module docstring)."""

    def __init__(
        self,
        chain_id: int,
        tokens: dict[str, ListedToken],
        pools: Pools,
        assets: Iterable[str],
        fee_bps: int = 30,
        hints: dict[str, PoolHint] | None = None,
        holders: Holders | None = None,
    ) -> None:
        self.chain_id = chain_id
        self.holders = holders or Holders(chain_id, {}, lambda account, asset: False)
        self.hints = hints or {}
        self.tokens = tokens
        self.fee_bps = fee_bps
        self.assets = set(assets)
        self.outcomes = Outcomes()
        self.address = TopicAddresses()
        prefix = chain_name(chain_id, "")
        self.pairs: dict[str, PairTrack] = {}
        for pool, book in pools.books.items():
            if pool.startswith(prefix) and book.is_uniswap:
                self.pairs[pool[len(prefix) :]] = PairTrack(
                    pool,
                    book.spec.token_x[len(prefix) :],
                    book.spec.token_y[len(prefix) :],
                    book.reserve_x,
                    book.reserve_y,
                )

    def _pool_fields(self, track: PairTrack) -> dict[str, str]:
        return {
            "pool": track.pool,
            "token_x": chain_name(self.chain_id, track.token0),
            "token_y": chain_name(self.chain_id, track.token1),
        }

    def provenance(self, log: ChainLog) -> Provenance:
        return Provenance(
            chain_id=self.chain_id,
            block=log.block,
            block_hash=log.block_hash,
            tx_hash=log.tx_hash,
            tx_index=log.tx_index,
            log_index=log.log_index,
        )

    def map_tx(self, logs: list[ChainLog]) -> list[Event]:
        """The facts of one transaction's logs (in log order), counting every log's outcome."""
        pair_addresses = {
            log.address for log in logs if log.topics and log.topics[0] in PAIR_EVENTS
        }
        tx = Tx(logs, pair_addresses | self.pairs.keys())
        facts: list[Event] = []
        for log in logs:
            try:
                self._log(tx, log, facts)
            except (DecodingError, ValueError) as error:
                kind = log_kind(log.topics[0] if log.topics else "")
                self.outcomes.add(
                    kind, "unmapped", f"fields do not decode ({type(error).__name__})"
                )
        for address, (reserve0, reserve1, log) in tx.sync.items():
            self._lone_sync(tx, address, reserve0, reserve1, log, facts)
        for address, minted in tx.lp_minted.items():
            for _ in minted:
                self.outcomes.add("Transfer", "unmapped", f"LP mint of {address} with no Mint")
        return facts

    def _log(self, tx: Tx, log: ChainLog, facts: list[Event]) -> None:
        topic = log.topics[0] if log.topics else ""
        if topic == TRANSFER and len(log.topics) == 3:
            self._transfer(tx, log, facts)
        elif topic in PAIR_EVENTS:
            self._pair_event(tx, log, PAIR_EVENTS[topic], facts)
        elif topic == PAIR_CREATED and len(log.topics) == 3:
            self._pair_created(log, facts)
        elif topic == TRANSFER:
            self.outcomes.add("Transfer", "unmapped", not_erc20(len(log.topics)))
        else:
            self.outcomes.add("other", "unmapped", f"topic0 {topic[:10] or 'none (anonymous)'}")

    def _register(self, address: str, log: ChainLog, facts: list[Event]) -> str:
        asset = chain_name(self.chain_id, address)
        if asset not in self.assets:
            self.assets.add(asset)
            listed = self.tokens.get(address)
            if address in self.pairs:
                listed = ListedToken(LP_SYMBOL, LP_DECIMALS)
            facts.append(
                ChainAssetRegistered(
                    asset=asset,
                    address=address,
                    symbol=listed.symbol if listed else "",
                    decimals=listed.decimals if listed else None,
                    provenance=self.provenance(log),
                )
            )
        return asset

    def _pair_created(self, log: ChainLog, facts: list[Event]) -> None:
        token0, token1 = self.address(log.topics[1]), self.address(log.topics[2])
        pair, _ = decode_fields(("address", "uint256"), log.data)
        pair = pair.lower()
        if pair in self.pairs:
            self.outcomes.add("PairCreated", "unmapped", "pair already in the books")
            return
        track = PairTrack(chain_name(self.chain_id, pair), token0.lower(), token1.lower(), 0, 0)
        self.pairs[pair] = track
        token_x = self._register(track.token0, log, facts)
        token_y = self._register(track.token1, log, facts)
        facts.append(
            ChainPoolCreated(
                pool=track.pool,
                token_x=token_x,
                token_y=token_y,
                lp_asset=self._register(pair, log, facts),
                factory=log.address,
                fee_bps=self.fee_bps,
                provenance=self.provenance(log),
            )
        )
        self.outcomes.add("PairCreated", "mapped")

    def _transfer(self, tx: Tx, log: ChainLog, facts: list[Event]) -> None:
        source, target = self.address(log.topics[1]), self.address(log.topics[2])
        token = log.address
        tx.touched.setdefault(source, set()).add(token)
        tx.touched.setdefault(target, set()).add(token)
        if token in tx.pairs:
            if source == ZERO:
                tx.lp_minted.setdefault(token, []).append((target, amount_of(log)))
                self._move(log, source, target, facts, between_holders=False)
                return  # counted when its Mint (or Burn, for the fee) takes it
            if target == ZERO and source == token:
                tx.lp_burned[token] = tx.lp_burned.get(token, 0) + amount_of(log)
                self.outcomes.add("Transfer", "mapped")
                return
        if source in tx.pairs or target in tx.pairs:
            self.outcomes.add("Transfer", "mapped")  # the pair's own movement, seen by Sync
            self._move(log, source, target, facts, between_holders=False)
            return
        if (
            token not in self.tokens
            and token not in self.pairs
            and token not in self.holders.tokens
        ):
            self.outcomes.add("Transfer", "unmapped", "token not in the token list")
            return
        self._move(log, source, target, facts, between_holders=True)
        self.outcomes.add("Transfer", "mapped")

    def _move(
        self, log: ChainLog, source: str, target: str, facts: list[Event], between_holders: bool
    ) -> None:
        provenance = self.provenance(log)
        self.holders.move(
            log,
            (source, target),
            provenance,
            self._register,
            facts,
            between_holders=between_holders,
        )

    def _track(self, tx: Tx, address: str, log: ChainLog, facts: list[Event]) -> PairTrack | None:
        """The pair's track; a pair first seen is observed once its two tokens are known."""
        track = self.pairs.get(address)
        if track is not None:
            return track
        hint = self.hints.get(address)
        tokens = sorted(tx.touched.get(address, set()) - {address})
        if hint is not None:
            tokens = [hint.token0, hint.token1]
        if len(tokens) != 2:
            return None
        track = PairTrack(chain_name(self.chain_id, address), tokens[0], tokens[1], -1, -1)
        self.pairs[address] = track
        self._register(tokens[0], log, facts)
        self._register(tokens[1], log, facts)
        self._register(address, log, facts)
        return track

    def _observe(
        self, track: PairTrack, reserves: tuple[int, int], log: ChainLog, facts: list[Event]
    ) -> None:
        """A pair first seen mid-life opens with its reserves just before the fact after it."""
        if track.reserve0 >= 0:
            return
        hint = self.hints.get(log.address)
        track.reserve0, track.reserve1 = reserves
        facts.append(
            PoolObserved(
                **self._pool_fields(track),
                lp_asset=track.pool,
                fee_bps=self.fee_bps,
                reserve_x=max(reserves[0], 0),
                reserve_y=max(reserves[1], 0),
                lp_supply=hint.lp_supply if hint is not None else None,
                provenance=self.provenance(log),
            )
        )

    def _pair_event(self, tx: Tx, log: ChainLog, kind: str, facts: list[Event]) -> None:
        address = log.address
        if kind == "Sync":
            reserve0, reserve1 = decode_fields(("uint112", "uint112"), log.data)
            earlier = tx.sync.pop(address, None)
            if earlier is not None:
                self._lone_sync(tx, address, *earlier, facts)
            tx.sync[address] = (reserve0, reserve1, log)
            return
        track = self._track(tx, address, log, facts)
        synced = tx.sync.pop(address, None)
        if track is None:
            self.outcomes.add(kind, "unmapped", "pair tokens unknown (no PairCreated or Transfer)")
            if synced is not None:
                self.outcomes.add("Sync", "unmapped", "pair tokens unknown")
            return
        if synced is None and track.reserve0 < 0:
            self.outcomes.add(kind, "unmapped", "pair first seen with no Sync: reserves unknown")
            return
        if synced is not None:
            self.outcomes.add("Sync", "mapped")
        sender = self.address(log.topics[1]) if len(log.topics) > 1 else ""
        if kind == "Swap":
            self._swap(track, log, sender, synced, facts)
        elif kind == "Mint":
            self._mint(tx, track, log, sender, synced, facts)
        else:
            self._burn(tx, track, log, sender, synced, facts)
        self.outcomes.add(kind, "mapped")

    def _after(
        self, track: PairTrack, delta: tuple[int, int], synced: tuple[int, int, ChainLog] | None
    ) -> tuple[int, int]:
        if synced is not None:
            return synced[0], synced[1]
        # No `Sync` came before it (a log missing from the file): what the books lead to, never
        # below zero; the audit then reports the reserves it cannot match.
        return max(track.reserve0 + delta[0], 0), max(track.reserve1 + delta[1], 0)

    def _swap(
        self,
        track: PairTrack,
        log: ChainLog,
        sender: str,
        synced: tuple[int, int, ChainLog] | None,
        facts: list[Event],
    ) -> None:
        in0, in1, out0, out1 = decode_fields(FOUR_AMOUNTS, log.data)
        to = self.address(log.topics[2]) if len(log.topics) > 2 else ""
        after = self._after(track, (in0 - out0, in1 - out1), synced)
        self._observe(track, (after[0] - in0 + out0, after[1] - in1 + out1), log, facts)
        track.reserve0 += in0 - out0
        track.reserve1 += in1 - out1
        facts.append(
            PairSwapped(
                **self._pool_fields(track),
                sender=sender,
                to=to,
                amount_x_in=in0,
                amount_y_in=in1,
                amount_x_out=out0,
                amount_y_out=out1,
                reserve_x_after=after[0],
                reserve_y_after=after[1],
                provenance=self.provenance(log),
            )
        )

    def _lp_fee(
        self, tx: Tx, address: str, keep_last: bool
    ) -> tuple[list[tuple[str, int]], int, str]:
        """LP minted from zero in this tx: (to locked or provider, fee LP, fee recipient)."""
        minted = tx.lp_minted.pop(address, [])
        locked = [item for item in minted if item[0] == ZERO]
        others = [item for item in minted if item[0] != ZERO]
        provider = others[-1:] if keep_last else []
        fees = others[:-1] if keep_last else others
        for _ in minted:
            self.outcomes.add("Transfer", "mapped")
        fee_to = fees[-1][0] if fees else ""
        return locked + provider, sum(amount for _, amount in fees), fee_to

    def _mint(
        self,
        tx: Tx,
        track: PairTrack,
        log: ChainLog,
        sender: str,
        synced: tuple[int, int, ChainLog] | None,
        facts: list[Event],
    ) -> None:
        amount0, amount1 = decode_fields(TWO_AMOUNTS, log.data)
        after = self._after(track, (amount0, amount1), synced)
        self._observe(track, (after[0] - amount0, after[1] - amount1), log, facts)
        track.reserve0 += amount0
        track.reserve1 += amount1
        minted, fee_lp, fee_to = self._lp_fee(tx, log.address, keep_last=True)
        locked = sum(amount for to, amount in minted if to == ZERO)
        provider = [(to, amount) for to, amount in minted if to != ZERO]
        facts.append(
            PairMinted(
                **self._pool_fields(track),
                lp_asset=track.pool,
                sender=sender,
                to=provider[0][0] if provider else "",
                amount_x=amount0,
                amount_y=amount1,
                lp_minted=provider[0][1] if provider else None,
                lp_locked=locked,
                protocol_fee_lp=fee_lp,
                fee_to=fee_to,
                reserve_x_after=after[0],
                reserve_y_after=after[1],
                provenance=self.provenance(log),
            )
        )

    def _burn(
        self,
        tx: Tx,
        track: PairTrack,
        log: ChainLog,
        sender: str,
        synced: tuple[int, int, ChainLog] | None,
        facts: list[Event],
    ) -> None:
        amount0, amount1 = decode_fields(TWO_AMOUNTS, log.data)
        to = self.address(log.topics[2]) if len(log.topics) > 2 else ""
        after = self._after(track, (-amount0, -amount1), synced)
        self._observe(track, (after[0] + amount0, after[1] + amount1), log, facts)
        track.reserve0 -= amount0
        track.reserve1 -= amount1
        _, fee_lp, fee_to = self._lp_fee(tx, log.address, keep_last=False)
        burned = tx.lp_burned.pop(log.address, None)
        facts.append(
            PairBurned(
                **self._pool_fields(track),
                lp_asset=track.pool,
                sender=sender,
                to=to,
                lp_burned=burned,
                amount_x=amount0,
                amount_y=amount1,
                protocol_fee_lp=fee_lp,
                fee_to=fee_to,
                reserve_x_after=after[0],
                reserve_y_after=after[1],
                provenance=self.provenance(log),
            )
        )

    def _lone_sync(
        self, tx: Tx, address: str, reserve0: int, reserve1: int, log: ChainLog, facts: list[Event]
    ) -> None:
        """A `Sync` no swap, mint or burn followed: the reserves moved by themselves."""
        track = self._track(tx, address, log, facts)
        if track is None:
            self.outcomes.add(
                "Sync", "unmapped", "pair tokens unknown (no PairCreated or Transfer)"
            )
            return
        self.outcomes.add("Sync", "mapped")
        if track.reserve0 < 0:
            self._observe(track, (reserve0, reserve1), log, facts)
            return
        delta0, delta1 = reserve0 - track.reserve0, reserve1 - track.reserve1
        track.reserve0, track.reserve1 = reserve0, reserve1
        facts.append(
            PoolSynced(
                **self._pool_fields(track),
                reserve_x=reserve0,
                reserve_y=reserve1,
                amount_x_in=max(delta0, 0),
                amount_y_in=max(delta1, 0),
                amount_x_out=max(-delta0, 0),
                amount_y_out=max(-delta1, 0),
                provenance=self.provenance(log),
            )
        )
