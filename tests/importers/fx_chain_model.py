"""A model f(x) pool on the model chain that emits the contracts' logs, encoded with eth-abi.

Every amount comes from the project's own f(x) pool model (`projections.contracts.fx_pool`): an
operate emits what `PoolManager.operate` and `BasePool.operate` emit (the position NFT's mint on
an open, the pool's `PositionSnapshot`, the manager's `Operate`); a rebalance or liquidation the
pool's `TickMovement` per tick (what is left of it, where it moved), a `DebtIndexSnapshot` when
bad debt raised the index, then the manager's `Rebalance` / `Liquidate`. The collateral has 18
decimals and no rate provider, so token and raw amounts are the same.
"""

from __future__ import annotations

from eth_abi import encode

from projections.contracts.fx_params import FxPoolParameters
from projections.contracts.fx_pool import FxPool
from projections.contracts.fx_results import OperatePreview, OperateRequest, SettlementTerms
from projections.contracts.fx_tree import TickBook
from replay.importers.fx_abi import FX_EVENTS, NO_TICK
from replay.importers.uniswap_v2_abi import TRANSFER, ZERO
from tests.importers.chain_model import ModelChain, _topic, address

MANAGER, FXUSD, FXBASE = address("fx-manager"), address("fxUSD"), address("fxBASE")
USDC = address("USDC")
TOPIC = {spec.signature: topic for topic, spec in FX_EVENTS.items()}
UNLIMITED = SettlementTerms(max_fxusd=2**200)


def _word(kind: str, value: int) -> str:
    return "0x" + encode([kind], [value]).hex()


class FxModel:
    """One long pool on `chain`, registered in range unless `register` is False."""

    def __init__(
        self,
        chain: ModelChain,
        parameters: FxPoolParameters,
        name: str = "fx-pool",
        register: bool = True,
    ) -> None:
        self.chain, self.pool, self.address = chain, FxPool(parameters), address(name)
        if register:
            self.emit(MANAGER, "RegisterPool(address)", [_topic(self.address)], [], [])
            chain._end_tx()

    def emit(
        self, emitter: str, signature: str, topics: list[str], types: list[str], values: list[int]
    ) -> None:
        self.chain._emit(emitter, [TOPIC[signature], *topics], encode(types, values))

    def operate(
        self, owner: str, price: int, position_id: int | None = None, coll: int = 0, debt: int = 0
    ) -> OperatePreview:
        preview = self.pool.operate(OperateRequest(owner, price, position_id, coll, debt))
        if preview.opened:
            topics = [TRANSFER, _topic(ZERO), _topic(owner), _word("uint256", preview.position_id)]
            self.chain._emit(self.address, topics, b"")
        self.emit(
            self.address,
            "PositionSnapshot(uint256,int16,uint256,uint256,uint256)",
            [],
            ["uint256", "int16", "uint256", "uint256", "uint256"],
            [
                preview.position_id,
                preview.tick_after if preview.tick_after is not None else 0,
                preview.coll_shares_after,
                preview.debt_shares_after,
                price,
            ],
        )
        self.emit(
            MANAGER,
            "Operate(address,uint256,int256,int256,uint256)",
            [_topic(self.address), _word("uint256", preview.position_id)],
            ["int256", "int256", "uint256"],
            [
                preview.collateral_raw_delta,
                preview.debt_raw_delta,
                preview.fee_open_token + preview.fee_close_token,
            ],
        )
        self.chain._end_tx()
        return preview

    def walk(self, kind: str, price: int, reserve: int = 0) -> None:
        """`rebalance` or `liquidate` every tick past its line, paid in fxUSD."""
        book, index_before = TickBook(self.pool.tree), self.pool.debt_index
        if kind == "rebalance":
            preview = self.pool.preview_rebalance(price, UNLIMITED)
        else:
            preview = self.pool.preview_liquidate(price, UNLIMITED, reserve)
        lefts = [
            book.move(move.tick, move.coll_shares_removed, move.debt_shares_removed)
            for move in preview.movements
        ]
        self.pool.apply_rebalance(preview)
        for move, left in zip(preview.movements, lefts, strict=True):
            self.emit(
                self.address,
                "TickMovement(int16,int16,uint256,uint256,uint256)",
                [],
                ["int16", "int16", "uint256", "uint256", "uint256"],
                [
                    move.tick,
                    NO_TICK if left.tick_after is None else left.tick_after,
                    left.coll_shares_after,
                    left.debt_shares_after,
                    price,
                ],
            )
        if self.pool.debt_index != index_before:
            self.emit(
                self.address, "DebtIndexSnapshot(uint256)", [], ["uint256"], [self.pool.debt_index]
            )
        settlement = preview.settlement
        self.emit(
            MANAGER,
            f"{kind.capitalize()}(address,uint256,uint256,uint256)",
            [_topic(self.address)],
            ["uint256"] * 3,
            [settlement.colls_to_receiver_token, settlement.fxusd_used, settlement.stable_used],
        )
        self.chain._end_tx()

    def position(self, position_id: int) -> tuple[int, int]:
        """The model's (raw collateral, raw debt) of a position, as `getPosition` gives them."""
        from projections.contracts.fx_ticks import raw_coll_from_shares, raw_debt_from_shares

        coll, debt = self.pool.tree.position_live_shares(position_id)
        return (
            raw_coll_from_shares(coll, self.pool.coll_index, False),
            raw_debt_from_shares(debt, self.pool.debt_index, False),
        )


def stability_and_fxusd(chain: ModelChain, user: str) -> None:
    """One of each fxBASE event and fxUSD's two, in their own transactions."""

    def emit(emitter: str, signature: str, topics: list[str], values: list[int]) -> None:
        chain._emit(emitter, [TOPIC[signature], *topics], encode(["uint256"] * len(values), values))
        chain._end_tx()

    two = [_topic(user), _topic(user)]
    emit(
        FXBASE,
        "Deposit(address,address,address,uint256,uint256)",
        [*two, _topic(FXUSD)],
        [1000 * 10**18, 990 * 10**18],
    )
    emit(FXBASE, "RequestRedeem(address,uint256,uint256)", [_topic(user)], [100 * 10**18, 86400])
    emit(FXBASE, "Redeem(address,address,uint256,uint256,uint256)", two, [100 * 10**18, 60, 40])
    emit(FXBASE, "InstantRedeem(address,address,uint256,uint256,uint256)", two, [10**18, 6, 4])
    emit(
        FXBASE,
        "Rebalance(address,address,uint256,uint256,uint256,uint256)",
        [_topic(user), _topic(USDC)],
        [500 * 10**6, 10**17, 0, 500 * 10**6],
    )
    emit(FXBASE, "Arbitrage(address,address,uint256,uint256,uint256)", two, [7, 6, 1])
    emit(FXUSD, "RebalanceWithStable(uint256,uint256)", [], [500 * 10**6, 500 * 10**18])
    emit(FXUSD, "Buyback(uint256,uint256,uint256)", [], [10**6, 10**18, 10**15])
