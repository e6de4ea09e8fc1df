"""A pool state file names what pair-only logs cannot show: tokens and the LP supply."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from events.chain import PoolObserved, chain_name
from ledger.audit_classes import classify
from ledger.sqlite_store import SqliteStore
from replay.cli import cli
from replay.importers import import_logs
from replay.importers.uniswap_v2_abi import TRANSFER
from tests.importers.chain_model import ALICE, USDC, WETH, ModelChain, Pair, address
from tests.importers.conftest import write_logs


def pair_only_history() -> tuple[ModelChain, Pair, int]:
    """A pair with history before the export; the export holds only the pair's own logs."""
    chain = ModelChain()
    old = Pair(address("OLD"), *sorted((WETH, USDC)), 10**22, 3 * 10**13, 5 * 10**17)
    supply_before = old.supply
    chain.next_block()
    chain.swap(old, ALICE, 10**18, True)
    chain.next_block()
    chain.mint(old, ALICE, 10**19, 3 * 10**16)
    chain.next_block()
    chain.burn(old, ALICE, old.supply // 50)
    chain.logs = [
        item for item in chain.logs if item["address"] == old.address
    ]  # `eth_getLogs` filtered by the pair's address
    return chain, old, supply_before


def test_pair_only_logs_need_the_tokens_and_map_with_them(tmp_path: Path) -> None:
    chain, old, supply_before = pair_only_history()
    logs = write_logs(tmp_path, "pair", chain.logs, "rpc-json")
    blind = SqliteStore(tmp_path / "blind.db", create=True)
    result = import_logs(blind, [logs], format="rpc-json")
    assert result.counts["Swap"]["unmapped"] == 1
    assert "Swap: pair tokens unknown (no PairCreated or Transfer)" in result.unmapped_reasons
    blind.close()
    state = tmp_path / "pools.json"
    hint = {"address": old.address, "token0": old.token0, "token1": old.token1}
    state.write_text(json.dumps({"pools": [{**hint, "lp_supply": supply_before}]}))
    db = tmp_path / "ledger.db"
    imported = CliRunner().invoke(
        cli, ["import", str(db), "--format", "rpc-json", "--pool-state", str(state), str(logs)]
    )
    assert imported.exit_code == 0, imported.output
    store = SqliteStore(db)
    observed = [r.event for r in store.read() if isinstance(r.event, PoolObserved)]
    assert [(e.pool, e.lp_supply) for e in observed] == [
        (chain_name(1, old.address), supply_before)
    ]
    report = classify(store)
    assert report.counts == {"exact": 3, "below": 0, "violation": 0, "unverifiable": 0}
    # Without the LP supply the deposit and the withdrawal are reported unverifiable.
    state.write_text(json.dumps({"pools": [hint]}))
    unknown = SqliteStore(tmp_path / "unknown.db", create=True)
    import_logs(unknown, [logs], format="rpc-json", pool_state=state)
    assert classify(unknown).counts == {"exact": 1, "below": 0, "violation": 0, "unverifiable": 2}
    assert not any(
        item["topics"][0] == TRANSFER and item["address"] != old.address for item in chain.logs
    )
    store.close()
    unknown.close()
