"""Every fact of every event type is either refused by name or applied, and after it the books
still digest, show their state, rebuild to the same digests, feed the report and export.

The event types come from the registry, so a new one is covered without editing this file.
Facts are offered to `Engine.append_facts` (what `append` calls) on a few fixed base books
taken from the shipped scenarios; each example starts from the books' snapshot, not a refold.
Each example checks the outcome, the digests and (for a refused fact) that folding it anyway
does not crash; the answers that cost most (state, rebuild, report, timeline, export) run once
per event type, on the log the accepted facts make one after another and on the refused facts
folded as a log of recorded facts.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.base import Event, event_tag
from events.record import Record
from events.rejections import REJECT_HELP, RejectCode
from ledger.batch import Appended, NewEvent, Rejected
from ledger.clock import FixedClock
from ledger.command import Executed
from ledger.commands.alex_lending import AddYieldLiquidity, SwapYieldPool
from ledger.engine import Engine
from ledger.memory import MemoryStore
from ledger.sqlite_store import SqliteStore
from ledger.store import ReadFilter
from projections.balances import Balances
from projections.books import Books
from projections.routing import Selective
from projections.runtime import make_books, shown
from replay import export, timeline
from replay.export_columns import to_arrow
from replay.moments import MOMENTS
from replay.runner import replay_scenario
from replay.scenario import load_scenario
from replay.summary import protocol_outcomes
from tests.facts import Vocabulary, all_event_types, random_facts, vocabulary_of
from tests.ledger.test_alex_lending import ONE, ytp_engine

SCENARIOS = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
BASES = ("flash-crash", "alex-cycles")
#: Records of one type kept from a scenario's log for the base books (its setup, a few steps).
KEEP_PER_TYPE = 4
EXAMPLES_PER_TYPE = 200


class Base:
    """Books to offer facts to: a small log, and each projection's snapshot at its end."""

    def __init__(self, facts: list[NewEvent]) -> None:
        self.store = MemoryStore(clock=FixedClock(1_700_000_000_000))
        appended = self.store.append(facts)  # recorded facts, as a chain importer finds them
        assert isinstance(appended, Appended), appended
        engine = Engine(self.store)
        self.checkpoint = (appended.last_seq, engine.head.block, engine.books.snapshot())
        self.digests = engine.books.digests()
        for item in shown(engine.books):  # the base books show their state once, here
            item.tables()
        self.head_block = engine.head.block
        self.events = [item.event for item in facts]
        self._clean: Engine | None = None
        self.scratch: Books | None = None
        self.dirty: set[str] = set()

    def engine(self) -> Engine:
        """An engine over the base books as they are: the last one handed out, if it refused
        everything offered since (a refusal changes nothing), else a fresh one."""
        if self._clean is None or len(self._clean.store.rows) != self.checkpoint[0]:  # type: ignore[attr-defined]
            self._clean = self._fresh_engine()
        return self._clean

    def _fresh_engine(self) -> Engine:
        """A fresh engine over a copy of the base log, started from the snapshot."""
        store = MemoryStore(clock=self.store.clock)
        store.rows = list(self.store.rows)
        store._stream_versions = dict(self.store._stream_versions)
        store._event_ids = set(self.store._event_ids)
        return Engine(store, start=self.checkpoint)


def thinned(records: list[tuple[Event, int]]) -> list[tuple[Event, int]]:
    """The first few facts of each type: a scenario's setup and a few of its steps."""
    kept: dict[type[Event], int] = {}
    facts = []
    for event, block in records:
        count = kept.get(type(event), 0)
        if count < KEEP_PER_TYPE:
            kept[type(event)] = count + 1
            facts.append((event, block))
    return facts


def scenario_facts(name: str, directory: Path) -> list[tuple[Event, int]]:
    db = directory / f"{name}.db"
    replay_scenario(load_scenario(SCENARIOS / f"{name}.toml"), db)
    store = SqliteStore(db)
    try:
        return thinned([(record.event, record.block) for record in store.read()])
    finally:
        store.close()


