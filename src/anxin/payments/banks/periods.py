"""Business days and months, in China Standard Time.

Fee allowances reset and merchant trades are settled by the calendar the customers live in,
not by UTC: a payment at 07:30 Beijing time belongs to that day, although it is still the
previous day in UTC. China has no daylight saving, so a fixed offset is exact.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from anxin.core.clock import to_micros

BUSINESS_TZ = timezone(timedelta(hours=8), "CST")


def business_day(at: datetime) -> date:
    """The business day an instant belongs to."""
    return at.astimezone(BUSINESS_TZ).date()


def day_bounds(day: date) -> tuple[int, int]:
    """The day as [start, end) in UTC microseconds, the unit every timestamp is stored in."""
    start = datetime.combine(day, time(), BUSINESS_TZ)
    return to_micros(start), to_micros(start + timedelta(days=1))


def month_start(at: datetime) -> int:
    """The first instant of the business month `at` falls in, in UTC microseconds."""
    local = at.astimezone(BUSINESS_TZ)
    return to_micros(datetime(local.year, local.month, 1, tzinfo=BUSINESS_TZ))
