"""Payees, billers, products, goals, terms, and the placeholder text the classifier reads."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from nlu_cases import NOW

from anxin.assistant.nlu import Normalised, extract, normalise
from anxin.assistant.nlu.corpus import expand
from anxin.assistant.nlu.spans import MASK

CORPUS = Path(__file__).parents[2] / "src/anxin/assistant/nlu/corpus/intents.txt"


def slots(text: str) -> dict[str, str | int]:
    return extract(normalise(text), NOW).slots


@pytest.mark.parametrize(
    ("text", "payee"),
    [
        ("给妈妈转五百", "妈妈"),
        ("给老王转两千", "老王"),
        ("转1000给房东", "房东"),
        ("给我妈转钱", "妈"),
        ("给我的房东转房租", "房东"),
        ("向张三转账", "张三"),
        ("转账给李明华500", "李明华"),
        ("给王老师打款", "王老师"),
        ("给小李发个红包", "小李"),
        ("还老张800块", "老张"),
        ("帮我妈充话费", "妈"),
        ("給姐姐匯款五千", "姐姐"),
        ("Send $50 to Alice", "Alice"),
        ("send mum 200 yuan", "mum"),
        ("transfer 300 to my landlord", "landlord"),
        ("pay Bob back", "Bob"),
        ("send 50 to alice", "alice"),
        ("wire 100 euros to Anna Schmidt", "Anna Schmidt"),
        ("top up phone credit for mum", "mum"),
    ],
)
def test_payees_as_said(text: str, payee: str) -> None:
    assert slots(text).get("payee") == payee


@pytest.mark.parametrize(
    "text",
    [
        "给我转五百",
        "给信用卡还款",
        "给手机充值",
        "提醒我给房租",
        "transfer 500 to my savings account",
        "give me tips to improve my finances",
        "how long does a transfer take",
        "send a parcel to Shanghai",
        "save for my kid's education",
    ],
)
def test_no_payee(text: str) -> None:
    assert "payee" not in slots(text)


@pytest.mark.parametrize(
    ("text", "biller"),
    [
        ("交电费", "electricity"),
        ("pay the electric bill", "electricity"),
        ("交水费", "water"),
        ("pay my water bill", "water"),
        ("燃气费", "gas"),
        ("煤气", "gas"),
        ("pay the gas bill", "gas"),
        ("话费", "mobile"),
        ("充话费", "mobile"),
        ("手机充值", "mobile"),
        ("top up my phone", "mobile"),
        ("宽带", "broadband"),
        ("网费", "broadband"),
        ("internet bill", "broadband"),
        ("物业费", "property"),
        ("物业管理费", "property"),
        ("暖气费", "heating"),
        ("供暖费", "heating"),
        ("heating bill", "heating"),
    ],
)
def test_billers(text: str, biller: str) -> None:
    assert slots(text).get("biller") == biller


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("买沪深300", "index_fund"),
        ("货币基金", "money_market_fund"),
        ("买基金", "fund"),
        ("黄金", "gold"),
        ("存定期", "time_deposit"),
        ("理财产品", "wealth_product"),
        ("车险理赔", "car_insurance"),
        ("订机票", "flight"),
        ("打个车", "taxi"),
        ("点外卖", "food_delivery"),
        ("申请房贷", "mortgage"),
        ("invest in an S&P 500 fund", "index_fund"),
        ("a car loan", "car_loan"),
        ("book a hotel", "hotel"),
    ],
)
def test_products(text: str, product: str) -> None:
    assert slots(text).get("product") == product


@pytest.mark.parametrize(
    ("text", "goal"),
    [
        ("存钱去旅游", "travel"),
        ("save for a trip", "travel"),
        ("攒钱买车", "car"),
        ("save up for a new car", "car"),
        ("存首付", "house"),
        ("为结婚存钱", "wedding"),
        ("应急资金", "emergency"),
        ("start a retirement fund", "retirement"),
        ("旅游基金", "travel"),
    ],
)
def test_goals(text: str, goal: str) -> None:
    found = slots(text)
    assert found.get("goal") == goal
    assert "product" not in found  # "旅游基金" is a goal, not a fund to buy


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("分12期", 12),
        ("借五万分24期", 24),
        ("3个月定期", 3),
        ("借一年", 12),
        ("贷款20万30年", 360),
        ("两年期定期", 24),
        ("borrow 5000 for 12 months", 12),
        ("a 6 month loan", 6),
        ("loan over 2 years", 24),
    ],
)
def test_terms(text: str, months: int) -> None:
    assert slots(text).get("term_months") == months


@pytest.mark.parametrize("text", ["最近三个月的账单", "过去一年花了多少", "3个月后提醒我"])
def test_periods_are_not_terms(text: str) -> None:
    assert "term_months" not in slots(text)


@pytest.mark.parametrize(
    ("text", "placeholders"),
    [
        ("给妈妈转五百", "给{PAYEE}转{AMOUNT}"),
        ("帮我交这个月的电费", "帮我交{DATE}的{BILLER}"),
        ("每月15号自动还信用卡", "{FREQ}自动还信用卡"),
        ("Send $50 to Alice tomorrow", "send {AMOUNT} to {PAYEE} {DATE}"),
        ("工资的三成存定期", "工资的{PCT}存{FUND}"),
        ("把1000人民币换成美元", "把{AMOUNT}换成{CUR}"),
        ("我想借5万分12期", "我想借{AMOUNT}{TERM}"),
    ],
)
def test_placeholder_text(text: str, placeholders: str) -> None:
    assert extract(normalise(text), NOW).placeholder_text == placeholders


def test_corpus_is_written_as_the_entity_layer_sees_text() -> None:
    """Every training line must come back unchanged from the entity layer, or the classifier
    would learn from text it never sees at run time."""
    placeholder = re.compile(r"\{[A-Z]+\}")
    mismatches = []
    for raw in CORPUS.read_text("utf-8").splitlines():
        if not raw.strip() or raw.startswith("#") or re.fullmatch(r"\[[a-z_]+\]", raw):
            continue
        for variant in expand(raw):
            line = " ".join(variant.split())
            # Corpus lines are already normalised; their placeholders stand for masked spans.
            masked = placeholder.sub(MASK, line)
            seen = extract(Normalised(masked, masked), NOW).placeholder_text
            parts = seen.split(MASK)
            tokens = placeholder.findall(line)
            restored = parts[0] + "".join(t + p for t, p in zip(tokens, parts[1:], strict=True))
            if restored != line:
                mismatches.append(line)
    assert not mismatches, mismatches[:10]
