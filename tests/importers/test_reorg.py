"""Reorganisations: the orphaned blocks are retracted, the books roll back and go on, and end
as those of a log that only ever saw the canonical chain, at the head and at every block."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from events.chain import BlocksRetracted
from ledger.engine import Engine
from ledger.projector import Projector
from ledger.sqlite_store import SqliteStore
from projections import chain as chain_projection
from replay.cli import cli
from replay.importers import import_logs
from tests.importers.chain_model import ALICE, FACTORY, USDC, WETH, ModelChain, busy_blocks
from tests.importers.conftest import write_logs

BOOKS = ["balances", "pools"]


def forked_chains(depth: int) -> tuple[ModelChain, ModelChain, int]:
    """A chain, and a branch replacing its last `depth` blocks with three more of its own."""
    main = ModelChain()
    pair = main.create_pair(FACTORY, WETH, USDC, "WETH-USDC")
    main.next_block()
    main.mint(pair, ALICE, 10**22, 2 * 10**13)
    busy_blocks(main, pair, 70, seed=1)
    fork_at = main.block + 1
    branch, branch_pair = copy.deepcopy(main), copy.deepcopy(pair)
    busy_blocks(main, pair, depth, seed=2)
    branch.fork, branch.fork_from = "branch", fork_at
    busy_blocks(branch, branch_pair, depth + 3, seed=3)
    return main, branch, fork_at


def digests(store: SqliteStore, block: int | None = None) -> dict[str, str]:
    return Projector(store, BOOKS, snapshot_every=7).digests(block)


@pytest.mark.parametrize("depth", [1, 3, 64])
def test_a_reorganisation_ends_as_the_canonical_chain(
    tmp_path: Path, tokens_file: Path, depth: int
) -> None:
    main, branch, fork_at = forked_chains(depth)
    store = SqliteStore(tmp_path / "reorged.db", create=True)
    import_logs(
        store, [write_logs(tmp_path, "main", main.logs, "etl-json")], token_list=tokens_file
    )
    Projector(store, snapshot_every=7).catch_up()  # snapshots inside the range to be orphaned
    result = import_logs(
        store, [write_logs(tmp_path, "branch", branch.logs, "etl-json")], token_list=tokens_file
    )
    assert [reorg["fork_block"] for reorg in result.reorgs] == [fork_at]
    retraction = [r.event for r in store.read() if isinstance(r.event, BlocksRetracted)]
    assert [len(item.orphaned) for item in retraction] == [depth]
    canonical = SqliteStore(tmp_path / "canonical.db", create=True)
    import_logs(
        canonical, [write_logs(tmp_path, "branch", branch.logs, "etl-json")], token_list=tokens_file
    )
    assert digests(store) == digests(canonical)
    for block in (fork_at - 1, fork_at, fork_at + depth // 2, branch.block):
        assert digests(store, block) == digests(canonical, block), block
    # A second import of the branch appends nothing; of the orphaned chain, it reorganises back.
    head = store.head()
    assert (
        import_logs(store, [tmp_path / "branch.etl-json"], token_list=tokens_file).facts_appended
        == 0
    )
    assert store.head() == head
    store.close()
    canonical.close()


def test_the_log_marks_retracted_records(tmp_path: Path, tokens_file: Path) -> None:
    main, branch, fork_at = forked_chains(3)
    db = tmp_path / "reorged.db"
    store = SqliteStore(db, create=True)
    for chain, name in ((main, "main"), (branch, "branch")):
        import_logs(
            store, [write_logs(tmp_path, name, chain.logs, "etl-json")], token_list=tokens_file
        )
    store.close()
    output = CliRunner().invoke(cli, ["log", str(db), "--type", "PairSwapped"]).output
    marked = [line for line in output.splitlines() if line.startswith("R")]
    assert len(marked) == 3  # one swap in each orphaned block
    assert all(
        any(re.search(f'"block":{block}[,}}]', line) for block in range(fork_at, fork_at + 3))
        for line in marked
    )


def test_old_blocks_settle_into_a_range_and_stay_duplicates(
    tmp_path: Path, tokens_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chain_projection, "RECENT_BLOCKS", 8)
    main, branch, _ = forked_chains(3)
    store = SqliteStore(tmp_path / "reorged.db", create=True)
    main_file = write_logs(tmp_path, "main", main.logs, "etl-json")
    import_logs(store, [main_file], token_list=tokens_file)
    book = Projector(store, ["chain"]).current()[0]
    assert isinstance(book, chain_projection.ChainBook)
    assert len(book.blocks[1]) <= 16 and book.settled_through(1) >= main.block - 16
    again = import_logs(store, [main_file], token_list=tokens_file)
    assert again.facts_appended == 0
    assert sum(c["duplicate"] for c in again.counts.values()) == len(main.logs)
    import_logs(
        store, [write_logs(tmp_path, "branch", branch.logs, "etl-json")], token_list=tokens_file
    )
    canonical = SqliteStore(tmp_path / "canonical.db", create=True)
    import_logs(canonical, [tmp_path / "branch.etl-json"], token_list=tokens_file)
    assert digests(store) == digests(canonical)


def test_time_travel_passes_over_orphaned_snapshots_it_finds(
    tmp_path: Path, tokens_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Time travel only reads: a snapshot of orphaned state not yet deleted is not used."""
    from ledger.reorg import Retractions

    main, branch, fork_at = forked_chains(64)
    store = SqliteStore(tmp_path / "reorged.db", create=True)
    import_logs(
        store, [write_logs(tmp_path, "main", main.logs, "etl-json")], token_list=tokens_file
    )
    Projector(store, BOOKS, snapshot_every=7).catch_up()
    monkeypatch.setattr(Retractions, "purge_snapshots", lambda self, connection: None)
    branch_file = write_logs(tmp_path, "branch", branch.logs, "etl-json")
    import_logs(store, [branch_file], token_list=tokens_file)
    orphaned = store.connection.execute(
        "SELECT count(*) FROM snapshots WHERE block >= ? AND projection = 'balances'", (fork_at,)
    ).fetchone()[0]
    assert orphaned > 0
    canonical = SqliteStore(tmp_path / "canonical.db", create=True)
    import_logs(canonical, [branch_file], token_list=tokens_file)
    for block in (fork_at + 10, fork_at + 40, branch.block):
        assert digests(store, block) == digests(canonical, block), block


