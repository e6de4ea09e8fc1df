"""The ALEX risk chain as a replay reports it, in blocks: the shortfall, the reserve's cover,
the issuance proposal, the emergency issuance and the reserve refilled.

Read from the log alone (the facts carry every amount), so the same log always tells the
same story: a CRP comes up short after expiry (`ShortfallReported`), the reserve pays what it
may (`ShortfallCovered` before any issuance), a proposal allowing issuance is added, concluded
and enacted (`ProposalAdded` with an `issuance` change, `ProposalConcluded`,
`ParameterChanged`), ALEX is issued and sold through a pool (`EmergencyIssued`), the proceeds
fill the reserve (`ReserveCredited`, source `emergency-issuance:*`) and pay what it owes.
"""

from __future__ import annotations

from typing import Any

from events.alex_governance import ISSUANCE, ParameterChanged, ProposalAdded, ProposalConcluded
from events.alex_lending import CollateralRedeemed
from events.record import Record
from events.reserve import (
    EMERGENCY_SOURCE,
    EmergencyIssued,
    ReserveCredited,
    ShortfallCovered,
    ShortfallReported,
    reserve_key,
)
from ledger.store import EventStore, ReadFilter
from projections.alex_lending import AlexLending
from projections.balances import Balances
from projections.prices import Prices
from projections.reserve import ReserveSolvency
from projections.solvency import SolvencyRow, price_book, solvency_rows
from replay.units import amount_text


def _records(store: EventStore, *types: type) -> list[Record]:
    found = [
        record
        for event_type in types
        for record in store.read(ReadFilter(type=event_type.__name__))
    ]
    return sorted(found, key=lambda record: record.seq)


def _blocks(records: list[Record]) -> list[int]:
    return sorted({record.block for record in records})


def _proposals(store: EventStore) -> dict[str, dict[str, Any]]:
    """Every proposal that allows issuance: when it was added, concluded and enacted."""
    found: dict[str, dict[str, Any]] = {}
    for record in _records(store, ProposalAdded, ProposalConcluded, ParameterChanged):
        event = record.event
        if isinstance(event, ProposalAdded):
            allows = sum(c.value for c in event.actions if c.parameter == ISSUANCE)
            if allows:
                found[event.proposal_id] = {
                    "kind": event.kind,
                    "allows_alex": allows,
                    "added_block": record.block,
                    "voting_blocks": [event.start_height, event.end_height],
                }
        elif isinstance(event, (ProposalConcluded, ParameterChanged)):
            entry = found.get(event.proposal_id)
            if entry is None:
                continue
            if isinstance(event, ProposalConcluded):
                entry.update(concluded_block=record.block, passed=event.passed)
            elif isinstance(event, ParameterChanged) and event.change.parameter == ISSUANCE:
                entry["enacted_block"] = record.block
    return found


def risk_chain(store: EventStore) -> dict[str, Any] | None:
    """The chain's steps with their blocks and amounts (None: the log has no shortfall).

    The amounts are base units of `token`, the token the shortfalls were in (None when they
    were in several: each amount then adds several tokens' units and is shown as such)."""
    reported = _records(store, ShortfallReported)
    if not reported:
        return None
    issued = _records(store, EmergencyIssued)
    first_issue = issued[0].seq if issued else None
    covered = _records(store, ShortfallCovered)
    by_reserve = [r for r in covered if first_issue is None or r.seq < first_issue]
    by_issuance = [r for r in covered if first_issue is not None and r.seq > first_issue]
    refills = [
        record
        for record in _records(store, ReserveCredited)
        if isinstance(record.event, ReserveCredited)
        and record.event.source.startswith(EMERGENCY_SOURCE)
    ]
    redeemed = _records(store, CollateralRedeemed)
    amount = _amount
    tokens = sorted({getattr(record.event, "token", "") for record in reported})
    return {
        "token": tokens[0] if len(tokens) == 1 else None,
        "shortfall": {"blocks": _blocks(reported), "amount": amount(reported)},
        "reserve_cover": {"blocks": _blocks(by_reserve), "amount": amount(by_reserve)},
        "proposals": _proposals(store),
        "issuance": [
            {
                "block": record.block,
                "approval": record.event.approval,
                "alex_amount": record.event.alex_amount,
                "proceeds": record.event.proceeds,
                "sold_through": record.event.sold_through,
            }
            for record in issued
            if isinstance(record.event, EmergencyIssued)
        ],
        "reserve_refilled": {"blocks": _blocks(refills), "amount": amount(refills)},
        "covered_by_issuance": {"blocks": _blocks(by_issuance), "amount": amount(by_issuance)},
        "outstanding": amount(reported) - amount(covered),
        "redemptions_blocks": _blocks(redeemed),
    }


