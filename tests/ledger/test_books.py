"""One set of books: one owner per fact, one position in the log, one fold loop, cheap undo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from events.alex_governance import VoteCast
from events.core import PriceUpdated, Transferred
from events.rejections import RejectCode
from ledger.batch import Rejected
from ledger.commands.core import Mint, RegisterAsset, Transfer, UpdatePrice
from ledger.engine import Engine, Executed
from ledger.memory import MemoryStore
from ledger.sqlite_store import SqliteStore
from projections.alex_lending import AlexLending
from projections.balances import Balances
from projections.books import DIGEST_SCHEME
from projections.governance import Governance
from projections.prices import Prices
from projections.runtime import PROJECTIONS, READ_MODELS, make_books
from replay.cli import cli
from replay.verify import verify_replay

FIXTURE_LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs"


def funded_engine() -> Engine:
    engine = Engine(MemoryStore())
    setup = [
        RegisterAsset(asset="USDC", symbol="USDC", decimals=6),
        Mint(asset="USDC", to_account="alice", amount=100),
    ]
    assert isinstance(engine.execute(setup, block=1), Executed)
    return engine


def test_each_fact_has_one_book_and_read_models_keep_nothing() -> None:
    books = make_books()
    assert [book.name for book in books] == list(PROJECTIONS)
    assert "positions" not in PROJECTIONS and "positions" in READ_MODELS
    # Lending reads the prices and decimals books: the same objects, not copies.
    lending = books.get(AlexLending)
    assert lending._prices is books.get(Prices) and lending._balances is books.get(Balances)


def test_governance_and_lending_fold_only_their_own_events_and_ask_for_the_block() -> None:
    """Lending reads the books' position; governance answers status at the block asked."""
    books = make_books()
    assert not books.get(Governance).folds(PriceUpdated)
    assert not books.get(AlexLending).folds(PriceUpdated)
    assert books.get(Governance).folds(VoteCast)
    engine = funded_engine()
    engine.execute([UpdatePrice(asset="USDC", quote="USD", price=1, scale=1, source="t")], block=9)
    assert engine.books.position.block == 9
    assert engine.projection(AlexLending).last_block == 9


def test_a_refused_batch_is_undone_from_a_snapshot_not_by_refolding_the_log() -> None:
    engine = funded_engine()
    folded_from: list[int] = []
    original = engine.store.fold_records

    def watched(from_seq: int = 1, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        folded_from.append(from_seq)
        return original(from_seq, *args, **kwargs)  # type: ignore[arg-type]

    engine.store.fold_records = watched  # type: ignore[method-assign]
    spend_twice = [
        Transfer(asset="USDC", from_account="alice", to_account="bob", amount=60),
        Transfer(asset="USDC", from_account="alice", to_account="carol", amount=60),
    ]
    result = engine.execute(spend_twice, block=2)
    assert isinstance(result, Rejected) and result.code == RejectCode.INSUFFICIENT_BALANCE
    assert engine.projection(Balances).balance("alice", "USDC") == 100
    assert engine.projection(Balances).balance("bob", "USDC") == 0
    # Only the records after the snapshot's seq were read (none): nothing from seq 1.
    assert folded_from == [engine.store.head().seq + 1]
    assert engine.books.digests() == Engine(engine.store).books.digests()


def test_logs_of_digest_scheme_1_verify_and_say_so_by_name() -> None:
    for path in sorted(FIXTURE_LOGS.glob("v1-*.db")):
        store = SqliteStore(path)
        try:
            result = verify_replay(store)
        finally:
            store.close()
        assert result.ok and result.chain_ok and result.mismatches == []
        assert result.checkpoints == 0 and result.earlier_schemes[1] > 10
        assert "recorded with digest scheme 1; not comparable" in result.earlier_scheme_note()
        shown = CliRunner().invoke(cli, ["replay", "--verify", str(path)])
        assert shown.exit_code == 0, shown.output
        assert "digest scheme 1" in shown.output


def test_a_new_replay_records_the_current_scheme_and_verifies(tmp_path: Path) -> None:
    scenario = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "flash-crash.toml"
    path = tmp_path / "ledger.db"
    assert CliRunner().invoke(cli, ["replay", str(scenario), "--db", str(path)]).exit_code == 0
    store = SqliteStore(path)
    try:
        result = verify_replay(store)
    finally:
        store.close()
    assert result.ok and result.checkpoints > 10 and not result.earlier_schemes


def test_a_book_no_record_went_to_keeps_its_digest_and_every_digest_stays_exact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    engine = funded_engine()
    books = engine.books
    books.digests()
    taken: list[str] = []
    for book in books:
        monkeypatch.setattr(
            book,
            "digest",
            lambda digest=book.digest, name=book.name: [taken.append(name), digest()][1],
        )
    assert isinstance(
        engine.execute(
            [Transfer(asset="USDC", from_account="alice", to_account="bob", amount=7)], block=2
        ),
        Executed,
    )
    live = books.digests()
    folding = [book.name for book in books if not hasattr(book, "folds") or book.folds(Transferred)]
    assert "balances" in folding and len(folding) < len(books)
    assert taken == folding  # only the books the transfer went to were digested again
    taken.clear()
    assert books.digests() == live and taken == []  # nothing folded since
    fresh = make_books()
    fresh.fold(engine.store.read())
    assert fresh.digests() == live
    books.restore(books.snapshot(), books.position.seq, books.position.block)
    assert books.digests() == live and sorted(taken) == sorted(book.name for book in books)


def test_a_checkpoint_that_records_no_digest_does_not_verify(tmp_path: Path) -> None:
    """A replay's checkpoint records every book's digest; one appended with none vouches for
    nothing, so `replay --verify` names it (exit 3) instead of counting it as a match."""
    scenario = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "flash-crash.toml"
    path = tmp_path / "ledger.db"
    assert CliRunner().invoke(cli, ["replay", str(scenario), "--db", str(path)]).exit_code == 0
    store = SqliteStore(path)
    head = store.head()
    store.close()
    line = {
        "block": head.block,
        "event": {
            "type": "CheckpointRecorded",
            "label": "by-hand",
            "digests": {},
            "digest_scheme": DIGEST_SCHEME,
        },
    }
    facts = tmp_path / "checkpoint.jsonl"
    facts.write_text(json.dumps(line) + "\n")
    appended = CliRunner().invoke(cli, ["append", str(path), str(facts)])
    assert appended.exit_code == 0, appended.output
    store = SqliteStore(path)
    try:
        result = verify_replay(store)
    finally:
        store.close()
    assert not result.ok and [item.label for item in result.mismatches] == ["by-hand"]
    shown = CliRunner().invoke(cli, ["replay", "--verify", str(path)])
    assert (
        shown.exit_code == 3 and "by-hand" in shown.output and "records no digest" in shown.output
    )
