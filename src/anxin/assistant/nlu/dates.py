"""Dates, times of day and recurrences, resolved against the moment the person spoke.

Resolution rules (they decide what a dialogue schedules, so they are fixed and tested):
- A date without a year ("12月1号", "December 5") or a month ("15号", "the 1st") is the next
  one on or after today; a bare weekday ("周五", "Friday") likewise, today included.
- "下周五" / "next Friday" is the Friday of next week (weeks start on Monday); "这周五" /
  "this Friday" the Friday of this week; "上周五" the Friday of last week.
- A month ("下个月", "last month", "这个月") resolves to its first day, "月底" / "end of the month"
  to its last; a week ("下周", "next week") to its Monday.
- Recurrences fill `frequency` (daily, weekly, monthly, yearly); "每月15号" adds
  `day_of_month`; "每周五" / "每年3月1号" add the first occurrence as `date`.
- A month alone ("12月") is the first day of the next such month, this one included; a
  period reaching back ("最近三个月", "past 7 days") resolves to where it starts.
- Times are HH:MM on a 24-hour clock: "晚上八点" 20:00, "早上8点半" 08:30, "at 8pm" 20:00.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

from anxin.assistant.nlu.numbers import NotANumber, small_number
from anxin.assistant.nlu.spans import MASK, SlotValue, Span

Slots = dict[str, SlotValue]
Handler = Callable[[re.Match[str], date], Slots | None]

_WD = r"(?:周|星期|礼拜)"
_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
_ZH_WEEKDAYS.update({str(i + 1): i for i in range(7)})
_EN_WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sunday": 6,
}
# "wed", "sat" and "sun" are left out: as words they are far more often not weekdays.
_EN_WEEKDAY = "|".join(sorted(_EN_WEEKDAYS, key=len, reverse=True))
_EN_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for name in names
}
_EN_MONTH = "|".join(sorted(_EN_MONTHS, key=len, reverse=True))
_EN_COUNT = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_EN_COUNT |= {"seven": 7, "ten": 10, "fourteen": 14, "thirty": 30}


def _num(text: str) -> int:
    return _EN_COUNT[text] if text in _EN_COUNT else small_number(text)


def _iso(day: date) -> str:
    return day.isoformat()


def _add_months(day: date, months: int) -> date:
    """Same day `months` later, clamped to the month's length (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def _month_start(today: date, offset: int) -> date:
    return _add_months(today.replace(day=1), offset)


def _month_end(today: date, offset: int) -> date:
    start = _month_start(today, offset)
    return start.replace(day=calendar.monthrange(start.year, start.month)[1])


def _week_day(today: date, week_offset: int, weekday: int) -> date:
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(days=7 * week_offset + weekday)


def _upcoming_weekday(today: date, weekday: int) -> date:
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _upcoming_day_of_month(today: date, day: int) -> date | None:
    if not 1 <= day <= 31:
        return None
    for offset in range(3):
        start = _month_start(today, offset)
        if day <= calendar.monthrange(start.year, start.month)[1]:
            candidate = start.replace(day=day)
            if candidate >= today:
                return candidate
    return None


def _upcoming_month_day(today: date, month: int, day: int, year: int | None = None) -> date | None:
    """That month and day in `year`, or the next time it comes (29 February: a leap year)."""
    years = [year] if year is not None else range(today.year, today.year + 5)
    for candidate_year in years:
        try:
            candidate = date(candidate_year, month, day)
        except ValueError:
            continue
        if year is not None or candidate >= today:
            return candidate
    return None


_WEEK_OFFSETS = {"下下": 2, "下": 1, "这": 0, "本": 0, "今": 0, "上": -1, "上上": -2}
_MONTH_OFFSETS = {"下下": 2, "下": 1, "这": 0, "本": 0, "当": 0, "上": -1, "上上": -2}
_DAY_WORDS = {
    "大后天": 3,
    "后天": 2,
    "明天": 1,
    "明日": 1,
    "明儿": 1,
    "明晚": 1,
    "明早": 1,
    "今天": 0,
    "今日": 0,
    "今儿": 0,
    "今晚": 0,
    "今早": 0,
    "昨天": -1,
    "昨日": -1,
    "昨晚": -1,
    "前天": -2,
    "the day after tomorrow": 2,
    "tomorrow": 1,
    "tmr": 1,
    "today": 0,
    "tonight": 0,
    "yesterday": -1,
}
_EN_REL = {"next": 1, "this": 0, "last": -1, "coming": 0}


