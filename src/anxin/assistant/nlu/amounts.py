"""Amounts of money and percentages, with their currencies.

An amount is a numeral plus what makes it money: a currency before it ("$300", "USD 100"),
after it ("五百块", "50 yuan", "20欧"), spoken sub-units ("八十八块八", "十块五毛") or, when
no currency is said, a position where only money fits ("给妈妈转五百"). Numbers that count
something else ("3个月", "15号", "8点") are left alone: dates and terms are found first and
masked, and a bare number followed by a counting word is not money.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal

from anxin.assistant.nlu.currencies import PREFIX_CURRENCIES, SUFFIX_CURRENCIES, alternation
from anxin.assistant.nlu.numbers import (
    CN_DIGITS,
    EN_NUMBER,
    NUMERAL,
    NotANumber,
    canonical,
    parse_english,
    parse_numeral,
)
from anxin.assistant.nlu.spans import SlotValue, Span
from anxin.core.money import Money

_EN_SUFFIX = alternation({w: c for w, c in SUFFIX_CURRENCIES.items() if w.isascii()})
_ZH_SUFFIX = alternation({w: c for w, c in SUFFIX_CURRENCIES.items() if not w.isascii()})
_PREFIX_RE = re.compile(rf"(?:(?<![a-z])(?:{alternation(PREFIX_CURRENCIES)}))\s*$")
_SUFFIX_RE = re.compile(rf"(?:\s*(?:{_EN_SUFFIX})(?![a-z])|\s*(?:{_ZH_SUFFIX}))")
_SCALE_RE = re.compile(r"\s*(thousand|million|billion|grand|mn)\b")
_SCALES = {
    "thousand": 1_000,
    "grand": 1_000,
    "million": 1_000_000,
    "mn": 1_000_000,
    "billion": 1_000_000_000,
}
_CN_DIGIT = f"[{''.join(CN_DIGITS)}\\d]"
# After 块/元: "八十八块八" (88.8), "十块五毛" (10.5), "一块二毛三" (1.23).
_SUBUNITS_RE = re.compile(
    rf"({_CN_DIGIT})(?:[毛角]({_CN_DIGIT})?分?)?(?![{''.join(CN_DIGITS)}\d十百千万])"
)
_JIAO_RE = re.compile(rf"\s*[毛角]({_CN_DIGIT})?(?:分)?")
_MONEY_WORD_RE = re.compile(r"钱")
_NUMBER_RE = re.compile(rf"{NUMERAL}|{EN_NUMBER}")

# A bare number followed by one of these counts something other than money.
_COUNTING = re.compile(
    r"\s*(?:号|日|月|年|点|个|期(?!限)|周|天|次|岁|%|成|分|张|份|笔|倍|小时|钟|秒|楼|层|位|斤|公斤|公里|"
    r"米|折|人|遍|家|只|条|件|台|部|辆|套|间|本|克|度|升|吨|码|星|集|页|行|届|级|名|块(?!钱)|"
    r"下|些|起|共|直|定|般|样|半|"
    r"(?:days?|weeks?|months?|years?|hours?|minutes?|mins?|times|people|percent|pm|am|st|nd|"
    r"rd|th|o'clock|kg|km|gb|g)\b)"
)
_NOT_MONEY_BEFORE = re.compile(
    r"(?:(?:尾号|卡号|账号|手机号|号码|第|每|周|星期|礼拜|前|近|ending in|ending|no\.|#)\s*"
    r"|[a-z])$"
)
_MONEY_VERBS = "转汇付借还充交存"
_MAX_BARE_DIGITS = 8  # longer digit runs are phone or card numbers


def find_amounts(text: str) -> list[Span]:
    """Every amount in `text` (folded, earlier finds masked), left to right."""
    spans: list[Span] = []
    consumed = 0
    for match in _NUMBER_RE.finditer(text):
        if match.start() < consumed or not match.group().strip():
            continue
        span = _amount_at(text, match)
        if span is not None:
            spans.append(span)
            consumed = span.end
    return spans


def _amount_at(text: str, match: re.Match[str]) -> Span | None:
    raw = match.group()
    english_words = raw[0].isalpha() and raw[0] not in CN_DIGITS and raw[0] not in "十拾"
    try:
        value = parse_english(raw) if english_words else parse_numeral(raw)
    except NotANumber:
        return None
    start, end = match.start(), match.end()
    currency: str | None = None
    prefix = _PREFIX_RE.search(text, max(0, start - 4), start)
    if prefix:
        currency = PREFIX_CURRENCIES[prefix.group().strip()]
        start = prefix.start()
    scale = _SCALE_RE.match(text, end)
    if scale:
        value *= _SCALES[scale.group(1)]
        end = scale.end()
    suffix = _SUFFIX_RE.match(text, end)
    if suffix:
        word = suffix.group().strip()
        currency = SUFFIX_CURRENCIES[word]
        end = suffix.end()
        if word in ("块", "元", "圆", "块钱"):
            value, end = _subunits(text, end, value)
    elif not english_words and (jiao := _JIAO_RE.match(text, end)):
        # "五毛" is 0.5 and "五毛五" 0.55: a count of 角.
        hundredths = Decimal(_digit(jiao.group(1))) / 100 if jiao.group(1) else Decimal(0)
        value = value / 10 + hundredths
        currency, end = "CNY", jiao.end()
    if currency is None and not _bare_amount(text, match, raw, english_words):
        return None
    if (money := _MONEY_WORD_RE.match(text, end)) is not None:
        end = money.end()
    slots: dict[str, str | int] = {"amount": str(canonical(value))}
    if currency:
        slots["currency"] = currency
    return Span(start, end, "AMOUNT", slots)


def _subunits(text: str, end: int, value: Decimal) -> tuple[Decimal, int]:
    """Add 角 and 分 said after 块/元: "八十八块八" is 88.8, "一块二毛三" 1.23."""
    sub = _SUBUNITS_RE.match(text, end)
    if not sub:
        return value, end
    jiao = _digit(sub.group(1))
    fen = _digit(sub.group(2)) if sub.group(2) else 0
    return value + Decimal(jiao) / 10 + Decimal(fen) / 100, sub.end()


def _digit(ch: str) -> int:
    return int(ch) if ch.isdigit() else CN_DIGITS[ch]


def _bare_amount(text: str, match: re.Match[str], raw: str, english_words: bool) -> bool:
    """Whether a number with no currency is money, judged by its shape and neighbours."""
    if _COUNTING.match(text, match.end()) or _NOT_MONEY_BEFORE.search(
        text, max(0, match.start() - 10), match.start()
    ):
        return False
    if english_words:
        return any(w in raw for w in ("hundred", "thousand", "million"))
    if raw.replace(",", "").replace(".", "").isdigit():
        return "," in raw or "." in raw or len(raw) <= _MAX_BARE_DIGITS
    # Chinese: "五百" is money, but a lone "一" or "两" is usually "一下", "两个" - unless a
    # money verb is right before it ("转八").
    if any(ch in raw for ch in "十拾百佰千仟万亿kw") or any(ch.isdigit() for ch in raw):
        return True
    return match.start() > 0 and text[match.start() - 1] in _MONEY_VERBS


# Percentages: "20%", "百分之十五", "三成", "两成半", "一半", "half", "四分之一".
_PERCENT_RE = re.compile(
    rf"(?P<num>{NUMERAL})\s*(?:%|percent\b|per cent\b|pct\b)"
    rf"|百分之(?P<cn>{NUMERAL})"
    rf"|(?<![{''.join(CN_DIGITS)}\d])(?P<tenths>[{''.join(CN_DIGITS)}\d十])成"
    rf"(?:(?P<half>半)|(?P<hundredths>[{''.join(CN_DIGITS)}])(?![{''.join(CN_DIGITS)}十百千万]))?"
    rf"|(?P<whole>一半|半数|\bhalf\b(?! (?:a |an )?(?:year|month|hour|day)))"
    rf"|(?P<den>{NUMERAL})分之(?P<nom>{NUMERAL})"
)


def find_percents(text: str) -> list[Span]:
    """Every percentage in `text`, as a fraction: "三成" is 0.3, "20%" 0.2."""
    spans: list[Span] = []
    for m in _PERCENT_RE.finditer(text):
        try:
            fraction = _fraction(m)
        except (NotANumber, ArithmeticError):
            continue
        if fraction is not None:
            spans.append(Span(m.start(), m.end(), "PCT", {"percent": str(canonical(fraction))}))
    return spans


def _fraction(m: re.Match[str]) -> Decimal | None:
    if m.group("num"):
        return parse_numeral(m.group("num")) / 100
    if m.group("cn"):
        return parse_numeral(m.group("cn")) / 100
    if m.group("tenths"):
        value = Decimal(_digit(m.group("tenths")) if m.group("tenths") != "十" else 10) / 10
        if m.group("half"):
            value += Decimal("0.05")
        elif m.group("hundredths"):
            value += Decimal(_digit(m.group("hundredths"))) / 100
        return value
    if m.group("whole"):
        return Decimal("0.5")
    denominator = parse_numeral(m.group("den"))
    fraction = parse_numeral(m.group("nom")) / denominator
    # Only fractions a person can say exactly as a decimal ("四分之一"), not "三分之一".
    return fraction if fraction == fraction.quantize(Decimal("0.0001")) else None


def money(slots: Mapping[str, SlotValue], default_currency: str = "CNY") -> Money | None:
    """The `amount` slot as core `Money`, in its said currency or `default_currency`.

    Raises `InvalidInput` when the amount has more decimals than the currency allows
    ("0.5 JPY"): a dialogue must ask again rather than round someone's money.
    """
    if "amount" not in slots:
        return None
    currency = str(slots.get("currency", default_currency))
    return Money.parse(str(slots["amount"]), currency, positive=True)
