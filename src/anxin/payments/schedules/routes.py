"""Schedules over HTTP: create (RRULE or a simple repeat), list, read, cancel, runs."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from anxin.api.services import Services, services_of
from anxin.core.clock import isoformat, to_micros
from anxin.core.errors import InvalidInput
from anxin.core.money import Money, check_currency, format_minor
from anxin.identity.routes import CurrentUser
from anxin.ledger.service import fingerprint
from anxin.payments.bills import store as bills
from anxin.payments.contacts import list_contacts
from anxin.payments.schedules import service
from anxin.payments.schedules.rules import check_rule, simple_rule

router = APIRouter(prefix="/v1", tags=["schedules"])

OptionalKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)]


class RepeatIn(BaseModel):
    """The simple form: once (on `starts_on`), daily, weekly on a weekday or monthly on a
    day, at a local time."""

    model_config = ConfigDict(extra="forbid")

    frequency: Literal["once", "daily", "weekly", "monthly"]
    day_of_month: int | None = Field(default=None, ge=1, le=31, examples=[1])
    weekday: str | None = Field(default=None, examples=["MO"])
    time: str = Field(default="09:00", examples=["09:00"])


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["p2p", "bill_autopay"]
    description: str | None = Field(default=None, max_length=140, examples=["女儿的生活费"])
    timezone: str = Field(default=service.DEFAULT_TIMEZONE, max_length=64)
    contact_id: str | None = None
    payee: str | None = Field(default=None, description="a contact's name or alias, as said")
    amount: str | None = Field(default=None, strict=True, examples=["2000.00"])
    currency: str = "CNY"
    note: str | None = Field(default=None, max_length=140)
    rrule: str | None = Field(
        default=None, max_length=500, examples=["FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9"]
    )
    repeat: RepeatIn | None = None
    starts_on: date | None = None
    bill_account_id: str | None = None
    when: Literal["on_issue", "before_due"] = "on_issue"
    days_before_due: int = Field(default=3, ge=0, le=service.MAX_DAYS_BEFORE_DUE)
    max_amount: str | None = Field(default=None, strict=True, examples=["500.00"])

    def plan(self) -> service.PayPerson | service.AutoPay:
        if self.kind == "bill_autopay":
            if not self.bill_account_id:
                raise InvalidInput("auto-pay needs the bound account", field="bill_account_id")
            cap = None
            if self.max_amount is not None:
                cap = Money.parse(self.max_amount, "CNY", positive=True, field="max_amount")
            return service.AutoPay(self.bill_account_id, self.when, self.days_before_due, cap)
        if self.amount is None:
            raise InvalidInput("a payment schedule needs an amount", field="amount")
        money = Money.parse(self.amount, check_currency(self.currency), positive=True)
        if (self.rrule is None) == (self.repeat is None):
            raise InvalidInput("give either rrule or repeat", field="rrule")
        if self.repeat is not None:
            r = self.repeat
            rule = simple_rule(r.frequency, day_of_month=r.day_of_month, weekday=r.weekday,
                               at=r.time)  # fmt: skip
        else:
            rule = check_rule(self.rrule or "")
        return service.PayPerson(
            self.contact_id, self.payee, money, self.note, rule, self.starts_on
        )


def schedule_json(schedule: service.Schedule, names: dict[str, str]) -> dict[str, Any]:
    """A schedule as clients see it; `names` maps contact and bound-account ids to names."""
    cur = schedule.currency
    next_run = schedule.next_run_at()
    body: dict[str, Any] = {
        "id": schedule.id, "kind": schedule.kind, "description": schedule.description,
        "status": schedule.status, "timezone": schedule.timezone,
        "starts_at": isoformat(schedule.starts_at), "created_at": isoformat(schedule.created_at),
        "cancelled_at": None if schedule.cancelled_at is None else isoformat(schedule.cancelled_at),
        "next_run_at": None if next_run is None else isoformat(to_micros(next_run)),
    }  # fmt: skip
    if schedule.kind == service.P2P:
        body.update({
            "rrule": schedule.rrule, "amount": format_minor(schedule.amount or 0, cur),
            "currency": cur, "note": schedule.note,
            "to": {"contact_id": schedule.contact_id,
                   "name": names.get(schedule.contact_id or "")},
        })  # fmt: skip
    else:
        body.update({
            "bill_account_id": schedule.bill_account_id,
            "account": names.get(schedule.bill_account_id or ""),
            "when": schedule.autopay_when, "days_before_due": schedule.days_before_due,
            "max_amount": None if schedule.max_amount is None
            else format_minor(schedule.max_amount, cur),
        })  # fmt: skip
    return body


def run_json(run: service.Run) -> dict[str, Any]:
    return {
        "id": run.id, "occurrence": run.occurrence, "due_at": isoformat(run.due_at),
        "status": run.status, "attempts": run.attempts,
        "next_attempt_at": isoformat(run.next_attempt_at)
        if run.status in (service.DUE, service.RETRYING) else None,
        "bill_id": run.bill_id, "transfer_id": run.transfer_id, "payment_id": run.payment_id,
        "error": run.error,
        "finished_at": None if run.finished_at is None else isoformat(run.finished_at),
    }  # fmt: skip


def _names(services: Services, owner_id: str) -> dict[str, str]:
    names = {c.id: c.name for c in list_contacts(services.db, owner_id)}
    for account in bills.list_accounts(services.db, owner_id):
        names[account.id] = f"{account.biller} {account.account_number}"
    return names


@router.post("/schedules", status_code=201)
def create(
    body: ScheduleIn, request: Request, user: CurrentUser, key: OptionalKey = None
) -> JSONResponse:
    """Schedule a recurring payment to a contact, or auto-pay for a bound biller account.

    Send an Idempotency-Key so that a double tap cannot create two schedules.
    """
    services = services_of(request)
    schedule, replayed = service.create_schedule(
        services, user, body.plan(), description=body.description, timezone=body.timezone,
        idempotency_key=key, request_hash=fingerprint("schedule", body.model_dump(mode="json")),
    )  # fmt: skip
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    payload = schedule_json(schedule, _names(services, user.id))
    return JSONResponse(payload, status_code=201, headers=headers)


@router.get("/schedules")
def my_schedules(request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    names = _names(services, user.id)
    found = service.list_schedules(services.db, user.id)
    return {"schedules": [schedule_json(s, names) for s in found]}


@router.get("/schedules/{schedule_id}")
def a_schedule(schedule_id: str, request: Request, user: CurrentUser) -> dict[str, Any]:
    services = services_of(request)
    found = service.get_schedule(services.db, user.id, schedule_id)
    return schedule_json(found, _names(services, user.id))


@router.delete("/schedules/{schedule_id}", status_code=204)
def cancel(schedule_id: str, request: Request, user: CurrentUser) -> Response:
    service.cancel_schedule(services_of(request), user.id, schedule_id)
    return Response(status_code=204)


@router.get("/schedules/{schedule_id}/runs")
def runs(
    schedule_id: str,
    request: Request,
    user: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Each occurrence so far and how it ended (paid, skipped, retrying, failed)."""
    found = service.list_runs(services_of(request).db, user.id, schedule_id, limit)
    return {"runs": [run_json(r) for r in found]}
