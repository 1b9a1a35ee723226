"""The entity layer: every finder in a fixed order, merged into slots and a placeholder text.

Order matters and is the design: dates and times first (they hold numbers: "12月1号", "8点半"),
then loan and deposit terms ("分12期"), percentages ("三成"), named things (billers, products,
goals, so "沪深300" is not 300 yuan), amounts, currencies named alone, and payees last (they
are found by the words around them, which must already be free of amounts). Each finder masks
what it took. The placeholder text ("给{PAYEE}转{AMOUNT}") is what the intent layer reads, so
the classifier learns sentence shapes rather than particular names and numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from anxin.assistant.nlu.amounts import find_amounts, find_percents
from anxin.assistant.nlu.currencies import find_currencies
from anxin.assistant.nlu.dates import find_dates
from anxin.assistant.nlu.lexicon import find_lexicon
from anxin.assistant.nlu.normalise import Normalised
from anxin.assistant.nlu.numbers import NUMERAL, NotANumber, parse_numeral
from anxin.assistant.nlu.payees import find_payees
from anxin.assistant.nlu.spans import MASK, SlotValue, Span, mask

SLOT_ORDER = (
    "amount",
    "currency",
    "target_currency",
    "percent",
    "payee",
    "biller",
    "product",
    "goal",
    "date",
    "time",
    "frequency",
    "day_of_month",
    "term_months",
)

# Numbers that identify rather than count: phone and card numbers are never amounts.
_IDENTIFIERS = re.compile(
    r"(?:尾号|卡号|账号|手机号|号码|ending in|ending|last (?:four|4) digits)\s*(?:是|为|:)?\s*\d+"
    r"|(?<!\d)1[3-9]\d{9}(?!\d)|(?<![\d.])\d{12,19}(?!\d)"
)

_TERM_CONTEXT = re.compile(
    r"借|贷|期限|为期|分期|定期|定存|存|loan|borrow|term|deposit|repay|instal"
)
_TERM_RE = re.compile(
    rf"分(?P<n1>{NUMERAL})期"
    rf"|(?<!第)(?P<n2>{NUMERAL})期(?!间|限)"
    rf"|(?P<n3>{NUMERAL})个月(?!后|以后|之后|前|以前|之前|内)"
    rf"|(?P<half>半年)(?!前|后)"
    rf"|(?P<n4>{NUMERAL})年(?P<half4>半)?(?P<qi>期)?(?!前|后|以后|之后|底|初|末|级|内)"
    r"|(?P<n5>\d{1,3}|one|two|three|four|five|six|a)[ -](?P<u5>months?|years?)"
    r"(?!\s+(?:ago|from now|later))"
)
_EN_SMALL = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_PERIOD_BEFORE = re.compile(r"(?:近|最近|过去|前|这|上|头|last|past|next|in|within)\s*$")


@dataclass(frozen=True, slots=True)
class Entities:
    """What the entity layer found: merged slots, every span, and the placeholder text."""

    slots: dict[str, SlotValue]
    spans: tuple[Span, ...]
    placeholder_text: str


def find_terms(text: str) -> list[Span]:
    """Loan and deposit terms in months: "分12期", "3个月", "一年定期", "for 2 years"."""
    spans: list[Span] = []
    for m in _TERM_RE.finditer(text):
        if _PERIOD_BEFORE.search(text, max(0, m.start() - 6), m.start()):
            continue
        try:
            months = _term_months(m, text)
        except NotANumber:
            continue
        if months is not None and 0 < months <= 600:
            spans.append(Span(m.start(), m.end(), "TERM", {"term_months": months}))
    return spans


def _term_months(m: re.Match[str], text: str) -> int | None:
    if m.group("n1") or m.group("n2") or m.group("n3"):
        return int(parse_numeral(m.group("n1") or m.group("n2") or m.group("n3")))
    context = text[max(0, m.start() - 20) : m.end() + 14]
    if not (m.group("qi") or _TERM_CONTEXT.search(context)):
        return None
    if m.group("half"):
        return 6
    if m.group("n4"):
        years = parse_numeral(m.group("n4"))
        return int(years * 12) + (6 if m.group("half4") else 0)
    count = _EN_SMALL.get(m.group("n5")) or int(m.group("n5"))
    return count * (12 if m.group("u5").startswith("year") else 1)


def extract(normalised: Normalised, now: datetime) -> Entities:
    """Find every entity in `normalised` and merge them into slots."""
    text = normalised.text
    identifiers_hidden = _IDENTIFIERS.sub(lambda m: MASK * len(m.group()), text)
    hidden = identifiers_hidden
    spans: list[Span] = []
    for finder in (
        lambda t: find_dates(t, now),
        find_terms,
        find_percents,
        find_lexicon,
        find_amounts,
        find_currencies,
    ):
        found = [s for s in finder(hidden) if MASK not in hidden[s.start : s.end]]
        spans.extend(found)
        hidden = mask(hidden, found)
    # A goal says what the money is for, never who gets it ("给孩子上大学" names no payee), so
    # payees are looked for with goals visible again.
    visible = mask(identifiers_hidden, [s for s in spans if s.kind != "GOAL"])
    spans.extend(
        s for s in find_payees(visible, normalised.cased) if MASK not in hidden[s.start : s.end]
    )
    spans.sort(key=lambda s: s.start)
    return Entities(_merge(spans), tuple(spans), _placeholders(text, spans))


def _merge(spans: list[Span]) -> dict[str, SlotValue]:
    """First mention wins; a second currency named alone is the one exchanged into."""
    slots: dict[str, SlotValue] = {}
    for span in sorted(spans, key=lambda s: (s.kind == "CUR", s.start)):
        for name, value in span.slots.items():
            if span.kind == "CUR" and name == "currency" and "currency" in slots:
                if slots["currency"] != value:
                    slots.setdefault("target_currency", value)
                continue
            slots.setdefault(name, value)
    return {name: slots[name] for name in SLOT_ORDER if name in slots}


def _placeholders(text: str, spans: list[Span]) -> str:
    parts: list[str] = []
    position = 0
    for span in spans:
        parts.append(text[position : span.start])
        parts.append("{" + span.kind + "}")
        position = span.end
    parts.append(text[position:])
    return "".join(parts)
