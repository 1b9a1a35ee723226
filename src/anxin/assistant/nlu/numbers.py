"""Numerals as people say them: Arabic, Chinese, financial Chinese, English words, and mixes.

Spoken Chinese drops trailing units ("两千五" is 2500, "一万二" is 12000, "一百五" is 150) and
mixes scripts ("1.5万", "3千5"); a parser that only knows textbook numerals gets everyday
amounts wrong by a factor of ten. Values are exact `Decimal`s: these become money.
"""

from __future__ import annotations

import re
from decimal import Decimal

CN_DIGITS: dict[str, int] = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "幺": 1,
    "壹": 1,
    "二": 2,
    "两": 2,
    "贰": 2,
    "三": 3,
    "叁": 3,
    "四": 4,
    "肆": 4,
    "五": 5,
    "伍": 5,
    "六": 6,
    "陆": 6,
    "七": 7,
    "柒": 7,
    "八": 8,
    "捌": 8,
    "九": 9,
    "玖": 9,
}
CN_UNITS: dict[str, int] = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
CN_MAGNITUDES: dict[str, int] = {"万": 10_000, "亿": 100_000_000}

_DIGIT_CHARS = "".join(CN_DIGITS)
_UNIT_CHARS = "".join(CN_UNITS) + "".join(CN_MAGNITUDES)

# A numeral starts with a digit (or 十, which may stand alone: "十五") and runs through
# digits, units and a decimal point that is followed by a digit ("三点五", never "三点").
NUMERAL = (
    rf"(?:(?<![\d.])(?:\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"|(?<![{_DIGIT_CHARS}{_UNIT_CHARS}])[{_DIGIT_CHARS}十拾])"
    # Arabic digits continue a numeral only after a unit ("3万5千"): "张三2000" is a name and
    # an amount, not 32000.
    # After a unit, Arabic digits that a counting word follows start a new number:
    # "20万30年" is 200000 for 30 years.
    rf"(?:(?<!\d)[{_DIGIT_CHARS}]|[{_UNIT_CHARS}]"
    rf"|(?<=[{_UNIT_CHARS}])\d+(?:\.\d+)?(?![\d年个月期天号日点周岁])"
    rf"|点(?=[{_DIGIT_CHARS}\d]))*"
    r"(?:[kw](?![a-z]))?"
)

_SUFFIX_FACTORS: dict[str, int] = {
    "千万": 10_000_000,
    "百万": 1_000_000,
    "亿": 100_000_000,
    "万": 10_000,
    "k": 1_000,
    "w": 10_000,  # chat shorthand for 万
}
_ARABIC = re.compile(r"\d+(?:\.\d+)?")

EN_ONES: dict[str, int] = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
EN_SCALES: dict[str, int] = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_EN_WORD = "|".join(sorted([*EN_ONES, "hundred", *EN_SCALES], key=len, reverse=True))
# English word numerals, e.g. "two hundred and fifty", "a thousand", "twenty-five".
EN_NUMBER = (
    rf"(?:\ban? (?=hundred|thousand|million))?\b(?:{_EN_WORD})"
    rf"(?:(?:\s+and\s+|[ -])(?:{_EN_WORD})\b)*"
)


class NotANumber(ValueError):
    """Raised for text that looks numeric but is not a well-formed numeral."""


def canonical(value: Decimal) -> Decimal:
    """The same value without trailing zeros or an exponent: 15000.0 becomes 15000."""
    return Decimal(f"{value.normalize():f}")


def parse_numeral(text: str) -> Decimal:
    """Value of a numeral matched by `NUMERAL`: "1,200", "1.5万", "两千五", "三点五", "3.5k"."""
    return canonical(_numeral(text))


def _numeral(text: str) -> Decimal:
    s = text.replace(",", "").strip()
    if not s:
        raise NotANumber(text)
    for suffix, factor in _SUFFIX_FACTORS.items():
        head = s[: -len(suffix)]
        # A decimal or Arabic head scales as a whole: "1.5万" is 15000, not 1 万 and 5.
        if s.endswith(suffix) and head and (_ARABIC.fullmatch(head) or "点" in head):
            return _numeral(head) * factor
    if "点" in s:
        whole, _, fraction = s.partition("点")
        digits = "".join(str(CN_DIGITS[c]) if c in CN_DIGITS else c for c in fraction)
        if not digits.isdigit():
            raise NotANumber(text)
        return _numeral(whole or "零") + Decimal("0." + digits)
    if _ARABIC.fullmatch(s):
        return Decimal(s)
    return Decimal(_integer(_tokens(s, text)))


