"""A model chain with Uniswap V2 pairs that emits real logs, encoded with eth-abi.

The amounts come from the project's own Uniswap V2 math (`projections.contracts`), so a generated
history is one the contracts could have produced, except where a test asks for a deliberate
departure (`out_delta`: a swap paying 1 wei below or above the formula). Logs come out in each
format the importers read: ethereum-etl JSON lines and CSV, and `eth_getLogs` results.
Nothing here is tuned to a real block range: addresses and hashes are derived from names.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from hashlib import sha256
from typing import Any

from eth_abi import encode

from projections.contracts.uniswap_v2 import PairState, amount_out_for_input
from projections.contracts.uniswap_v2_liquidity import pair_burn, pair_mint
from replay.importers.uniswap_v2_abi import BURN, MINT, PAIR_CREATED, SWAP, SYNC, TRANSFER, ZERO

ROUTER = "0x7a250d5630b4cf539739df2c5dacb4c659f2488d"


def address(name: str) -> str:
    """A 20-byte address derived from a name."""
    return "0x" + sha256(name.encode()).hexdigest()[:40]


def _hash(*parts: object) -> str:
    return "0x" + sha256(":".join(map(str, parts)).encode()).hexdigest()


def _topic(value: str) -> str:
    return "0x" + encode(["address"], [value]).hex()


@dataclass
class Pair:
    address: str
    token0: str
    token1: str
    reserve0: int = 0
    reserve1: int = 0
    supply: int = 0
    fee_to: str = ""
    """The factory's `feeTo` (protocol fee on when set)."""
    k_last: int = 0


