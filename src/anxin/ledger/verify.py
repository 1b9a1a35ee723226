"""`anxin ledger verify`: recompute everything the ledger stores from its journal.

Checks, for every account: the hash chain of its entries, that entry numbers have no gaps,
that each stored running balance is the sum before it, that the account's totals and chain
head match the journal, and that its pending totals match its open holds. Then, per currency,
that all balances sum to zero. Any disagreement is a finding; a clean ledger has none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Connection, func, select

from anxin.ledger import tables as t
from anxin.ledger.posting import GENESIS_HASH, PENDING, POSTED, Entry, entry_hash


@dataclass
class VerifyReport:
    accounts: int = 0
    entries: int = 0
    transfers: int = 0
    totals: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class _Running:
    seq: int = 0
    debits: int = 0
    credits: int = 0
    head: bytes = GENESIS_HASH


def verify(conn: Connection, progress: Callable[[int], None] | None = None) -> VerifyReport:
    report = VerifyReport()
    running: dict[str, _Running] = defaultdict(_Running)
    c = t.entries.c
    rows = conn.execution_options(stream_results=True, yield_per=10_000).execute(
        select(
            c.account_id,
            c.account_seq,
            c.transfer_id,
            c.amount,
            c.balance_after,
            c.effective_at,
            c.recorded_at,
            c.hash,
        ).order_by(c.account_id, c.account_seq)
    )
    for row in rows:
        entry = Entry(*row)
        state = running[entry.account_id]
        where = f"account {entry.account_id} entry {entry.account_seq}"
        if entry.account_seq != state.seq + 1:
            report.problems.append(f"{where}: expected entry {state.seq + 1} (gap or reorder)")
        if entry_hash(state.head, entry) != entry.hash:
            report.problems.append(f"{where}: hash chain broken (entry altered or removed)")
        state.seq, state.head = entry.account_seq, entry.hash
        if entry.amount < 0:
            state.debits -= entry.amount
        else:
            state.credits += entry.amount
        if state.credits - state.debits != entry.balance_after:
            report.problems.append(
                f"{where}: running balance {entry.balance_after}, journal sums to "
                f"{state.credits - state.debits}"
            )
        report.entries += 1
        if progress is not None and report.entries % 10_000 == 0:
            progress(report.entries)

    holds = _open_holds(conn)
    totals: dict[str, int] = defaultdict(int)
    for acc in conn.execute(select(t.accounts)):
        report.accounts += 1
        state = running.pop(acc.id, _Running())
        totals[acc.currency] += acc.credits_posted - acc.debits_posted
        expected = (state.debits, state.credits, state.seq, state.head)
        stored = (acc.debits_posted, acc.credits_posted, acc.entry_count, acc.head_hash)
        if expected != stored:
            report.problems.append(
                f"account {acc.id}: stored debits/credits/entries "
                f"{stored[:3]} but journal gives {expected[:3]}"
                + ("" if expected[3] == stored[3] else "; chain head differs")
            )
        held = (holds[("debit", acc.id)], holds[("credit", acc.id)])
        if held != (acc.debits_pending, acc.credits_pending):
            report.problems.append(
                f"account {acc.id}: pending totals {(acc.debits_pending, acc.credits_pending)} "
                f"but open holds sum to {held}"
            )
        if acc.no_overdraft and acc.credits_posted - acc.debits_posted - acc.debits_pending < 0:
            report.problems.append(f"account {acc.id}: overdrawn despite no_overdraft")
    for orphan in running:
        report.problems.append(f"entries reference unknown account {orphan}")

    report.totals = dict(totals)
    for currency, total in sorted(totals.items()):
        if total != 0:
            report.problems.append(f"{currency}: balances sum to {total}, not zero")
    report.transfers = conn.execute(select(func.count()).select_from(t.transfers)).scalar_one()
    posted = conn.execute(
        select(func.count()).select_from(t.transfers).where(t.transfers.c.status == POSTED)
    ).scalar_one()
    if report.entries != 2 * posted:
        report.problems.append(
            f"{posted} posted transfers should have {2 * posted} entries, found {report.entries}"
        )
    return report


def _open_holds(conn: Connection) -> dict[tuple[str, str], int]:
    holds: dict[tuple[str, str], int] = defaultdict(int)
    tr = t.transfers.c
    for side, column in (("debit", tr.debit_account_id), ("credit", tr.credit_account_id)):
        query = select(column, func.sum(tr.amount)).where(tr.status == PENDING).group_by(column)
        for account_id, total in conn.execute(query):
            holds[(side, account_id)] = int(total)
    return holds