def test_an_engine_folding_a_reorganised_log_from_its_start_skips_the_orphaned_facts(
    tmp_path: Path, tokens_file: Path
) -> None:
    """An engine without views to start from (`append` on a log never projected) admits
    against the canonical chain's books, not the orphaned blocks'."""
    main, branch, _ = forked_chains(3)
    store = SqliteStore(tmp_path / "reorged.db", create=True)
    for name, chain in (("main", main), ("branch", branch)):
        import_logs(
            store, [write_logs(tmp_path, name, chain.logs, "etl-json")], token_list=tokens_file
        )
    canonical = Projector(store).current_books()
    engine = Engine(store)
    assert engine.books.digests() == canonical.digests()
    engine.reload()  # a reload (after a rolled-back transaction) folds the same way
    assert engine.books.digests() == canonical.digests()


def test_both_branches_in_one_import_end_as_the_canonical_chain(
    tmp_path: Path, tokens_file: Path
) -> None:
    """The branch's file goes back to blocks the first file gave: read again with the same
    hashes they are duplicates, and from the fork on a reorganisation, not logs out of order."""
    main, branch, fork_at = forked_chains(3)
    files = [
        write_logs(tmp_path, "main", main.logs, "etl-json"),
        write_logs(tmp_path, "branch", branch.logs, "etl-json"),
    ]
    store = SqliteStore(tmp_path / "both.db", create=True)
    result = import_logs(store, files, token_list=tokens_file)
    assert result.rejected is None
    assert [reorg["fork_block"] for reorg in result.reorgs] == [fork_at]
    canonical = SqliteStore(tmp_path / "canonical.db", create=True)
    import_logs(canonical, files[1:], token_list=tokens_file)
    assert digests(store) == digests(canonical)
    store.close()
    canonical.close()