@dataclass
class ModelChain:
    """Blocks of transactions of logs; `fork` names the branch so its hashes differ."""

    chain_id: int = 1
    fork: str = "main"
    block: int = 100
    logs: list[dict[str, Any]] = field(default_factory=list)
    _tx_index: int = 0
    _log_index: int = 0
    _tx: list[dict[str, Any]] = field(default_factory=list)

    def block_hash(self, number: int | None = None) -> str:
        number = self.block if number is None else number
        return _hash(self.fork if number >= self.fork_from else "main", "block", number)

    fork_from: int = 0

    def next_block(self, count: int = 1) -> None:
        self.block += count
        self._tx_index = 0
        self._log_index = 0

    def _emit(self, emitter: str, topics: list[str], data: bytes) -> None:
        self._tx.append({"address": emitter, "topics": topics, "data": "0x" + data.hex()})

    def _end_tx(self) -> None:
        tx_hash = _hash(self.block_hash(), "tx", self._tx_index)
        for item in self._tx:
            self.logs.append(
                {
                    "log_index": self._log_index,
                    "transaction_hash": tx_hash,
                    "transaction_index": self._tx_index,
                    "block_hash": self.block_hash(),
                    "block_number": self.block,
                    **item,
                }
            )
            self._log_index += 1
        self._tx = []
        self._tx_index += 1

    def transfer(self, token: str, source: str, target: str, amount: int) -> None:
        topics = [TRANSFER, _topic(source), _topic(target)]
        self._emit(token, topics, encode(["uint256"], [amount]))

    def _sync(self, pair: Pair) -> None:
        data = encode(["uint112", "uint112"], [pair.reserve0, pair.reserve1])
        self._emit(pair.address, [SYNC], data)

    def create_pair(self, factory: str, token_a: str, token_b: str, name: str) -> Pair:
        token0, token1 = sorted((token_a, token_b))
        pair = Pair(address(name), token0, token1)
        topics = [PAIR_CREATED, _topic(token0), _topic(token1)]
        self._emit(factory, topics, encode(["address", "uint256"], [pair.address, 1]))
        self._end_tx()
        return pair

    def mint(self, pair: Pair, provider: str, amount0: int, amount1: int) -> None:
        state = PairState(pair.reserve0, pair.reserve1, pair.supply, pair.k_last)
        balances = (pair.reserve0 + amount0, pair.reserve1 + amount1)
        minted = pair_mint(state, *balances, bool(pair.fee_to))
        self.transfer(pair.token0, provider, pair.address, amount0)
        self.transfer(pair.token1, provider, pair.address, amount1)
        if minted.liquidity_to_fee_recipient:
            self.transfer(pair.address, ZERO, pair.fee_to, minted.liquidity_to_fee_recipient)
        pair.k_last = minted.pair_after.k_last
        if minted.liquidity_locked:
            self.transfer(pair.address, ZERO, ZERO, minted.liquidity_locked)
        self.transfer(pair.address, ZERO, provider, minted.liquidity_to_provider)
        pair.reserve0, pair.reserve1 = pair.reserve0 + amount0, pair.reserve1 + amount1
        pair.supply = minted.pair_after.total_supply
        self._sync(pair)
        data = encode(["uint256", "uint256"], [amount0, amount1])
        self._emit(pair.address, [MINT, _topic(ROUTER)], data)
        self._end_tx()

    def swap(
        self, pair: Pair, trader: str, amount_in: int, zero_for_one: bool, out_delta: int = 0
    ) -> int:
        """An exact-in swap paying the formula's output plus `out_delta` wei."""
        reserve_in, reserve_out = (
            (pair.reserve0, pair.reserve1) if zero_for_one else (pair.reserve1, pair.reserve0)
        )
        out = amount_out_for_input(amount_in, reserve_in, reserve_out) + out_delta
        ins = (amount_in, 0) if zero_for_one else (0, amount_in)
        outs = (0, out) if zero_for_one else (out, 0)
        self.pair_swap(pair, trader, ins, outs)
        return out

    def pair_swap(
        self, pair: Pair, trader: str, ins: tuple[int, int], outs: tuple[int, int]
    ) -> None:
        """A swap with any amounts in and out on both sides (a two-sided swap)."""
        for token, amount in zip((pair.token0, pair.token1), ins, strict=True):
            if amount:
                self.transfer(token, trader, pair.address, amount)
        for token, amount in zip((pair.token0, pair.token1), outs, strict=True):
            if amount:
                self.transfer(token, pair.address, trader, amount)
        pair.reserve0 += ins[0] - outs[0]
        pair.reserve1 += ins[1] - outs[1]
        self._sync(pair)
        data = encode(["uint256"] * 4, [ins[0], ins[1], outs[0], outs[1]])
        self._emit(pair.address, [SWAP, _topic(ROUTER), _topic(trader)], data)
        self._end_tx()

    def burn(self, pair: Pair, holder: str, liquidity: int) -> None:
        state = PairState(pair.reserve0, pair.reserve1, pair.supply, pair.k_last)
        burned = pair_burn(state, pair.reserve0, pair.reserve1, liquidity, bool(pair.fee_to))
        self.transfer(pair.address, holder, pair.address, liquidity)
        if burned.liquidity_to_fee_recipient:
            self.transfer(pair.address, ZERO, pair.fee_to, burned.liquidity_to_fee_recipient)
        pair.k_last = burned.pair_after.k_last
        self.transfer(pair.address, pair.address, ZERO, liquidity)
        self.transfer(pair.token0, pair.address, holder, burned.amount0)
        self.transfer(pair.token1, pair.address, holder, burned.amount1)
        pair.reserve0, pair.reserve1 = (
            pair.reserve0 - burned.amount0,
            pair.reserve1 - burned.amount1,
        )
        pair.supply = burned.pair_after.total_supply
        self._sync(pair)
        data = encode(["uint256", "uint256"], [burned.amount0, burned.amount1])
        self._emit(pair.address, [BURN, _topic(ROUTER), _topic(holder)], data)
        self._end_tx()

    def donate_and_sync(self, pair: Pair, donor: str, amount0: int) -> None:
        """Tokens sent to the pair, then taken into the reserves by `sync()`: a lone Sync."""
        self.transfer(pair.token0, donor, pair.address, amount0)
        self._end_tx()
        pair.reserve0 += amount0
        self._sync(pair)
        self._end_tx()

    def token_transfer(self, token: str, source: str, target: str, amount: int) -> None:
        self.transfer(token, source, target, amount)
        self._end_tx()


def etl_jsonl(logs: list[dict[str, Any]]) -> str:
    return "".join(json.dumps({"type": "log", **item}) + "\n" for item in logs)


