"""Property test: random operation sequences against a deliberately simple model ledger.

The model is a few dicts and the rules as a person would state them. Every sequence,
however the operations are grouped into group-commit batches, must give the same outcomes
and balances in the real ledger, on SQLite and PostgreSQL, and `verify` must stay clean.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anxin.core.clock import ManualClock
from anxin.core.db import Database
from anxin.ledger.posting import Create, Post, TransferSpec, Void
from anxin.ledger.service import Ledger, Request, fingerprint
from anxin.ledger.verify import verify

ACCOUNTS = 4  # index 0 may overdraw (a bank's funding account); 1-3 may not
TIMEOUT = 100
_keys = itertools.count()


@dataclass
class Hold:
    debit: int
    credit: int
    amount: int
    expires_at: float
    status: str = "pending"


@dataclass
class Model:
    posted: list[int] = field(default_factory=lambda: [0] * ACCOUNTS)
    held: list[int] = field(default_factory=lambda: [0] * ACCOUNTS)
    holds: list[Hold] = field(default_factory=list)
    now: float = 0.0

    def available(self, account: int) -> int:
        return self.posted[account] - self.held[account]

    def can_pay(self, account: int, amount: int) -> bool:
        return account == 0 or self.available(account) >= amount

    def transfer(self, debit: int, credit: int, amount: int, pending: bool) -> bool:
        if not self.can_pay(debit, amount):
            return False
        if pending:
            self.held[debit] += amount
            self.holds.append(Hold(debit, credit, amount, self.now + TIMEOUT))
        else:
            self.posted[debit] -= amount
            self.posted[credit] += amount
        return True

    def linked(self, legs: list[tuple[int, int, int]]) -> bool:
        saved = list(self.posted)
        for debit, credit, amount in legs:
            if not self.transfer(debit, credit, amount, pending=False):
                self.posted = saved
                return False
        return True

    def resolve(self, hold: Hold, post_amount: int | None, status: str) -> bool:
        if hold.status == "pending" and hold.expires_at <= self.now:
            self.expire(hold)
        if hold.status != "pending" or (post_amount is not None and post_amount > hold.amount):
            return False
        self.held[hold.debit] -= hold.amount
        hold.status = status
        if status == "posted":
            amount = hold.amount if post_amount is None else post_amount
            self.posted[hold.debit] -= amount
            self.posted[hold.credit] += amount
        return True

    def expire(self, hold: Hold) -> None:
        self.held[hold.debit] -= hold.amount
        hold.status = "expired"


pairs = st.tuples(st.integers(0, ACCOUNTS - 1), st.integers(0, ACCOUNTS - 1)).filter(
    lambda p: p[0] != p[1]
)
amounts = st.integers(1, 5_000)
operation = st.one_of(
    st.tuples(st.just("transfer"), pairs, amounts, st.booleans()),
    st.tuples(st.just("linked"), st.lists(st.tuples(pairs, amounts), min_size=2, max_size=4)),
    st.tuples(st.just("post"), st.integers(0, 20), st.none() | amounts),
    st.tuples(st.just("void"), st.integers(0, 20)),
    st.tuples(st.just("advance"), st.integers(1, 80)),
    st.tuples(st.just("replay"), st.integers(0, 30)),
)
program = st.lists(st.tuples(operation, st.booleans()), min_size=1, max_size=40)


def check_program(database_url: str, steps: list[tuple[tuple[Any, ...], bool]]) -> None:
    db = Database(database_url)
    clock = ManualClock(datetime(2026, 11, 1, tzinfo=UTC))
    ledger = Ledger(db, clock, pending_timeout_seconds=TIMEOUT)
    try:
        ids = [ledger.open_account("CNY", no_overdraft=i != 0)["id"] for i in range(ACCOUNTS)]
        model = Model()
        hold_ids: list[str] = []
        sent: list[tuple[Request, bool]] = []
        batch: list[tuple[Request, Any]] = []

        def flush() -> None:
            results = ledger.execute([request for request, _ in batch])
            for (request, expect), result in zip(batch, results, strict=True):
                outcome = expect(result)
                assert (result.error is None) == outcome, (request.command, result.error)
                sent.append((request, outcome))
            batch.clear()

        for op, cut in steps:
            kind = op[0]
            if kind == "advance":
                flush()
                model.now += op[1]
                clock.advance(op[1])
                for hold in model.holds:
                    if hold.status == "pending" and hold.expires_at <= model.now:
                        model.expire(hold)
                ledger.expire_due()
                continue
            if kind == "replay":
                flush()
                if sent:
                    request, outcome = sent[op[1] % len(sent)]
                    result = ledger.execute([request])[0]
                    assert result.replayed and (result.error is None) == outcome
                continue
            request, expect = _translate(op, ids, model, hold_ids)
            if request is None:
                continue
            batch.append((request, expect))
            if cut:
                flush()
        flush()

        for index, account_id in enumerate(ids):
            row = ledger.account(account_id)
            assert row["credits_posted"] - row["debits_posted"] == model.posted[index]
            assert row["debits_pending"] == model.held[index]
        assert sum(model.posted) == 0
        with db.read() as conn:
            report = verify(conn)
        assert report.ok, report.problems
    finally:
        db.dispose()


def _translate(
    op: tuple[Any, ...], ids: list[str], model: Model, hold_ids: list[str]
) -> tuple[Request | None, Any]:
    """Turn a generated operation into a ledger request and the model's expectation."""
    key = f"p-{next(_keys)}"
    kind = op[0]
    if kind == "transfer":
        (debit, credit), amount, pending = op[1], op[2], op[3]
        command: Any = Create((TransferSpec(ids[debit], ids[credit], amount, "CNY", pending),))

        def expect(result: Any) -> bool:
            ok = model.transfer(debit, credit, amount, pending)
            if ok and pending:
                hold_ids.append(result.transfers[0].id)
            return ok

        return Request(command, key, fingerprint=fingerprint("t", key)), expect
    if kind == "linked":
        legs = [(d, c, amount) for (d, c), amount in op[1]]
        command = Create(tuple(TransferSpec(ids[d], ids[c], a, "CNY") for d, c, a in legs))
        return Request(command, key, fingerprint=fingerprint("l", key)), lambda _r: model.linked(
            legs
        )
    if not hold_ids:
        return None, None
    index = op[1] % len(hold_ids)
    hold = model.holds[index]
    if kind == "post":
        command = Post(hold_ids[index], op[2])
        return Request(command, key, fingerprint=fingerprint("p", key)), lambda _r: model.resolve(
            hold, op[2], "posted"
        )
    command = Void(hold_ids[index])
    return Request(command, key, fingerprint=fingerprint("v", key)), lambda _r: model.resolve(
        hold, None, "voided"
    )


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=program)
def test_random_sequences_match_the_model(database_url: str, backend: str, steps: Any) -> None:
    check_program(database_url, steps)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(moves=st.lists(st.tuples(st.booleans(), st.integers(1, 700)), min_size=1, max_size=6))
