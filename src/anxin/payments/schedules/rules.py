"""Pure planning: recurrence rules, occurrences in a window, auto-pay dates, retry backoff.

Rules are RFC 5545 RRULEs evaluated by python-dateutil on the schedule's wall clock (its
time zone), so "the 1st at 09:00" stays 09:00 local whatever the server's zone.
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrule, rrulestr

from anxin.core.errors import AnxinError, InvalidInput, Unavailable

FREQUENCIES = {"once": "DAILY", "daily": "DAILY", "weekly": "WEEKLY", "monthly": "MONTHLY"}
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ALLOWED_FREQ = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
ON_ISSUE, BEFORE_DUE = "on_issue", "before_due"

RETRY_BASE_SECONDS = 60
RETRY_CAP_SECONDS = 6 * 3600
MAX_ATTEMPTS = 6

_RANGES = {"BYMONTHDAY": 31, "BYMONTH": 12, "BYYEARDAY": 366, "BYWEEKNO": 53}
# Every valid calendar rule occurs within 8 years (29 February included) of this start.
_CHECK_FROM, _CHECK_UNTIL = datetime(2000, 1, 1), datetime(2008, 12, 31)
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_PART = re.compile(r"^[A-Z]+=[A-Z0-9,+\-]+$")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {name!r}", field="timezone") from None


def simple_rule(frequency: str, *, day_of_month: int | None, weekday: str | None, at: str) -> str:
    """{frequency, day_of_month, weekday, time} as an RRULE.

    "once" is a single payment on the schedule's start day ("send 500 to mum on 5 December"):
    a daily rule with COUNT=1.

    A monthly day past the 28th means "that day, or the month's last day when it is
    shorter" (rent on the 31st is paid on 30 April), which RFC 5545 spells as the last of
    the candidate days (BYSETPOS=-1) rather than skipping short months.
    """
    if frequency not in FREQUENCIES:
        raise InvalidInput(f"frequency is one of {', '.join(FREQUENCIES)}", field="frequency")
    matched = _TIME.fullmatch(at)
    if matched is None:
        raise InvalidInput("time is HH:MM, e.g. 09:00", field="time")
    parts = [f"FREQ={FREQUENCIES[frequency]}"]
    if frequency == "once":
        parts.append("COUNT=1")
    if frequency == "monthly":
        if day_of_month is None or not 1 <= day_of_month <= 31:
            raise InvalidInput("a monthly schedule needs day_of_month 1-31", field="day_of_month")
        if day_of_month <= 28:
            parts.append(f"BYMONTHDAY={day_of_month}")
        else:
            days = ",".join(str(d) for d in range(28, day_of_month + 1))
            parts += [f"BYMONTHDAY={days}", "BYSETPOS=-1"]
    if frequency == "weekly":
        if weekday is None or weekday.upper() not in WEEKDAYS:
            raise InvalidInput(f"a weekly schedule needs weekday {'/'.join(WEEKDAYS)}",
                               field="weekday")  # fmt: skip
        parts.append(f"BYDAY={weekday.upper()}")
    parts += [f"BYHOUR={int(matched[1])}", f"BYMINUTE={int(matched[2])}", "BYSECOND=0"]
    return ";".join(parts)


def check_rule(text: str) -> str:
    """An RRULE as stored (no "RRULE:" prefix), or a 422 saying what is wrong with it.

    Money schedules run at most once a day (each occurrence is keyed by its date) and start
    from the schedule's own start, so sub-daily frequencies, several times of day and a
    DTSTART inside the rule are refused.
    """
    rule = text.strip().upper().removeprefix("RRULE:")
    parts = rule.split(";")
    if not rule or not all(_PART.fullmatch(p) for p in parts):
        raise InvalidInput("rrule must look like FREQ=MONTHLY;BYMONTHDAY=1", field="rrule")
    named = dict(p.split("=", 1) for p in parts)
    if named.get("FREQ") not in ALLOWED_FREQ:
        raise InvalidInput(f"rrule FREQ must be one of {', '.join(ALLOWED_FREQ)}", field="rrule")
    for name in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        if "," in named.get(name, ""):
            raise InvalidInput(f"{name} takes one value: at most one payment a day",
                               field="rrule")  # fmt: skip
    for name, bound in _RANGES.items():
        values = named.get(name, "1").split(",")
        if not all(v.lstrip("+-").isdigit() and 1 <= abs(int(v)) <= bound for v in values):
            raise InvalidInput(f"{name} values are 1-{bound} (or negative)", field="rrule")
    try:
        parsed = rrulestr(rule, dtstart=_CHECK_FROM)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"rrule is not valid: {exc}", field="rrule") from None
    assert isinstance(parsed, rrule)
    # A rule that never occurs (30 February) would make every later search run to year 9999.
    if parsed.replace(until=_CHECK_UNTIL, count=None).after(_CHECK_FROM, inc=True) is None:
        raise InvalidInput("rrule never occurs", field="rrule")
    return rule


def _rule(rule: str, start: datetime, tz: ZoneInfo) -> rrule:
    parsed = rrulestr(rule, dtstart=start.astimezone(tz).replace(tzinfo=None))
    assert isinstance(parsed, rrule)
    return parsed


def _wall(when: datetime, tz: ZoneInfo) -> datetime:
    return when.astimezone(tz).replace(tzinfo=None)


def occurrences(
    rule: str, start: datetime, tz: ZoneInfo, after: datetime, until: datetime, limit: int
) -> list[datetime]:
    """The rule's occurrences in (`after`, `until`], oldest first, at most `limit`, as UTC."""
    end = _wall(until, tz)
    walls = itertools.takewhile(lambda w: w <= end, _rule(rule, start, tz).xafter(_wall(after, tz)))
    return [wall.replace(tzinfo=tz).astimezone(UTC) for wall in itertools.islice(walls, limit)]


def next_occurrence(rule: str, start: datetime, tz: ZoneInfo, after: datetime) -> datetime | None:
    wall = _rule(rule, start, tz).after(_wall(after, tz))
    return None if wall is None else wall.replace(tzinfo=tz).astimezone(UTC)


def start_of_day(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def autopay_day(issued_on: date, due_on: date, when: str, days_before_due: int) -> date:
    """The day auto-pay pays a bill: on issue, or N days before it is due (not before issue)."""
    if when == ON_ISSUE:
        return issued_on
    return max(issued_on, due_on - timedelta(days=days_before_due))


def backoff_seconds(attempts: int) -> int:
    """Wait before retry number `attempts` + 1: 1, 2, 4, 8 ... minutes, at most six hours."""
    return int(min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_CAP_SECONDS))


def is_transient(error: Exception) -> bool:
    """Worth retrying: the ledger or a biller was unavailable, or something unexpected broke.

    A refusal (insufficient funds, risk, a deleted contact, a declined bill) is an answer,
    and asking again would only repeat it.
    """
    return isinstance(error, Unavailable) or not isinstance(error, AnxinError)
