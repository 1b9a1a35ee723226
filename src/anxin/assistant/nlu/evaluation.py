"""Scoring `parse` against a labelled set: intent accuracy, slot accuracy, confusions.

Shared by the test that guards the quality goals and by the benchmark that reports them, so
both measure the same thing. The set's format is one utterance a line,
`intent<TAB>text<TAB>name=value;name=value`, with `#` comment lines.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from anxin.assistant.nlu.parser import Parse
from anxin.assistant.nlu.spans import SlotValue

_INT_SLOTS = frozenset({"day_of_month", "term_months"})


@dataclass(frozen=True, slots=True)
class Example:
    intent: str
    text: str
    slots: dict[str, SlotValue]


@dataclass(slots=True)
class Report:
    """Counts from one pass over a labelled set."""

    total: int = 0
    intents_right: int = 0
    slots_right: int = 0  # utterances whose slots are exactly the expected ones
    slot_true_positives: int = 0
    slot_false_positives: int = 0
    slot_false_negatives: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    per_intent: Counter[str] = field(default_factory=Counter)
    errors: list[tuple[Example, Parse]] = field(default_factory=list)

    @property
    def intent_accuracy(self) -> float:
        return self.intents_right / self.total if self.total else 0.0

    @property
    def slot_accuracy(self) -> float:
        return self.slots_right / self.total if self.total else 0.0

    @property
    def slot_f1(self) -> float:
        tp = self.slot_true_positives
        denominator = 2 * tp + self.slot_false_positives + self.slot_false_negatives
        return 2 * tp / denominator if denominator else 1.0

    def intent_recall(self, intent: str) -> float:
        wrong = sum(n for (gold, _), n in self.confusions.items() if gold == intent)
        total = self.per_intent[intent]
        return (total - wrong) / total if total else 1.0


def load_examples(path: Path) -> list[Example]:
    """Read a labelled set in the tab-separated format above."""
    examples: list[Example] = []
    for number, raw in enumerate(path.read_text("utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        parts = raw.split("\t")
        if len(parts) != 3:
            raise ValueError(f"{path}:{number}: expected intent<TAB>text<TAB>slots")
        intent, text, slot_text = parts
        slots: dict[str, SlotValue] = {}
        for item in filter(None, slot_text.split(";")):
            name, _, value = item.partition("=")
            slots[name] = int(value) if name in _INT_SLOTS else value
        examples.append(Example(intent, text, slots))
    return examples


def evaluate(
    examples: Iterable[Example], parse: Callable[[str, datetime], Parse], now: datetime
) -> Report:
    """Parse every example at `now` and count what came out right."""
    report = Report()
    for example in examples:
        result = parse(example.text, now)
        report.total += 1
        report.per_intent[example.intent] += 1
        intent_ok = result.intent == example.intent
        slots_ok = result.slots == example.slots
        report.intents_right += intent_ok
        report.slots_right += slots_ok
        if not intent_ok:
            report.confusions[(example.intent, result.intent)] += 1
        got, want = set(result.slots.items()), set(example.slots.items())
        report.slot_true_positives += len(got & want)
        report.slot_false_positives += len(got - want)
        report.slot_false_negatives += len(want - got)
        if not (intent_ok and slots_ok):
            report.errors.append((example, result))
    return report
