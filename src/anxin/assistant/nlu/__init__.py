"""Natural-language understanding for the assistant, in Chinese and English, offline.

    from anxin.assistant.nlu import parse
    parse("给妈妈转五百", now)  # Parse(intent="transfer", slots={"amount": "500", "payee": "妈妈"})

Public API: `parse` and `Parse`; `INTENTS` and `SLOT_ORDER` (the catalogue); the entity layer
(`normalise`, `extract`); `money` (an amount slot as core `Money`); the reusable classifier
(`TextClassifier`, `ClassifierConfig`).
"""

from anxin.assistant.nlu.amounts import money
from anxin.assistant.nlu.classifier import ClassifierConfig, Prediction, TextClassifier
from anxin.assistant.nlu.entities import SLOT_ORDER, Entities, extract
from anxin.assistant.nlu.intents import INTENTS, UNKNOWN_THRESHOLD, IntentDecision
from anxin.assistant.nlu.normalise import Normalised, normalise
from anxin.assistant.nlu.parser import Parse, parse

__all__ = [
    "INTENTS",
    "SLOT_ORDER",
    "UNKNOWN_THRESHOLD",
    "ClassifierConfig",
    "Entities",
    "IntentDecision",
    "Normalised",
    "Parse",
    "Prediction",
    "TextClassifier",
    "extract",
    "money",
    "normalise",
    "parse",
]
