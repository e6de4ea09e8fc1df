"""Uniswap V2 logs in every format become the same books, whose reserves are the chain's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from eth_utils import keccak

from events.chain import (
    ChainAssetRegistered,
    PairBurned,
    PairMinted,
    PairSwapped,
    PoolObserved,
    PoolSynced,
    chain_name,
)
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from projections.balances import Balances
from projections.pools import Pools
from replay.importers import import_logs, uniswap_v2_abi
from replay.importers.token_list import TokenListError, load_token_list
from tests.importers.chain_model import MYST, USDC, demo_history, token_list
from tests.importers.conftest import write_logs


def books(path: Path) -> tuple[Balances, Pools]:
    store = SqliteStore(path)
    found = Projector(store, ["balances", "pools"]).current()
    store.close()
    balances, pools = found
    assert isinstance(balances, Balances) and isinstance(pools, Pools)
    return balances, pools


@pytest.mark.parametrize(
    ("constant", "signature"),
    [
        ("TRANSFER", "Transfer(address,address,uint256)"),
        ("SYNC", "Sync(uint112,uint112)"),
        ("SWAP", "Swap(address,uint256,uint256,uint256,uint256,address)"),
        ("MINT", "Mint(address,uint256,uint256)"),
        ("BURN", "Burn(address,uint256,uint256,address)"),
        ("PAIR_CREATED", "PairCreated(address,address,address,uint256)"),
    ],
)
def test_the_topics_are_the_keccak_of_the_abi_signatures(constant: str, signature: str) -> None:
    assert getattr(uniswap_v2_abi, constant) == "0x" + keccak(text=signature).hex()


@pytest.mark.parametrize("fmt", ["etl-json", "etl-csv", "rpc-json"])
def test_every_format_gives_the_chains_reserves(
    tmp_path: Path, tokens_file: Path, fmt: str
) -> None:
    chain, pairs = demo_history()
    logs = write_logs(tmp_path, "logs", chain.logs, fmt)
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    result = import_logs(store, [logs], format=fmt, token_list=tokens_file)
    store.close()
    assert result.rejected is None
    assert result.logs == len(chain.logs)
    assert sum(sum(counts.values()) for counts in result.counts.values()) == len(chain.logs)
    assert result.unmapped_reasons == {"Transfer: token not in the token list": 1}
    balances, pools = books(tmp_path / "ledger.db")
    for pair in pairs.values():
        pool = chain_name(1, pair.address)
        book = pools.books[pool]
        assert (book.reserve_x, book.reserve_y) == (pair.reserve0, pair.reserve1)
        assert balances.balance(f"pool:{pool}", book.spec.token_x) == pair.reserve0
        assert balances.balance(f"pool:{pool}", book.spec.token_y) == pair.reserve1
    created = pools.books[chain_name(1, pairs["pair"].address)]
    assert created.lp_supply == pairs["pair"].supply
    assert balances.supply(created.spec.lp_asset) == pairs["pair"].supply
    assert balances.violations() == [] and pools.violations() == []


def test_the_formats_give_the_same_digests(tmp_path: Path, tokens_file: Path) -> None:
    chain, _ = demo_history()
    digests = set()
    for fmt in ("etl-json", "etl-csv", "rpc-json"):
        store = SqliteStore(tmp_path / f"{fmt}.db", create=True)
        import_logs(
            store,
            [write_logs(tmp_path, "logs", chain.logs, fmt)],
            format=fmt,
            token_list=tokens_file,
        )
        digests.add(tuple(sorted(Projector(store).digests().items())))
        store.close()
    assert len(digests) == 1


def test_each_case_maps_to_its_fact(tmp_path: Path, tokens_file: Path) -> None:
    chain, pairs = demo_history()
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    import_logs(
        store, [write_logs(tmp_path, "logs", chain.logs, "etl-json")], token_list=tokens_file
    )
    events = [record.event for record in store.read()]
    store.close()
    observed = [e for e in events if isinstance(e, PoolObserved)]
    assert [e.pool for e in observed] == [chain_name(1, pairs["old"].address)]
    assert observed[0].lp_supply is None and observed[0].reserve_x > 0
    two_sided = [
        e for e in events if isinstance(e, PairSwapped) and e.amount_x_in and e.amount_y_in
    ]
    assert [(e.amount_x_in, e.amount_y_in, e.amount_x_out, e.amount_y_out) for e in two_sided] == [
        (10**15, 10**6, 0, 10**5)
    ]
    burn = next(e for e in events if isinstance(e, PairBurned))
    assert burn.lp_burned is not None and burn.lp_burned > 0
    mint = next(e for e in events if isinstance(e, PairMinted))
    assert (mint.lp_locked, mint.lp_minted) == (1000, pairs["pair"].supply + burn.lp_burned - 1000)
    synced = [e for e in events if isinstance(e, PoolSynced)]
    assert len(synced) == 1 and synced[0].amount_x_in + synced[0].amount_y_in == 12_345
    registered = {
        getattr(e, "asset", ""): getattr(e, "decimals", "-")
        for e in events
        if type(e).__name__ == "ChainAssetRegistered"
    }
    assert registered[chain_name(1, USDC)] == 6
    assert registered[chain_name(1, MYST)] is None  # not in the token list: unknown, not guessed


def test_a_reimport_appends_nothing_and_counts_duplicates(
    tmp_path: Path, tokens_file: Path
) -> None:
    chain, _ = demo_history()
    logs = write_logs(tmp_path, "logs", chain.logs, "etl-json")
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    first = import_logs(store, [logs], token_list=tokens_file)
    head = store.head()
    again = import_logs(store, [logs, logs], token_list=tokens_file)
    assert store.head() == head and again.facts_appended == 0
    assert sum(c["duplicate"] for c in again.counts.values()) == 2 * len(chain.logs)
    # An overlapping file: the old half again plus new blocks, only the new ones appended.
    half = len(chain.logs) // 2
    store2 = SqliteStore(tmp_path / "halves.db", create=True)
    import_logs(
        store2, [write_logs(tmp_path, "a", chain.logs[:half], "etl-json")], token_list=tokens_file
    )
    import_logs(store2, [logs], token_list=tokens_file)
    assert (
        Projector(store2, ["balances", "pools"]).digests()
        == Projector(store, ["balances", "pools"]).digests()
    )
    assert first.facts_appended > 0
    store.close()
    store2.close()


def test_the_protocol_fee_mint_is_taken_from_the_lp_transfers(
    tmp_path: Path, tokens_file: Path
) -> None:
    from ledger.audit_classes import classify
    from tests.importers.chain_model import ALICE, BOB, CAROL, FACTORY, WETH, ModelChain

    chain = ModelChain()
    pair = chain.create_pair(FACTORY, WETH, USDC, "fee-on")
    pair.fee_to = CAROL
    chain.next_block()
    chain.mint(pair, ALICE, 10**21, 2 * 10**12)
    for _ in range(5):
        chain.next_block()
        chain.swap(pair, BOB, 10**19, True)
        chain.swap(pair, BOB, 10**10, False)
    chain.mint(pair, ALICE, 10**19, 10**19 * pair.reserve1 // pair.reserve0)
    chain.next_block()
    chain.swap(pair, BOB, 10**19, True)
    chain.burn(pair, ALICE, pair.supply // 3)
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    import_logs(
        store, [write_logs(tmp_path, "logs", chain.logs, "etl-json")], token_list=tokens_file
    )
    fees = [
        r.event.protocol_fee_lp
        for r in store.read()
        if isinstance(r.event, PairMinted | PairBurned)
    ]
    assert fees[0] == 0 and fees[1] > 0 and fees[2] > 0
    assert classify(store).counts == {"exact": 14, "below": 0, "violation": 0, "unverifiable": 0}
    balances, pools = books(tmp_path / "ledger.db")
    lp = chain_name(1, pair.address)
    assert pools.books[lp].lp_supply == pair.supply == balances.supply(lp)
    store.close()


@pytest.mark.parametrize(("decimals", "recorded"), [(0, 0), (36, 36), (37, None), (255, None)])
def test_a_listed_token_keeps_its_symbol_whatever_its_decimals(
    tmp_path: Path, decimals: int, recorded: int | None
) -> None:
    """The token-list schema allows 0..255 decimals; a token listed with more than the books
    keep (36) is still the listed token, its decimals unknown, not 'not in the token list'."""
    chain, _ = demo_history()
    listing = token_list()
    for token in listing["tokens"]:
        if token["address"] == USDC:
            token["decimals"] = decimals
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps(listing))
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    logs = write_logs(tmp_path, "logs", chain.logs, "etl-json")
    result = import_logs(store, [logs], token_list=tokens)
    events = [record.event for record in store.read()]
    store.close()
    assert result.unmapped_reasons == {"Transfer: token not in the token list": 1}  # MYST's
    (usdc,) = [
        e for e in events if isinstance(e, ChainAssetRegistered) and e.asset == chain_name(1, USDC)
    ]
    assert (usdc.symbol, usdc.decimals) == ("USDC", recorded)


@pytest.mark.parametrize("decimals", [-1, 256, 6.5, "6"])
def test_decimals_outside_the_token_list_schema_are_refused_naming_the_token(
    tmp_path: Path, decimals: object
) -> None:
    listing = token_list()
    listing["tokens"][1]["decimals"] = decimals
    tokens = tmp_path / "tokens.json"
    tokens.write_text(json.dumps(listing))
    with pytest.raises(TokenListError, match=r"\$\.tokens\[1\]\.decimals.*token-list format"):
        load_token_list(tokens, 1)


def test_an_address_listed_twice_is_taken_once_alike_and_refused_differently(
    tmp_path: Path,
) -> None:
    """The token-list schema lists a token once; of two different entries either could be
    the one meant, so neither is chosen (the last one used to win without a word)."""
    listing = token_list()
    usdc = next(token for token in listing["tokens"] if token["address"] == USDC)
    tokens = tmp_path / "tokens.json"
    other_chain = {**usdc, "chainId": 5, "decimals": 18}
    listing["tokens"] += [{**usdc, "address": USDC.upper().replace("0X", "0x")}, other_chain]
    tokens.write_text(json.dumps(listing))
    assert load_token_list(tokens, 1) == load_token_list(tokens_of(tmp_path, token_list()), 1)
    listing["tokens"].append({**usdc, "decimals": 18})
    tokens.write_text(json.dumps(listing))
    first = listing["tokens"].index(usdc)
    last = len(listing["tokens"]) - 1
    with pytest.raises(TokenListError) as refused:
        load_token_list(tokens, 1)
    assert f"tokens[{first}] and tokens[{last}] both list {USDC.lower()} on chain 1" in str(
        refused.value
    )
    assert "'USDC' with 6 decimals and 'USDC' with 18 decimals" in str(refused.value)


def tokens_of(tmp_path: Path, listing: dict[str, Any]) -> Path:
    path = tmp_path / "plain.json"
    path.write_text(json.dumps(listing))
    return path
