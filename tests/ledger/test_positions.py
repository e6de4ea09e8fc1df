"""The positions projection: f(x) LTVs and strike markets at any block, and the at-risk ranking
through the CLI on an SQLite log."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from ledger.commands.alex_crp import CreateCollateralPool, MintCollateralPool
from ledger.commands.alphax import CreateStrikeMarket, MintStrikePair
from ledger.commands.core import Mint, RegisterAsset, UpdatePrice
from ledger.commands.fx import CreateFxPool, OperateFxPosition
from ledger.engine import Command, Engine
from ledger.sqlite_store import SqliteStore
from projections.balances import Balances
from projections.contracts.fixed_point import ONE_8
from projections.positions import Positions
from projections.runtime import make_books
from replay.cli import cli
from replay.cli.state import state  # noqa: F401  (registers the command)
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


def test_the_read_model_over_restored_books_equals_the_one_over_folded_books(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.db"
    write_log(path)
    store = SqliteStore(path)
    books = make_books(["positions"])
    books.fold(store.read())
    positions = Positions(books)
    copy = make_books(["positions"])
    copy.restore(books.snapshot(), books.position.seq, books.position.block)
    assert Positions(copy).tables() == positions.tables()
    # A read model keeps nothing of its own: no fold, snapshot or digest.
    assert not any(hasattr(positions, name) for name in ("apply", "snapshot", "digest"))
    ranked = positions.at_risk(2).rows
    assert [row[1] for row in ranked] == [
        "ETH-long#4",
        "ETH24",
    ]  # 24,000 fxUSD at 96%; the long dies 4% lower
    store.close()


def naive_at_risk(positions: Positions, limit: int) -> list[tuple[object, ...]]:
    """The ranking by a full sort over every table row (what `at_risk` must reproduce)."""
    ranked: list[tuple[object, ...]] = []
    for row in positions.fx_rows():
        if row[11] is not None:
            ranked.append(("fx", f"{row[0]}#{row[1]}", row[2], row[6], row[11], row[12]))
    for row in positions.strike_rows():
        if row[15] is not None:
            ranked.append(("alphax", row[0], "", None, row[15], row[12]))
    for row in positions.crp_loan_rows():
        if row[10] is not None:
            ranked.append(("crp", row[0], "", row[6] * 10**10, row[10], row[11]))
    ranked.sort(key=lambda item: (item[4], item[0], item[1]))
    return ranked[:limit]


def write_crp_log(path: Path) -> None:
    """An ALEX CRP lending 80% of 10,000 USDA in WBTC at $50,000, then WBTC at $55,000."""
    engine = Engine(SqliteStore(path, create=True))
    run(
        engine,
        [
            *(RegisterAsset(asset=a, symbol=a, decimals=8) for a in ("USDA", "WBTC")),
            Mint(asset="USDA", to_account="borrower", amount=100_000 * ONE_8),
            Mint(asset="WBTC", to_account="router:crp", amount=100 * ONE_8),
            UpdatePrice(asset="USDA", quote="USD", price=ONE_8, scale=ONE_8),
            UpdatePrice(asset="WBTC", quote="USD", price=50_000 * ONE_8, scale=ONE_8),
            CreateCollateralPool(
                pool_id="crp",
                collateral="USDA",
                token="WBTC",
                expiry=2100,
                ltv_0=80 * 10**6,
                conversion_ltv=95 * 10**6,
                bs_vol=80 * 10**6,
                moving_average=95 * 10**6,
                token_to_maturity=1000 * ONE_8,
            ),
        ],
        100,
    )
    run(engine, [MintCollateralPool(pool_id="crp", borrower="borrower", dx=10_000 * ONE_8)], 101)
    run(engine, [UpdatePrice(asset="WBTC", quote="USD", price=55_000 * ONE_8, scale=ONE_8)], 102)
    engine.store.close()


def crp_state(path: Path, block: int) -> tuple[dict[str, object], str]:
    """(the crp_loans row as JSON, the at-risk text) at `block`, through the CLI."""
    base = ["state", str(path), "--projection", "positions", "--at-block", str(block)]
    as_json = CliRunner().invoke(cli, [*base, "--json"])
    assert as_json.exit_code == 0, as_json.output
    tables = json.loads(as_json.output)["projections"]["positions"]["tables"]
    (loan,) = tables["crp_loans"]
    ranked = CliRunner().invoke(cli, [*base, "--at-risk", "5"])
    assert ranked.exit_code == 0, ranked.output
    return loan, ranked.output


def test_a_crp_loan_is_ranked_at_risk_and_its_ltv_follows_the_oracle(tmp_path: Path) -> None:
    path = tmp_path / "crp.db"
    write_crp_log(path)
    before, ranked_before = crp_state(path, 101)
    after, ranked_after = crp_state(path, 102)
    assert "[positions_at_risk] 1 rows" in ranked_before
    assert any(line.startswith("crp") and " crp " in line for line in ranked_after.splitlines())
    # 10,000 USDA is 0.2 WBTC at $50,000: 0.16 WBTC lent is 80% (a little above: the desk's
    # price impact on the conversion). At $55,000 the pool's USDA (its weight, 63.7%) is worth
    # 10% fewer WBTC; its WBTC is not: the LTV rises to ~85%.
    assert (before["debt"], before["status"]) == (16_000_000, "open")
    assert 80_000_000 < int(before["ltv_e8"]) < 80_100_000  # type: ignore[call-overload]
    balances = Balances()
    store = SqliteStore(path)
    for record in store.read():
        balances.apply(record)
    store.close()
    pool_x, pool_y = balances.balance("pool:crp", "USDA"), balances.balance("pool:crp", "WBTC")
    assert after["spot_e8"] == 1818  # WBTC base units per USDA base unit, x 1e8
    assert after["collateral_value"] == pool_x * 1818 // ONE_8 + pool_y
    assert after["ltv_e8"] == 16_000_000 * ONE_8 // (pool_x * 1818 // ONE_8 + pool_y)
    assert 84_000_000 < int(str(after["ltv_e8"])) < 86_000_000
    # --json writes integers beyond 2**53 as strings (exact in jq and JavaScript too).
    move_before = int(str(before["price_move_to_line_1e18"]))
    move_after = int(str(after["price_move_to_line_1e18"]))
    assert 0 < move_after < move_before  # a higher LTV is closer to the conversion line
    # The ranked move is the spot's fall m / (1 + m) for a rise m of WBTC's price.
    rise = int(str(after["price_move_to_conversion_1e18"]))
    assert move_after == rise * 10**18 // (10**18 + rise)


def test_at_risk_matches_a_full_sort_of_every_row(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    write_log(path)
    store = SqliteStore(path)
    books = make_books(["positions"])
    positions = Positions(books)
    for record in store.read():
        books.apply(record)
        for limit in (1, 3, 100):
            assert positions.at_risk(limit).rows == naive_at_risk(positions, limit)
    store.close()
