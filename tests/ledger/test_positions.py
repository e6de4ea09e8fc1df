"""The positions projection: f(x) LTVs and strike markets at any block, and the at-risk ranking
through the CLI on an SQLite log."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from ledger.commands_alphax import CreateStrikeMarket, MintStrikePair
from ledger.commands_core import Mint, RegisterAsset, UpdatePrice
from ledger.commands_fx import CreateFxPool, OperateFxPosition
from ledger.engine import Command, Engine
from ledger.sqlite_store import SqliteStore
from projections.positions import Positions
from replay.cli import cli
from replay.cli_state import state  # noqa: F401  (registers the command)
from tests.ledger.fx_setup import ETH, USD, USDC, price_eth, run


def write_log(path: Path) -> None:
    store = SqliteStore(path, create=True)
    engine = Engine(store)
    setup: list[Command] = [
        RegisterAsset(asset="ETH", symbol="ETH", decimals=18),
        RegisterAsset(asset="USDC", symbol="USDC", decimals=6),
        UpdatePrice(asset="USDC", quote="USD", price=10**8, scale=10**8),
        price_eth(3000),
        CreateFxPool(pool_id="ETH-long", price_asset="ETH"),
        Mint(asset="ETH", to_account="alice", amount=100 * ETH),
        Mint(asset="USDC", to_account="alice", amount=10**6 * USDC),
        CreateStrikeMarket(
            market_id="ETH24", asset="ETH", long_strike=2000 * USDC, short_strike=4000 * USDC
        ),
        MintStrikePair(market_id="ETH24", account="alice", pair_amount=ETH),
    ]
    run(engine, setup, 1)
    debts = (15_000, 18_000, 21_000, 24_000)
    run(
        engine,
        [
            OperateFxPosition(
                pool_id="ETH-long",
                owner="alice",
                collateral_delta_token=10 * ETH,
                debt_delta=d * USD,
            )
            for d in debts
        ],
        2,
    )
    run(engine, [price_eth(2500)], 3)
    store.close()


def test_at_risk_ranks_the_closest_to_the_line_first(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    write_log(path)
    args = ["state", str(path), "--projection", "positions", "--at-block", "3", "--at-risk", "20"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "[positions_at_risk] 5 rows" in result.output
    first = lines[lines.index(next(x for x in lines if x.startswith("kind"))) + 1]
    assert first.startswith("fx") and "ETH-long#4" in first  # 24,000 fxUSD: the riskiest
    earlier = CliRunner().invoke(
        cli, ["state", str(path), "--projection", "positions", "--at-block", "1", "--at-risk", "3"]
    )
    assert earlier.exit_code == 0 and "[positions_at_risk] 1 rows" in earlier.output


def test_the_projection_snapshots_and_restores_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    write_log(path)
    store = SqliteStore(path)
    positions = Positions()
    for record in store.read():
        positions.apply(record)
    copy = Positions()
    copy.restore(positions.snapshot())
    assert copy.digest() == positions.digest()
    assert copy.tables() == positions.tables()
    ranked = positions.at_risk(2).rows
    assert [row[1] for row in ranked] == [
        "ETH-long#4",
        "ETH24",
    ]  # 24,000 fxUSD at 96%; the long dies 4% lower
    store.close()
