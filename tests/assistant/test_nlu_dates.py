"""Dates, times and recurrences against a fixed now (Wednesday 2026-11-25, 10:00 +08:00)."""

from __future__ import annotations

from datetime import datetime

import pytest
from nlu_cases import NOW, date_cases

from anxin.assistant.nlu import extract, normalise

DATE_SLOTS = ("date", "time", "frequency", "day_of_month")


def when(text: str, now: datetime = NOW) -> dict[str, str | int]:
    found = extract(normalise(text), now).slots
    return {name: found[name] for name in DATE_SLOTS if name in found}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("今天", {"date": "2026-11-25"}),
        ("明天", {"date": "2026-11-26"}),
        ("后天", {"date": "2026-11-27"}),
        ("大后天", {"date": "2026-11-28"}),
        ("昨天", {"date": "2026-11-24"}),
        ("下周五", {"date": "2026-12-04"}),
        ("这周五", {"date": "2026-11-27"}),
        ("周五", {"date": "2026-11-27"}),
        ("星期天", {"date": "2026-11-29"}),
        ("周末", {"date": "2026-11-28"}),
        ("下周", {"date": "2026-11-30"}),
        ("上周", {"date": "2026-11-16"}),
        ("月底", {"date": "2026-11-30"}),
        ("下个月", {"date": "2026-12-01"}),
        ("下个月底", {"date": "2026-12-31"}),
        ("上个月", {"date": "2026-10-01"}),
        ("这个月", {"date": "2026-11-01"}),
        ("12月1号", {"date": "2026-12-01"}),
        ("十二月五日", {"date": "2026-12-05"}),
        ("3月15号", {"date": "2027-03-15"}),
        ("1号", {"date": "2026-12-01"}),
        ("25号", {"date": "2026-11-25"}),
        ("下个月15号", {"date": "2026-12-15"}),
        ("2027年1月8日", {"date": "2027-01-08"}),
        ("3天后", {"date": "2026-11-28"}),
        ("两个月后", {"date": "2027-01-25"}),
        ("最近三个月", {"date": "2026-08-25"}),
        ("年底", {"date": "2026-12-31"}),
        ("明年", {"date": "2027-01-01"}),
        ("tomorrow", {"date": "2026-11-26"}),
        ("today", {"date": "2026-11-25"}),
        ("next friday", {"date": "2026-12-04"}),
        ("this friday", {"date": "2026-11-27"}),
        ("on friday", {"date": "2026-11-27"}),
        ("last friday", {"date": "2026-11-20"}),
        ("on december 5", {"date": "2026-12-05"}),
        ("dec 25th", {"date": "2026-12-25"}),
        ("5 january", {"date": "2027-01-05"}),
        ("next week", {"date": "2026-11-30"}),
        ("next month", {"date": "2026-12-01"}),
        ("last month", {"date": "2026-10-01"}),
        ("end of the month", {"date": "2026-11-30"}),
        ("in 3 days", {"date": "2026-11-28"}),
        ("on the 15th", {"date": "2026-12-15"}),
        ("2026-12-05", {"date": "2026-12-05"}),
    ],
)
def test_dates(text: str, expected: dict[str, str]) -> None:
    assert when(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("晚上八点", {"time": "20:00"}),
        ("早上8点半", {"time": "08:30"}),
        ("下午3点15分", {"time": "15:15"}),
        ("八点三十", {"time": "08:30"}),
        ("中午12点", {"time": "12:00"}),
        ("中午1点", {"time": "13:00"}),
        ("晚上12点", {"time": "00:00"}),
        ("凌晨2点", {"time": "02:00"}),
        ("下午两点半", {"time": "14:30"}),
        ("十点一刻", {"time": "10:15"}),
        ("今晚8点", {"date": "2026-11-25", "time": "20:00"}),
        ("明早7点", {"date": "2026-11-26", "time": "07:00"}),
        ("at 8pm", {"time": "20:00"}),
        ("at 8:30 am", {"time": "08:30"}),
        ("at 9", {"time": "09:00"}),
        ("tonight at 8", {"date": "2026-11-25", "time": "20:00"}),
        ("at noon", {"time": "12:00"}),
        ("21:45", {"time": "21:45"}),
    ],
)
def test_times(text: str, expected: dict[str, str]) -> None:
    assert when(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("每月15号", {"frequency": "monthly", "day_of_month": 15}),
        ("每个月1号", {"frequency": "monthly", "day_of_month": 1}),
        ("每月初", {"frequency": "monthly", "day_of_month": 1}),
        ("每月底", {"frequency": "monthly"}),
        ("每月", {"frequency": "monthly"}),
        ("每周", {"frequency": "weekly"}),
        ("每周五", {"frequency": "weekly", "date": "2026-11-27"}),
        ("每天", {"frequency": "daily"}),
        ("每天早上八点", {"frequency": "daily", "time": "08:00"}),
        ("每晚9点", {"frequency": "daily", "time": "21:00"}),
        ("每年", {"frequency": "yearly"}),
        ("每年3月1号", {"frequency": "yearly", "date": "2027-03-01"}),
        ("every month on the 1st", {"frequency": "monthly", "day_of_month": 1}),
        ("on the 15th of every month", {"frequency": "monthly", "day_of_month": 15}),
        ("monthly", {"frequency": "monthly"}),
        ("every week", {"frequency": "weekly"}),
        ("every friday", {"frequency": "weekly", "date": "2026-11-27"}),
        ("every day at 7am", {"frequency": "daily", "time": "07:00"}),
        ("daily", {"frequency": "daily"}),
        ("yearly", {"frequency": "yearly"}),
        ("annually", {"frequency": "yearly"}),
        ("300 dollars a month", {"frequency": "monthly"}),
    ],
)
def test_recurrences(text: str, expected: dict[str, str | int]) -> None:
    assert when(text) == expected


@pytest.mark.parametrize(
    ("text", "now", "expected"),
    [
        # 31 January plus one month is the last day of February
        ("一个月后", datetime(2027, 1, 31, 9), {"date": "2027-02-28"}),
        # no 31st in November: the next month that has one
        ("31号", datetime(2026, 11, 2, 9), {"date": "2026-12-31"}),
        ("2月29号", datetime(2027, 6, 1, 9), {"date": "2028-02-29"}),
        ("下周一", datetime(2026, 11, 29, 9), {"date": "2026-11-30"}),
        ("月底", datetime(2028, 2, 3, 9), {"date": "2028-02-29"}),
    ],
)
def test_calendar_edges(text: str, now: datetime, expected: dict[str, str]) -> None:
    assert when(text, now) == expected


@pytest.mark.parametrize(
    "text", ["多存一点", "三点五", "今天天气怎么样", "how far is the sun", "may i"]
)
def test_words_that_are_not_times(text: str) -> None:
    assert "time" not in when(text) and "frequency" not in when(text)


def test_generated_dates_are_exact() -> None:
    """The quality goal: at least 98 % exact against a fixed now."""
    cases = date_cases()
    assert len(cases) >= 300
    wrong = [(text, when(text), expected) for text, expected in cases if when(text) != expected]
    assert 1 - len(wrong) / len(cases) >= 0.98, wrong[:20]
