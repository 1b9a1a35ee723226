"""The evaluation sets must stay above the quality goals (intent 97 %, slots 95 %)."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from nlu_cases import NOW

from anxin.assistant.nlu import INTENTS, parse
from anxin.assistant.nlu.evaluation import Example, evaluate, load_examples

DATA = Path(__file__).parent / "data"
INTENT_GOAL = 0.97
SLOT_GOAL = 0.95


def chinese_share(examples: list[Example]) -> float:
    return sum(bool(re.search(r"[\u4e00-\u9fff]", e.text)) for e in examples) / len(examples)


def test_eval_set_shape() -> None:
    examples = load_examples(DATA / "eval.tsv")
    assert len(examples) >= 600
    assert chinese_share(examples) >= 0.6
    assert {e.intent for e in examples} == set(INTENTS)
    assert all(e.text == e.text.strip() for e in examples)


@pytest.mark.parametrize("name", ["eval.tsv", "holdout.tsv", "holdout2.tsv"])
def test_accuracy_goals(name: str) -> None:
    report = evaluate(load_examples(DATA / name), parse, NOW)
    errors = [(e.text, e.intent, p.intent, e.slots, p.slots) for e, p in report.errors]
    assert report.intent_accuracy >= INTENT_GOAL, errors
    assert report.slot_accuracy >= SLOT_GOAL, errors


def test_the_goal_test_can_fail() -> None:
    """A parser that always says `unknown` must fall far below the goals."""
    from anxin.assistant.nlu.parser import Parse

    def lazy(text: str, now: datetime) -> Parse:
        return Parse(text, "unknown", {}, 0.0, "threshold", text)

    report = evaluate(load_examples(DATA / "eval.tsv"), lazy, NOW)
    assert report.intent_accuracy < INTENT_GOAL
    assert report.slot_accuracy < SLOT_GOAL
