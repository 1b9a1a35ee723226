"""Generated entity cases with independently computed answers (tests and the benchmark).

Chinese numerals come from cn2an (a dev-only oracle); dates are computed here with plain
datetime arithmetic, never with the code under test. Seeds are fixed, so every run checks
the same cases.
"""

from __future__ import annotations

import calendar
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

import cn2an

NOW = datetime.fromisoformat("2026-11-25T10:00:00+08:00")  # a Wednesday
TODAY = NOW.date()
ZH_WEEKDAYS = "一二三四五六日"
EN_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
EN_MONTHS = [calendar.month_name[i].lower() for i in range(1, 13)]

AmountCase = tuple[str, str, str | None]  # text, amount, currency
PercentCase = tuple[str, str]  # text, percent
DateCase = tuple[str, dict[str, str | int]]  # text, expected date slots


def _zh(n: int) -> str:
    return str(cn2an.an2cn(n))


def _en_words(n: int) -> str:
    ones = [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
    ]
    tens = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
    if n < 20:
        return ones[n]
    if n < 100:
        return tens[n // 10] + ("-" + ones[n % 10] if n % 10 else "")
    if n < 1000:
        rest = n % 100
        return ones[n // 100] + " hundred" + (" and " + _en_words(rest) if rest else "")
    rest = n % 1000
    return _en_words(n // 1000) + " thousand" + (" " + _en_words(rest) if rest else "")


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def amount_cases() -> list[AmountCase]:
    """At least 500 amounts in every supported shape, with the expected value and currency."""
    rng = random.Random(20261125)
    cases: list[AmountCase] = []
    for _ in range(120):
        n = rng.choice(
            [rng.randint(1, 99), rng.randint(100, 9999), rng.randint(10_000, 99_999_999)]
        )
        if n >= 10 and n % 10 == 0 and rng.random() < 0.5:
            n += rng.randint(1, 9)
        cases.append((f"给妈妈转{_zh(n)}", str(n), None))
    for _ in range(50):
        n = rng.randint(1, 9_999_999)
        cases.append((f"还款{cn2an.an2cn(n, 'up')}元", str(n), "CNY"))
    for _ in range(80):
        value = Decimal(rng.randint(1, 9_999_999)) / Decimal(rng.choice([1, 10, 100]))
        text, currency = rng.choice(
            [
                (f"¥{value:,}", "CNY"),
                (f"${value:,}", "USD"),
                (f"{value}元", "CNY"),
                (f"{value} usd", "USD"),
                (f"€{value}", "EUR"),
                (f"{value}港币", "HKD"),
                (f"£{value:,}", "GBP"),
            ]
        )
        cases.append(
            (f"pay {text} now" if text[0] in "¥$€£" else f"付{text}", _plain(value), currency)
        )
    for _ in range(60):
        x, y = rng.randint(1, 9), rng.randint(1, 9)
        unit, factor, sub = rng.choice([("千", 1000, 100), ("万", 10_000, 1000), ("百", 100, 10)])
        zx = "两" if x == 2 and rng.random() < 0.5 else _zh(x)
        cases.append((f"给老王转{zx}{unit}{_zh(y)}", str(x * factor + y * sub), None))
    for _ in range(40):
        whole, jiao = rng.randint(1, 999), rng.randint(1, 9)
        form = rng.choice(["{w}块{j}", "{w}块{j}毛", "{w}元{j}角"])
        text = form.format(w=_zh(whole), j=_zh(jiao))
        cases.append((f"付了{text}", _plain(Decimal(whole) + Decimal(jiao) / 10), "CNY"))
    for _ in range(40):
        head = Decimal(rng.randint(11, 99)) / 10
        suffix, factor = rng.choice([("k", 1000), ("万", 10_000), ("w", 10_000)])
        cases.append((f"transfer {head}{suffix}", _plain(head * factor), None))
    for _ in range(40):
        n = rng.randint(100, 99_999)
        word, currency = rng.choice([("dollars", "USD"), ("yuan", "CNY"), ("euros", "EUR")])
        cases.append((f"send {_en_words(n)} {word}", str(n), currency))
    suffixes = {
        "块": "CNY",
        "块钱": "CNY",
        "元": "CNY",
        "人民币": "CNY",
        "美元": "USD",
        "美金": "USD",
        "欧元": "EUR",
        "日元": "JPY",
        "英镑": "GBP",
        "港币": "HKD",
        "泰铢": "THB",
        "韩元": "KRW",
        "澳元": "AUD",
        "加元": "CAD",
        "新加坡元": "SGD",
    }
    for word, currency in suffixes.items():
        for _ in range(3):
            n = rng.randint(1, 50_000)
            cases.append((f"换{n}{word}", str(n), currency))
    return cases


def percent_cases() -> list[PercentCase]:
    rng = random.Random(15)
    cases: list[PercentCase] = []
    for _ in range(40):
        n = rng.randint(1, 100)
        cases.append((f"工资的{n}%存起来", _plain(Decimal(n) / 100)))
        cases.append((f"工资的百分之{_zh(n)}存起来", _plain(Decimal(n) / 100)))
    for x in range(1, 10):
        cases.append((f"工资{_zh(x)}成存起来", _plain(Decimal(x) / 10)))
        cases.append((f"工资{_zh(x)}成半存起来", _plain(Decimal(x) / 10 + Decimal("0.05"))))
    cases += [("一半存起来", "0.5"), ("save half of it", "0.5"), ("put 12.5% aside", "0.125")]
    return cases


def _upcoming(month: int, day: int) -> date:
    candidate = date(TODAY.year, month, day)
    return candidate if candidate >= TODAY else date(TODAY.year + 1, month, day)


def date_cases() -> list[DateCase]:
    """At least 300 dates, times and recurrences, answered with plain datetime arithmetic."""
    rng = random.Random(77)
    cases: list[DateCase] = []
    monday = TODAY - timedelta(days=TODAY.weekday())
    for _ in range(60):
        month = rng.randint(1, 12)
        day = rng.randint(1, calendar.monthrange(2027, month)[1])
        expected: dict[str, str | int] = {"date": _upcoming(month, day).isoformat()}
        cases.append((f"{month}月{day}号交电费", expected))
        cases.append((f"{_zh(month)}月{_zh(day)}日交电费", expected))
        cases.append((f"pay rent on {EN_MONTHS[month - 1]} {day}", expected))
    for index, zh in enumerate(ZH_WEEKDAYS):
        cases.append((f"下周{zh}提醒我", {"date": (monday + timedelta(7 + index)).isoformat()}))
        cases.append((f"这周{zh}提醒我", {"date": (monday + timedelta(index)).isoformat()}))
        upcoming = TODAY + timedelta((index - TODAY.weekday()) % 7)
        cases.append((f"星期{zh}提醒我", {"date": upcoming.isoformat()}))
        cases.append((f"remind me on {EN_WEEKDAYS[index]}", {"date": upcoming.isoformat()}))
        next_week = (monday + timedelta(7 + index)).isoformat()
        cases.append((f"remind me next {EN_WEEKDAYS[index]}", {"date": next_week}))
    for n in range(1, 31):
        cases.append(
            (f"{_zh(n) if n % 2 else n}天后还钱", {"date": (TODAY + timedelta(n)).isoformat()})
        )
        cases.append((f"pay it back in {n} days", {"date": (TODAY + timedelta(n)).isoformat()}))
    for n in range(1, 32):
        cases.append((f"每月{n}号交房租", {"frequency": "monthly", "day_of_month": n}))
        cases.append((f"每个月{_zh(n)}日交房租", {"frequency": "monthly", "day_of_month": n}))
    for n in range(1, 29):
        suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(n, "th")
        cases.append(
            (
                f"pay rent every month on the {n}{suffix}",
                {"frequency": "monthly", "day_of_month": n},
            )
        )
        cases.append((f"下个月{n}号还款", {"date": date(2026, 12, n).isoformat()}))
    for hour in range(1, 12):
        cases.append((f"晚上{_zh(hour)}点提醒我", {"time": f"{hour + 12:02d}:00"}))
        cases.append((f"remind me at {hour}pm", {"time": f"{hour + 12:02d}:00"}))
        cases.append(
            (f"每天早上{hour}点半提醒我", {"frequency": "daily", "time": f"{hour:02d}:30"})
        )
    for _ in range(20):
        hour, minute = rng.randint(1, 5), rng.randint(10, 59)
        cases.append((f"下午{hour}点{minute}分提醒我", {"time": f"{hour + 12:02d}:{minute:02d}"}))
        cases.append((f"at {hour}:{minute:02d} am remind me", {"time": f"{hour:02d}:{minute:02d}"}))
    return cases