def _tokens(s: str, original: str) -> list[tuple[str, int]]:
    """Split into ("n", value) numbers, ("u", 10/100/1000) units and ("m", 万/亿) magnitudes."""
    tokens: list[tuple[str, int]] = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch.isdigit():
            j = i
            while j < len(s) and s[j].isdigit():
                j += 1
            tokens.append(("n", int(s[i:j])))
            i = j
            continue
        if ch in CN_DIGITS:
            tokens.append(("z" if CN_DIGITS[ch] == 0 else "n", CN_DIGITS[ch]))
        elif ch in CN_UNITS:
            tokens.append(("u", CN_UNITS[ch]))
        elif ch in CN_MAGNITUDES:
            tokens.append(("m", CN_MAGNITUDES[ch]))
        elif ch == "k":
            tokens.append(("m", 1_000))
        elif ch == "w":
            tokens.append(("m", 10_000))
        else:
            raise NotANumber(original)
        i += 1
    return tokens


def _integer(tokens: list[tuple[str, int]]) -> int:
    """Integer value, splitting at the largest magnitude first (亿, then 万)."""
    for magnitude in (100_000_000, 10_000, 1_000):
        positions = [i for i, t in enumerate(tokens) if t == ("m", magnitude)]
        if positions:
            cut = positions[-1]
            high, low = tokens[:cut], tokens[cut + 1 :]
            if not high:
                raise NotANumber("magnitude without a number")
            # "一万二" is 12000: one bare digit after a magnitude is the next unit down.
            if len(low) == 1 and low[0][0] == "n" and low[0][1] < 10:
                return _integer(high) * magnitude + low[0][1] * magnitude // 10
            return _integer(high) * magnitude + (_integer(low) if low else 0)
    return _section(tokens)


def _section(tokens: list[tuple[str, int]]) -> int:
    """A value below 万: digits with 十/百/千, a spoken abbreviation, or a digit string."""
    if all(kind in "nz" for kind, _ in tokens):
        # "二零二六", "一二三": digits read one by one.
        return int("".join(str(v) for _, v in tokens)) if tokens else 0
    total = 0
    pending: int | None = None
    last_unit: int | None = None
    after_zero = False
    for kind, value in tokens:
        if kind == "n":
            if pending is not None:
                raise NotANumber("two numbers in a row")
            pending = value
        elif kind == "z":
            after_zero = True
        elif kind == "u":
            if last_unit is not None and value >= last_unit:
                raise NotANumber("units out of order")
            total += (1 if pending is None else pending) * value
            pending, last_unit, after_zero = None, value, False
        else:
            raise NotANumber("unexpected magnitude")
    if pending is not None:
        # "两千五" is 2500 and "一百五" 150, but "一百零五" is 105.
        if last_unit is not None and not after_zero and pending < 10:
            total += pending * last_unit // 10
        else:
            total += pending
    return total


def parse_english(text: str) -> Decimal:
    """Value of English number words: "two hundred and fifty" is 250, "a thousand" 1000."""
    total = 0
    current = 0
    seen = False
    for word in re.split(r"[\s-]+", text.strip()):
        if word in ("and", ""):
            continue
        if word in ("a", "an"):
            current = max(current, 1)
        elif word in EN_ONES:
            current += EN_ONES[word]
        elif word == "hundred":
            current = max(current, 1) * 100
        elif word in EN_SCALES:
            total += max(current, 1) * EN_SCALES[word]
            current = 0
        else:
            raise NotANumber(text)
        seen = True
    if not seen:
        raise NotANumber(text)
    return Decimal(total + current)


def small_number(text: str) -> int:
    """A small whole number written any way ("15", "十五", "fifteen"), e.g. a day or hour."""
    if text in EN_ONES:
        return EN_ONES[text]
    value = parse_numeral(text)
    if value != value.to_integral_value():
        raise NotANumber(text)
    return int(value)
