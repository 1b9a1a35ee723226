"""Pure decisions about bills: billing periods, due dates, late fees, which bill is meant.

Plain data in, plain data out, so the rules are tested without a database or a biller.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from anxin.core.errors import Conflict, InvalidInput, NotFound
from anxin.core.money import Money
from anxin.payments.bills.registry import BILLING_TZ, BillerInfo

_PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
TOPUP_MIN = Money(Decimal(10), "CNY")
TOPUP_MAX = Money(Decimal(500), "CNY")


def local_today(now: datetime) -> date:
    """Today on the billers' calendar (mainland China time)."""
    return now.astimezone(BILLING_TZ).date()


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def first_day(period: str) -> date:
    return date(int(period[:4]), int(period[5:]), 1)


def next_period(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year + month // 12:04d}-{month % 12 + 1:02d}"


def previous_period(period: str) -> str:
    year, month = int(period[:4]), int(period[5:])
    return f"{year - (month == 1):04d}-{(month - 2) % 12 + 1:02d}"


def periods_between(first: str, last: str) -> list[str]:
    """Every period from `first` to `last`, both included; empty when `first` is later."""
    periods = []
    while first <= last:
        periods.append(first)
        first = next_period(first)
    return periods


def parse_period(text: str, today: date) -> str:
    """The period meant by "current"/"this-month", "last-month" or "YYYY-MM"; else a 422."""
    wanted = text.strip().lower()
    if wanted in ("current", "this-month", "this_month"):
        return period_of(today)
    if wanted in ("last-month", "last_month", "previous"):
        return previous_period(period_of(today))
    if not _PERIOD.fullmatch(wanted):
        raise InvalidInput(
            f"period must be YYYY-MM, 'this-month' or 'last-month', not {text!r}", field="period"
        )
    return wanted


def due_date(info: BillerInfo, period: str) -> date:
    """The biller's due day in the issue month, or the month's last day when it is shorter."""
    start = first_day(period)
    last = calendar.monthrange(start.year, start.month)[1]
    return start.replace(day=min(info.due_day, last))


def late_fee(amount: int, due_on: date, on: date, bp_per_day: int) -> int:
    """The late fee owed on `on`: basis points of the bill per day past due, at most the bill.

    Chinese utilities charge a daily 违约金 on the unpaid amount and, by contract law, not
    more than the principal; rounding is to the nearest fen, halves up.
    """
    days = (on - due_on).days
    if days <= 0 or bp_per_day <= 0:
        return 0
    fee = (Decimal(amount) * bp_per_day * days / 10_000).quantize(Decimal(1), ROUND_HALF_UP)
    return min(int(fee), amount)


def check_topup_amount(money: Money) -> None:
    """Carriers take whole yuan between ¥10 and ¥500 per top-up."""
    if money.currency != "CNY":
        raise InvalidInput("mobile top-ups are in CNY", field="currency")
    if money.amount != money.amount.to_integral_value():
        raise InvalidInput("mobile top-ups are whole yuan, e.g. 50.00", field="amount")
    if money < TOPUP_MIN or money > TOPUP_MAX:
        raise InvalidInput(f"a top-up is between {TOPUP_MIN} and {TOPUP_MAX} CNY", field="amount")


@dataclass(frozen=True, slots=True)
class BillChoice:
    """A bill as a candidate for "pay my electricity bill"."""

    id: str
    account_id: str
    account_number: str
    period: str
    outstanding: bool
    amount_due: str


def choose_bill(
    bills: list[BillChoice], info: BillerInfo, period: str | None, account_id: str | None
) -> BillChoice:
    """The one outstanding bill the payer means, or an error that says what to do instead.

    Several outstanding bills (two months unpaid, or two bound homes) are not guessed at:
    the 409 lists them so the client can ask which one.
    """
    found = [
        b
        for b in bills
        if (period is None or b.period == period)
        and (account_id is None or b.account_id == account_id)
    ]
    when = f" for {period}" if period else ""
    if not found:
        raise NotFound(f"you have no {info.name_en.lower()} bill{when}", field="biller")
    outstanding = [b for b in found if b.outstanding]
    if not outstanding:
        raise Conflict(
            f"your {info.name_en.lower()} bill{when} is already paid",
            field="period",
            bill_ids=[b.id for b in found],
        )
    if len(outstanding) > 1:
        raise Conflict(
            f"you have {len(outstanding)} outstanding {info.name_en.lower()} bills{when}; "
            "choose one",
            field="period",
            choices=[_choice(b) for b in outstanding],
        )
    return outstanding[0]


def _choice(bill: BillChoice) -> dict[str, Any]:
    return {
        "bill_id": bill.id,
        "account_id": bill.account_id,
        "account_number": bill.account_number,
        "period": bill.period,
        "amount_due": bill.amount_due,
    }
