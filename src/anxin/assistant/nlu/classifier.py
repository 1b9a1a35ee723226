"""A text classifier: character n-gram TF-IDF and multinomial logistic regression.

Character n-grams need no word segmentation, which Chinese would otherwise require, and they
tolerate typos and inflections in English. Logistic regression gives probabilities that are
usable as confidences, so "none of the above" is a threshold rather than another guess. The
same machinery serves Anxin's own intents and the public benchmarks (BANKING77, CLINC150).

A sentence embedder can be added beside the n-grams (its vectors become extra, scaled feature
columns of the same linear model): it knows that "card declined" and "payment refused" mean
the same, which n-grams cannot learn from a few examples. It is optional because a
transformer costs milliseconds per sentence, more than `parse`'s whole latency budget.

scikit-learn is imported only when a classifier is trained: it costs most of a second, and
`anxin parse` must start fast and may not need the classifier at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np


class Embedder(Protocol):
    """Turns sentences into dense vectors of one fixed width, one row per sentence."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True, slots=True)
class ClassifierConfig:
    """Hyper-parameters; the defaults are the ones Anxin's intents are measured with.

    `embedding_weight` scales the (unit-length) sentence vectors against the TF-IDF rows, which
    are unit-length too: above 1 the regulariser lets the embedding carry more of the decision.
    """

    analyzer: str = "char_wb"
    ngram_range: tuple[int, int] = (1, 3)
    word_ngrams: tuple[int, int] | None = None
    C: float = 20.0
    sublinear_tf: bool = True
    min_df: int = 1
    max_iter: int = 300
    tol: float = 1e-3
    lowercase: bool = False
    embedder: Embedder | None = None
    embedding_weight: float = 3.0


@dataclass(frozen=True, slots=True)
class Prediction:
    label: str
    confidence: float


class TextClassifier:
    """A trained classifier; `predict` is fast enough to run per keystroke."""

    def __init__(
        self,
        vectorizer: Any,
        weights: np.ndarray,
        bias: np.ndarray,
        labels: list[str],
        embedding: tuple[Embedder, np.ndarray] | None = None,
    ):
        self._vectorizer = vectorizer
        # Scoring with the fitted weights directly skips scikit-learn's per-call input
        # validation, which costs more than the arithmetic for a single sentence.
        self._weights = weights
        self._bias = bias
        # The embedder and the weights of its columns (with `embedding_weight` folded in).
        self._embedding = embedding
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
        width = features.shape[1]
        if config.embedder is not None:
            from scipy.sparse import csr_matrix, hstack

            dense = config.embedding_weight * config.embedder.encode(list(texts))
            features = hstack([features, csr_matrix(dense, dtype=np.float32)], format="csr")
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
        embedding = None
        if config.embedder is not None:
            dense_weights = np.ascontiguousarray(weights[width:] * config.embedding_weight)
            embedding = (config.embedder, dense_weights)
        return cls(vectorizer, np.ascontiguousarray(weights[:width]), bias, labels, embedding)

    @property
    def fitted(self) -> tuple[Any, np.ndarray, np.ndarray]:
        """The vectorizer, n-gram weights and biases, which `compiled` exports as data."""
        if self._embedding is not None:
            raise ValueError("a classifier with a sentence embedder cannot be exported")
        return self._vectorizer, self._weights, self._bias

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """Unnormalised class scores, one row per text, columns in `labels` order.

        The largest logit is an out-of-scope score in its own right: unlike a probability it
        does not rise just because the other classes fit even worse.
        """
        features = self._vectorizer.transform(list(texts))
        scores: np.ndarray = np.asarray(features @ self._weights) + self._bias
        if self._embedding is not None:
            embedder, dense_weights = self._embedding
            scores += embedder.encode(list(texts)) @ dense_weights
        return scores

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Class probabilities, one row per text, columns in `labels` order."""
        return softmax(self.logits(texts))

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        return best_labels(self.labels, self.probabilities(texts))


def softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits, shifted by each row's maximum so exp never overflows."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    result: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
    return result


def best_labels(labels: Sequence[str], probabilities: np.ndarray) -> list[Prediction]:
    """The most probable label of each row, with its probability."""
    best = probabilities.argmax(axis=1)
    return [
        Prediction(labels[int(i)], float(row[int(i)]))
        for i, row in zip(best, probabilities, strict=True)
    ]
