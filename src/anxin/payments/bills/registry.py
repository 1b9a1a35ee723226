"""The billers Anxin pays and the shape of each one's account numbers. Pure data.

Each biller receives money into its own ledger account (kind "biller"), opened the first
time someone pays it. The due day and the late fee are the biller's terms, so they live
here rather than in any one connector.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from anxin.core.errors import InvalidInput

BILLING_TZ = ZoneInfo("Asia/Shanghai")
"""Billers count days (issue, due, overdue) on mainland China time, whatever the server's."""


@dataclass(frozen=True, slots=True)
class BillerInfo:
    code: str
    name_zh: str
    name_en: str
    account_hint: str
    account_pattern: re.Pattern[str]
    example: str
    due_day: int
    """Day of the issue month by which the bill must be paid (clamped to the month's end)."""
    late_fee_bp_per_day: int
    """Late fee (滞纳金/违约金) per overdue day, in basis points of the bill amount."""


def _biller(
    code: str, zh: str, en: str, hint: str, pattern: str, example: str, due: int, fee: int
) -> BillerInfo:
    return BillerInfo(code, zh, en, hint, re.compile(pattern), example, due, fee)


BILLERS: dict[str, BillerInfo] = {
    b.code: b
    for b in (
        _biller("electricity", "电费", "Electricity", "10-digit customer number (户号)",
                r"\d{10}", "0312345678", 25, 10),
        _biller("water", "水费", "Water", "8-10 digit customer number (户号)",
                r"\d{8,10}", "20231234", 20, 10),
        _biller("gas", "燃气费", "Gas", "8-12 digit gas account (燃气户号)",
                r"\d{8,12}", "88001234", 20, 10),
        _biller("mobile", "话费", "Mobile", "11-digit mainland mobile number",
                r"1[3-9]\d{9}", "13800138000", 22, 0),
        _biller("broadband", "宽带", "Broadband", "broadband account: 6-20 letters or digits",
                r"[A-Za-z0-9]{6,20}", "ad0271234567", 15, 0),
        _biller("property", "物业费", "Property management", "building-unit-room, e.g. 3-2-1502",
                r"\d{1,3}-\d{1,2}-\d{3,4}", "3-2-1502", 28, 3),
        _biller("heating", "暖气费", "Heating", "8-12 digit heating account (供热户号)",
                r"\d{8,12}", "66001234", 30, 5),
    )
}  # fmt: skip

_SEPARATORS = re.compile(r"[\s_]+")


def biller_info(code: str) -> BillerInfo:
    """The biller called `code`, or a 422 that lists the ones there are."""
    try:
        return BILLERS[code]
    except KeyError:
        known = ", ".join(BILLERS)
        raise InvalidInput(f"unknown biller {code!r}; billers: {known}", field="biller") from None


def normalise_account_number(info: BillerInfo, raw: str, field: str = "account_number") -> str:
    """The account number as the biller writes it, or a 422 saying what it should look like.

    Spaces are dropped (people copy numbers from paper bills in groups); a mobile number may
    carry the +86 country code.
    """
    text = _SEPARATORS.sub("", raw.strip())
    if info.code == "mobile":
        text = text.removeprefix("+86").removeprefix("0086").replace("-", "")
    if not info.account_pattern.fullmatch(text):
        raise InvalidInput(
            f"{info.name_en} accounts are a {info.account_hint}, e.g. {info.example}", field=field
        )
    return text.lower() if info.code == "broadband" else text
