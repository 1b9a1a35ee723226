"""Currencies: how people name them before or after an amount, or on their own.

Every name maps to an ISO 4217 code. Short forms (元, 块, 欧, 刀, "won") are read as
currencies only right after a number; full names ("美元", "euros") also stand alone, as in
"换成美元" or "how many euros do I have", where the words before them say whether it is the
currency exchanged into (`target_currency`).
"""

from __future__ import annotations

import re

from anxin.assistant.nlu.spans import Span

# Said after a number. Single characters (元, 块, 欧, 刀) are currencies only there.
SUFFIX_CURRENCIES: dict[str, str] = {
    "元人民币": "CNY",
    "人民币": "CNY",
    "块钱": "CNY",
    "块": "CNY",
    "元": "CNY",
    "圆": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "yuan": "CNY",
    "kuai": "CNY",
    "美元": "USD",
    "美金": "USD",
    "美刀": "USD",
    "刀": "USD",
    "usd": "USD",
    "us dollars": "USD",
    "dollars": "USD",
    "dollar": "USD",
    "bucks": "USD",
    "欧元": "EUR",
    "欧": "EUR",
    "eur": "EUR",
    "euros": "EUR",
    "euro": "EUR",
    "日元": "JPY",
    "日币": "JPY",
    "円": "JPY",
    "jpy": "JPY",
    "yen": "JPY",
    "英镑": "GBP",
    "镑": "GBP",
    "gbp": "GBP",
    "pounds": "GBP",
    "pound": "GBP",
    "quid": "GBP",
    "港币": "HKD",
    "港元": "HKD",
    "港纸": "HKD",
    "hkd": "HKD",
    "hong kong dollars": "HKD",
    "泰铢": "THB",
    "thb": "THB",
    "baht": "THB",
    "韩元": "KRW",
    "韩币": "KRW",
    "krw": "KRW",
    "won": "KRW",
    "新台币": "TWD",
    "台币": "TWD",
    "twd": "TWD",
    "澳门币": "MOP",
    "澳门元": "MOP",
    "mop": "MOP",
    "新加坡元": "SGD",
    "新币": "SGD",
    "sgd": "SGD",
    "singapore dollars": "SGD",
    "澳元": "AUD",
    "澳币": "AUD",
    "aud": "AUD",
    "australian dollars": "AUD",
    "加元": "CAD",
    "加币": "CAD",
    "cad": "CAD",
    "canadian dollars": "CAD",
    "瑞士法郎": "CHF",
    "瑞郎": "CHF",
    "chf": "CHF",
    "swiss francs": "CHF",
    "林吉特": "MYR",
    "令吉": "MYR",
    "马币": "MYR",
    "myr": "MYR",
    "ringgit": "MYR",
    "越南盾": "VND",
    "vnd": "VND",
    "卢布": "RUB",
    "rub": "RUB",
    "roubles": "RUB",
    "rubles": "RUB",
    "印度卢比": "INR",
    "卢比": "INR",
    "inr": "INR",
    "rupees": "INR",
    "新西兰元": "NZD",
    "纽币": "NZD",
    "nzd": "NZD",
    "印尼盾": "IDR",
    "idr": "IDR",
    "rupiah": "IDR",
    "迪拉姆": "AED",
    "aed": "AED",
    "dirhams": "AED",
    "菲律宾比索": "PHP",
    "php": "PHP",
}

# Said before a number: symbols and ISO codes ("$300", "HK$50", "USD 100", "¥1,200").
PREFIX_CURRENCIES: dict[str, str] = {
    "us$": "USD",
    "hk$": "HKD",
    "s$": "SGD",
    "a$": "AUD",
    "c$": "CAD",
    "nt$": "TWD",
    "$": "USD",
    "¥": "CNY",
    "€": "EUR",
    "£": "GBP",
    "₩": "KRW",
    "฿": "THB",
    "₹": "INR",
    "rmb": "CNY",
    "cny": "CNY",
    "usd": "USD",
    "eur": "EUR",
    "gbp": "GBP",
    "jpy": "JPY",
    "hkd": "HKD",
    "thb": "THB",
    "sgd": "SGD",
    "aud": "AUD",
    "cad": "CAD",
    "krw": "KRW",
    "twd": "TWD",
}

# Currency names that mean a currency on their own ("换成美元", "how many euros"): the short
# forms above (元, 块, 块钱, 欧, 刀, won) are too ambiguous without a number before them.
STANDALONE_CURRENCIES: dict[str, str] = {
    word: code
    for word, code in SUFFIX_CURRENCIES.items()
    if (len(word) > 1 and not word.isascii() and word != "块钱")
    or word in ("usd", "eur", "gbp", "jpy", "hkd")
} | {
    "rmb": "CNY",
    "us dollars": "USD",
    "dollars": "USD",
    "dollar": "USD",
    "euros": "EUR",
    "euro": "EUR",
    "yen": "JPY",
    "pounds": "GBP",
    "british pounds": "GBP",
    "hong kong dollars": "HKD",
    "baht": "THB",
    "yuan": "CNY",
    "renminbi": "CNY",
    "chinese yuan": "CNY",
    "singapore dollars": "SGD",
    "australian dollars": "AUD",
    "canadian dollars": "CAD",
    "swiss francs": "CHF",
}


def alternation(words: dict[str, str]) -> str:
    """One regex alternative per word, longest first so "美元" wins over "元"."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_STANDALONE_RE = re.compile(rf"(?<![a-z])(?:{alternation(STANDALONE_CURRENCIES)})(?![a-z])")
_TARGET_BEFORE = re.compile(
    r"(?:(?:换成|换到|换|兑换成|兑换|兑成|兑|买|转成)(?:一些|一点|点|些)?"
    r"|\b(?:to|into|in|for|buy|some))\s*$"
)


def find_currencies(text: str) -> list[Span]:
    """Currencies named without an amount, as `currency`, or `target_currency` when the words
    before them say it is the one exchanged into ("换成美元", "into yen")."""
    spans: list[Span] = []
    for m in _STANDALONE_RE.finditer(text):
        target = _TARGET_BEFORE.search(text, max(0, m.start() - 6), m.start()) is not None
        spans.append(
            Span(
                m.start(),
                m.end(),
                "CUR",
                {"target_currency" if target else "currency": STANDALONE_CURRENCIES[m.group()]},
            )
        )
    return spans
