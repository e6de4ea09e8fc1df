"""Every position stays in the positions tables once it exists, with its status.

Liquidated and closed f(x) positions keep their row (the f(x) book keeps which walk took a tick
node's last debt); a CRP with no debt keeps its row; only live rows are ranked at risk.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import msgspec
import pytest
from click.testing import CliRunner

from events.fx import FxPositionOperated, FxWalked
from ledger.commands.fx import OperateFxPosition
from ledger.sqlite_store import SqliteStore
from projections.contracts.fx_ticks import raw_coll_from_shares
from projections.fx_pools import FxPools
from projections.positions import FX_LIVE_STATUSES, Positions
from projections.runtime import make_books
from replay.cli import cli
from replay.timeline import tell
from tests.ledger.fx_setup import ETH, USD, fx_engine, price_eth, run
from tests.ledger.test_positions import crp_state, write_crp_log

SCENARIO = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "flash-crash.toml"


@pytest.fixture(scope="module")
def crash(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("crash") / "ledger.db"
    result = CliRunner().invoke(cli, ["replay", str(SCENARIO), "--db", str(db)])
    assert result.exit_code == 0, result.output
    return db


def positions_json(db: Path, *extra: str) -> dict[str, Any]:
    args = ["state", str(db), "--projection", "positions", "--json", *extra]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    tables: dict[str, Any] = json.loads(result.output)["projections"]["positions"]["tables"]
    return tables


def liquidation(db: Path) -> tuple[int, FxWalked, dict[int, FxPositionOperated]]:
    """(block, event) of the log's liquidation walk and each position's opening."""
    store = SqliteStore(db)
    records = list(store.read())
    store.close()
    walks = [r for r in records if isinstance(r.event, FxWalked) and r.event.kind == "liquidate"]
    opened = {
        r.event.position_id: r.event for r in records if isinstance(r.event, FxPositionOperated)
    }
    assert len(walks) == 1
    return walks[0].block, walks[0].event, opened


def test_liquidated_positions_stay_in_the_table_with_their_status(crash: Path) -> None:
    block, walk, opened = liquidation(crash)
    rows = {row["position"]: row for row in positions_json(crash)["fx_positions"]}
    assert sorted(rows) == sorted(opened)  # every position ever opened has its row
    ended = {p for p, row in rows.items() if row["status"] == "liquidated"}
    # The walk emptied two ticks of debt (debt ratio 0), one position on each.
    assert len(ended) == len(walk.movements) == 2
    assert all(move.debt_ratio_x60 == 0 and move.tick_after is None for move in walk.movements)
    for position in ended:
        row = rows[position]
        assert int(row["raw_debt"]) == 0 and row["price_move_to_line_1e18"] is None
        assert row["liquidation_distance_1e18"] is None
    for position in set(rows) - ended:
        assert rows[position]["status"] in FX_LIVE_STATUSES
    # Before the liquidation's block the same positions were live and had debt.
    earlier = positions_json(crash, "--at-block", str(block - 1))["fx_positions"]
    assert all(row["status"] in FX_LIVE_STATUSES for row in earlier)
    assert all(int(row["raw_debt"]) > 0 for row in earlier if row["position"] in ended)


def test_a_liquidated_position_keeps_what_the_walk_left_of_its_collateral(crash: Path) -> None:
    """By hand: carol opened with 9.97 ETH of collateral shares at tick 4925; the liquidation
    took all of that tick's debt and kept 21621054113382314 / 2^60 (1.875%) of its collateral,
    so 9.97e18 * 21621054113382314 >> 60 = 186970152477058315 wei (0.18697 ETH) is hers."""
    _, walk, opened = liquidation(crash)
    carol = next(event for event in opened.values() if event.owner == "carol")
    (move,) = [m for m in walk.movements if m.tick == carol.tick_after]
    assert (carol.coll_shares_after, move.coll_ratio_x60) == (
        9_970_000_000_000_000_000,
        21621054113382314,
    )
    left = (carol.coll_shares_after * move.coll_ratio_x60) >> 60
    assert left == 186_970_152_477_058_315
    (row,) = [r for r in positions_json(crash)["fx_positions"] if r["owner"] == "carol"]
    books = make_books(["fx_pools"])
    store = SqliteStore(crash)
    books.fold(store.read())
    store.close()
    pool = books.get(FxPools).pools[row["pool"]]
    assert int(row["raw_collateral"]) == raw_coll_from_shares(left, pool.coll_index, False)
    assert row["status"] == "liquidated"


def test_the_ranking_the_view_and_the_report_agree(crash: Path) -> None:
    result = CliRunner().invoke(
        cli, ["state", str(crash), "--projection", "positions", "--at-risk", "50"]
    )
    assert result.exit_code == 0, result.output
    rows = positions_json(crash)["fx_positions"]
    dead = {f"{row['pool']}#{row['position']}" for row in rows if row["status"] == "liquidated"}
    live = {f"{row['pool']}#{row['position']}" for row in rows} - dead
    assert dead and not any(key in result.output for key in dead)
    assert all(key in result.output for key in live)
    connection = sqlite3.connect(crash)
    view = dict(connection.execute("SELECT position, status FROM view_fx_positions").fetchall())
    connection.close()
    assert {str(p) for p, s in view.items() if s == "liquidated"} == {k.split("#")[1] for k in dead}
    store = SqliteStore(crash)
    story = tell(store)
    store.close()
    for key in dead:
        path = story.paths[("f(x)", key)]
        assert path.statuses[-1] == "liquidated" and path.ltv_min_1e18
        assert path.statuses[0] in FX_LIVE_STATUSES


def test_a_closed_position_stays_closed_and_is_not_ranked() -> None:
    engine = fx_engine()
    opens = [
        OperateFxPosition(
            pool_id="ETH-long", owner=owner, collateral_delta_token=10 * ETH, debt_delta=debt * USD
        )
        for owner, debt in (("alice", 18_000), ("bob", 16_000))
    ]
    run(engine, opens, block=2)
    close = OperateFxPosition(
        pool_id="ETH-long", owner="alice", position_id=1, withdraw_all=True, repay_all=True
    )
    run(engine, [close, price_eth(2500)], block=3)
    positions = Positions(engine.books)
    rows = {row[1]: row for row in positions.fx_rows()}
    assert rows[1][12] == "closed" and rows[1][3:5] == (0, 0)
    assert rows[2][12] in FX_LIVE_STATUSES
    assert [row[1] for row in positions.fx_rows(live_only=True)] == [2]
    assert [row[1] for row in positions.at_risk(10).rows] == ["ETH-long#2"]


def test_the_ended_nodes_survive_a_snapshot_and_count_in_the_digest(crash: Path) -> None:
    books = make_books(["positions"])
    store = SqliteStore(crash)
    books.fold(store.read())
    store.close()
    fx = books.get(FxPools)
    assert fx.ended and set(next(iter(fx.ended.values())).values()) == {"liquidated"}
    copy = make_books(["positions"])
    copy.restore(books.snapshot(), books.position.seq, books.position.block)
    assert copy.get(FxPools).ended == fx.ended
    assert Positions(copy).tables() == Positions(books).tables()
    assert copy.get(FxPools).digest() == fx.digest()
    state = msgspec.json.decode(fx.snapshot())
    state["ended"] = {}
    forgotten = FxPools()
    forgotten.restore(msgspec.json.encode(state))
    assert forgotten.pools.keys() == fx.pools.keys() and not forgotten.ended
    assert forgotten.digest() != fx.digest()


def test_a_crp_without_debt_keeps_its_row(tmp_path: Path) -> None:
    path = tmp_path / "crp.db"
    write_crp_log(path)
    before, ranked = crp_state(path, 100)  # created, nothing lent yet
    assert (before["status"], before["debt"], before["ltv_e8"]) == ("no debt", 0, None)
    assert "[positions_at_risk] 0 rows" in ranked or " crp " not in ranked
