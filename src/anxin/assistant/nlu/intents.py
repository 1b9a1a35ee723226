"""Intent decision: high-precision patterns, a calibrated classifier, and "unknown".

Money-moving requests ("给{PAYEE}转{AMOUNT}", "交{BILLER}") have fixed shapes; a pattern that
matches one is right far more often than a statistical guess, and needs no model at all, so
such utterances are decided without loading the classifier. Everything else goes to the
classifier (trained with scikit-learn, shipped as data and scored with numpy: see
`intent_model`), and an answer it is not confident about becomes `unknown`, because acting on a
wrong guess (or answering off-topic chatter as if it were banking) is worse than asking.

Patterns read the placeholder text from the entity layer and stand down when the sentence is
a question about the feature ("怎么转账", "how long does a transfer take"): those are FAQ.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass

from anxin.assistant.nlu.classifier import ClassifierConfig
from anxin.assistant.nlu.compiled import CompiledClassifier
from anxin.assistant.nlu.spans import SlotValue

INTENTS = (
    "balance_query",
    "transfer",
    "bill_pay",
    "transactions_query",
    "savings_goal",
    "card_repay",
    "invest",
    "salary_split",
    "loan_apply",
    "credit_query",
    "health_check",
    "risk_assessment",
    "card_freeze",
    "fx_exchange",
    "reminder",
    "insurance_claim",
    "life_service",
    "faq",
    "unknown",
)

# Below this probability the classifier's best guess is not trusted. It trades in-scope
# accuracy against catching chatter; benchmarks/assistant.py prints the trade-off, measured by
# cross-validation on the corpus.
UNKNOWN_THRESHOLD = 0.3
CONFIG = ClassifierConfig()

_QUESTION = re.compile(
    r"怎么|如何|怎样|为什么|为啥|多久|手续费|费率|限额|上限|多长时间|安全吗|流程|步骤|什么意思|多少|"
    r"几[天点号个笔]|查|记录|明细|吗|\?|"
    r"\bhow\b|\bwhy\b|\bfees?\b|\blimits?\b|\bwhat\b|\bdid\b|\bhistory\b|\bcan i\b"
)
_NO_PAYEE_TARGETS = re.compile(r"\{BILLER\}|\{SERVICE\}|\{FUND\}|\{LOAN\}|信用卡|credit card")

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (intent, re.compile(pattern))
    for intent, pattern in (
        (
            "reminder",
            r"提醒我|提醒一下|记得提醒|设.{0,10}提醒|提醒[吧呢。!]*$|别让我忘"
            r"|\bremind me\b|\bset (?:a|an) (?:\w+ )?reminder\b|don't let me forget",
        ),
        (
            "card_freeze",
            r"(?<!解)(?:冻结|挂失|锁定|锁住|锁上|停用).{0,4}卡|卡.{0,3}(?:丢了|被偷|被盗|丢失)"
            r"|\b(?:freeze|lock|block)\b.{0,12}\bcard\b|\bcard\b.{0,12}\b(?:stolen|lost)\b"
            r"|\blost my (?:credit |debit )?card\b",
        ),
        (
            "salary_split",
            r"(?:工资|薪水|薪资|发薪|salary|paycheck|paycheque).{0,20}\{PCT\}"
            r"|\{PCT\}.{0,8}(?:工资|薪水|salary|paycheck)|split my (?:salary|paycheck|pay)\b",
        ),
        (
            "card_repay",
            r"还(?:款|清|掉|一下)?.{0,8}信用卡|信用卡.{0,8}(?:还款|还钱|还了|还清|还掉|还一下|自动还)"
            r"|\b(?:pay|repay|pay off|clear|settle)\b.{0,12}\bcredit card\b"
            r"|\bcredit card (?:payment|bill)\b",
        ),
        (
            "bill_pay",
            r"(?:交|缴|付|充|续费|缴纳|支付).{0,10}\{BILLER\}|\{BILLER\}.{0,8}(?:交|缴|付|充)"
            r"|\b(?:pay|top up|top-up|recharge|settle)\b.{0,15}\{BILLER\}",
        ),
        (
            "fx_exchange",
            r"(?:换成|兑换成|兑成|换|兑换|买点|买)\{CUR\}|\{AMOUNT\}.{0,4}(?:换成|兑换成|兑成)"
            r"|\b(?:exchange|convert)\b.{0,25}\b(?:to|into|for)\b \{CUR\}",
        ),
        (
            "invest",
            r"(?:买|买入|申购|定投|投资|购买|加仓|存|\bbuy\b|\binvest\b|\bpurchase\b).{0,12}\{FUND\}",
        ),
        (
            # "买1万日元", "buy 300 euros": buying an amount of a foreign currency (the
            # currency is checked in `match_pattern`; "买{AMOUNT}的{FUND}" matched above).
            "fx_exchange",
            r"(?:买|购汇|换|兑换|兑|\bbuy\b|\bget\b|\border\b)\s*(?:一些|点|some)?\s*\{AMOUNT\}$",
        ),
        (
            "savings_goal",
            r"(?:存|攒|储蓄|\bsave\b|\bsaving\b|put aside|set aside).{0,15}\{GOAL\}"
            r"|\{GOAL\}.{0,6}(?:存钱|攒钱|基金|储蓄|\bfund\b)|(?:存钱|攒钱|储蓄)目标|savings goal",
        ),
        (
            "transfer",
            r"(?:给|向)\{PAYEE\}.{0,6}(?:转|汇|打钱|打款|打个|发.{0,12}红包)"
            r"|(?:转|汇|打|付)[账款钱]?给\{PAYEE\}|(?<![购换结])(?:转|汇)(?:账)?\{AMOUNT\}"
            r"|还\{PAYEE\}\{AMOUNT\}"
            r"|\b(?:send|transfer|wire|pay|give|lend|venmo|remit)\b.{0,30}\{PAYEE\}",
        ),
        (
            "loan_apply",
            r"(?:借|贷款|贷)\{AMOUNT\}|(?:申请|办|办理).{0,3}(?:\{LOAN\}|贷款|借款)"
            r"|\b(?:borrow|loan of|lend me)\b.{0,10}\{AMOUNT\}|\bapply for an? (?:loan|\{LOAN\})",
        ),
    )
)


@dataclass(frozen=True, slots=True)
class IntentDecision:
    """The intent, how sure we are, and which part of the ensemble decided it."""

    intent: str
    confidence: float
    source: str  # "pattern", "classifier" or "threshold"


# Conversions are questions ("100美元能换多少人民币", "how much is 100 usd in euros") yet never
# FAQ: they are checked before questions make the other patterns stand down.
_CONVERSION = re.compile(
    r"\{AMOUNT\}.{0,6}(?:能|可以)?(?:换|兑换|兑)?(?:多少|几)\{CUR\}"
    r"|\{AMOUNT\}.{0,3}(?:等于|是|合)多少\{CUR\}"
    r"|\{AMOUNT\} (?:in|into|to) \{CUR\}"
)


def match_pattern(placeholder_text: str, slots: Mapping[str, SlotValue]) -> str | None:
    """The intent of the first high-precision pattern that matches, if any."""
    if _CONVERSION.search(placeholder_text):
        return "fx_exchange"
    if _QUESTION.search(placeholder_text):
        return None
    foreign = slots.get("currency", "CNY") != "CNY"
    for intent, pattern in _PATTERNS:
        if pattern.search(placeholder_text):
            if intent == "transfer" and _NO_PAYEE_TARGETS.search(placeholder_text):
                continue
            if intent == "fx_exchange" and "{CUR}" not in placeholder_text and not foreign:
                continue
            return intent
    return None


@functools.cache
def intent_classifier() -> CompiledClassifier:
    """The classifier trained on the shipped corpus, loaded from its file on first use.

    `intent_model` (which imports this module for `CONFIG`) trains and writes that file.
    """
    from anxin.assistant.nlu.intent_model import load

    return load()


def classify(placeholder_text: str, threshold: float = UNKNOWN_THRESHOLD) -> IntentDecision:
    """The classifier's answer, or `unknown` when its confidence is under `threshold`."""
    prediction = intent_classifier().predict(placeholder_text)
    if prediction.confidence < threshold:
        return IntentDecision("unknown", prediction.confidence, "threshold")
    return IntentDecision(prediction.label, prediction.confidence, "classifier")


def decide(placeholder_text: str, slots: Mapping[str, SlotValue]) -> IntentDecision:
    """Patterns first, then the classifier with its out-of-scope threshold."""
    intent = match_pattern(placeholder_text, slots)
    if intent is not None:
        return IntentDecision(intent, 1.0, "pattern")
    return classify(placeholder_text)