def _amount(records: list[Record]) -> int:
    total = 0
    for record in records:
        amount = getattr(record.event, "amount", 0)
        total += amount if isinstance(amount, int) else 0
    return total


def reserve_coverage(by_name: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per reserve book: what it holds, what is the stakers', and the solvency read model's
    assets, exposure and coverage at the latest prices (`projections.solvency`)."""
    reserve, lending = by_name.get("reserve_solvency"), by_name.get("alex_lending")
    balances, prices = by_name.get("balances"), by_name.get("prices")
    if not isinstance(reserve, ReserveSolvency):
        return {}
    rows: dict[str, SolvencyRow] = {}
    if isinstance(lending, AlexLending) and isinstance(balances, Balances):
        quotes = price_book(prices) if isinstance(prices, Prices) else {}
        for row in solvency_rows(reserve, lending, balances, quotes):
            rows[reserve_key(row.token, "" if row.reserve == "alex" else row.reserve)] = row
    coverage = {}
    for key, book in sorted(reserve.books.items()):
        found = rows.get(key)
        coverage[key] = {
            "balance": book.balance,
            "principal_held": book.principal,
            "shortfalls_covered": book.shortfalls_covered,
            "shortfall_outstanding": book.outstanding,
            "emergency_alex_issued": book.emergency_alex_issued,
            "crp_at_risk": found.crp_at_risk if found else None,
            "exposure": found.exposure if found else None,
            "coverage_bps": found.coverage_bps if found else book.coverage_bps(),
        }
    return coverage


def chain_lines(chain: dict[str, Any], decimals: dict[str, int]) -> list[str]:
    """The risk chain as a person reads it: each step's blocks and its amount with its unit."""
    token = chain.get("token")

    def amount(value: int) -> str:
        if token is None:
            return f"{value:,} base units of several tokens"
        return amount_text(value, token, decimals, 4)

    def step(name: str) -> str:
        found = chain[name]
        blocks = ", ".join(map(str, found["blocks"])) or "none"
        return f"  {name}: {amount(found['amount'])} (blocks {blocks})"

    lines = [step("shortfall"), step("reserve_cover")]
    for proposal_id, proposal in chain["proposals"].items():
        start, end = proposal["voting_blocks"]
        concluded = proposal.get("concluded_block")
        verdict = (
            "not concluded"
            if concluded is None
            else f"{'passed' if proposal.get('passed') else 'rejected'} at block {concluded}"
        )
        enacted = proposal.get("enacted_block")
        lines.append(
            f"  proposal {proposal_id} ({proposal['kind']}): allows "
            f"{amount_text(proposal['allows_alex'], 'ALEX', decimals, 4)} of issuance, added "
            f"at block {proposal['added_block']}, voting blocks {start}-{end}, {verdict}"
            + ("" if enacted is None else f", enacted at block {enacted}")
        )
    for issued in chain["issuance"]:
        lines.append(
            f"  issuance at block {issued['block']}: "
            f"{amount_text(issued['alex_amount'], 'ALEX', decimals, 4)} sold through "
            f"{issued['sold_through']} for {amount(issued['proceeds'])}"
            + (f" (approval {issued['approval']})" if issued["approval"] else "")
        )
    lines += [step("reserve_refilled"), step("covered_by_issuance")]
    lines.append(f"  outstanding: {amount(chain['outstanding'])}")
    redemptions = ", ".join(map(str, chain["redemptions_blocks"])) or "none"
    lines.append(f"  redemptions at blocks: {redemptions}")
    return lines
