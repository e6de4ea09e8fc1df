"""The f(x) protocol's events the importer reads, and their decoding with eth-abi.

Signatures as the public contracts declare them (AladdinDAO `fx-protocol-contracts`):
`IPoolManager`/`ILongPoolManager` (the PoolManager), `IPool` (each long pool, also the
position NFT), `IFxUSDBasePool` (fxBASE, the stability pool) and `IFxUSDRegeneracy` (fxUSD).
Each topic is the keccak-256 of its signature (a test recomputes them), kept as the lower-case
0x hex the log formats carry. Two `Redeem`s and two `Rebalance`s share a name, not a signature
(the PoolManager's and fxBASE's), so their topics differ; `Harvest` has two versions (the
earlier without `amountFunding`), both read.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from eth_abi.decoding import ContextFramesBytesIO
from eth_abi.registry import registry

from replay.importers.uniswap_v2_abi import decode_fields


class FxEvent(NamedTuple):
    """One event: its kind, the ABI types of its indexed topics and of its data."""

    kind: str
    signature: str
    indexed: tuple[str, ...]
    data: tuple[str, ...]


_U = "uint256"
FX_EVENTS: dict[str, FxEvent] = {
    "0x9a243f0f02273a4b80be965697988a178f95cd11863de2122e69f811445dff44": FxEvent(
        "Operate",
        "Operate(address,uint256,int256,int256,uint256)",
        ("address", _U),
        ("int256", "int256", _U),
    ),
    "0xbd5034ffbd47e4e72a94baa2cdb74c6fad73cb3bcdc13036b72ec8306f5a7646": FxEvent(
        "Redeem", "Redeem(address,uint256,uint256,uint256)", ("address",), (_U, _U, _U)
    ),
    "0xf8cdb1f9af03fbf36ddb1d43fce878a63592deba4f09a82777616f3019aa6c4d": FxEvent(
        "RebalanceTick",
        "RebalanceTick(address,int16,uint256,uint256,uint256)",
        ("address", "int16"),
        (_U, _U, _U),
    ),
    "0x2ee87fe08e822e20d39eb53e4cfe022c750e0b72e3dfafa2413b41b61f3dacc5": FxEvent(
        "Rebalance", "Rebalance(address,uint256,uint256,uint256)", ("address",), (_U, _U, _U)
    ),
    "0x158ba9ab7bbbd08eeffa4753bad41f4d450e24831d293427308badf3eadd8c76": FxEvent(
        "Liquidate", "Liquidate(address,uint256,uint256,uint256)", ("address",), (_U, _U, _U)
    ),
    "0xb97aa24214e8edbddacca4eccaa3910b760a7aa10a284e8b782d12f1137a7561": FxEvent(
        "Harvest",
        "Harvest(address,address,uint256,uint256,uint256,uint256)",
        ("address", "address"),
        (_U, _U, _U, _U),
    ),
    "0xd25759d838eb0a46600f8f327cce144e61d7caefbef27010fe31e2aab091704f": FxEvent(
        "Harvest",
        "Harvest(address,address,uint256,uint256,uint256)",
        ("address", "address"),
        (_U, _U, _U),
    ),
    "0xdfc596fabc6581c887262c97695176a79e3c8fc6ab7aaf14700820f3436b8fb9": FxEvent(
        "RegisterPool", "RegisterPool(address)", ("address",), ()
    ),
    "0x87c6d2a0cd0c74f592aa5180672ba8d1f3646cb6e00d7622a7cbb4aa7aeb93b8": FxEvent(
        "PositionSnapshot",
        "PositionSnapshot(uint256,int16,uint256,uint256,uint256)",
        (),
        (_U, "int16", _U, _U, _U),
    ),
    "0x5fe96f4d1f13c468b9090d9e0bfa3b28cf26e4fe6439122f08ddbf605998e8a9": FxEvent(
        "TickMovement",
        "TickMovement(int16,int16,uint256,uint256,uint256)",
        (),
        ("int16", "int16", _U, _U, _U),
    ),
    "0x0eb47678af0fcacabbadc23b52144abfc1b9341bfb37b6ede42d22bb243defda": FxEvent(
        "DebtIndexSnapshot", "DebtIndexSnapshot(uint256)", (), (_U,)
    ),
    "0xae4d80815d6017051882e2605756a6374b276db7e0552860fa6b7c320a20be01": FxEvent(
        "CollateralIndexSnapshot", "CollateralIndexSnapshot(uint256)", (), (_U,)
    ),
    "0x5fe47ed6d4225326d3303476197d782ded5a4e9c14f479dc9ec4992af4e85d59": FxEvent(
        "fxBASE Deposit",
        "Deposit(address,address,address,uint256,uint256)",
        ("address", "address", "address"),
        (_U, _U),
    ),
    "0x3a4aaf3c8c287a23b905e95af5d9b37807cadef62732e09ef9ce59f5e28474f8": FxEvent(
        "fxBASE RequestRedeem",
        "RequestRedeem(address,uint256,uint256)",
        ("address",),
        (_U, _U),
    ),
    "0x215abfcd108b85fbee47f26fda2de66f90f14fa5fcaf0201698ad8ac9323545f": FxEvent(
        "fxBASE Redeem",
        "Redeem(address,address,uint256,uint256,uint256)",
        ("address", "address"),
        (_U, _U, _U),
    ),
    "0xcf4381de0158a4e751094e48c13424e4fc91d08b86227993084127f50fa5cd20": FxEvent(
        "fxBASE InstantRedeem",
        "InstantRedeem(address,address,uint256,uint256,uint256)",
        ("address", "address"),
        (_U, _U, _U),
    ),
    "0xb8c3fd52c06cd7e35d81a3fc31542187d197c9deef253587a27e0214677d0f6b": FxEvent(
        "fxBASE Rebalance",
        "Rebalance(address,address,uint256,uint256,uint256,uint256)",
        ("address", "address"),
        (_U, _U, _U, _U),
    ),
    "0xed48b13f1dfbf804523fbe02c20d9dcdff92b5c15ebdc9d5e0296be98307d2c3": FxEvent(
        "fxBASE Arbitrage",
        "Arbitrage(address,address,uint256,uint256,uint256)",
        ("address", "address"),
        (_U, _U, _U),
    ),
    "0xf1238357f035b5131e14074c5fd13978dd1ef19bda53ca98647b7dbe41d7ed9a": FxEvent(
        "fxUSD RebalanceWithStable", "RebalanceWithStable(uint256,uint256)", (), (_U, _U)
    ),
    "0xd0b9355d279e4300b9775cdafb83758dd2135999d3842f80bcbad1607b6f432f": FxEvent(
        "fxUSD Buyback", "Buyback(uint256,uint256,uint256)", (), (_U, _U, _U)
    ),
}
"""Every f(x) event read, by topic."""

#: `TickMovement`'s new tick when nothing is left of the tick (`type(int16).min`).
NO_TICK = -(2**15)

_Stream: Any = ContextFramesBytesIO


def _topic_value(kind: str, topic: str) -> Any:
    decoder: Any = _TOPIC_DECODERS.get(kind)
    if decoder is None:
        decoder = _TOPIC_DECODERS[kind] = registry.get_decoder(kind)
    value = decoder(_Stream(bytes.fromhex(topic[2:])))
    return value.lower() if isinstance(value, str) else value


_TOPIC_DECODERS: dict[str, Any] = {}


def decode_fx(spec: FxEvent, topics: tuple[str, ...], data: str) -> list[Any]:
    """The event's fields in declaration order (indexed first, as every f(x) event declares).

    Raises:
        ValueError: the log has fewer topics than the event indexes.
        eth_abi.exceptions.DecodingError: the data is short or not what the types say.
    """
    if len(topics) != len(spec.indexed) + 1:
        raise ValueError(f"{spec.kind}: {len(topics) - 1} indexed topics, not {len(spec.indexed)}")
    values = [
        _topic_value(kind, topic) for kind, topic in zip(spec.indexed, topics[1:], strict=True)
    ]
    return values + (decode_fields(spec.data, data) if spec.data else [])