# --- recurrences -----------------------------------------------------------------------


def _monthly_on(m: re.Match[str], today: date) -> Slots | None:
    day = _num(m.group("d"))
    return {"frequency": "monthly", "day_of_month": day} if 1 <= day <= 31 else None


def _weekly_on(m: re.Match[str], today: date) -> Slots | None:
    weekday = _ZH_WEEKDAYS[m.group("w")]
    return {"frequency": "weekly", "date": _iso(_upcoming_weekday(today, weekday))}


def _yearly_on(m: re.Match[str], today: date) -> Slots | None:
    first = _upcoming_month_day(today, _num(m.group("m")), _num(m.group("d")))
    return {"frequency": "yearly", "date": _iso(first)} if first else None


def _monthly_first(m: re.Match[str], today: date) -> Slots | None:
    return {"frequency": "monthly", "day_of_month": 1}


def _frequency(value: str) -> Handler:
    return lambda m, today: {"frequency": value}


def _en_yearly_on(m: re.Match[str], today: date) -> Slots | None:
    first = _upcoming_month_day(today, _EN_MONTHS[m.group("mn")], int(m.group("d")))
    return {"frequency": "yearly", "date": _iso(first)} if first else None


# --- dates -----------------------------------------------------------------------------


def _ymd(m: re.Match[str], today: date) -> Slots | None:
    day = _upcoming_month_day(today, int(m.group("m")), int(m.group("d")), int(m.group("y")))
    return {"date": _iso(day)} if day else None


def _month_day(m: re.Match[str], today: date) -> Slots | None:
    year = today.year + _YEAR_OFFSETS[m.group("y")] if m.group("y") else None
    day = _upcoming_month_day(today, _num(m.group("m")), _num(m.group("d")), year)
    return {"date": _iso(day)} if day else None


def _relative_month_day(m: re.Match[str], today: date) -> Slots | None:
    start = _month_start(today, _MONTH_OFFSETS[m.group("rel")])
    day = _num(m.group("d"))
    if not 1 <= day <= calendar.monthrange(start.year, start.month)[1]:
        return None
    return {"date": _iso(start.replace(day=day))}


def _relative_month(m: re.Match[str], today: date) -> Slots | None:
    offset = _MONTH_OFFSETS[m.group("rel")]
    if m.group("end"):
        return {"date": _iso(_month_end(today, offset))}
    return {"date": _iso(_month_start(today, offset))}


_YEAR_OFFSETS = {"明年": 1, "今年": 0, "去年": -1}


def _month_only(m: re.Match[str], today: date) -> Slots | None:
    month = _num(m.group("m"))
    if not 1 <= month <= 12:
        return None
    if m.group("y"):
        year = today.year + _YEAR_OFFSETS[m.group("y")]
    else:
        year = today.year if month >= today.month else today.year + 1
    return {"date": _iso(date(year, month, 1))}


def _year_start(m: re.Match[str], today: date) -> Slots | None:
    return {"date": _iso(date(today.year + _YEAR_OFFSETS[m.group("y")], 1, 1))}


def _per_unit(m: re.Match[str], today: date) -> Slots | None:
    return {
        "frequency": {"day": "daily", "week": "weekly", "month": "monthly"}.get(
            m.group("u"), "yearly"
        )
    }


def _day_only(m: re.Match[str], today: date) -> Slots | None:
    day = _upcoming_day_of_month(today, _num(m.group("d")))
    return {"date": _iso(day)} if day else None


def _day_word(m: re.Match[str], today: date) -> Slots | None:
    return {"date": _iso(today + timedelta(days=_DAY_WORDS[m.group("w")]))}


def _zh_week_day(m: re.Match[str], today: date) -> Slots | None:
    offset = _WEEK_OFFSETS[m.group("rel")]
    return {"date": _iso(_week_day(today, offset, _ZH_WEEKDAYS[m.group("w")]))}


