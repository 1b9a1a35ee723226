"""Normalisation: width, traditional script and case, always keeping positions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anxin.assistant.nlu import normalise


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("ＡＰＰ里１２３元", "app里123元"),
        ("給媽媽轉五百塊錢", "给妈妈转五百块钱"),
        ("還信用卡一萬二", "还信用卡一万二"),
        ("Send $50 To ALICE", "send $50 to alice"),
        ("１．５万", "1.5万"),
        ("￥１，２００", "¥1，200"),  # the full-width comma stays a clause separator
        ("line\nbreak\ttab", "line break tab"),
    ],
)
def test_normalise(raw: str, text: str) -> None:
    assert normalise(raw).text == text


def test_cased_form_keeps_case_for_names() -> None:
    result = normalise("Send $50 to Alice")
    assert result.cased == "Send $50 to Alice"
    assert result.text == "send $50 to alice"


@given(st.text(max_size=40))
def test_positions_are_preserved(raw: str) -> None:
    result = normalise(raw)
    assert len(result.text) == len(result.cased) == len(raw)
