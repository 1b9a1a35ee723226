"""Numerals: Chinese (with spoken abbreviations), financial Chinese, Arabic, English, mixes."""

from __future__ import annotations

from decimal import Decimal

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anxin.assistant.nlu.numbers import NotANumber, parse_english, parse_numeral


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("五百", "500"),
        ("一千二百五十", "1250"),
        ("两千五", "2500"),
        ("一万二", "12000"),
        ("一百五", "150"),
        ("一百零五", "105"),
        ("十五", "15"),
        ("十", "10"),
        ("二十", "20"),
        ("一百一", "110"),
        ("十万零五", "100005"),
        ("两万五千", "25000"),
        ("一亿二千万", "120000000"),
        ("一亿五", "150000000"),
        ("二零二六", "2026"),
        ("三点五", "3.5"),
        ("三点五万", "35000"),
        ("1.5万", "15000"),
        ("30万", "300000"),
        ("3万5千", "35000"),
        ("3千5", "3500"),
        ("3.5k", "3500"),
        ("5w", "50000"),
        ("1,200", "1200"),
        ("1,234.56", "1234.56"),
        ("壹仟贰佰伍拾", "1250"),
        ("伍佰", "500"),
        ("3.50", "3.5"),
    ],
)
def test_numerals(text: str, value: str) -> None:
    assert parse_numeral(text) == Decimal(value)
    assert str(parse_numeral(text)) == value  # canonical: no trailing zeros, no exponent


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("fifty", 50),
        ("two hundred and fifty", 250),
        ("a thousand", 1000),
        ("twenty-five", 25),
        ("one thousand five hundred", 1500),
        ("three million", 3_000_000),
    ],
)
def test_english_numbers(text: str, value: int) -> None:
    assert parse_english(text) == value


@pytest.mark.parametrize("text", ["", "万", "十十", "一二点", "abc"])
def test_malformed_numerals_are_refused(text: str) -> None:
    with pytest.raises(NotANumber):
        parse_numeral(text)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=999_999_999_999))
def test_agrees_with_cn2an_on_textbook_numerals(n: int) -> None:
    assert parse_numeral(cn2an.an2cn(n)) == n
    assert parse_numeral(cn2an.an2cn(n, "up")) == n


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=99_999_999, places=2, allow_nan=False))
def test_agrees_with_cn2an_on_decimals(value: Decimal) -> None:
    assert parse_numeral(cn2an.an2cn(str(value))) == value