def yield_pool_facts() -> list[tuple[Event, int]]:
    """A yield-token pool with liquidity and trades (no shipped scenario has one)."""
    engine = ytp_engine()
    for command, block in [
        (AddYieldLiquidity(pool_id="ytp", provider="lp", dx=1000 * ONE), 101),
        (
            SwapYieldPool(pool_id="ytp", trader="borrower", asset_in="ayUSDA", amount_in=20 * ONE),
            102,
        ),
        (SwapYieldPool(pool_id="ytp", trader="lender", asset_in="USDA", amount_in=10 * ONE), 103),
    ]:
        assert isinstance(engine.execute([command], block=block), Executed)
    return [(record.event, record.block) for record in engine.store.read()]


@pytest.fixture(scope="module")
def base_books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Base, ...]:
    """One set of books holding every protocol: the shipped scenarios' setups and a yield
    pool, one after the other (each source's blocks moved past the one before)."""
    directory = tmp_path_factory.mktemp("bases")
    sources = [yield_pool_facts()] + [scenario_facts(name, directory) for name in BASES]
    facts: list[NewEvent] = []
    offset = 0
    for source in sources:
        facts.extend(NewEvent(event=event, block=block + offset) for event, block in source)
        offset = facts[-1].block + 1
    return (Base(facts),)


@pytest.fixture(scope="module")
def words(base_books: tuple[Base, ...]) -> Vocabulary:
    return vocabulary_of([event for base in base_books for event in base.events])


def restored(base: Base) -> Books:
    """Fresh books restored from the base books' snapshot."""
    books = make_books()
    seq, block, states = base.checkpoint
    books.restore(states, seq, block)
    return books


def name_of_book_unchanged(name: str, digests: dict[str, str], base: Base) -> bool:
    """A book (not a read model) whose digest is the base's."""
    return name in digests and digests[name] == base.digests.get(name)


def books_answer(base: Base, books: Books, record: Record) -> dict[str, str]:
    """The books' digests, after showing their state and read models, risk rankings, the
    report's sample and the record's line in its timeline; what a fact changed also goes
    through export's tables and columns."""
    block = record.block
    balances = books.get(Balances)
    digests = books.digests()
    changed = digests != base.digests
    everything = shown(books)
    for item in everything:
        if name_of_book_unchanged(item.name, digests, base):
            continue  # its state is the base's: shown once already, when the base was made
        at_risk = getattr(item, "at_risk", None)
        if callable(at_risk):
            at_risk(5)
        series: dict[str, export._Series] = {}
        export._capture(item, balances, block, series)  # every table, as export reads them
        if changed:
            for name, table in series.items():
                to_arrow(
                    table.blocks,
                    table.columns,
                    table.rows,
                    table.decimals,
                    table.asset_index,
                    name,
                )
    story = timeline.Story(decimals=dict(balances.decimals))
    timeline._sample(story, {item.name: item for item in everything}, record)
    say = MOMENTS.get(record.type)
    if say is not None:
        say(record.event, story.decimals)
    return digests


def check_books_answer(base: Base, engine: Engine) -> None:
    """Digest, state, rebuild (to the same digests), report data and export of the books.

    The rebuild starts from the base books' snapshot and folds the log after it, as time
    travel does: the base log itself was folded once, when the base was made.
    """
    rebuilt = restored(base)
    last = rebuilt.fold(engine.store.read(ReadFilter(from_seq=base.checkpoint[0] + 1)))
    assert last is not None
    live = books_answer(base, engine.books, last)
    assert rebuilt.digests() == live
    protocol_outcomes(engine.store, shown(rebuilt))  # type: ignore[arg-type]


def scratch_books(base: Base, fact: Event) -> Books:
    """The base books, to fold `fact` into: one set kept per base, where only the books that
    folded the last fact are restored (restoring all of them is most of an example's cost)."""
    seq, block, states = base.checkpoint
    if base.scratch is None:
        base.scratch = restored(base)
    books = base.scratch
    for name in base.dirty:
        books.by_name[name].restore(states[name])
    books.position.seq, books.position.block = seq, block
    base.dirty = {
        book.name for book in books if not isinstance(book, Selective) or book.folds(type(fact))
    }
    return books


