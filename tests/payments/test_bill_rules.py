"""Pure rules of bills and schedules: no database, no HTTP."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from anxin.core.errors import AnxinError, Conflict, InvalidInput, NotFound, Unavailable
from anxin.core.money import Money
from anxin.payments.bills.connector import BillerOrder
from anxin.payments.bills.registry import BILLERS, BILLING_TZ, normalise_account_number
from anxin.payments.bills.rules import (
    BillChoice,
    check_topup_amount,
    choose_bill,
    due_date,
    late_fee,
    parse_period,
    periods_between,
)
from anxin.payments.bills.sandbox import SandboxBillers, sandbox_bill
from anxin.payments.schedules.rules import (
    autopay_day,
    backoff_seconds,
    check_rule,
    is_transient,
    next_occurrence,
    occurrences,
    simple_rule,
)

SHANGHAI = BILLING_TZ


def test_late_fee_is_daily_basis_points_rounded_half_up_and_capped() -> None:
    due = date(2026, 11, 25)
    assert late_fee(15526, due, due, 10) == 0
    assert late_fee(15526, due, date(2026, 11, 26), 10) == 16  # 15.526 fen rounds up
    assert late_fee(15526, due, date(2026, 12, 5), 10) == 155  # 10 days: 155.26
    assert late_fee(10000, due, date(2036, 1, 1), 10) == 10000  # never more than the bill
    assert late_fee(10000, due, date(2026, 12, 5), 0) == 0


def test_periods_and_due_dates() -> None:
    today = date(2026, 1, 15)
    assert parse_period("this-month", today) == "2026-01"
    assert parse_period("last-month", today) == "2025-12"
    assert parse_period("2025-07", today) == "2025-07"
    with pytest.raises(InvalidInput):
        parse_period("2025-13", today)
    assert periods_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert periods_between("2026-03", "2026-02") == []
    assert due_date(BILLERS["heating"], "2027-02") == date(2027, 2, 28)  # clamped to month end


@pytest.mark.parametrize(
    ("biller", "raw", "stored"),
    [("electricity", "03 1234 5678", "0312345678"), ("mobile", "+86 138-0013-8000", "13800138000"),
     ("property", "3-2-1502", "3-2-1502"), ("broadband", "AD0271234567", "ad0271234567")],
)  # fmt: skip
def test_account_numbers_are_normalised(biller: str, raw: str, stored: str) -> None:
    assert normalise_account_number(BILLERS[biller], raw) == stored


@pytest.mark.parametrize(
    ("biller", "raw"),
    [("electricity", "12345"), ("mobile", "12800138000"), ("property", "1502"), ("gas", "abc")],
)
def test_malformed_account_numbers_say_what_is_expected(biller: str, raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        normalise_account_number(BILLERS[biller], raw)
    assert BILLERS[biller].example in refused.value.detail


def test_sandbox_bills_are_deterministic_and_realistic() -> None:
    info = BILLERS["electricity"]
    first = sandbox_bill(info, "0312345678", "2026-11")
    assert first == sandbox_bill(info, "0312345678", "2026-11")
    assert first is not None and first != sandbox_bill(info, "0312345679", "2026-11")
    assert first.issued_on == date(2026, 11, 1) and first.due_on == date(2026, 11, 25)
    for code, biller in BILLERS.items():
        for month in range(1, 13):
            bill = sandbox_bill(biller, biller.example, f"2026-{month:02d}")
            if code == "heating" and month != 11:
                assert bill is None  # billed once a season
                continue
            assert bill is not None and 1_000 <= bill.amount <= 1_000_000, (code, month, bill)


def test_sandbox_checks_payments_like_a_biller() -> None:
    sandbox = SandboxBillers()
    bill = sandbox_bill(BILLERS["water"], "20231234", "2026-11")
    assert bill is not None
    on_time = datetime(2026, 11, 2, tzinfo=UTC)

    def order(reference: str, amount: int, when: datetime = on_time) -> BillerOrder:
        return BillerOrder(reference, "water", "20231234", amount, "CNY", when,
                           bill.period, bill.bill_number)  # fmt: skip

    assert not sandbox.pay(order("a", bill.amount - 1)).accepted
    late = datetime(2026, 11, 30, tzinfo=UTC)
    assert not sandbox.pay(order("b", bill.amount, late)).accepted  # late fee missing
    paid = sandbox.pay(order("c", bill.amount))
    assert paid.accepted and paid.biller_reference and paid.biller_reference.startswith("SANDBOX")
    assert sandbox.pay(order("c", bill.amount)) == paid  # idempotent by reference
    assert sandbox.pay(order("d", bill.amount)).reason == "this bill has already been paid"
    sandbox.fail_next("water", "timeout")
    with pytest.raises(TimeoutError):
        sandbox.pay(order("e", bill.amount))
    with pytest.raises(NotFound):
        sandbox.find_account("water", "20230000")


def test_topup_amounts_are_whole_yuan_within_limits() -> None:
    check_topup_amount(Money(Decimal("50.00"), "CNY"))
    for bad in ("5.00", "50.50", "501.00"):
        with pytest.raises(InvalidInput):
            check_topup_amount(Money(Decimal(bad), "CNY"))


def test_choose_bill_pays_the_one_meant_or_asks() -> None:
    info = BILLERS["electricity"]
    nov = BillChoice("b1", "a1", "0312345678", "2026-11", True, "155.26")
    oct_paid = BillChoice("b0", "a1", "0312345678", "2026-10", False, "0.00")
    other_home = BillChoice("b2", "a2", "0399999999", "2026-11", True, "80.00")
    assert choose_bill([nov, oct_paid], info, "2026-11", None) == nov
    assert choose_bill([nov, oct_paid], info, None, None) == nov
    with pytest.raises(Conflict) as paid:
        choose_bill([nov, oct_paid], info, "2026-10", None)
    assert "already paid" in paid.value.detail
    with pytest.raises(Conflict) as several:
        choose_bill([nov, other_home], info, "2026-11", None)
    assert {c["bill_id"] for c in several.value.extra["choices"]} == {"b1", "b2"}
    assert choose_bill([nov, other_home], info, "2026-11", "a2") == other_home
    with pytest.raises(NotFound):
        choose_bill([nov], info, "2026-12", None)


def test_monthly_rule_catches_up_every_missed_occurrence_once() -> None:
    rule = simple_rule("monthly", day_of_month=1, weekday=None, at="09:00")
    assert rule == "FREQ=MONTHLY;BYMONTHDAY=1;BYHOUR=9;BYMINUTE=0;BYSECOND=0"
    start = datetime(2026, 11, 1, tzinfo=SHANGHAI)
    created = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)  # 17:00 in Shanghai: Nov 1 has passed
    now = datetime(2027, 2, 10, tzinfo=UTC)
    found = occurrences(rule, start, SHANGHAI, created, now, 100)
    assert [w.astimezone(SHANGHAI).date().isoformat() for w in found] == [
        "2026-12-01", "2027-01-01", "2027-02-01"
    ]  # fmt: skip
    assert found[0] == datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 Shanghai
    assert occurrences(rule, start, SHANGHAI, found[-1], now, 100) == []
    assert len(occurrences(rule, start, SHANGHAI, created, now, 2)) == 2


def test_day_31_means_the_last_day_in_short_months() -> None:
    rule = simple_rule("monthly", day_of_month=31, weekday=None, at="08:30")
    start = datetime(2027, 1, 1, tzinfo=SHANGHAI)
    found = occurrences(rule, start, SHANGHAI, start, datetime(2027, 5, 1, tzinfo=UTC), 10)
    assert [w.astimezone(SHANGHAI).day for w in found] == [31, 28, 31, 30]
    assert next_occurrence("FREQ=MONTHLY;COUNT=1", start, SHANGHAI, start) is None


@pytest.mark.parametrize(
    "bad",
    ["FREQ=HOURLY", "FREQ=DAILY;BYHOUR=9,21", "BYMONTHDAY=1", "DTSTART:20260101\nFREQ=DAILY",
     "FREQ=MONTHLY;BYMONTHDAY=40", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", ""],
)  # fmt: skip
def test_rules_that_are_not_money_schedules_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        check_rule(bad)


def test_check_rule_accepts_rfc5545_text() -> None:
    assert check_rule("RRULE:freq=monthly;bymonthday=15") == "FREQ=MONTHLY;BYMONTHDAY=15"
    assert check_rule("FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=8") == "FREQ=WEEKLY;BYDAY=MO,FR;BYHOUR=8"


def test_autopay_day_backoff_and_what_is_retried() -> None:
    issued, due = date(2026, 12, 1), date(2026, 12, 25)
    assert autopay_day(issued, due, "on_issue", 3) == issued
    assert autopay_day(issued, due, "before_due", 3) == date(2026, 12, 22)
    assert autopay_day(issued, due, "before_due", 28) == issued
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert backoff_seconds(20) == 6 * 3600
    assert is_transient(Unavailable("busy")) and is_transient(RuntimeError("bug"))
    assert not is_transient(Conflict("declined")) and not is_transient(AnxinError("x"))
