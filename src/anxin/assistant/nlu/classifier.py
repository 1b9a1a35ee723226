"""A text classifier: character n-gram TF-IDF and multinomial logistic regression.

Character n-grams need no word segmentation, which Chinese would otherwise require, and they
tolerate typos and inflections in English. Logistic regression gives probabilities that are
usable as confidences, so "none of the above" is a threshold rather than another guess. The
same machinery serves Anxin's own intents and the public benchmarks (BANKING77, CLINC150).

scikit-learn is imported only when a classifier is trained: it costs most of a second, and
`anxin parse` must start fast and may not need the classifier at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    """Hyper-parameters; the defaults are the ones Anxin's intents are measured with."""

    analyzer: str = "char_wb"
    ngram_range: tuple[int, int] = (1, 3)
    word_ngrams: tuple[int, int] | None = None
    C: float = 20.0
    sublinear_tf: bool = True
    min_df: int = 1
    max_iter: int = 300
    tol: float = 1e-3
    lowercase: bool = False


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str
    confidence: float


class TextClassifier:
    """A trained classifier; `predict` is fast enough to run per keystroke."""

    def __init__(self, vectorizer: Any, weights: np.ndarray, bias: np.ndarray, labels: list[str]):
        self._vectorizer = vectorizer
        # Scoring with the fitted weights directly skips scikit-learn's per-call input
        # validation, which costs more than the arithmetic for a single sentence.
        self._weights = weights
        self._bias = bias
        self.labels = labels

    @classmethod
    def train(
        cls, texts: Sequence[str], labels: Sequence[str], config: ClassifierConfig | None = None
    ) -> TextClassifier:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import FeatureUnion
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        config = config or ClassifierConfig()
        vectorizers: list[tuple[str, Any]] = [
            (
                "chars",
                TfidfVectorizer(
                    analyzer=config.analyzer,
                    ngram_range=config.ngram_range,
                    sublinear_tf=config.sublinear_tf,
                    min_df=config.min_df,
                    lowercase=config.lowercase,
                    dtype=np.float32,
                ),
            )
        ]
        if config.word_ngrams is not None:
            vectorizers.append(
                (
                    "words",
                    TfidfVectorizer(
                        analyzer="word",
                        ngram_range=config.word_ngrams,
                        sublinear_tf=config.sublinear_tf,
                        lowercase=config.lowercase,
                        token_pattern=r"(?u)\b\w+\b",
                        dtype=np.float32,
                    ),
                )
            )
        vectorizer: Any = vectorizers[0][1] if len(vectorizers) == 1 else FeatureUnion(vectorizers)
        features = vectorizer.fit_transform(list(texts))
        model = LogisticRegression(C=config.C, max_iter=config.max_iter, tol=config.tol)
        # L-BFGS makes many tiny BLAS calls; with BLAS threads on a busy machine they spin and
        # wait for each other, which made training five to ten times slower than one thread.
        with threadpool_limits(limits=1, user_api="blas"):
            model.fit(features, list(labels))
        weights = np.asarray(model.coef_.T, dtype=np.float64)
        bias = np.asarray(model.intercept_, dtype=np.float64)
        if weights.shape[1] == 1:
            # Two classes have one weight vector (for the second); softmax over [0, score]
            # is the same sigmoid scikit-learn would apply.
            weights = np.hstack([np.zeros_like(weights), weights])
            bias = np.concatenate([np.zeros_like(bias), bias])
        labels = [str(label) for label in model.classes_]
        return cls(vectorizer, np.ascontiguousarray(weights), bias, labels)

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, one row per text, columns in `labels` order."""
        features = self._vectorizer.transform(list(texts))
        scores = np.asarray(features @ self._weights) + self._bias
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        result: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
        return result

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        probabilities = self.probabilities(texts)
        best = probabilities.argmax(axis=1)
        return [
            Prediction(self.labels[int(i)], float(row[int(i)]))
            for i, row in zip(best, probabilities, strict=True)
        ]
