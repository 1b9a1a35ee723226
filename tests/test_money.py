"""Money parsing is strict: a wrong amount is refused, never rounded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anxin.core.errors import InvalidInput
from anxin.core.money import MINOR_UNITS, Money, format_minor


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [
        ("12.34", "CNY", 1234),
        ("12", "CNY", 1200),
        ("0.1", "USD", 10),
        ("500", "JPY", 500),
        ("1.234", "KWD", 1234),
        (" 7.00 ", "EUR", 700),
    ],
)
def test_parses_decimal_strings_exactly(text: str, currency: str, minor: int) -> None:
    assert Money.parse(text, currency).to_minor() == minor


@pytest.mark.parametrize(
    "value",
    [12.34, 12, None, "12.345", "1e3", "NaN", "Infinity", "-inf", "1,000", "", "¥12", "12.3.4"],
)
def test_refuses_anything_but_an_exact_decimal_string(value: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        Money.parse(value, "CNY")
    assert caught.value.field == "amount"


def test_positive_refuses_zero_and_negative() -> None:
    for text in ("0", "0.00", "-1.00"):
        with pytest.raises(InvalidInput):
            Money.parse(text, "CNY", positive=True)
    assert Money.parse("-1.00", "CNY").to_minor() == -100


def test_jpy_has_no_decimals_and_unknown_currency_is_refused() -> None:
    with pytest.raises(InvalidInput):
        Money.parse("1.5", "JPY")
    with pytest.raises(InvalidInput) as caught:
        Money.parse("1", "XYZ")
    assert caught.value.field == "currency"


def test_arithmetic_stays_in_one_currency() -> None:
    total = Money.parse("0.10", "CNY") + Money.parse("0.20", "CNY")
    assert str(total) == "0.30"
    with pytest.raises(InvalidInput):
        _ = Money.parse("1", "CNY") + Money.parse("1", "USD")


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(sorted(MINOR_UNITS)))
def test_minor_units_round_trip_through_text(units: int, currency: str) -> None:
    text = format_minor(units, currency)
    assert Money.parse(text, currency).to_minor() == units
    assert Money.from_minor(units, currency).amount == Decimal(text)


@pytest.mark.parametrize(
    ("amount", "currency", "shown"),
    [("1234.5", "CNY", "¥1,234.50"), ("-12", "CNY", "-¥12.00"), ("12000", "JPY", "JP¥12,000"),
     ("3.2", "THB", "THB 3.20"), ("1000000", "USD", "$1,000,000.00"),
     ("0.001", "BHD", "BHD 0.001")],
)  # fmt: skip
def test_money_is_shown_with_its_sign_grouping_and_minor_digits(
    amount: str, currency: str, shown: str
) -> None:
    assert Money(Decimal(amount), currency).shown() == shown
