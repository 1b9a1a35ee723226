"""Scheduled payments: the list (rule in words, next run), create, cancel, and a schedule's runs.

Two kinds exist, as in `/v1/schedules`: paying a contact on a rule (once, daily, weekly,
monthly on a day), and auto-pay, which pays every new bill of a bound biller account when it
is issued or some days before it is due (with an optional cap). The create form carries an
Idempotency-Key, so a double submit creates one schedule.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from anxin.core.clock import to_micros
from anxin.core.errors import AnxinError, InvalidInput
from anxin.core.ids import new_id
from anxin.core.money import Money
from anxin.ledger.service import fingerprint
from anxin.payments.bills import store as bills
from anxin.payments.contacts import list_contacts
from anxin.payments.schedules import service
from anxin.payments.schedules.rules import BEFORE_DUE, ON_ISSUE, WEEKDAYS, simple_rule
from anxin.web.forms import Form
from anxin.web.lines import biller_name
from anxin.web.page import Page, PostedForm, UserPage
from anxin.web.pageroute import PageRoute

router = APIRouter(prefix="/schedules", route_class=PageRoute)

RUNS_SHOWN = 50
FREQUENCIES = ("once", "daily", "weekly", "monthly")
P2P_FIELDS = ("contact_id", "amount", "frequency", "day_of_month", "weekday", "time",
              "starts_on", "note")  # fmt: skip
AUTOPAY_FIELDS = ("account_id", "when", "days_before_due", "max_amount")


def rule_words(page: Page, schedule: service.Schedule) -> str:
    """The rule as a person says it: 每月1日 09:00, every Monday at 09:00, once on 12-05."""
    if schedule.kind == service.AUTOPAY:
        before = schedule.autopay_when == BEFORE_DUE
        key = "sched.autopay_before" if before else "sched.autopay_issue"
        return page.t(key, days=schedule.days_before_due or 0)
    parts = dict(p.split("=", 1) for p in (schedule.rrule or "").split(";") if "=" in p)
    at = f"{int(parts.get('BYHOUR', 0)):02d}:{int(parts.get('BYMINUTE', 0)):02d}"
    freq, days = parts.get("FREQ"), parts.get("BYMONTHDAY", "")
    if freq == "DAILY" and parts.get("COUNT") == "1":
        return page.t("sched.rule.once", time=at)
    if freq == "DAILY" and len(parts) <= 4:
        return page.t("sched.rule.daily", time=at)
    if freq == "WEEKLY" and parts.get("BYDAY", "") in WEEKDAYS:
        return page.t("sched.rule.weekly", day=page.t(f"sched.weekday.{parts['BYDAY']}"), time=at)
    if freq == "MONTHLY" and days.isdigit():
        return page.t("sched.rule.monthly", day=int(days), time=at)
    if freq == "MONTHLY" and parts.get("BYSETPOS") == "-1" and days:
        return page.t("sched.rule.monthly_late", day=days.split(",")[-1], time=at)
    return schedule.rrule or ""


def _names(page: Page) -> dict[str, str]:
    """What the user calls each contact and bound account a schedule may name."""
    services, user = page.services, page.signed_in_user
    names = {c.id: c.name for c in list_contacts(services.db, user.id)}
    for account in bills.list_accounts(services.db, user.id):
        names[account.id] = f"{biller_name(account.biller, page.lang)} {account.account_number}"
    return names


def _shown(page: Page, schedule: service.Schedule, names: dict[str, str]) -> dict[str, Any]:
    next_run = schedule.next_run_at()
    target = schedule.contact_id if schedule.kind == service.P2P else schedule.bill_account_id
    return {
        "s": schedule,
        "who": names.get(target or "", page.t("sched.gone")),
        "rule": rule_words(page, schedule),
        "next_run": None if next_run is None else to_micros(next_run),
    }


@router.get("")
def schedules(page: UserPage) -> Response:
    names = _names(page)
    found = service.list_schedules(page.services.db, page.signed_in_user.id)
    return page.render("schedules.html", schedules=[_shown(page, s, names) for s in found])


def _form_page(
    page: Page, kind: str, values: dict[str, str], error: AnxinError | None = None, key: str = ""
) -> Response:
    services, user = page.services, page.signed_in_user
    return page.render(
        "schedule_new.html", status=error.status if error else 200, kind=kind, values=values,
        error=error, contacts=list_contacts(services.db, user.id),
        accounts=bills.list_accounts(services.db, user.id), frequencies=FREQUENCIES,
        weekdays=WEEKDAYS, idempotency_key=key or new_id(), biller_name=biller_name,
    )  # fmt: skip


@router.get("/new")
def new_schedule(page: UserPage, kind: str = service.P2P, account_id: str = "") -> Response:
    chosen = service.AUTOPAY if kind == service.AUTOPAY else service.P2P
    values = {"frequency": "monthly", "day_of_month": "1", "time": "09:00", "weekday": "MO",
              "when": ON_ISSUE, "days_before_due": "3", "account_id": account_id}  # fmt: skip
    values = {name: values.get(name, "") for name in (*P2P_FIELDS, *AUTOPAY_FIELDS)} | values
    return _form_page(page, chosen, values)


def _plan(kind: str, values: dict[str, str]) -> service.PayPerson | service.AutoPay:
    """The form as the service's plan, read as `/v1/schedules` reads its body."""
    if kind == service.AUTOPAY:
        if not values["account_id"]:
            raise InvalidInput("choose the bound account to pay", field="account_id")
        cap = values["max_amount"]
        days = _number(values["days_before_due"], 3, "days_before_due") or 0
        return service.AutoPay(
            values["account_id"], values["when"], days,
            Money.parse(cap, "CNY", positive=True, field="max_amount") if cap else None,
        )  # fmt: skip
    money = Money.parse(values["amount"], "CNY", positive=True)
    rule = simple_rule(
        values["frequency"], day_of_month=_number(values["day_of_month"], None, "day_of_month"),
        weekday=values["weekday"] or None, at=values["time"] or "09:00",
    )  # fmt: skip
    return service.PayPerson(
        values["contact_id"] or None, None, money, values["note"] or None, rule,
        _date(values["starts_on"]),
    )  # fmt: skip