def _zh_week(m: re.Match[str], today: date) -> Slots | None:
    return {"date": _iso(_week_day(today, _WEEK_OFFSETS[m.group("rel")], 0))}


def _zh_after(m: re.Match[str], today: date) -> Slots | None:
    n = _num(m.group("n"))
    unit = m.group("u")
    if unit in ("天", "日"):
        return {"date": _iso(today + timedelta(days=n))}
    if unit in ("周", "星期", "礼拜", "个星期", "个礼拜"):
        return {"date": _iso(today + timedelta(weeks=n))}
    if unit == "个月":
        return {"date": _iso(_add_months(today, n))}
    return {"date": _iso(_add_months(today, 12 * n))}


def _zh_before(m: re.Match[str], today: date) -> Slots | None:
    n = -_num(m.group("n"))
    unit = m.group("u")
    if unit in ("天", "日"):
        return {"date": _iso(today + timedelta(days=n))}
    if unit in ("周", "星期", "个星期", "个礼拜"):
        return {"date": _iso(today + timedelta(weeks=n))}
    return {"date": _iso(_add_months(today, n * (1 if unit == "个月" else 12)))}


def _en_before(m: re.Match[str], today: date) -> Slots | None:
    n = -_num(m.group("n"))
    unit = m.group("u")
    if unit.startswith("day"):
        return {"date": _iso(today + timedelta(days=n))}
    if unit.startswith("week"):
        return {"date": _iso(today + timedelta(weeks=n))}
    return {"date": _iso(_add_months(today, n * (1 if unit.startswith("month") else 12)))}


def _fixed(compute: Callable[[date], date]) -> Handler:
    return lambda m, today: {"date": _iso(compute(today))}


def _en_weekday(m: re.Match[str], today: date) -> Slots | None:
    weekday = _EN_WEEKDAYS[m.group("w")]
    rel = m.group("rel")
    if rel == "next":
        return {"date": _iso(_week_day(today, 1, weekday))}
    if rel == "last":
        back = (today.weekday() - weekday) % 7 or 7
        return {"date": _iso(today - timedelta(days=back))}
    return {"date": _iso(_upcoming_weekday(today, weekday))}


def _en_week(m: re.Match[str], today: date) -> Slots | None:
    return {"date": _iso(_week_day(today, _EN_REL[m.group("rel")], 0))}


def _en_weekend(m: re.Match[str], today: date) -> Slots | None:
    rel = m.group("rel")
    if rel == "next":
        return {"date": _iso(_week_day(today, 1, 5))}
    return {"date": _iso(_upcoming_weekday(today, 5))}


def _en_month(m: re.Match[str], today: date) -> Slots | None:
    offset = _EN_REL[m.group("rel")]
    return {"date": _iso(_month_start(today, offset))}


def _en_month_end(m: re.Match[str], today: date) -> Slots | None:
    return {"date": _iso(_month_end(today, 1 if m.groupdict().get("rel") == "next" else 0))}


def _en_month_day(m: re.Match[str], today: date) -> Slots | None:
    year = int(m.group("y")) if m.group("y") else None
    day = _upcoming_month_day(today, _EN_MONTHS[m.group("mn")], int(m.group("d")), year)
    return {"date": _iso(day)} if day else None


def _en_after(m: re.Match[str], today: date) -> Slots | None:
    n = _num(m.group("n") or m.group("n2"))
    unit = m.group("u") or m.group("u2")
    if unit.startswith("day"):
        return {"date": _iso(today + timedelta(days=n))}
    if unit.startswith("week"):
        return {"date": _iso(today + timedelta(weeks=n))}
    if unit.startswith("month"):
        return {"date": _iso(_add_months(today, n))}
    return {"date": _iso(_add_months(today, 12 * n))}


# --- times -----------------------------------------------------------------------------

_EVENING = re.compile(r"\btonight\b|\bevening\b|\bafternoon\b|\bat night\b")
_PM = ("下午", "晚上", "傍晚", "今晚", "明晚", "昨晚", "夜里", "夜间", "晚", "pm", "p.m.")
_NIGHT = ("晚上", "夜里", "夜间", "今晚", "明晚", "昨晚", "晚")
_DATE_PREFIX = {"今晚": 0, "明晚": 1, "今早": 0, "明早": 1, "昨晚": -1}


