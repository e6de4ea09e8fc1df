"""ALEX pool prints from Stacks API pages become the books' weighted-pool facts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from events.alex_pools import STACKS_OUTSIDE, PoolFeesObserved, WeightedPoolObserved, stacks_name
from events.amm import PoolCreated, Swapped, pool_account
from events.reserve import ReserveCredited, reserve_account
from ledger.audit_classes import classify
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from projections.balances import Balances
from projections.contracts.fixed_point import mul_down, mul_up, pow_up
from projections.pools import Pools
from replay.cli import cli
from replay.importers import import_logs
from replay.importers.alex import gross_input, net_of
from replay.importers.alex_import import MissingBlockHeight
from tests.importers.alex_chain import (
    ALEX,
    ONE_8,
    POOL_TOKEN,
    WSTX,
    ModelPool,
    demo_items,
    item,
    pool_state,
    write_pages,
)

POOL = stacks_name(POOL_TOKEN)


def history(model: ModelPool, actions: list[list[dict[str, Any]]], start: int = 0) -> list[Any]:
    """Each action's prints as one transaction, one block each, oldest first."""
    return [
        item(value, tx=start + number, event_index=index, block=100 + start + number)
        for number, prints in enumerate(actions)
        for index, value in enumerate(prints)
    ]


def books(store: SqliteStore) -> tuple[Pools, Balances]:
    shown = Projector(store, ["pools", "balances"]).current()
    pools = next(book for book in shown if isinstance(book, Pools))
    balances = next(book for book in shown if isinstance(book, Balances))
    return pools, balances