def etl_csv(logs: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    columns = [
        "log_index",
        "transaction_hash",
        "transaction_index",
        "block_hash",
        "block_number",
        "address",
        "data",
        "topics",
    ]
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    for item in logs:
        writer.writerow({**item, "topics": ",".join(item["topics"])})
    return out.getvalue()


def rpc_json(logs: list[dict[str, Any]]) -> str:
    result = [
        {
            "address": item["address"],
            "topics": item["topics"],
            "data": item["data"],
            "blockNumber": hex(item["block_number"]),
            "blockHash": item["block_hash"],
            "transactionHash": item["transaction_hash"],
            "transactionIndex": hex(item["transaction_index"]),
            "logIndex": hex(item["log_index"]),
            "removed": False,
        }
        for item in logs
    ]
    return json.dumps({"jsonrpc": "2.0", "id": 1, "result": result}, indent=1) + "\n"


WETH, USDC, MYST = address("WETH"), address("USDC"), address("MYST")
FACTORY = address("factory")
ALICE, BOB, CAROL = address("alice"), address("bob"), address("carol")


def token_list() -> dict[str, Any]:
    """A token list (Uniswap format) naming WETH and USDC; MYST is left out on purpose."""
    return {
        "name": "model tokens",
        "tokens": [
            {"chainId": 1, "address": WETH, "symbol": "WETH", "decimals": 18, "name": "WETH"},
            {"chainId": 1, "address": USDC, "symbol": "USDC", "decimals": 6, "name": "USDC"},
        ],
    }


def demo_history(chain: ModelChain | None = None) -> tuple[ModelChain, dict[str, Pair]]:
    """Every case the importer maps: a pair created in range (mint, swaps both ways, a
    two-sided swap, a swap paying 1 wei below the formula, a donation `Sync`, a burn with its
    LP `Transfer`), a pair first seen mid-life, and a listed token moving between holders."""
    chain = chain or ModelChain()
    pair = chain.create_pair(FACTORY, WETH, USDC, "WETH-USDC")
    chain.next_block()
    chain.mint(
        pair,
        ALICE,
        500 * 10**18 if pair.token0 == WETH else 1_000_000 * 10**6,
        1_000_000 * 10**6 if pair.token0 == WETH else 500 * 10**18,
    )
    # Prior history no log shows: MYST-WETH has been trading for a while.
    old = Pair(address("MYST-WETH"), *sorted((MYST, WETH)), 7 * 10**21, 9 * 10**20, 10**21)
    chain.next_block()
    chain.swap(pair, BOB, 10**18 if pair.token0 == WETH else 2_000 * 10**6, True)
    chain.swap(old, CAROL, 3 * 10**18, old.token0 == WETH)
    chain.next_block()
    chain.swap(pair, CAROL, 1_500 * 10**6 if pair.token1 == USDC else 10**18, False)
    chain.swap(pair, BOB, 5 * 10**17 if pair.token0 == WETH else 900 * 10**6, True, out_delta=-1)
    chain.next_block(2)
    chain.pair_swap(pair, BOB, (10**15, 10**6), (0, 10**5))
    chain.donate_and_sync(pair, CAROL, 12_345)
    chain.token_transfer(USDC, ALICE, BOB, 42 * 10**6)
    chain.token_transfer(MYST, ALICE, BOB, 7)
    chain.next_block()
    chain.burn(pair, ALICE, pair.supply // 10)
    chain.swap(old, BOB, 10**20, old.token0 != WETH)
    chain.next_block()
    chain.burn(old, CAROL, old.supply // 100)  # LP supply unknown to the books: unverifiable
    return chain, {"pair": pair, "old": old}


def violation_history() -> ModelChain:
    """The demo history, then one swap paying 1 wei more than the formula allows."""
    chain, pairs = demo_history()
    chain.next_block()
    chain.swap(
        pairs["pair"], CAROL, 10**16 if pairs["pair"].token0 == WETH else 10**7, True, out_delta=1
    )
    return chain


def busy_blocks(chain: ModelChain, pair: Pair, blocks: int, seed: int) -> None:
    """`blocks` blocks of trading on `pair` (a swap each, a donation every 5th), seeded."""
    import random

    rand = random.Random(seed)
    for _ in range(blocks):
        chain.next_block()
        chain.swap(pair, BOB, rand.randint(10**15, 10**17), rand.random() < 0.5)
        if rand.random() < 0.2:
            chain.donate_and_sync(pair, CAROL, rand.randint(1, 10**6))