def _clock(hour: int, minute: int, period: str) -> str | None:
    if not (0 <= hour <= 24 and 0 <= minute <= 59):
        return None
    if (period in _PM and hour < 12) or (period == "中午" and hour < 11):
        hour += 12
    elif period in ("am", "a.m.", "凌晨", *_NIGHT) and hour == 12:
        hour = 0
    return f"{hour % 24:02d}:{minute:02d}"


def _zh_time(m: re.Match[str], today: date) -> Slots | None:
    period = m.group("p") or ""
    minute_text = m.group("min") or m.group("min2")
    if m.group("half"):
        minute = {"半": 30, "一刻": 15, "三刻": 45, "整": 0}[m.group("half")]
    elif minute_text:
        minute = _num(minute_text)
    elif m.group("h") == "一" and not period:
        return None  # "多存一点", "快一点": a little, not one o'clock
    else:
        minute = 0
    clock = _clock(_num(m.group("h")), minute, period)
    if clock is None:
        return None
    slots: Slots = {"time": clock}
    if period in _DATE_PREFIX:
        slots["date"] = _iso(today + timedelta(days=_DATE_PREFIX[period]))
    return slots


def _en_time(m: re.Match[str], today: date) -> Slots | None:
    hour = int(m.group("h"))
    minute = int(m.group("min") or 0)
    period = m.groupdict().get("ap") or ""
    if not period and _EVENING.search(m.string):
        period = "pm"
    clock = _clock(hour, minute, period)
    return {"time": clock} if clock else None


def _named_time(value: str) -> Handler:
    return lambda m, today: {"time": value}


def _weekly_on_en(m: re.Match[str], today: date) -> Slots | None:
    weekday = _EN_WEEKDAYS[m.group("w") or m.group("w2")]
    return {"frequency": "weekly", "date": _iso(_upcoming_weekday(today, weekday))}


def _monthly_en(m: re.Match[str], today: date) -> Slots | None:
    day = int(m.group("d") or m.group("d2") or m.group("d3"))
    return {"frequency": "monthly", "day_of_month": day} if 1 <= day <= 31 else None


def _zh_weekday_any(m: re.Match[str], today: date) -> Slots | None:
    return {"date": _iso(_upcoming_weekday(today, _ZH_WEEKDAYS[m.group("w") or m.group("w2")]))}


def _day_only_en(m: re.Match[str], today: date) -> Slots | None:
    day = _upcoming_day_of_month(today, int(m.group("d") or m.group("d2")))
    return {"date": _iso(day)} if day else None


def _zh_time_arabic(m: re.Match[str], today: date) -> Slots | None:
    period = m.group("p") or ""
    clock = _clock(int(m.group("h")), int(m.group("min")), period)
    if clock is None:
        return None
    slots: Slots = {"time": clock}
    if period in _DATE_PREFIX:
        slots["date"] = _iso(today + timedelta(days=_DATE_PREFIX[period]))
    return slots


_NUM = r"(?:\d{1,2}|[零一二两三四五六七八九十]{1,3})"
_ZH_PERIOD = (
    r"(?P<p>早上|早晨|上午|中午|下午|傍晚|晚上|夜里|夜间|凌晨|今晚|明晚|昨晚|今早|明早|晚|早)"
)
_ZH_MINUTE = (
    r"(?:(?P<min>\d{1,2}|[一二三四五]?十[一二三四五六七八九]?|零?[一二三四五六七八九])分"
    r"|(?P<min2>[0-5]\d|[一二三四五]十[一二三四五六七八九]?|十[一二三四五六七八九]?)"
    r"(?![\d零一二三四五六七八九十]))"
)
_EN_AFTER = r"(?P<n>\d{1,3}|" + "|".join(_EN_COUNT) + r") (?P<u>days?|weeks?|months?|years?)"
_EN_AFTER_2 = _EN_AFTER.replace("<n>", "<n2>").replace("<u>", "<u2>")