def _number(text: str, default: int | None, field: str) -> int | None:
    if not text:
        return default
    if not text.isdigit():
        raise InvalidInput(f"{text!r} is not a whole number", field=field)
    return int(text)


def _date(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)", field="starts_on") from None


def _form_values(form: Form) -> dict[str, str]:
    return {name: form.get(name) for name in (*P2P_FIELDS, *AUTOPAY_FIELDS, "description")}


@router.post("/new")
def create(page: UserPage, form: PostedForm) -> Response:
    kind = service.AUTOPAY if form.get("kind") == service.AUTOPAY else service.P2P
    values = _form_values(form)
    key = form.get("idempotency_key")
    try:
        if not key:
            raise InvalidInput("this form has expired; start again", field="idempotency_key")
        schedule, _replayed = service.create_schedule(
            page.services, page.signed_in_user, _plan(kind, values),
            description=values["description"] or None, timezone=service.DEFAULT_TIMEZONE,
            idempotency_key=key, request_hash=fingerprint("web-schedule", [kind, values]),
        )  # fmt: skip
    except AnxinError as error:
        if error.field == "to":
            error.field = "contact_id"
        return _form_page(page, kind, values, error, key)
    return page.redirect(f"/schedules/{schedule.id}")


@router.get("/{schedule_id}")
def one_schedule(page: UserPage, schedule_id: str) -> Response:
    """A schedule and its runs so far, newest first (the latest `RUNS_SHOWN`)."""
    services, user = page.services, page.signed_in_user
    found = service.get_schedule(services.db, user.id, schedule_id)
    runs = service.list_runs(services.db, user.id, schedule_id, RUNS_SHOWN)
    return page.render(
        "schedule.html", shown=_shown(page, found, _names(page)), runs=runs,
        active=found.status == service.ACTIVE,
    )  # fmt: skip


@router.post("/{schedule_id}/cancel")
def cancel(page: UserPage, form: PostedForm, schedule_id: str) -> Response:
    del form  # checked for its CSRF token
    service.cancel_schedule(page.services, page.signed_in_user.id, schedule_id)
    return page.redirect(f"/schedules/{schedule_id}")
