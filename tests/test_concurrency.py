"""Concurrency: many threads and processes moving money through the same few accounts at once.

The ledger's safety rests on row locks (PostgreSQL `SELECT ... FOR UPDATE`), `BEGIN IMMEDIATE`
(SQLite) and the group-commit writer. A single-threaded test cannot tell those apart from no
locking at all, so these tests create real contention and then check the database against what
the workers saw acknowledged: no lost update, no no_overdraft account below zero, balances
summing to zero, a clean `verify`, and exactly the acknowledged transfers on record.
"""

from __future__ import annotations

import itertools
import json
import multiprocessing
import random
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from anxin.core.clock import ManualClock
from anxin.core.db import Database
from anxin.core.errors import AnxinError, InsufficientFunds, InvalidState
from anxin.ledger import tables as t
from anxin.ledger.posting import POSTED, Command, Create, Post, TransferSpec, Void
from anxin.ledger.service import Ledger, Request, Result, fingerprint
from anxin.ledger.verify import verify
from anxin.ledger.writer import LedgerWriter

pytestmark = pytest.mark.slow

CNY = "CNY"
THREADS = 8
PROCESSES = 8
JOIN_TIMEOUT = 60.0  # seconds for all workers together; a deadlock fails instead of hanging
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)

# An event is what a worker saw acknowledged, as JSON-friendly lists:
#   ["create", transfer_id, debit, credit, amount, pending]
#   ["post", hold_id, posted_amount]       ["void", hold_id]
Event = list[Any]
Execute = Callable[[list[Request]], list[Result]]


# -- the workload -------------------------------------------------------------------------


class HoldBoard:
    """Open holds any worker may try to post or void, so two workers can race for one hold."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, int] = {}

    def add(self, hold_id: str, amount: int) -> None:
        with self._lock:
            self._open[hold_id] = amount

    def pick(self, rng: random.Random) -> tuple[str, int] | None:
        with self._lock:
            if not self._open:
                return None
            hold_id = rng.choice(sorted(self._open))
            return hold_id, self._open[hold_id]

    def close(self, hold_id: str) -> None:
        with self._lock:
            self._open.pop(hold_id, None)


@dataclass
class WorkerLog:
    """One worker's acknowledged events and refusals; merged by the test afterwards."""

    events: list[Event] = field(default_factory=list)
    refusals: Counter[str] = field(default_factory=Counter)
    unavailable: int = 0
    unexpected: list[str] = field(default_factory=list)


_keys = itertools.count()


def _request(command: Command, tag: str) -> Request:
    """A request with a unique idempotency key, so the claim path runs under contention too."""
    return Request(
        command,
        idempotency_key=f"{tag}-{next(_keys)}",
        fingerprint=fingerprint(type(command).__name__, repr(command)),
    )


def random_command(rng: random.Random, funding: str, users: list[str], board: HoldBoard) -> Command:
    """Mostly transfers among the no_overdraft users, some in and out of funding, some holds."""
    roll = rng.random()
    amount = rng.randint(1, 4_000)
    if roll < 0.15 and (hold := board.pick(rng)) is not None:
        hold_id, held = hold
        if rng.random() < 0.5:
            return Void(hold_id)
        return Post(hold_id, rng.choice([None, rng.randint(1, held)]))
    debit, credit = rng.sample(users, 2)
    if roll < 0.3:
        debit = funding
    elif roll < 0.45:
        credit = funding
    return Create((TransferSpec(debit, credit, amount, CNY, pending=roll > 0.8),))


def record(command: Command, result: Result, board: HoldBoard, log: WorkerLog) -> None:
    """Turn one result into events (when acknowledged) and keep the hold board current."""
    if result.error is not None:
        log.refusals[result.error.slug] += 1
        if not isinstance(result.error, InsufficientFunds | InvalidState):
            log.unexpected.append(f"{command!r}: {result.error!r}")
        if isinstance(command, Post | Void) and isinstance(result.error, InvalidState):
            board.close(command.pending_id)
        return
    if isinstance(command, Create):
        for row in result.transfers:
            pending = row.status != POSTED
            log.events.append(
                ["create", row.id, row.debit_account_id, row.credit_account_id, row.amount, pending]
            )
            if pending:
                board.add(row.id, row.amount)
        return
    assert isinstance(command, Post | Void)
    (row,) = result.transfers
    board.close(row.id)
    if isinstance(command, Post):
        log.events.append(["post", row.id, row.posted_amount])
    else:
        log.events.append(["void", row.id])