def fold_recorded_fact(base: Base, fact: Event, block: int) -> None:
    """The fact folded as a log written before facts were checked holds it: no crash, and
    the books still digest."""
    books = scratch_books(base, fact)
    books.fold([recorded(base.checkpoint[0] + 1, block, fact)])
    books.digests()


def recorded(seq: int, block: int, fact: Event) -> Record:
    return Record(
        seq,
        block,
        0,
        "",
        1,
        event_tag(type(fact)),
        type(fact).schema_version,
        "",
        None,
        "",
        "",
        fact,
    )


def check_accepted_log(base: Base, accepted: list[tuple[Event, int]]) -> None:
    """The facts each accepted on the base books, offered in turn to one engine (a fact the
    ones before it leave the books unable to take is refused by name, as any would be): digest,
    state, rebuild, report, timeline and export of the log they make."""
    engine = base._fresh_engine()
    for fact, block in accepted:
        result = engine.append_facts([NewEvent(event=fact, block=max(block, engine.head.block))])
        assert isinstance(result, Appended) or result.code in REJECT_HELP, result
    if accepted:
        assert engine.head.seq > base.checkpoint[0], "the first accepted fact was refused"
        check_books_answer(base, engine)
        decimals = dict(engine.books.get(Balances).decimals)
        for record in engine.store.read(ReadFilter(from_seq=base.checkpoint[0] + 1)):
            say = MOMENTS.get(record.type)
            if say is not None:
                say(record.event, decimals)


def check_recorded_log(base: Base, refused: list[tuple[Event, int]]) -> None:
    """The refused facts folded one after another, as a log written before facts were checked
    may hold them: the books still digest, show their state, feed the report and export."""
    if not refused:
        return
    books = restored(base)
    seq = base.checkpoint[0]
    records = [recorded(seq + index, block, fact) for index, (fact, block) in enumerate(refused, 1)]
    books.fold(records)
    books_answer(base, books, records[-1])
    decimals = dict(books.get(Balances).decimals)
    for record in records:
        say = MOMENTS.get(record.type)
        if say is not None:
            say(record.event, decimals)


@pytest.mark.parametrize("tag", sorted(all_event_types()))
def test_every_fact_is_refused_by_name_or_applied_and_the_books_still_answer(
    tag: str, base_books: tuple[Base, ...], words: Vocabulary
) -> None:
    cls = all_event_types()[tag]
    seen = [event for base in base_books for event in base.events if type(event) is cls]

    @settings(
        max_examples=EXAMPLES_PER_TYPE,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(
        base=st.sampled_from(base_books),
        fact=random_facts(cls, words, seen),
        blocks_later=st.integers(0, 3),
    )
    def offer(base: Base, fact: Event, blocks_later: int) -> None:
        offered.append(fact)
        block = base.head_block + blocks_later
        engine = base.engine()
        before = len(engine.store.rows)  # type: ignore[attr-defined]
        result = engine.append_facts([NewEvent(event=fact, block=block)])
        if isinstance(result, Rejected):
            assert isinstance(result.code, RejectCode) and result.code in REJECT_HELP
            assert len(engine.store.rows) == before  # type: ignore[attr-defined]
            assert engine.books.digests() == base.digests
            # A log written before facts were checked on the way in may hold it all the same.
            fold_recorded_fact(base, fact, block)
            refused.append((base, fact, block))
            return
        assert result.last_seq == before + 1
        engine.books.digests()
        accepted.append((base, fact, block))

    offered: list[Event] = []
    accepted: list[tuple[Base, Event, int]] = []
    refused: list[tuple[Base, Event, int]] = []
    offer()
    assert len(offered) >= EXAMPLES_PER_TYPE
    # What costs most (state, rebuild, report, timeline, export) runs once per type, on the
    # log the accepted facts make and on the refused ones as a log of recorded facts.
    for base in base_books:
        check_accepted_log(base, [(fact, block) for at, fact, block in accepted if at is base])
        check_recorded_log(base, [(fact, block) for at, fact, block in refused if at is base])
