"""Money: Decimal amounts in ISO 4217 currencies, never floats.

Amounts cross every boundary as decimal strings ("12.34") and are stored as integer minor
units. Parsing is strict on purpose: a JSON number, an exponent, NaN, infinity or more
decimals than the currency has are refused rather than rounded, because silently rounding
someone's money is a bug the user only notices later.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from anxin.core.errors import InvalidInput

# ISO 4217 alphabetic code -> number of minor-unit digits.
MINOR_UNITS: dict[str, int] = {
    "AED": 2,
    "AUD": 2,
    "BHD": 3,
    "BRL": 2,
    "CAD": 2,
    "CHF": 2,
    "CLP": 0,
    "CNY": 2,
    "CZK": 2,
    "DKK": 2,
    "EUR": 2,
    "GBP": 2,
    "HKD": 2,
    "HUF": 2,
    "IDR": 2,
    "ILS": 2,
    "INR": 2,
    "ISK": 0,
    "JOD": 3,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "MOP": 2,
    "MXN": 2,
    "MYR": 2,
    "NOK": 2,
    "NZD": 2,
    "OMR": 3,
    "PHP": 2,
    "PLN": 2,
    "RUB": 2,
    "SAR": 2,
    "SEK": 2,
    "SGD": 2,
    "THB": 2,
    "TND": 3,
    "TRY": 2,
    "TWD": 2,
    "UGX": 0,
    "USD": 2,
    "VND": 0,
    "ZAR": 2,
}

SYMBOLS: Final = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "JP¥", "HKD": "HK$"}
"""Currency signs people recognise; other currencies are shown with their ISO code."""

_DECIMAL_TEXT = re.compile(r"^[+-]?(\d+)(\.(\d+))?$")


def minor_units(currency: str) -> int:
    """Digits after the decimal point for `currency`; unknown codes are refused."""
    try:
        return MINOR_UNITS[currency]
    except KeyError:
        raise InvalidInput(f"unknown currency {currency!r}", field="currency") from None


def check_currency(value: Any, field: str = "currency") -> str:
    """Return `value` as a known ISO 4217 code or raise `InvalidInput`."""
    if not isinstance(value, str) or value not in MINOR_UNITS:
        raise InvalidInput(f"unknown currency {value!r}", field=field)
    return value


def parse_decimal(value: Any, field: str = "amount") -> Decimal:
    """Parse a decimal string exactly; numbers, exponents, NaN and infinity are refused."""
    if not isinstance(value, str):
        raise InvalidInput('amount must be a decimal string such as "12.34"', field=field)
    text = value.strip()
    if not _DECIMAL_TEXT.match(text):
        raise InvalidInput(f"{value!r} is not a decimal amount", field=field)
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern already excludes these
        raise InvalidInput(f"{value!r} is not a decimal amount", field=field) from None


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount in one currency; arithmetic across currencies is an error."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        if not isinstance(self.amount, Decimal) or not self.amount.is_finite():
            raise InvalidInput("amount must be a finite Decimal", field="amount")
        _check_places(self.amount, check_currency(self.currency), "amount")

    @classmethod
    def parse(
        cls, value: Any, currency: str, *, positive: bool = False, field: str = "amount"
    ) -> Money:
        """Parse a JSON/CLI decimal string in `currency`; `positive` refuses zero and below."""
        currency = check_currency(currency)
        amount = parse_decimal(value, field)
        _check_places(amount, currency, field)
        if positive and amount <= 0:
            raise InvalidInput(f"amount must be greater than zero, got {value!r}", field=field)
        return cls(amount, currency)

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        return cls(Decimal(units).scaleb(-minor_units(currency)), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls.from_minor(0, currency)

    def to_minor(self) -> int:
        return int(self.amount.scaleb(minor_units(self.currency)))

    def __str__(self) -> str:
        """The canonical decimal string with exactly the currency's minor digits."""
        return format_minor(self.to_minor(), self.currency)

    def shown(self) -> str:
        """The amount as people read it: `¥1,234.50`, `-$3.00`, `JP¥12,000`, `THB 3.20`."""
        digits = minor_units(self.currency)
        symbol = SYMBOLS.get(self.currency, f"{self.currency} ")
        sign = "-" if self.amount < 0 else ""
        return f"{sign}{symbol}{abs(self.amount):,.{digits}f}"

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise InvalidInput(
                f"cannot combine {self.currency} with {other.currency}", field="currency"
            )

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount


def _check_places(amount: Decimal, currency: str, field: str) -> None:
    digits = minor_units(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-digits)):
        raise InvalidInput(f"{currency} allows {digits} decimal places, got {amount}", field=field)


def format_minor(units: int, currency: str) -> str:
    """Integer minor units as the decimal string clients see ("0.00" for CNY, "0" for JPY)."""
    digits = minor_units(currency)
    amount = Decimal(units).scaleb(-digits)
    return f"{amount:.{digits}f}"
