"""f(x) protocol logs as the ledger's facts, one transaction at a time (`events.fx_chain`).

Decoded with eth-abi from the public contracts' ABIs (`replay.importers.fx_abi`):

- PoolManager `RegisterPool` -> `FxChainPoolSeen` (seen from the start: indices 2^96, every
  position known); the first log naming a pool not registered in range -> `FxChainPoolSeen`
  mid-life (indices unknown until the pool's index snapshots, positions opened before unknown);
- PoolManager `Operate` -> `FxChainOperated`, with the pool's `PositionSnapshot` of the same
  position in the transaction (shares after, tick, price) and the position NFT's mint
  (`Transfer` from address zero: opened, and its owner);
- PoolManager `Rebalance`, `RebalanceTick`, `Liquidate`, `Redeem` -> `FxChainWalked`, with the
  pool's `TickMovement`s in the transaction;
- the pool's `CollateralIndexSnapshot` / `DebtIndexSnapshot` -> `FxChainIndexUpdated`;
- the position NFT's `Transfer` between holders -> `FxChainPositionTransferred`;
- PoolManager `Harvest` (both versions) -> `FxChainHarvested`;
- fxBASE `Deposit`, `RequestRedeem`, `Redeem`, `InstantRedeem`, `Rebalance`, `Arbitrage` ->
  `FxChainStabilityMoved`; fxUSD `RebalanceWithStable`, `Buyback` -> `FxUsdStableMoved`.

fxUSD's and the collateral's ERC-20 `Transfer`s stay with the token mapping (`uniswap_v2`). A
log that cannot be placed (a snapshot or tick movement with no PoolManager event after it in its
transaction, an NFT mint with no `Operate`, a field that does not decode) is counted unmapped
with its reason, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eth_abi.exceptions import DecodingError

from events.base import Event
from events.chain import Provenance, chain_name
from events.fx_chain import (
    FxChainHarvested,
    FxChainIndexUpdated,
    FxChainOperated,
    FxChainPoolSeen,
    FxChainPositionTransferred,
    FxChainStabilityMoved,
    FxChainTickMoved,
    FxChainWalked,
    FxUsdStableMoved,
)
from projections.contracts.fx_ticks import E96
from projections.fx_chain import FxChainBook
from replay.importers.fx_abi import FX_EVENTS, NO_TICK, FxEvent, decode_fx
from replay.importers.logs import ChainLog
from replay.importers.outcomes import Outcomes
from replay.importers.uniswap_v2_abi import TRANSFER, ZERO, TopicAddresses, log_kind

#: Events a pool emits itself (its address is the pool's).
POOL_KINDS = frozenset(
    {"PositionSnapshot", "TickMovement", "DebtIndexSnapshot", "CollateralIndexSnapshot"}
)
WALKS = {"Rebalance": "rebalance", "RebalanceTick": "rebalance_tick", "Liquidate": "liquidate"}
STABILITY = {
    "fxBASE Deposit": "deposit",
    "fxBASE RequestRedeem": "request_redeem",
    "fxBASE Redeem": "redeem",
    "fxBASE InstantRedeem": "instant_redeem",
    "fxBASE Rebalance": "rebalance",
    "fxBASE Arbitrage": "arbitrage",
}
NFT_TRANSFER = "position Transfer"


def kind_of(log: ChainLog) -> str:
    """A log's kind for the import's counts: the f(x) event's name, else the token mapping's."""
    topic = log.topics[0] if log.topics else ""
    spec = FX_EVENTS.get(topic)
    if spec is not None:
        return spec.kind
    if topic == TRANSFER and len(log.topics) == 4:
        return NFT_TRANSFER
    return log_kind(topic)


class _Tx:
    """What one transaction's pool logs left for the PoolManager event after them."""

    def __init__(self) -> None:
        self.snapshots: dict[tuple[str, int], tuple[list[Any], ChainLog]] = {}
        self.mints: dict[tuple[str, int], str] = {}
        self.moves: dict[str, list[FxChainTickMoved]] = {}