def run_worker(
    execute: Execute,
    seed: int,
    operations: int,
    funding: str,
    users: list[str],
    board: HoldBoard,
    log: WorkerLog,
) -> None:
    """Send `operations` random commands, one to three per call (one transaction or group)."""
    rng = random.Random(seed)
    done = 0
    while done < operations:
        commands = [
            random_command(rng, funding, users, board)
            for _ in range(min(rng.randint(1, 3), operations - done))
        ]
        done += len(commands)
        try:
            results = execute([_request(command, f"w{seed}") for command in commands])
        except AnxinError as error:
            # Unavailable: every attempt was rolled back, so nothing was recorded.
            log.unavailable += 1
            log.refusals[error.slug] += 1
            continue
        for command, result in zip(commands, results, strict=True):
            record(command, result, board, log)


def direct(ledger: Ledger) -> Execute:
    """Each call is one `Ledger.execute` transaction on the calling thread."""
    return ledger.execute


def through_writer(writer: LedgerWriter) -> Execute:
    """Each request goes through the shared group-commit writer; wait for all of them."""

    def execute(requests: list[Request]) -> list[Result]:
        futures = [writer.submit(request) for request in requests]
        return [future.result(timeout=JOIN_TIMEOUT) for future in futures]

    return execute


def run_threads(targets: list[Callable[[], None]]) -> None:
    """Start all targets together (a barrier) and fail, not hang, if any does not finish."""
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def wrap(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                barrier.wait(timeout=JOIN_TIMEOUT)
                target()
            except BaseException as exc:
                errors.append(exc)

        return run

    threads = [threading.Thread(target=wrap(target), daemon=True) for target in targets]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + JOIN_TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = [thread.name for thread in threads if thread.is_alive()]
    assert not stuck, f"workers still running after {JOIN_TIMEOUT}s (deadlock?): {stuck}"
    if errors:
        raise errors[0]


# -- checking the database against the acknowledgements ------------------------------------


@dataclass
class Expected:
    balances: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    held: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    statuses: dict[str, str] = field(default_factory=dict)
    posted_amounts: dict[str, int | None] = field(default_factory=dict)


def replay(events: Iterable[Event]) -> Expected:
    """What the ledger must hold if exactly the acknowledged events happened."""
    expected = Expected()
    holds: dict[str, tuple[str, str, int]] = {}
    resolutions: list[Event] = []
    for event in events:
        if event[0] != "create":
            resolutions.append(event)
            continue
        _, transfer_id, debit, credit, amount, pending = event
        assert transfer_id not in expected.statuses, f"{transfer_id} acknowledged twice"
        if pending:
            holds[transfer_id] = (debit, credit, amount)
            expected.held[debit] += amount
            expected.statuses[transfer_id], expected.posted_amounts[transfer_id] = "pending", None
        else:
            expected.balances[debit] -= amount
            expected.balances[credit] += amount
            expected.statuses[transfer_id], expected.posted_amounts[transfer_id] = POSTED, amount
    resolved = Counter(event[1] for event in resolutions)
    twice = [hold_id for hold_id, count in resolved.items() if count > 1]
    assert not twice, f"holds posted or voided more than once: {twice}"
    for event in resolutions:
        debit, credit, amount = holds[event[1]]
        expected.held[debit] -= amount
        if event[0] == "post":
            expected.balances[debit] -= event[2]
            expected.balances[credit] += event[2]
            expected.statuses[event[1]], expected.posted_amounts[event[1]] = POSTED, event[2]
        else:
            expected.statuses[event[1]] = "voided"
    return expected


def check_ledger(db: Database, events: list[Event]) -> Expected:
    """The database must agree with the acknowledgements, balance to zero, and verify clean."""
    expected = replay(events)
    with db.read() as conn:
        accounts = {row.id: row for row in conn.execute(select(t.accounts))}
        transfers = {
            row.id: row
            for row in conn.execute(
                select(t.transfers.c.id, t.transfers.c.status, t.transfers.c.posted_amount)
            )
        }
        posted_count = conn.execute(
            select(func.count()).select_from(t.transfers).where(t.transfers.c.status == POSTED)
        ).scalar_one()
        report = verify(conn)
    assert report.ok, report.problems

    assert set(transfers) == set(expected.statuses), "transfers on record != acknowledged ones"
    assert posted_count == sum(1 for s in expected.statuses.values() if s == POSTED)
    for transfer_id, row in transfers.items():
        assert (row.status, row.posted_amount) == (
            expected.statuses[transfer_id],
            expected.posted_amounts[transfer_id],
        ), transfer_id

    totals: dict[str, int] = defaultdict(int)
    for account_id, acc in accounts.items():
        balance = acc.credits_posted - acc.debits_posted
        totals[acc.currency] += balance
        assert balance == expected.balances[account_id], f"lost update on {account_id}"
        assert acc.debits_pending == expected.held[account_id], account_id
        if acc.no_overdraft:
            assert balance >= 0 and balance - acc.debits_pending >= 0, f"{account_id} overdrawn"
    assert all(total == 0 for total in totals.values()), totals
    return expected


# -- fixtures and setup -------------------------------------------------------------------


@dataclass
class Accounts:
    funding: str
    users: list[str]
    events: list[Event]


def open_accounts(ledger: Ledger, users: int, float_each: int) -> Accounts:
    """One funding account that may overdraw and `users` no_overdraft ones, each funded."""
    funding = ledger.open_account(CNY, no_overdraft=False)["id"]
    ids = [ledger.open_account(CNY, no_overdraft=True)["id"] for _ in range(users)]
    events: list[Event] = []
    for account_id in ids:
        (row,) = ledger.run(Create((TransferSpec(funding, account_id, float_each, CNY),)))
        events.append(["create", row.id, funding, account_id, float_each, False])
    return Accounts(funding, ids, events)


@pytest.fixture
def shared_ledger(database_url: str) -> Iterator[Ledger]:
    """A ledger whose pool has room for every worker thread plus the writer."""
    db = Database(database_url, pool_size=THREADS + 2)
    yield Ledger(db, ManualClock(START))
    db.dispose()


# -- threads ------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["direct", "writer"])
def test_threads_hammering_the_same_accounts_lose_nothing(shared_ledger: Ledger, mode: str) -> None:
    """8 threads, 4 no_overdraft accounts, transfers, holds and racing posts/voids."""
    ledger = shared_ledger
    setup = open_accounts(ledger, users=4, float_each=20_000)
    writer = LedgerWriter(ledger)
    writer.start()
    execute = direct(ledger) if mode == "direct" else through_writer(writer)
    board = HoldBoard()
    logs = [WorkerLog() for _ in range(THREADS)]
    operations = 250
    try:
        run_threads(
            [
                partial(run_worker, execute, i, operations, setup.funding, setup.users, board, log)
                for i, log in enumerate(logs)
            ]
        )
    finally:
        writer.stop()

    unexpected = [problem for log in logs for problem in log.unexpected]
    assert not unexpected, unexpected[:5]
    events = setup.events + [event for log in logs for event in log.events]
    expected = check_ledger(ledger.db, events)
    refusals = sum((log.refusals for log in logs), Counter())
    # The workload must really have raced: money moved, funds ran out, holds resolved.
    assert sum(1 for s in expected.statuses.values() if s == POSTED) > THREADS * 20
    assert refusals["insufficient-funds"] > 0, refusals
    assert any(event[0] in ("post", "void") for event in events)
    assert sum(log.unavailable for log in logs) == 0, refusals


@pytest.mark.parametrize("pending", [False, True], ids=["posted", "held"])
@pytest.mark.parametrize("mode", ["direct", "writer"])
def test_eight_threads_withdrawing_1000_from_5000_succeed_exactly_five_times(
    shared_ledger: Ledger, mode: str, pending: bool
) -> None:
    """The classic race: 8 threads x 5 attempts of 1000.00 against 5000.00 -> exactly 5 pass."""
    ledger = shared_ledger
    setup = open_accounts(ledger, users=1, float_each=500_000)
    (alice,) = setup.users
    shop = ledger.open_account(CNY, no_overdraft=True)["id"]
    writer = LedgerWriter(ledger)
    writer.start()
    execute = direct(ledger) if mode == "direct" else through_writer(writer)
    attempts = 5
    acknowledged: list[list[str]] = [[] for _ in range(THREADS)]
    refused: Counter[str] = Counter()
    lock = threading.Lock()

    def withdraw(index: int) -> None:
        spec = TransferSpec(alice, shop, 100_000, CNY, pending=pending)
        for _ in range(attempts):
            (result,) = execute([_request(Create((spec,)), f"classic{index}")])
            if result.error is None:
                acknowledged[index] += [row.id for row in result.transfers]
            else:
                with lock:
                    refused[result.error.slug] += 1

    try:
        run_threads([partial(withdraw, i) for i in range(THREADS)])
    finally:
        writer.stop()

    ids = [transfer_id for ids in acknowledged for transfer_id in ids]
    assert len(ids) == 5 == len(set(ids)), acknowledged
    assert refused == Counter({"insufficient-funds": THREADS * attempts - 5})
    events = setup.events + [["create", i, alice, shop, 100_000, pending] for i in ids]
    check_ledger(ledger.db, events)
    account = ledger.account(alice)
    assert account["credits_posted"] - account["debits_posted"] == (500_000 if pending else 0)
    assert account["debits_pending"] == (500_000 if pending else 0)


def send_concurrently(execute: Execute, request: Request, copies: int) -> list[Result]:
    """Send the very same request from `copies` threads at the same moment."""
    results: list[Result] = []
    lock = threading.Lock()

    def send() -> None:
        (result,) = execute([request])
        with lock:
            results.append(result)

    run_threads([send] * copies)
    return results


@pytest.mark.parametrize("mode", ["direct", "writer"])
def test_one_key_sent_by_eight_threads_at_once_pays_once(shared_ledger: Ledger, mode: str) -> None:
    """A client retry racing its original: all copies get the one transfer, one pays."""
    ledger = shared_ledger
    setup = open_accounts(ledger, users=1, float_each=500_000)
    (alice,) = setup.users
    shop = ledger.open_account(CNY, no_overdraft=True)["id"]
    writer = LedgerWriter(ledger)
    writer.start()
    execute = direct(ledger) if mode == "direct" else through_writer(writer)
    events = list(setup.events)
    try:
        for round_ in range(5):
            request = Request(
                Create((TransferSpec(alice, shop, 1_000 + round_, CNY),)),
                idempotency_key=f"same-{round_}",
                fingerprint=fingerprint("transfer", round_),
            )
            results = send_concurrently(execute, request, THREADS)
            assert [r.error for r in results] == [None] * THREADS, results
            ids = {row.id for r in results for row in r.transfers}
            assert len(ids) == 1, ids
            assert sorted(r.replayed for r in results) == [False] + [True] * (THREADS - 1)
            events.append(["create", ids.pop(), alice, shop, 1_000 + round_, False])
    finally:
        writer.stop()
    check_ledger(ledger.db, events)


def test_a_poisoned_request_fails_alone_in_a_group_commit(
    shared_ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One request that breaks the whole transaction must not take its batch-mates with it."""
    ledger = shared_ledger
    setup = open_accounts(ledger, users=1, float_each=500_000)
    (alice,) = setup.users
    shop = ledger.open_account(CNY, no_overdraft=True)["id"]
    batches: list[list[Request]] = []
    execute = ledger.execute

    def spy(requests: list[Request]) -> list[Result]:
        batches.append(requests)
        return execute(requests)

    monkeypatch.setattr(ledger, "execute", spy)
    writer = LedgerWriter(ledger)
    writer.start()
    good = [
        _request(Create((TransferSpec(alice, shop, 100 + i, CNY),)), "batch") for i in range(20)
    ]
    poison = _request(
        Create((TransferSpec(alice, shop, 1, CNY, meta={"unserialisable": object()}),)), "bad"
    )
    try:
        # Hold the write lock so every writer thread stalls on one request of its own and the
        # rest queue up behind them: those then reach the database as one group commit,
        # poison included. (The writer may run one thread or, on PostgreSQL, several.)
        stallers = getattr(writer, "threads", 1)
        with ledger.db.write() as conn:
            conn.execute(select(t.accounts.c.id).where(t.accounts.c.id == alice).with_for_update())
            futures = []
            for request in good[:stallers]:
                futures.append(writer.submit(request))
                time.sleep(0.1)
            rest = [*good[stallers:10], poison, *good[10:]]
            futures += [writer.submit(request) for request in rest]
        outcomes = [future.exception(timeout=JOIN_TIMEOUT) for future in futures]
        results = [future.result() for future in futures if not future.exception()]
    finally:
        writer.stop()
    assert any(poison in batch and len(batch) > 1 for batch in batches), "never batched"
    assert [type(error).__name__ for error in outcomes if error] == ["Unavailable"]
    assert [r.error for r in results] == [None] * len(good)
    rows = [row for r in results for row in r.transfers]
    events = setup.events + [["create", row.id, alice, shop, row.amount, False] for row in rows]
    check_ledger(ledger.db, events)


def test_verify_on_a_live_ledger_sees_one_consistent_snapshot(shared_ledger: Ledger) -> None:
    """A payment committing while `verify` reads must not show up as a finding.

    `anxin ledger verify` runs against a serving ledger. The payment is slipped in between
    verify's journal query and its later queries, deterministically, not left to timing.
    """
    ledger = shared_ledger
    setup = open_accounts(ledger, users=2, float_each=10_000)
    alice, bob = setup.users
    paid: list[str] = []

    def pay_after_the_journal_is_read(*args: Any) -> None:
        statement: str = args[2]
        if not paid and "ledger_entries" not in statement:
            paid.extend(row.id for row in ledger.run(Create((TransferSpec(alice, bob, 100, CNY),))))

    with ledger.db.read() as conn:
        sa_event.listen(conn, "before_cursor_execute", pay_after_the_journal_is_read)
        report = verify(conn)
    assert paid, "the payment did not land between verify's queries"
    with ledger.db.read() as conn:
        assert verify(conn).ok  # the ledger itself is sound; only the mid-way view was not
    assert report.ok, report.problems


# -- processes ----------------------------------------------------------------------------


def process_worker(
    url: str, seed: int, operations: int, funding: str, users: list[str], out: str
) -> None:
    """Entry point of one spawned process: its own engine and ledger, events to a JSON file."""
    db = Database(url, pool_size=2)
    try:
        log = WorkerLog()
        run_worker(
            Ledger(db, ManualClock(START)).execute,
            seed,
            operations,
            funding,
            users,
            HoldBoard(),
            log,
        )
        payload = {
            "events": log.events,
            "refusals": dict(log.refusals),
            "unavailable": log.unavailable,
            "unexpected": log.unexpected,
        }
        Path(out + ".tmp").write_text(json.dumps(payload))
        Path(out + ".tmp").rename(out)
    finally:
        db.dispose()


def test_processes_sharing_one_database_lose_no_update(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    """8 spawned processes, each its own engine, against the same accounts: nothing lost."""
    setup = open_accounts(Ledger(db, ManualClock(START)), users=3, float_each=20_000)
    context = multiprocessing.get_context("spawn")
    outputs = [tmp_path / f"worker-{i}.json" for i in range(PROCESSES)]
    operations = 150
    processes = [
        context.Process(
            target=process_worker,
            args=(database_url, 1000 + i, operations, setup.funding, setup.users, str(out)),
            daemon=True,
        )
        for i, out in enumerate(outputs)
    ]
    try:
        for process in processes:
            process.start()
        deadline = time.monotonic() + JOIN_TIMEOUT
        for process in processes:
            process.join(timeout=max(0.0, deadline - time.monotonic()))
        stuck = [process.pid for process in processes if process.is_alive()]
        assert not stuck, f"processes still running after {JOIN_TIMEOUT}s (deadlock?): {stuck}"
        assert [process.exitcode for process in processes] == [0] * PROCESSES
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join(timeout=5)

    payloads = [json.loads(out.read_text()) for out in outputs]
    unexpected = [problem for payload in payloads for problem in payload["unexpected"]]
    assert not unexpected, unexpected[:5]
    assert sum(payload["unavailable"] for payload in payloads) == 0
    events = setup.events + [event for payload in payloads for event in payload["events"]]
    expected = check_ledger(db, events)
    assert sum(1 for s in expected.statuses.values() if s == POSTED) > PROCESSES * 10
    refusals = sum((Counter(payload["refusals"]) for payload in payloads), Counter())
    assert refusals["insufficient-funds"] > 0, refusals


# -- a refusal must not leak into its neighbours in the same group commit -------------------


def test_a_refused_reversal_does_not_count_against_a_later_one_in_the_same_batch(
    ledger: Ledger,
) -> None:
    """Group commit puts unrelated requests in one Book; one's refusal must leave no trace."""
    bank = ledger.open_account(CNY, no_overdraft=False)["id"]
    alice = ledger.open_account(CNY, no_overdraft=True)["id"]
    bob = ledger.open_account(CNY, no_overdraft=True)["id"]
    (original,) = ledger.run(Create((TransferSpec(bank, alice, 3_000, CNY),)))
    reversal = TransferSpec(alice, bank, 2_000, CNY, reverses_id=original.id)
    too_much = TransferSpec(alice, bob, 999_999, CNY)
    linked_fails, alone = ledger.execute(
        [Request(Create((reversal, too_much))), Request(Create((reversal,)))]
    )
    assert isinstance(linked_fails.error, InsufficientFunds)
    assert alone.error is None, alone.error
