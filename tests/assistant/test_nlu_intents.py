"""Intents per family, the pattern/classifier ensemble and the out-of-scope decision."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nlu_cases import NOW

from anxin.assistant.nlu import INTENTS, SLOT_ORDER, TextClassifier, parse
from anxin.assistant.nlu.intents import classify, decide

FAMILIES = {
    "balance_query": ["我的余额还有多少", "how much money have I got"],
    "transfer": ["给爸爸转两千", "send 20 dollars to Chris"],
    "bill_pay": ["帮我缴燃气费", "pay the water bill"],
    "transactions_query": ["上周花了多少钱", "show me last month's transactions"],
    "savings_goal": ["我想存钱去旅行", "save for a vacation"],
    "card_repay": ["帮我还信用卡", "pay off my credit card"],
    "invest": ["买一万块的基金", "invest 500 in gold"],
    "salary_split": ["工资到账后三成存起来", "save 20% of my salary"],
    "loan_apply": ["我想借五万", "I want to borrow 3000"],
    "credit_query": ["我的信用额度是多少", "what's my credit score"],
    "health_check": ["帮我做个财务体检", "how healthy are my finances"],
    "risk_assessment": ["做一下风险测评", "what is my risk profile"],
    "card_freeze": ["冻结我的信用卡", "my card was stolen"],
    "fx_exchange": ["换一千美元", "convert 200 euros to yen"],
    "reminder": ["提醒我明天交电费", "remind me to pay rent on Friday"],
    "insurance_claim": ["我要申请理赔", "file a claim on my car insurance"],
    "life_service": ["帮我订一张去上海的火车票", "book a taxi"],
    "faq": ["转账手续费是多少", "how do I reset my password"],
    "unknown": ["今天天气怎么样", "tell me a joke"],
}


def test_every_intent_is_covered() -> None:
    assert set(FAMILIES) == set(INTENTS)


@pytest.mark.parametrize(
    ("intent", "text"), [(intent, text) for intent, texts in FAMILIES.items() for text in texts]
)
def test_intent_families(intent: str, text: str) -> None:
    assert parse(text, NOW).intent == intent


@pytest.mark.parametrize(
    ("text", "intent", "slots"),
    [
        ("每月15号自动还信用卡", "card_repay", {"frequency": "monthly", "day_of_month": 15}),
        (
            "每月1号给房东转3000",
            "transfer",
            {"amount": "3000", "payee": "房东", "frequency": "monthly", "day_of_month": 1},
        ),
        (
            "每周五定投500块基金",
            "invest",
            {
                "amount": "500",
                "currency": "CNY",
                "product": "fund",
                "frequency": "weekly",
                "date": "2026-11-27",
            },
        ),
        ("给妈妈充50话费", "bill_pay", {"amount": "50", "payee": "妈妈", "biller": "mobile"}),
        (
            "top up my phone with 100 yuan",
            "bill_pay",
            {"amount": "100", "currency": "CNY", "biller": "mobile"},
        ),
        ("每月15号提醒我还信用卡", "reminder", {"frequency": "monthly", "day_of_month": 15}),
        ("帮我存下个月旅游的钱", "savings_goal", {"goal": "travel", "date": "2026-12-01"}),
    ],
)
def test_recurring_and_composite_requests(text: str, intent: str, slots: dict[str, object]) -> None:
    result = parse(text, NOW)
    assert (result.intent, result.slots) == (intent, slots)


@pytest.mark.parametrize(
    ("text", "intent"),
    [("给妈妈转五百", "transfer"), ("交水费", "bill_pay"), ("还信用卡", "card_repay")],
)
def test_money_moving_shapes_are_decided_by_patterns(text: str, intent: str) -> None:
    result = parse(text, NOW)
    assert (result.intent, result.source, result.confidence) == (intent, "pattern", 1.0)


@pytest.mark.parametrize("text", ["怎么转账", "转账要手续费吗", "how do I pay my water bill"])
def test_questions_about_a_feature_are_not_requests(text: str) -> None:
    result = parse(text, NOW)
    assert result.source != "pattern"
    assert result.intent == "faq"


def test_low_confidence_becomes_unknown() -> None:
    decision = classify("给{PAYEE}转{AMOUNT}", threshold=1.01)
    assert (decision.intent, decision.source) == ("unknown", "threshold")
    assert decide("阿巴阿巴阿巴", {}).intent == "unknown"


def test_goal_words_outside_saving_are_not_goals() -> None:
    assert "goal" not in parse("我要贷款三十万买房", NOW).slots
    assert parse("我要贷款三十万买房", NOW).intent == "loan_apply"


def test_parse_is_deterministic_and_serialises_to_the_contract() -> None:
    first, second = parse("給媽媽轉八十八塊八", NOW), parse("給媽媽轉八十八塊八", NOW)
    assert first == second
    assert first.to_json() == {
        "text": "給媽媽轉八十八塊八",
        "intent": "transfer",
        "slots": {"amount": "88.8", "currency": "CNY", "payee": "妈妈"},
    }


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_any_text_parses_to_the_catalogue(text: str) -> None:
    result = parse(text, NOW)
    assert result.intent in INTENTS
    assert list(result.slots) == [name for name in SLOT_ORDER if name in result.slots]
    for name, value in result.slots.items():
        assert isinstance(value, int if name in ("day_of_month", "term_months") else str)


def test_classifier_machinery_handles_two_classes() -> None:
    texts = ["转账给朋友", "给妈妈转钱", "转一笔钱", "今天天气好", "讲个笑话", "唱首歌"]
    labels = ["transfer"] * 3 + ["unknown"] * 3
    model = TextClassifier.train(texts, labels)
    assert model.predict("给爸爸转钱").label == "transfer"
    assert model.predict("讲一个笑话").label == "unknown"
    assert 0.5 < model.predict("给爸爸转钱").confidence <= 1.0