class FxMapper:
    """Maps one chain's f(x) logs to facts (see the module docstring)."""

    def __init__(
        self,
        chain_id: int,
        book: FxChainBook,
        outcomes: Outcomes,
        provenance: Callable[[ChainLog], Provenance],
    ) -> None:
        self.chain_id, self.outcomes, self.provenance = chain_id, outcomes, provenance
        prefix = chain_name(chain_id, "")
        self.pools = {pool[len(prefix) :] for pool in book.pools if pool.startswith(prefix)}
        self.address = TopicAddresses()

    def split(self, logs: list[ChainLog]) -> tuple[list[ChainLog], list[ChainLog]]:
        """(the f(x) logs, the rest) of one transaction, each in log order."""
        if not any(
            log.topics and (log.topics[0] in FX_EVENTS or len(log.topics) == 4) for log in logs
        ):
            return [], logs  # the common case: no f(x) event, no position NFT
        emitters = self.pools | {
            log.address
            for log in logs
            if log.topics and FX_EVENTS.get(log.topics[0], _NONE).kind in POOL_KINDS
        }
        ours: list[ChainLog] = []
        rest: list[ChainLog] = []
        for log in logs:
            topic = log.topics[0] if log.topics else ""
            nft = topic == TRANSFER and len(log.topics) == 4 and log.address in emitters
            (ours if topic in FX_EVENTS or nft else rest).append(log)
        return ours, rest

    def map_tx(self, logs: list[ChainLog]) -> list[Event]:
        """The facts of one transaction's f(x) logs, counting every log's outcome."""
        tx, facts = _Tx(), list[Event]()
        for log in logs:
            kind = kind_of(log)
            try:
                self._log(tx, log, kind, facts)
            except (DecodingError, ValueError) as error:
                self.outcomes.add(
                    kind, "unmapped", f"fields do not decode ({type(error).__name__})"
                )
        for _ in tx.snapshots:
            self.outcomes.add("PositionSnapshot", "unmapped", "no Operate of its position after it")
        for moves in tx.moves.values():
            for _ in moves:
                self.outcomes.add(
                    "TickMovement", "unmapped", "no rebalance, liquidation or redeem after it"
                )
        for _ in tx.mints:
            self.outcomes.add(NFT_TRANSFER, "unmapped", "position minted with no Operate")
        return facts

    def _pool(self, address: str, log: ChainLog, facts: list[Event], manager: str = "") -> str:
        """The pool's name; a pool first seen mid-life is recorded as such first."""
        if address not in self.pools:
            self.pools.add(address)
            facts.append(
                FxChainPoolSeen(
                    pool=chain_name(self.chain_id, address),
                    manager=manager,
                    from_start=False,
                    provenance=self.provenance(log),
                )
            )
        return chain_name(self.chain_id, address)

    def _log(self, tx: _Tx, log: ChainLog, kind: str, facts: list[Event]) -> None:
        if kind == NFT_TRANSFER:
            self._nft(tx, log, facts)
            return
        spec = FX_EVENTS[log.topics[0]]
        values = decode_fx(spec, log.topics, log.data)
        if kind == "PositionSnapshot":
            tx.snapshots[(log.address, values[0])] = (values, log)
            return
        if kind == "TickMovement":
            old, new, coll, debt, price = values
            tx.moves.setdefault(log.address, []).append(
                FxChainTickMoved(
                    tick=old,
                    tick_after=None if new == NO_TICK else new,
                    coll_shares_after=coll,
                    debt_shares_after=debt,
                    price_1e18=price,
                )
            )
            return
        fact = self._fact(tx, log, spec, values, facts)
        if fact is None:
            return
        facts.append(fact)
        self.outcomes.add(kind, "mapped")

    def _nft(self, tx: _Tx, log: ChainLog, facts: list[Event]) -> None:
        source, target = self.address(log.topics[1]), self.address(log.topics[2])
        position_id = int(log.topics[3], 16)
        if source == ZERO:
            tx.mints[(log.address, position_id)] = target
            return
        facts.append(
            FxChainPositionTransferred(
                pool=self._pool(log.address, log, facts),
                position_id=position_id,
                from_owner=source,
                to_owner=target,
                provenance=self.provenance(log),
            )
        )
        self.outcomes.add(NFT_TRANSFER, "mapped")

    def _fact(
        self, tx: _Tx, log: ChainLog, spec: FxEvent, values: list[Any], facts: list[Event]
    ) -> Event | None:
        kind, provenance = spec.kind, self.provenance(log)
        if kind in STABILITY:
            return _stability(
                chain_name(self.chain_id, log.address), STABILITY[kind], values, provenance
            )
        if kind.startswith("fxUSD "):
            stable, fxusd, *bonus = values
            return FxUsdStableMoved(
                fxusd=chain_name(self.chain_id, log.address),
                kind="buyback" if bonus else "rebalance_with_stable",
                amount_stable=stable,
                amount_fxusd=fxusd,
                bonus_fxusd=bonus[0] if bonus else 0,
                provenance=provenance,
            )
        if kind in ("CollateralIndexSnapshot", "DebtIndexSnapshot"):
            coll = kind == "CollateralIndexSnapshot"
            return FxChainIndexUpdated(
                pool=self._pool(log.address, log, facts),
                coll_index=values[0] if coll else None,
                debt_index=None if coll else values[0],
                provenance=provenance,
            )
        if kind == "RegisterPool":
            if values[0] in self.pools:
                self.outcomes.add(kind, "unmapped", "pool already in the books")
                return None
            self.pools.add(values[0])
            return FxChainPoolSeen(
                pool=chain_name(self.chain_id, values[0]),
                manager=log.address,
                from_start=True,
                coll_index=E96,
                debt_index=E96,
                provenance=provenance,
            )
        pool = self._pool(values[0] if kind != "Harvest" else values[1], log, facts, log.address)
        if kind == "Operate":
            return self._operate(tx, log, pool, values, provenance)
        if kind == "Harvest":
            caller, _, rewards, *rest = values
            funding = rest[0] if len(rest) == 3 else None
            return FxChainHarvested(
                pool=pool,
                caller=caller,
                amount_rewards=rewards,
                amount_funding=funding,
                performance_fee=rest[-2],
                harvest_bounty=rest[-1],
                provenance=provenance,
            )
        return self._walk(tx, kind, pool, values, provenance)

    def _operate(
        self, tx: _Tx, log: ChainLog, pool: str, values: list[Any], provenance: Provenance
    ) -> FxChainOperated:
        address, position_id, delta_colls, delta_debts, fees = values
        snapshot = tx.snapshots.pop((address, position_id), None)
        owner = tx.mints.pop((address, position_id), None)
        if owner is not None:
            self.outcomes.add(NFT_TRANSFER, "mapped")
        after: dict[str, Any] = {}
        if snapshot is not None:
            _, tick, coll, debt, price = snapshot[0]
            after = {
                "tick": tick,
                "coll_shares_after": coll,
                "debt_shares_after": debt,
                "price_1e18": price,
            }
            self.outcomes.add("PositionSnapshot", "mapped")
        return FxChainOperated(
            pool=pool,
            position_id=position_id,
            owner=owner or "",
            opened=owner is not None,
            delta_colls=delta_colls,
            delta_debts=delta_debts,
            protocol_fees=fees,
            provenance=provenance,
            **after,
        )

    def _walk(
        self, tx: _Tx, kind: str, pool: str, values: list[Any], provenance: Provenance
    ) -> FxChainWalked:
        address = values[0]
        moves = tx.moves.pop(address, [])
        for _ in moves:
            self.outcomes.add("TickMovement", "mapped")
        if kind == "Redeem":
            _, colls, debts, fees = values
            return FxChainWalked(
                pool=pool,
                kind="redeem",
                colls=colls,
                fxusd_debts=debts,
                protocol_fees=fees,
                moves=moves,
                provenance=provenance,
            )
        tick = values[1] if kind == "RebalanceTick" else None
        colls, fxusd, stable = values[-3:]
        return FxChainWalked(
            pool=pool,
            kind=WALKS[kind],
            tick=tick,
            colls=colls,
            fxusd_debts=fxusd,
            stable_debts=stable,
            moves=moves,
            provenance=provenance,
        )


