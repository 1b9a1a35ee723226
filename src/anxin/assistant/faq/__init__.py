"""Customer-service answers: a zh/en knowledge base (`faq.yaml`) and retrieval over it.

    hit = find_answer("转账要多久到账")
    hit.entry.answer("zh"), hit.confidence, hit.confident

Retrieval is character n-gram TF-IDF with cosine similarity over every paraphrase of every
question (both languages in one index, so a mixed "提现 fee" still finds its entry). An
entry scores its best-matching paraphrase. Below `THRESHOLD` the assistant hands over to a
person rather than guess: the threshold was chosen on the held-out questions in
`tests/assistant/data/faq_eval.tsv` (see `benchmarks/faq.py` and BENCHMARKS.md).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from anxin.assistant.nlu import normalise

FAQ_FILE = Path(__file__).with_name("faq.yaml")
THRESHOLD = 0.30
"""Confidence below which the assistant hands over to a person (measured, see above)."""
UNRECOGNISED_THRESHOLD = 0.45
"""The bar for text the intent classifier found out of scope ("unknown"): chit-chat such as
"write me a poem" shares letters with real questions, so it must match far better before it
is answered instead of handed over (measured on the same held-out set)."""


@dataclass(frozen=True, slots=True)
class FaqEntry:
    id: str
    topic: str
    questions_zh: tuple[str, ...]
    questions_en: tuple[str, ...]
    answer_zh: str
    answer_en: str

    @property
    def handover(self) -> bool:
        """Asking for a person is answered by handing over, not with words."""
        return self.topic == "handover"

    def answer(self, lang: str) -> str:
        return self.answer_en if lang == "en" else self.answer_zh


@dataclass(frozen=True, slots=True)
class FaqHit:
    entry: FaqEntry
    confidence: float
    threshold: float = THRESHOLD

    @property
    def confident(self) -> bool:
        return self.confidence >= self.threshold


def load_entries(path: Path = FAQ_FILE) -> list[FaqEntry]:
    """The knowledge base; a malformed file fails loudly at start, not at a customer."""
    raw: list[dict[str, Any]] = yaml.safe_load(path.read_text("utf-8"))
    entries = [
        FaqEntry(
            id=str(item["id"]), topic=str(item["topic"]),
            questions_zh=tuple(item["questions"]["zh"]),
            questions_en=tuple(item["questions"]["en"]),
            answer_zh=str(item["answer"]["zh"]), answer_en=str(item["answer"]["en"]),
        )
        for item in raw
    ]  # fmt: skip
    ids = [e.id for e in entries]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{path}: duplicate FAQ ids")
    return entries


def _fold(text: str) -> str:
    return " ".join(normalise(text).text.split())


class FaqIndex:
    """TF-IDF over character n-grams of every paraphrase; cosine picks the best entry."""

    def __init__(self, entries: list[FaqEntry], *, threshold: float = THRESHOLD) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.entries = entries
        self.threshold = threshold
        questions = [(i, q) for i, e in enumerate(entries)
                     for q in (*e.questions_zh, *e.questions_en)]  # fmt: skip
        self._owner = [i for i, _ in questions]
        self._vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True
        )
        self._matrix = self._vectorizer.fit_transform([_fold(q) for _, q in questions])

    def best(self, text: str, threshold: float | None = None) -> FaqHit:
        """The best entry for `text` and its cosine similarity (0 when nothing is shared)."""
        vector = self._vectorizer.transform([_fold(text)])
        scores = (self._matrix @ vector.T).toarray().ravel()
        row = int(scores.argmax())
        bar = self.threshold if threshold is None else threshold
        return FaqHit(self.entries[self._owner[row]], float(scores[row]), bar)


@functools.cache
def default_index() -> FaqIndex:
    return FaqIndex(load_entries())


def find_answer(text: str, *, recognised: bool = True) -> FaqHit:
    """The best answer in the built-in knowledge base, with its confidence.

    `recognised` is False when the intent classifier judged the text out of scope; the
    answer then has to clear `UNRECOGNISED_THRESHOLD`.
    """
    return default_index().best(text, None if recognised else UNRECOGNISED_THRESHOLD)