_RULES: list[tuple[str, Handler]] = [
    # Times first: "今晚8点" and "每晚8点" need their evening word, which later rules would take.
    (
        rf"{_ZH_PERIOD}?(?P<h>\d{{1,2}}|[零一二两三四五六七八九十]{{1,3}})(?:点|时)"
        rf"(?:(?P<half>半|一刻|三刻|整)|{_ZH_MINUTE})?"
        r"(?![\d零一二两三四五六七八九十]|[块元钱万千百])",
        _zh_time,
    ),
    (
        r"(?P<p>早上|早晨|上午|中午|下午|傍晚|晚上|夜里|凌晨|今晚|明晚)?"
        r"(?<![\d:])(?P<h>\d{1,2}):(?P<min>\d{2})(?![\d:])(?!\s*(?:am|pm|a\.m\.|p\.m\.))",
        _zh_time_arabic,
    ),
    (
        r"\b(?:at )?(?P<h>\d{1,2})(?::(?P<min>\d{2}))?\s*(?P<ap>a\.m\.|p\.m\.|am|pm)(?![a-z])",
        _en_time,
    ),
    (r"\bat (?P<h>\d{1,2})(?::(?P<min>\d{2}))?(?: o'clock)?(?![\d%.,])", _en_time),
    (r"\b(?:at )?noon\b|\bmidday\b", _named_time("12:00")),
    (r"\b(?:at )?midnight\b", _named_time("00:00")),
    # recurrences, so their numbers are not read as plain dates
    (rf"每(?:一)?个?月(?:的)?(?P<d>{_NUM})(?:号|日)", _monthly_on),
    (r"每(?:一)?个?月(?:的)?(?:月初|初|第一天)", _monthly_first),
    (r"每(?:一)?个?月(?:的)?(?:月底|月末|底|末|最后一天)?", _frequency("monthly")),
    (rf"每(?:一)?个?{_WD}(?P<w>[一二三四五六日天末1-7])", _weekly_on),
    (rf"每(?:一)?个?{_WD}", _frequency("weekly")),
    (rf"每(?:一)?年(?:的)?(?P<m>{_NUM})月(?P<d>{_NUM})(?:号|日)?", _yearly_on),
    (r"每(?:一)?年|每年度", _frequency("yearly")),
    # "每" before a time already found ("每晚8点" left "每") means every day at that time.
    (r"每(?:一)?天|每日|(?<![今明昨后前])天天|每晚|每早|每(?=\x00)", _frequency("daily")),
    (rf"\bevery (?P<w>{_EN_WEEKDAY})\b|\bon (?P<w2>{_EN_WEEKDAY})s\b", _weekly_on_en),
    (
        r"\b(?:every|each) month on the (?P<d>\d{1,2})(?:st|nd|rd|th)?\b"
        r"|\bmonthly on the (?P<d2>\d{1,2})(?:st|nd|rd|th)?\b"
        r"|\b(?:on )?the (?P<d3>\d{1,2})(?:st|nd|rd|th)? (?:day )?of (?:every|each|the) month\b",
        _monthly_en,
    ),
    (r"\b(?:every|each) month\b|\bmonthly\b", _frequency("monthly")),
    (r"\b(?:every|each) week\b|\bweekly\b", _frequency("weekly")),
    (
        rf"\b(?:every|each) year on (?P<mn>{_EN_MONTH}) (?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b",
        _en_yearly_on,
    ),
    (r"\b(?:every|each) year\b|\byearly\b|\bannually\b", _frequency("yearly")),
    (r"\b(?:every|each) (?:day|morning|evening|night)\b|\bdaily\b", _frequency("daily")),
    (r"(?<!\bin )\b(?:a|per) (?P<u>day|week|month|year)\b", _per_unit),
    # absolute dates
    (r"(?P<y>\d{4})[-/年.](?P<m>\d{1,2})[-/月.](?P<d>\d{1,2})(?:日|号)?", _ymd),
    (rf"(?P<y>明年|今年|去年)?(?P<m>{_NUM})月(?:份)?(?P<d>{_NUM})(?:号|日)", _month_day),
    (rf"(?P<rel>下下|上上|下|这|本|上|当)个?月(?:的)?(?P<d>{_NUM})(?:号|日)", _relative_month_day),
    (r"(?P<rel>下下|上上|下|这|本|上|当)个?月(?:的?(?P<end>月底|月末|底|末))?", _relative_month),
    (r"月底|月末", _fixed(lambda t: _month_end(t, 0))),
    (r"月初", _fixed(lambda t: _upcoming_day_of_month(t, 1) or t)),
    (r"年底|年末", _fixed(lambda t: date(t.year, 12, 31))),
    (
        rf"(?P<y>明年|今年|去年)?(?<![\d零一二两三四五六七八九十])(?P<m>{_NUM})月份?"
        r"(?![\d零一二两三四五六七八九十])",
        _month_only,
    ),
    (r"(?P<y>明年|今年|去年)(?!底|末)", _year_start),
    (rf"(?<![\d零一二两三四五六七八九十])(?P<d>{_NUM})(?:号|日)(?![元币本])", _day_only),
    # relative dates; a period reaching back ("最近三个月", "past 3 months") starts its span
    (
        rf"(?:最近|近|过去|前)(?P<n>{_NUM})(?P<u>天|日|个星期|个礼拜|周|星期|个月|年)",
        _zh_before,
    ),
    (
        r"\b(?:in the )?(?:last|past) (?P<n>\d{1,3}|two|three|four|five|six|seven|ten|thirty) "
        r"(?P<u>days?|weeks?|months?|years?)\b",
        _en_before,
    ),
    (rf"(?P<w>{'|'.join(sorted(_DAY_WORDS, key=len, reverse=True))})", _day_word),
    (rf"(?P<rel>下下|上上|下|这|本|今|上)个?{_WD}(?P<w>[一二三四五六日天末1-7])", _zh_week_day),
    (rf"(?P<rel>下下|上上|下|这|本|上)个?{_WD}", _zh_week),
    (rf"{_WD}(?P<w>[一二三四五六日天1-7])|周(?P<w2>末)", _zh_weekday_any),
    (
        rf"(?P<n>{_NUM})(?P<u>天|日|个星期|个礼拜|周|星期|礼拜|个月|年)(?:以后|之后|后)",
        _zh_after,
    ),
    (
        rf"\b(?P<mn>{_EN_MONTH})\.? (?P<d>\d{{1,2}})(?:st|nd|rd|th)?(?:,? (?P<y>\d{{4}}))?\b",
        _en_month_day,
    ),
    (
        rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?(?P<mn>{_EN_MONTH})(?: (?P<y>\d{{4}}))?\b",
        _en_month_day,
    ),
    (r"\b(?:the )?end of (?:the |this )?month\b|\bmonth end\b", _en_month_end),
    (r"\b(?:the )?end of (?P<rel>next) month\b", _en_month_end),
    (rf"\b(?:(?P<rel>next|this|last|coming) )?(?P<w>{_EN_WEEKDAY})\b", _en_weekday),
    (r"\b(?P<rel>next|this|last) week\b", _en_week),
    (r"\b(?:(?P<rel>next|this) )?weekend\b", _en_weekend),
    (r"\b(?P<rel>next|this|last) month\b", _en_month),
    (rf"\bin {_EN_AFTER}\b|\b{_EN_AFTER_2} (?:from now|later)\b", _en_after),
    (
        r"\bon the (?P<d>\d{1,2})(?:st|nd|rd|th)?\b|\bthe (?P<d2>\d{1,2})(?:st|nd|rd|th)\b",
        _day_only_en,
    ),
]


_COMPILED = [(re.compile(pattern), handler) for pattern, handler in _RULES]


def find_dates(text: str, now: datetime) -> list[Span]:
    """Dates, times and recurrences in `text` (folded), resolved against `now`."""
    today = now.date()
    spans: list[Span] = []
    chars = list(text)
    for pattern, handler in _COMPILED:
        current = "".join(chars)
        for m in pattern.finditer(current):
            if m.start() == m.end() or MASK in m.group():
                continue
            try:
                slots = handler(m, today)
            except (NotANumber, KeyError, ValueError, OverflowError):
                slots = None
            if slots is None:
                continue
            kind = "FREQ" if "frequency" in slots else "TIME" if "time" in slots else "DATE"
            spans.append(Span(m.start(), m.end(), kind, slots))
            chars[m.start() : m.end()] = MASK * (m.end() - m.start())
    return sorted(spans, key=lambda s: s.start)