def test_a_swap_sequence_lands_on_the_hand_checked_weighted_balances(tmp_path: Path) -> None:
    model = ModelPool(weight_x=50_000_000, fee_rate=300_000, fee_rebate=50_000_000)
    deposit = model.add(1_000_000 * ONE_8, 2_000_000 * ONE_8)
    swaps = [model.swap(True, 1_000 * ONE_8), model.swap(False, 3_000 * ONE_8)]
    pages = write_pages(tmp_path / "pages.json", history(model, [deposit, *swaps]))
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    result = import_logs(
        store, [pages], format="stacks-json", pool_state=pool_state(tmp_path / "state.json")
    )
    assert result.counts == {"ALEX print": {"mapped": 4, "unmapped": 0, "duplicate": 0}}

    # By hand (protocol-math 2.2): fee = mul_up(dx, 0.003), rebate = half the fee, the weighted
    # curve at 50/50 gives dy = B_y * (1 - pow_up(div_up(B_x, B_x + net), 1)).
    bx, by = 1_000_000 * ONE_8, 2_000_000 * ONE_8
    fee = mul_up(1_000 * ONE_8, 300_000)
    assert fee == 3 * ONE_8
    net = 1_000 * ONE_8 - fee
    base = -(-bx * ONE_8 // (bx + net))  # div_up
    dy = mul_down(by, ONE_8 - pow_up(base, ONE_8))
    # the real-number curve: 2e6 * 997 / (1e6 + 997) = 1,992.01 ALEX; the 8-decimal pow keeps it
    # within ~1e-7 of the balance, always against the trader
    exact = 2 * 997 * ONE_8 * 1_000_000 // 1_000_997
    assert exact - by // 10**7 < dy < exact
    bx, by = bx + net + fee // 2, by - dy
    fee_y = mul_up(3_000 * ONE_8, 300_000)
    net_y = 3_000 * ONE_8 - fee_y
    base_y = -(-by * ONE_8 // (by + net_y))
    dx = mul_down(bx, ONE_8 - pow_up(base_y, ONE_8))
    bx, by = bx - dx, by + net_y + fee_y // 2

    pools, balances = books(store)
    book = pools.books[POOL]
    assert (book.reserve_x, book.reserve_y) == (bx, by)
    assert (book.reserve_x, book.reserve_y) == (model.state.balance_x, model.state.balance_y)
    assert balances.balance(pool_account(POOL), stacks_name(WSTX)) == bx
    assert balances.balance(reserve_account(stacks_name(WSTX)), stacks_name(WSTX)) == fee // 2
    assert balances.balance(reserve_account(stacks_name(ALEX)), stacks_name(ALEX)) == fee_y // 2
    assert book.spec.kind == "weighted" and book.spec.weight_x == 50_000_000
    report = classify(store)
    assert report.counts == {"exact": 3, "below": 0, "violation": 0, "unverifiable": 0}


def test_liquidity_and_fee_changes_import_and_audit_clean(tmp_path: Path) -> None:
    model = ModelPool(weight_x=80_000_000, fee_rate=0, fee_rebate=0)
    actions = [model.add(50_000 * ONE_8, 10_000 * ONE_8), model.add(5_000 * ONE_8, 0)]
    model.set_fees(500_000, 25_000_000)  # the owner's setters print nothing
    actions += [model.swap(True, 300 * ONE_8), model.swap(False, 90 * ONE_8)]
    actions += [model.remove(ONE_8 // 4), model.swap(True, 7 * ONE_8)]
    pages = write_pages(tmp_path / "pages.json", history(model, actions))
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    state = pool_state(tmp_path / "state.json", weight_x=80_000_000)
    result = import_logs(store, [pages], format="stacks-json", pool_state=state)
    assert result.unmapped_reasons == {}
    facts = [record.event for record in store.read(ReadFilter())]
    assert sum(isinstance(fact, PoolCreated) for fact in facts) == 1
    assert sum(isinstance(fact, PoolFeesObserved) for fact in facts) == 1
    pools, balances = books(store)
    book = pools.books[POOL]
    assert (book.reserve_x, book.reserve_y, book.lp_supply) == (
        model.state.balance_x,
        model.state.balance_y,
        model.supply,
    )
    credited = sum(fact.amount for fact in facts if isinstance(fact, ReserveCredited))
    assert credited == model.reserve["x"] + model.reserve["y"] > 0
    assert balances.balance(STACKS_OUTSIDE, POOL) == model.supply  # the LP is held outside
    assert classify(store).counts["violation"] == 0
    assert classify(store).counts["exact"] == 6
    audit = CliRunner().invoke(cli, ["audit", str(tmp_path / "ledger.db")])
    assert audit.exit_code == 0, audit.output


def test_a_pool_first_seen_mid_life_opens_from_its_record(tmp_path: Path) -> None:
    model = ModelPool()
    model.add(200_000 * ONE_8, 100_000 * ONE_8)  # before the export
    before = (model.state.balance_x, model.state.balance_y, model.supply)
    v2_swap = model.swap(True, 40 * ONE_8, amounts=True)  # prints dx, dy, fee and fee-rebate
    later = [model.swap(False, 25 * ONE_8), model.remove(ONE_8 // 10)]
    pages = write_pages(tmp_path / "pages.json", history(model, [v2_swap, *later]))
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    state = pool_state(tmp_path / "state.json")
    result = import_logs(store, [pages], format="stacks-json", pool_state=state)
    assert result.counts["ALEX print"]["mapped"] == 3
    observed = [r.event for r in store.read(ReadFilter()) if r.type == "WeightedPoolObserved"]
    assert len(observed) == 1 and isinstance(observed[0], WeightedPoolObserved)
    seen = observed[0]
    assert (seen.balance_x, seen.balance_y, seen.lp_supply) == before
    pools, _ = books(store)
    book = pools.books[POOL]
    assert (book.reserve_x, book.reserve_y, book.lp_supply) == (
        model.state.balance_x,
        model.state.balance_y,
        model.supply,
    )
    assert classify(store).counts == {"exact": 3, "below": 0, "violation": 0, "unverifiable": 0}


def test_a_v1_print_first_seen_opens_after_it_and_unknown_weights_are_unverifiable(
    tmp_path: Path,
) -> None:
    model = ModelPool()
    model.add(200_000 * ONE_8, 100_000 * ONE_8)
    actions = [model.swap(True, 40 * ONE_8), model.swap(False, 10 * ONE_8)]
    pages = write_pages(tmp_path / "pages.json", history(model, actions))
    blind = SqliteStore(tmp_path / "blind.db", create=True)
    result = import_logs(blind, [pages], format="stacks-json")
    assert result.counts == {"ALEX print": {"mapped": 0, "unmapped": 2, "duplicate": 0}}
    reason = "pool tokens unknown (the print does not name them: use --pool-state)"
    assert result.unmapped_reasons == {f"ALEX print: pool/swap-x-for-y: {reason}": 1} | {
        f"ALEX print: pool/swap-y-for-x: {reason}": 1
    }
    assert blind.head().seq == 0

    tokens_only = tmp_path / "tokens.json"
    entry = {"address": POOL_TOKEN, "token0": WSTX, "token1": ALEX}
    tokens_only.write_text(json.dumps({"pools": [entry]}))
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    result = import_logs(store, [pages], format="stacks-json", pool_state=tokens_only)
    assert result.counts["ALEX print"] == {"mapped": 1, "unmapped": 1, "duplicate": 0}
    assert list(result.unmapped_reasons) == [
        "ALEX print: pool/swap-x-for-y: pool first seen here: its record after this print "
        "opens the books"
    ]
    pools, _ = books(store)
    assert pools.books[POOL].reserve_x == model.state.balance_x
    report = classify(store)
    assert report.counts == {"exact": 0, "below": 0, "violation": 0, "unverifiable": 1}
    assert report.unverifiable[0].detail == "the pool's weights are unknown"
    assert report.unverifiable[0].tx_hash == f"0x{1:064x}"


def test_unknown_actions_and_other_objects_are_counted_with_their_names(tmp_path: Path) -> None:
    model = ModelPool()
    deposit = model.add(1_000 * ONE_8, 1_000 * ONE_8)
    odd = {"object": "pool", "action": "flash-loan", "data": model.record()}
    blocked = {"object": "alex-staking", "action": "set-blocklist", "payload": {"blocked": True}}
    items = [
        *history(model, [deposit]),
        item(odd, tx=5, event_index=0, block=120),
        item(blocked, tx=6, event_index=0, block=None),
    ]
    pages = write_pages(tmp_path / "pages.json", items)
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    result = import_logs(
        store, [pages], format="stacks-json", pool_state=pool_state(tmp_path / "s.json")
    )
    assert result.counts == {"ALEX print": {"mapped": 2, "unmapped": 2, "duplicate": 0}}
    assert result.unmapped_reasons == {
        "ALEX print: alex-staking/set-blocklist: not an ALEX pool action": 1,
        "ALEX print: pool/flash-loan: not an ALEX pool action": 1,
    }


def test_reimport_appends_nothing_and_missing_heights_are_refused(tmp_path: Path) -> None:
    model = ModelPool()
    actions = [model.add(1_000 * ONE_8, 1_000 * ONE_8), model.swap(True, ONE_8)]
    items = history(model, actions)
    pages = write_pages(tmp_path / "pages.json", items, newest_first=False)
    state = pool_state(tmp_path / "s.json")
    db = tmp_path / "ledger.db"
    store = SqliteStore(db, create=True)
    first = import_logs(store, [pages], format="stacks-json", pool_state=state)
    head = store.head()
    again = import_logs(store, [pages, pages], format="stacks-json", pool_state=state)
    assert again.counts["ALEX print"] == {"mapped": 0, "unmapped": 0, "duplicate": 6}
    assert store.head() == head and first.facts_appended == head.seq

    for found in items:
        del found["block_height"]
    bare = write_pages(tmp_path / "bare.json", items)
    fresh = SqliteStore(tmp_path / "fresh.db", create=True)
    with pytest.raises(MissingBlockHeight, match="3 ALEX pool prints have no block_height"):
        import_logs(fresh, [bare], format="stacks-json", pool_state=state)
    assert fresh.head().seq == 0
    refused = CliRunner().invoke(
        cli, ["import", str(tmp_path / "cli.db"), "--format", "stacks-json", str(bare)]
    )
    assert refused.exit_code == 1 and "no block_height" in refused.output


def test_swap_facts_name_the_trader_outside_and_the_reserve_share(tmp_path: Path) -> None:
    model = ModelPool(fee_rate=1_000_000, fee_rebate=10_000_000)
    actions = [model.add(10_000 * ONE_8, 10_000 * ONE_8), model.swap(False, 9 * ONE_8)]
    pages = write_pages(tmp_path / "pages.json", history(model, actions))
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    import_logs(store, [pages], format="stacks-json", pool_state=pool_state(tmp_path / "s.json"))
    records = list(store.read(ReadFilter()))
    swap = next(record.event for record in records if isinstance(record.event, Swapped))
    assert swap.trader == STACKS_OUTSIDE and swap.amount_in == 9 * ONE_8
    assert swap.fee == 9 * 10**6 and swap.rebate == 9 * 10**5
    assert swap.reserve_share == swap.fee - swap.rebate
    assert records[-1].event_id == f"stacks:0x{1:064x}:0:1"  # the reserve credit, part 1


@given(
    gross=st.integers(min_value=1, max_value=10**20),
    rate=st.integers(min_value=0, max_value=ONE_8 // 2),
    rebate=st.integers(min_value=0, max_value=ONE_8),
)
def test_the_gross_input_solved_from_a_balance_change_gives_that_change(
    gross: int, rate: int, rebate: int
) -> None:
    change = net_of(gross, rate, rebate)
    solved = gross_input(change, rate, rebate)
    assert solved is not None and solved <= gross
    assert net_of(solved, rate, rebate) == change


def test_the_shipped_demo_is_the_model_s_and_audits_clean(tmp_path: Path) -> None:
    """`fixtures/chain/alex-demo.*` are what `generate_alex.py` writes, and import as shown."""
    shipped = Path(__file__).resolve().parents[2] / "fixtures" / "chain"
    pages = write_pages(tmp_path / "events.json", demo_items())
    assert pages.read_bytes() == (shipped / "alex-demo.events.json").read_bytes()
    state = pool_state(tmp_path / "pools.json")
    assert state.read_bytes() == (shipped / "alex-demo.pools.json").read_bytes()
    db = tmp_path / "alex.db"
    args = ["import", str(db), "--format", "stacks-json", "--pool-state", str(state), str(pages)]
    imported = CliRunner().invoke(cli, args)
    assert imported.exit_code == 0 and "ALEX print             7         0         0" in (
        imported.output
    )
    audit = CliRunner().invoke(cli, ["audit", str(db)])
    assert audit.output.strip() == "audit: 6 exact, 0 below, 0 violation, 0 unverifiable"


def test_an_odd_print_is_reported_and_the_next_is_measured_from_its_record(
    tmp_path: Path,
) -> None:
    model = ModelPool()
    actions = [model.add(10_000 * ONE_8, 10_000 * ONE_8)]
    model.state = msgspec.structs.replace(model.state, balance_y=model.state.balance_y + 5)
    odd = {"object": "pool", "action": "swap-x-for-y", "data": model.record()}  # y grew: no swap
    actions += [[odd], model.swap(False, 4 * ONE_8)]
    pages = write_pages(tmp_path / "pages.json", history(model, actions))
    store = SqliteStore(tmp_path / "ledger.db", create=True)
    state = pool_state(tmp_path / "s.json")
    result = import_logs(store, [pages], format="stacks-json", pool_state=state)
    assert result.unmapped_reasons == {
        "ALEX print: pool/swap-x-for-y: the pool record does not move as a swap does": 1
    }
    swaps = [r.event for r in store.read(ReadFilter()) if isinstance(r.event, Swapped)]
    assert [swap.amount_in for swap in swaps] == [4 * ONE_8]  # the y-in swap, exact amounts


def test_a_pool_state_file_with_one_weight_is_refused(tmp_path: Path) -> None:
    state = tmp_path / "s.json"
    entry = {"address": POOL_TOKEN, "token0": WSTX, "token1": ALEX, "weight_x": 50_000_000}
    state.write_text(json.dumps({"pools": [entry]}))
    pages = write_pages(tmp_path / "p.json", [])
    args = ["import", str(tmp_path / "l.db"), "--format", "stacks-json", "--pool-state"]
    refused = CliRunner().invoke(cli, [*args, str(state), str(pages)])
    assert refused.exit_code == 1 and "give both weights" in refused.output