def test_a_together_batch_is_all_or_nothing(
    database_url: str, moves: list[tuple[bool, int]]
) -> None:
    """Transfers between two accounts that may not go below zero, sent as one `together`
    batch: either every one is made, or none is and each carries the first refusal (so a
    held payment's legs are never taken in part)."""
    db = Database(database_url)
    ledger = Ledger(db, ManualClock(datetime(2026, 11, 1, tzinfo=UTC)))
    try:
        bank = ledger.open_account("CNY", no_overdraft=False)["id"]
        a, b = (ledger.open_account("CNY", no_overdraft=True)["id"] for _ in range(2))
        run = a  # one database serves every example: keys must not meet the last one's
        ledger.execute([Request(Create((TransferSpec(bank, a, 1000, "CNY"),
                                        TransferSpec(bank, b, 500, "CNY"))))])  # fmt: skip
        batch = [
            Request(Create((TransferSpec(*((a, b) if forward else (b, a)), amount, "CNY"),)),
                    f"{run}-{index}", "test", fingerprint("t", index))
            for index, (forward, amount) in enumerate(moves)
        ]  # fmt: skip
        expected, possible = {a: 1000, b: 500}, True
        for forward, amount in moves:
            source, target = (a, b) if forward else (b, a)
            possible = possible and expected[source] >= amount
            expected[source] -= amount
            expected[target] += amount
        results = ledger.execute(batch, together=True)
        balances = {
            key: ledger.account(key)["credits_posted"] - ledger.account(key)["debits_posted"]
            for key in (a, b)
        }
        if possible:
            assert all(r.error is None for r in results)
            assert balances == expected
        else:
            first = next(r.error for r in results if r.error is not None)
            assert all(r.error is first for r in results)
            assert balances == {a: 1000, b: 500}
            # Nothing was kept, keys included: the same keys run afresh, not as replays.
            assert not any(r.replayed for r in ledger.execute(batch[:1], together=True))
        with db.read() as conn:
            report = verify(conn)
        assert report.ok, report.problems
    finally:
        db.dispose()