_NONE = FxEvent("", "", (), ())


def _stability(
    pool: str, action: str, values: list[Any], provenance: Provenance
) -> FxChainStabilityMoved:
    """An fxBASE event's fields under the fact's names."""
    fields: dict[str, Any]
    if action == "deposit":
        caller, receiver, token, amount, shares = values
        fields = {"receiver": receiver, "token": token, "amount_in": amount, "shares": shares}
    elif action == "request_redeem":
        caller, shares, unlock_at = values
        fields = {"shares": shares, "unlock_at": unlock_at}
    elif action in ("redeem", "instant_redeem"):
        caller, receiver, shares, yield_out, stable_out = values
        fields = {
            "receiver": receiver,
            "shares": shares,
            "yield_token_out": yield_out,
            "stable_token_out": stable_out,
        }
    elif action == "rebalance":
        caller, token, amount, collateral, yield_used, stable_used = values
        fields = {
            "token": token,
            "amount_in": amount,
            "collateral_out": collateral,
            "yield_token_out": yield_used,
            "stable_token_out": stable_used,
        }
    else:
        caller, token, amount, out, bonus = values
        fields = {"token": token, "amount_in": amount, "collateral_out": out, "bonus_out": bonus}
    return FxChainStabilityMoved(
        stability_pool=pool, action=action, caller=caller, provenance=provenance, **fields
    )


class ChainMappers:
    """The token and pair mapping and the f(x) mapping, each given its logs of a transaction."""

    def __init__(self, tokens: Any, fx: FxMapper) -> None:
        self.tokens, self.fx = tokens, fx

    def map_tx(self, logs: list[ChainLog]) -> list[Event]:
        ours, rest = self.fx.split(logs)
        facts: list[Event] = self.tokens.map_tx(rest) if rest else []
        if ours:
            facts += self.fx.map_tx(ours)
        return facts
