"""The schedule worker: plan due occurrences into runs, then carry each run out once.

`run_due` is one pass and what tests call; `run_worker` repeats it until told to stop.
A pass after downtime catches up: every occurrence missed since the schedule was last
planned becomes a run and is paid, oldest first, each once. Exactly-once rests on keys,
not on luck:

- a run is unique per (schedule, occurrence date), and planning locks the schedule row;
- a worker claims a run with a conditional update, so two workers never both start it;
  a claim lapses after a lease, so a run whose worker died is picked up again;
- the payment's idempotency key is the schedule id plus the occurrence date, so a run
  carried out again after a crash finds the first payment instead of making another.

Transient failures (the ledger busy, a biller not answering) are retried with exponential
backoff; refusals (insufficient funds, a declined bill) end the run. Either way the run
records its outcome, and a run that finally fails tells its owner.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update

from anxin.api.services import Services
from anxin.core.clock import from_micros, to_micros
from anxin.core.errors import AnxinError, NotFound
from anxin.core.ids import new_id
from anxin.core.money import Money
from anxin.ledger.service import fingerprint
from anxin.notify import Message, enqueue
from anxin.payments.bills import service as bill_payments
from anxin.payments.bills import store as bills
from anxin.payments.bills import tables as bill_tables
from anxin.payments.bills.registry import BILLING_TZ
from anxin.payments.p2p import PayeeRef, pay_person_now
from anxin.payments.schedules import tables as t
from anxin.payments.schedules.rules import (
    MAX_ATTEMPTS,
    autopay_day,
    backoff_seconds,
    is_transient,
    next_occurrence,
    occurrences,
    start_of_day,
    zone,
)
from anxin.payments.schedules.service import (
    ACTIVE,
    AUTOPAY,
    CANCELLED,
    DUE,
    FAILED,
    FINISHED,
    HELD,
    P2P,
    PAID,
    RETRYING,
    RUNNING,
    SKIPPED,
    Run,
    Schedule,
)

log = logging.getLogger(__name__)

LEASE_SECONDS = 300
MAX_PLANNED_PER_PASS = 500
"""Occurrences planned per schedule per pass; a longer backlog continues next pass."""
MAX_RUNS_PER_PASS = 500


@dataclass
class PassReport:
    planned: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    resumed_payments: int = 0

    def count(self, status: str) -> None:
        self.outcomes[status] = self.outcomes.get(status, 0) + 1


@dataclass(frozen=True, slots=True)
class _Done:
    """How a run ended: its new status, what it paid, or why not."""

    status: str
    transfer_id: str | None = None
    payment_id: str | None = None
    error: AnxinError | Exception | None = None


def run_worker(services: Services, stop: threading.Event, interval: float = 30.0) -> None:
    """Run passes every `interval` seconds until `stop` is set; a failed pass is retried."""
    services.writer.start()
    while not stop.is_set():
        try:
            report = run_due(services)
            if report.planned or report.outcomes or report.resumed_payments:
                log.info("schedule pass: %s", report)
        except Exception:
            log.exception("schedule pass failed; retrying in %.0f s", interval)
        stop.wait(interval)


def run_due(services: Services) -> PassReport:
    """One pass: plan every active schedule, run what is due, resume stalled bill payments."""
    report = PassReport()
    c = t.schedules.c
    with services.db.read() as conn:
        active = conn.execute(select(t.schedules).where(c.status == ACTIVE)).all()
    for row in active:
        schedule = Schedule.from_row(row)
        try:
            report.planned += _plan(services, schedule)
        except Exception:
            log.exception("could not plan schedule %s; will retry", schedule.id)
    for run in _due_runs(services):
        status = _run(services, run)
        if status is not None:
            report.count(status)
    report.resumed_payments = bill_payments.resume_stale(services)
    return report


# -- planning -----------------------------------------------------------------------------


def _plan(services: Services, schedule: Schedule) -> int:
    now = services.clock.now()
    if schedule.kind == P2P:
        return _plan_p2p(services, schedule.id, now)
    try:
        account = bills.get_account(services.db, schedule.owner_id, schedule.bill_account_id or "")
    except NotFound:
        _set_status(services, schedule.id, CANCELLED)  # the account was unbound
        return 0
    bills.sync_bills(services, account)
    return _plan_autopay(services, schedule.id, now)


def _locked(conn: Connection, schedule_id: str) -> Schedule | None:
    """The schedule, row-locked (PostgreSQL) so concurrent workers plan it one at a time."""
    c = t.schedules.c
    row = conn.execute(select(t.schedules).where(c.id == schedule_id).with_for_update()).first()
    return None if row is None or row.status != ACTIVE else Schedule.from_row(row)


def _plan_p2p(services: Services, schedule_id: str, now: datetime) -> int:
    with services.db.write() as conn:
        schedule = _locked(conn, schedule_id)
        if schedule is None or schedule.rrule is None:
            return 0
        tz, start = zone(schedule.timezone), from_micros(schedule.starts_at)
        after = from_micros(schedule.planned_through)
        found = occurrences(schedule.rrule, start, tz, after, now, MAX_PLANNED_PER_PASS)
        through = found[-1] if len(found) == MAX_PLANNED_PER_PASS else now
        runs = [(when.astimezone(tz).date().isoformat(), when, None) for when in found]
        _insert_runs(conn, schedule.id, runs, now)
        finished = next_occurrence(schedule.rrule, start, tz, through) is None
        conn.execute(
            update(t.schedules)
            .where(t.schedules.c.id == schedule.id)
            .values(planned_through=to_micros(through), status=FINISHED if finished else ACTIVE)
        )
    return len(found)


def _plan_autopay(services: Services, schedule_id: str, now: datetime) -> int:
    """A run for each bill issued after the schedule was made, once its pay day has come."""
    b, r = bill_tables.bills.c, t.schedule_runs.c
    with services.db.write() as conn:
        schedule = _locked(conn, schedule_id)
        if schedule is None:
            return 0
        planned = set(conn.execute(select(r.bill_id).where(r.schedule_id == schedule.id)).scalars())
        candidates = conn.execute(
            select(b.id, b.issued_on, b.due_on).where(
                b.bill_account_id == schedule.bill_account_id, b.status == bills.DUE
            )
        ).all()
        runs = []
        for bill in candidates:
            if bill.id in planned:
                continue
            if to_micros(start_of_day(bill.issued_on, BILLING_TZ)) < schedule.created_at:
                continue  # issued before auto-pay was set up: not a new bill
            day = autopay_day(bill.issued_on, bill.due_on, schedule.autopay_when or "",
                              schedule.days_before_due or 0)  # fmt: skip
            when = start_of_day(day, BILLING_TZ)
            if when <= now:
                runs.append((day.isoformat(), when, bill.id))
        _insert_runs(conn, schedule.id, runs, now)
        conn.execute(
            update(t.schedules)
            .where(t.schedules.c.id == schedule.id)
            .values(planned_through=to_micros(now))
        )
    return len(runs)


def _insert_runs(
    conn: Connection, schedule_id: str, runs: Sequence[tuple[str, datetime, str | None]],
    planned_at: datetime,
) -> None:  # fmt: skip
    if not runs:
        return
    now = to_micros(planned_at)
    conn.execute(
        insert(t.schedule_runs),
        [
            {"id": new_id(), "schedule_id": schedule_id, "occurrence": occurrence,
             "due_at": to_micros(when), "bill_id": bill_id, "status": DUE, "attempts": 0,
             "next_attempt_at": to_micros(when), "lease_until": None, "transfer_id": None,
             "payment_id": None, "error": None, "created_at": now, "finished_at": None}
            for occurrence, when, bill_id in runs
        ],
    )  # fmt: skip


def _set_status(services: Services, schedule_id: str, status: str) -> None:
    with services.db.write() as conn:
        conn.execute(
            update(t.schedules).where(t.schedules.c.id == schedule_id).values(status=status)
        )


# -- running ------------------------------------------------------------------------------


def _due_runs(services: Services) -> list[Run]:
    now = to_micros(services.clock.now())
    r = t.schedule_runs.c
    ready = or_(
        and_(r.status.in_((DUE, RETRYING)), r.next_attempt_at <= now),
        and_(r.status == RUNNING, r.lease_until < now),
    )
    with services.db.read() as conn:
        rows = conn.execute(
            select(t.schedule_runs).where(ready).order_by(r.due_at).limit(MAX_RUNS_PER_PASS)
        ).all()
    return [Run.from_row(row) for row in rows]


def _claim(services: Services, run: Run) -> bool:
    """Take the run if nobody else has since it was read (a conditional update)."""
    now = to_micros(services.clock.now())
    r = t.schedule_runs.c
    with services.db.write() as conn:
        done = conn.execute(
            update(t.schedule_runs)
            .where(r.id == run.id, r.status == run.status, r.attempts == run.attempts)
            .values(status=RUNNING, attempts=run.attempts + 1,
                    lease_until=now + LEASE_SECONDS * 1_000_000)
        )  # fmt: skip
    return bool(done.rowcount)


def _run(services: Services, run: Run) -> str | None:
    """Carry one run out and record how it ended; None when another worker has it."""
    if not _claim(services, run):
        return None
    attempt = run.attempts + 1
    with services.db.read() as conn:
        row = conn.execute(select(t.schedules).where(t.schedules.c.id == run.schedule_id)).one()
    schedule = Schedule.from_row(row)
    try:
        if schedule.kind == AUTOPAY:
            done = _autopay(services, schedule, run, attempt)
        else:
            done = _pay_person(services, schedule, run)
    except Exception as error:
        if not isinstance(error, AnxinError):
            log.exception("schedule run %s broke", run.id)
        done = _Done(RETRYING if is_transient(error) else FAILED, error=error)
    if done.status == RETRYING and attempt >= MAX_ATTEMPTS:
        done = _Done(FAILED, done.transfer_id, done.payment_id, done.error)
    _record(services, schedule, run, attempt, done)
    return done.status


def _pay_person(services: Services, schedule: Schedule, run: Run) -> _Done:
    assert schedule.amount is not None
    owner = services.identity.user(schedule.owner_id)
    money = Money.from_minor(schedule.amount, schedule.currency)
    paid = pay_person_now(
        services, owner, PayeeRef(contact_id=schedule.contact_id), money, note=schedule.note,
        idempotency_key=f"schedule:{schedule.id}:{run.occurrence}",
        body={"schedule_id": schedule.id, "occurrence": run.occurrence}, channel="schedule",
    )  # fmt: skip
    if paid.hold is not None:  # the owner was told how to release it; the run is over
        return _Done(HELD, transfer_id=paid.transfer.id)
    return _Done(PAID, transfer_id=paid.transfer.id)


def _autopay(services: Services, schedule: Schedule, run: Run, attempt: int) -> _Done:
    """Pay the run's bill. A bill someone already paid is skipped, not paid again.

    A biller's answer is final for one payment, so each retry is a new payment attempt
    with its own key; the bill's one-live-payment rule keeps them from paying twice.
    """
    assert run.bill_id is not None
    owner = services.identity.user(schedule.owner_id)
    key = f"schedule:{schedule.id}:{run.occurrence}"
    if attempt > 1:
        key += f"#{attempt}"
    try:
        outcome = bill_payments.pay_bill(
            services, owner, run.bill_id, idempotency_key=key,
            request_hash=fingerprint("autopay", [schedule.id, run.occurrence, attempt]),
            channel="autopay", max_amount=schedule.max_amount,
        )  # fmt: skip
    except AnxinError as error:
        if bills.get_bill(services.db, owner.id, run.bill_id).status == bills.PAID:
            return _Done(SKIPPED, error=error)
        raise
    payment = outcome.payment
    if outcome.error is not None:
        status = RETRYING if is_transient(outcome.error) else FAILED
        return _Done(status, payment.hold_id, payment.id, outcome.error)
    if outcome.hold is not None:  # the owner was told how to release it; the run is over
        return _Done(HELD, payment.hold_id, payment.id)
    return _Done(PAID, payment.hold_id, payment.id)


def _record(services: Services, schedule: Schedule, run: Run, attempt: int, done: _Done) -> None:
    now = to_micros(services.clock.now())
    values: dict[str, Any] = {
        "status": done.status, "lease_until": None, "transfer_id": done.transfer_id,
        "payment_id": done.payment_id, "error": _error_json(done.error),
    }  # fmt: skip
    if done.status == RETRYING:
        values["next_attempt_at"] = now + backoff_seconds(attempt) * 1_000_000
    else:
        values["finished_at"] = now
    with services.db.write() as conn:
        conn.execute(update(t.schedule_runs).where(t.schedule_runs.c.id == run.id).values(**values))
        if done.status == FAILED:
            enqueue(conn, [_failure_message(schedule, run, attempt, done)], now)


def _error_json(error: Exception | None) -> dict[str, Any] | None:
    if error is None:
        return None
    if isinstance(error, AnxinError):
        return {"type": error.type, "title": error.title, "detail": error.detail}
    return {"type": "urn:anxin:problem:internal", "title": "Internal error",
            "detail": "something went wrong on our side"}  # fmt: skip


def _failure_message(schedule: Schedule, run: Run, attempt: int, done: _Done) -> Message:
    why = done.error.detail if isinstance(done.error, AnxinError) else "an internal error"
    why_zh = bill_payments.failure_zh(done.error)
    tries = f" after {attempt} attempts" if attempt > 1 else ""
    tries_zh = f"（已尝试{attempt}次）" if attempt > 1 else ""
    data = {"schedule_id": schedule.id, "run_id": run.id, "occurrence": run.occurrence}
    if schedule.kind == AUTOPAY:
        return Message(
            schedule.owner_id, "bill",
            title_zh=f"自动缴费未成功 ({run.occurrence})",
            body_zh=f"自动缴费没能缴清您的账单{tries_zh}：{why_zh}。",
            title_en=f"Auto-pay did not go through ({run.occurrence})",
            body_en=f"Auto-pay could not pay your bill{tries}: {why}.",
            data=data,
        )  # fmt: skip
    shown = Money.from_minor(schedule.amount or 0, schedule.currency).shown()
    return Message(
        schedule.owner_id, "payment",
        title_zh=f"定时转账未成功 {shown} ({run.occurrence})",
        body_zh=f"您{run.occurrence}的定时转账{shown}没有成功{tries_zh}：{why_zh}。",
        title_en=f"Scheduled payment of {shown} failed ({run.occurrence})",
        body_en=f"Your scheduled payment of {shown} on {run.occurrence} did not go "
        f"through{tries}: {why}.",
        data=data,
    )  # fmt: skip
