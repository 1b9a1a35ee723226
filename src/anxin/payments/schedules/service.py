"""Creating, reading and cancelling schedules; reading their runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from anxin.api.services import Services
from anxin.core.clock import from_micros, to_micros
from anxin.core.db import Database
from anxin.core.errors import Conflict, IdempotencyMismatch, InvalidInput, NotFound
from anxin.core.ids import new_id
from anxin.core.money import Money
from anxin.identity.service import User
from anxin.payments.bills import store as bills
from anxin.payments.p2p import resolve_contact
from anxin.payments.schedules import tables as t
from anxin.payments.schedules.rules import (
    BEFORE_DUE,
    ON_ISSUE,
    check_rule,
    next_occurrence,
    start_of_day,
    zone,
)

P2P, AUTOPAY = "p2p", "bill_autopay"
ACTIVE, CANCELLED, FINISHED = "active", "cancelled", "finished"
# A run is due, then running (claimed by a worker), then paid, skipped or failed; a
# transient failure makes it retrying until its next attempt.
DUE, RUNNING, RETRYING = "due", "running", "retrying"
PAID, SKIPPED, FAILED, RUN_CANCELLED = "paid", "skipped", "failed", "cancelled"
HELD = "held"  # the payment waits for a step-up code, an analyst or a guardian
DEFAULT_TIMEZONE = "Asia/Shanghai"
MAX_DAYS_BEFORE_DUE = 28


@dataclass(frozen=True, slots=True)
class Schedule:
    id: str
    owner_id: str
    kind: str
    description: str | None
    status: str
    timezone: str
    starts_at: int
    planned_through: int
    rrule: str | None
    contact_id: str | None
    amount: int | None
    currency: str
    note: str | None
    bill_account_id: str | None
    autopay_when: str | None
    days_before_due: int | None
    max_amount: int | None
    created_at: int
    cancelled_at: int | None

    @classmethod
    def from_row(cls, row: Any) -> Schedule:
        return cls(*(getattr(row, name) for name in cls.__slots__))

    def next_run_at(self) -> datetime | None:
        """The first occurrence not yet run (it may be due already, if the worker is behind)."""
        if self.status != ACTIVE or self.rrule is None:
            return None
        tz = zone(self.timezone)
        after = from_micros(self.planned_through)
        return next_occurrence(self.rrule, from_micros(self.starts_at), tz, after)


@dataclass(frozen=True, slots=True)
class Run:
    """One occurrence of a schedule and how it went."""

    id: str
    schedule_id: str
    occurrence: str
    due_at: int
    bill_id: str | None
    status: str
    attempts: int
    next_attempt_at: int
    lease_until: int | None
    transfer_id: str | None
    payment_id: str | None
    error: dict[str, Any] | None
    created_at: int
    finished_at: int | None

    @classmethod
    def from_row(cls, row: Any) -> Run:
        return cls(*(getattr(row, name) for name in cls.__slots__))


@dataclass(frozen=True, slots=True)
class PayPerson:
    """Pay a contact `money` at every occurrence of `rrule`."""

    contact_id: str | None
    payee: str | None
    money: Money
    note: str | None
    rrule: str
    starts_on: date | None


@dataclass(frozen=True, slots=True)
class AutoPay:
    """Pay every new bill of a bound account, on issue or N days before it is due."""

    bill_account_id: str
    when: str
    days_before_due: int
    max_amount: Money | None


def create_schedule(
    services: Services, owner: User, plan: PayPerson | AutoPay, *, description: str | None,
    timezone: str, idempotency_key: str | None, request_hash: bytes,
) -> tuple[Schedule, bool]:  # fmt: skip
    """Create a schedule; with an Idempotency-Key a repeated request returns the first one.

    Returns the schedule and whether it is a replay. Nothing is paid here: the worker pays
    occurrences after the moment of creation.
    """
    if idempotency_key is not None:
        earlier = _by_key(services.db, owner.id, idempotency_key, request_hash)
        if earlier is not None:
            return earlier, True
    tz = zone(timezone)
    now = services.clock.now()
    row: dict[str, Any] = {
        "id": new_id(), "owner_id": owner.id, "description": description, "status": ACTIVE,
        "timezone": timezone, "planned_through": to_micros(now), "rrule": None,
        "contact_id": None, "amount": None, "currency": "CNY", "note": None,
        "bill_account_id": None, "autopay_when": None, "days_before_due": None,
        "max_amount": None, "idempotency_key": idempotency_key, "request_hash": request_hash,
        "created_at": to_micros(now), "cancelled_at": None,
    }  # fmt: skip
    if isinstance(plan, PayPerson):
        if bool(plan.contact_id) == bool(plan.payee):
            raise InvalidInput("say who to pay with one of contact_id or payee", field="to")
        contact = resolve_contact(services, owner, contact_id=plan.contact_id, payee=plan.payee)
        starts_on = plan.starts_on or now.astimezone(tz).date()
        row.update(
            kind=P2P, rrule=check_rule(plan.rrule), contact_id=contact.id,
            amount=plan.money.to_minor(), currency=plan.money.currency, note=plan.note,
            starts_at=to_micros(start_of_day(starts_on, tz)),
        )  # fmt: skip
    else:
        account = bills.get_account(services.db, owner.id, plan.bill_account_id)
        if plan.when not in (ON_ISSUE, BEFORE_DUE):
            raise InvalidInput(f"when is {ON_ISSUE} or {BEFORE_DUE}", field="when")
        if not 0 <= plan.days_before_due <= MAX_DAYS_BEFORE_DUE:
            raise InvalidInput(f"days_before_due is 0-{MAX_DAYS_BEFORE_DUE}",
                               field="days_before_due")  # fmt: skip
        if _has_autopay(services.db, owner.id, account.id):
            raise Conflict("this account already has auto-pay", field="bill_account_id")
        cap = plan.max_amount
        row.update(
            kind=AUTOPAY, bill_account_id=account.id, autopay_when=plan.when,
            days_before_due=plan.days_before_due if plan.when == BEFORE_DUE else None,
            max_amount=None if cap is None else cap.to_minor(), starts_at=row["created_at"],
        )  # fmt: skip
    try:
        with services.db.write() as conn:
            conn.execute(insert(t.schedules), row)
    except IntegrityError:
        assert idempotency_key is not None  # only the key is unique
        raced = _by_key(services.db, owner.id, idempotency_key, request_hash)
        assert raced is not None
        return raced, True
    return get_schedule(services.db, owner.id, row["id"]), False


def list_schedules(db: Database, owner_id: str) -> list[Schedule]:
    c = t.schedules.c
    with db.read() as conn:
        rows = conn.execute(
            select(t.schedules).where(c.owner_id == owner_id).order_by(c.created_at.desc())
        ).all()
    return [Schedule.from_row(r) for r in rows]


def get_schedule(db: Database, owner_id: str, schedule_id: str) -> Schedule:
    c = t.schedules.c
    with db.read() as conn:
        row = conn.execute(
            select(t.schedules).where(c.id == schedule_id, c.owner_id == owner_id)
        ).first()
    if row is None:
        raise NotFound(f"you have no schedule {schedule_id!r}")
    return Schedule.from_row(row)


def cancel_schedule(services: Services, owner_id: str, schedule_id: str) -> None:
    """Stop a schedule; runs not yet started are cancelled with it, a run in flight finishes."""
    c, r = t.schedules.c, t.schedule_runs.c
    now = to_micros(services.clock.now())
    with services.db.write() as conn:
        done = conn.execute(
            update(t.schedules)
            .where(c.id == schedule_id, c.owner_id == owner_id, c.status != CANCELLED)
            .values(status=CANCELLED, cancelled_at=now)
        )
        if not done.rowcount:
            get_schedule(services.db, owner_id, schedule_id)  # 404 when it is not theirs
            return
        conn.execute(
            update(t.schedule_runs)
            .where(r.schedule_id == schedule_id, r.status.in_((DUE, RETRYING)))
            .values(status=RUN_CANCELLED, finished_at=now)
        )


def list_runs(db: Database, owner_id: str, schedule_id: str, limit: int) -> list[Run]:
    """The schedule's runs, newest occurrence first."""
    get_schedule(db, owner_id, schedule_id)
    r = t.schedule_runs.c
    with db.read() as conn:
        rows = conn.execute(
            select(t.schedule_runs)
            .where(r.schedule_id == schedule_id)
            .order_by(r.occurrence.desc())
            .limit(limit)
        ).all()
    return [Run.from_row(row) for row in rows]


def _by_key(db: Database, owner_id: str, key: str, request_hash: bytes) -> Schedule | None:
    c = t.schedules.c
    with db.read() as conn:
        row = conn.execute(
            select(t.schedules).where(c.owner_id == owner_id, c.idempotency_key == key)
        ).first()
    if row is None:
        return None
    if row.request_hash != request_hash:
        raise IdempotencyMismatch(
            f"idempotency key {key!r} was used for a different request", field="Idempotency-Key"
        )
    return Schedule.from_row(row)


def _has_autopay(db: Database, owner_id: str, bill_account_id: str) -> bool:
    c = t.schedules.c
    with db.read() as conn:
        found = conn.execute(
            select(c.id).where(
                c.owner_id == owner_id, c.kind == AUTOPAY, c.status == ACTIVE,
                c.bill_account_id == bill_account_id,
            )
        ).first()  # fmt: skip
    return found is not None
