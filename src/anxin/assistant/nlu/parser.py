"""`parse(text, now)`: one utterance in, an intent and normalised slots out.

normalise (width, script, case) → entities (slots, placeholder text) → intent (patterns, then
the classifier, then the out-of-scope threshold). Pure: the same text and `now` always give
the same answer, and nothing is read from or written to anywhere but memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from anxin.assistant.nlu.entities import extract
from anxin.assistant.nlu.intents import decide
from anxin.assistant.nlu.normalise import normalise
from anxin.assistant.nlu.spans import SlotValue

# Goal words are everyday words ("买房", "trip", "学费"); they name a savings goal only when
# the request is about putting money aside.
_GOAL_INTENTS = frozenset({"savings_goal", "salary_split", "invest"})


@dataclass(frozen=True, slots=True)
class Parse:
    """What an utterance asks for. `slots` holds only what was said."""

    text: str
    intent: str
    slots: dict[str, SlotValue]
    confidence: float
    source: str  # which part of the ensemble decided: "pattern", "classifier", "threshold"
    placeholder_text: str

    def to_json(self) -> dict[str, Any]:
        """The `anxin parse --json` contract: exactly text, intent and slots."""
        return {"text": self.text, "intent": self.intent, "slots": dict(self.slots)}


def parse(text: str, now: datetime) -> Parse:
    """Understand `text`, resolving relative dates against `now`."""
    entities = extract(normalise(text), now)
    decision = decide(entities.placeholder_text, entities.slots)
    slots = dict(entities.slots)
    if decision.intent not in _GOAL_INTENTS:
        slots.pop("goal", None)
    return Parse(
        text=text,
        intent=decision.intent,
        slots=slots,
        confidence=decision.confidence,
        source=decision.source,
        placeholder_text=entities.placeholder_text,
    )
