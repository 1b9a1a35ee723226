"""A trained `TextClassifier` as data, scored with numpy alone.

Importing scikit-learn costs most of a second and training Anxin's intents another half, so
`anxin parse` could not start in the assistant's 1.5 s budget if it did either. The fitted
model is therefore exported once (vocabulary, idf, logistic-regression weights and biases,
class names, analyzer settings) to a small `.npz` file, and this module reproduces what
scikit-learn computes from it: `TfidfVectorizer.transform` with the `char_wb` analyzer (in
float32, operation for operation, because that is the dtype the classifier trains with) and
the multinomial `LogisticRegression.predict_proba` over those features (in float64, as
`TextClassifier.probabilities` does). Only the configurations `TextClassifier` produces without
word n-grams or an embedder can be compiled; anything else is refused rather than approximated.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from anxin.assistant.nlu.classifier import (
    ClassifierConfig,
    Prediction,
    TextClassifier,
    best_labels,
    softmax,
)

FORMAT = 1


@dataclass(frozen=True, slots=True)
class Analyzer:
    """The `TfidfVectorizer` settings the scorer honours (the others must be defaults)."""

    ngram_range: tuple[int, int]
    lowercase: bool
    sublinear_tf: bool
    l2_norm: bool


def fingerprint(examples: Iterable[tuple[str, str]], config: ClassifierConfig) -> str:
    """SHA-256 of the training examples (label, text) and the configuration they train with.

    Hashing the expanded examples rather than the corpus file's bytes means a comment or a
    reordering that changes nothing the model sees does not make the shipped model stale.
    """
    if config.embedder is not None:
        raise ValueError("a classifier with an embedder cannot be compiled")
    settings = {k: v for k, v in asdict(config).items() if k != "embedder"}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for label, text in examples:
        digest.update(f"{label}\t{text}\n".encode())
    return digest.hexdigest()


class CompiledClassifier:
    """The `labels`, `logits`, `probabilities` and `predict` of the `TextClassifier` it exports."""

    def __init__(
        self,
        vocabulary: Sequence[str],
        idf: np.ndarray,
        weights: np.ndarray,
        bias: np.ndarray,
        labels: Sequence[str],
        analyzer: Analyzer,
        fingerprint: str,
    ):
        self._columns = {ngram: column for column, ngram in enumerate(vocabulary)}
        self._idf = np.asarray(idf, dtype=np.float32)
        self._weights = np.asarray(weights, dtype=np.float64)
        self._bias = np.asarray(bias, dtype=np.float64)
        self.labels = list(labels)
        self.analyzer = analyzer
        self.fingerprint = fingerprint

    @property
    def vocabulary_size(self) -> int:
        return len(self._columns)

    @classmethod
    def from_classifier(cls, classifier: TextClassifier, fingerprint: str) -> CompiledClassifier:
        """Export a trained classifier; refuses settings the numpy scorer would get wrong."""
        vectorizer, weights, bias = classifier.fitted
        params = vectorizer.get_params() if hasattr(vectorizer, "get_params") else {}
        expected = {
            "analyzer": "char_wb",
            "binary": False,
            "decode_error": "strict",
            "dtype": np.float32,
            "input": "content",
            "norm": "l2",
            "preprocessor": None,
            "strip_accents": None,
            "use_idf": True,
            "vocabulary": None,
        }
        wrong = {k: params.get(k) for k, v in expected.items() if params.get(k, object()) != v}
        if wrong:
            raise ValueError(f"only a plain char_wb TF-IDF vectorizer can be compiled: {wrong}")
        analyzer = Analyzer(
            ngram_range=tuple(params["ngram_range"]),
            lowercase=bool(params["lowercase"]),
            sublinear_tf=bool(params["sublinear_tf"]),
            l2_norm=True,
        )
        vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.__getitem__)
        return cls(
            vocabulary, vectorizer.idf_, weights, bias, classifier.labels, analyzer, fingerprint
        )

    @classmethod
    def load(cls, path: Path) -> CompiledClassifier:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            if meta["format"] != FORMAT:
                raise ValueError(f"{path}: model format {meta['format']}, expected {FORMAT}")
            low, high = meta["ngram_range"]
            analyzer = Analyzer(
                (int(low), int(high)), meta["lowercase"], meta["sublinear_tf"], meta["l2_norm"]
            )
            return cls(
                data["vocabulary"].tolist(),
                data["idf"],
                data["weights"],
                data["bias"],
                data["labels"].tolist(),
                analyzer,
                meta["fingerprint"],
            )

    def save(self, path: Path) -> None:
        """Write the model; weights that are float32 values (as trained) are stored as such."""
        vocabulary = sorted(self._columns, key=self._columns.__getitem__)
        compact = self._weights.astype(np.float32)
        weights = compact if np.array_equal(compact, self._weights) else self._weights
        meta = {"format": FORMAT, "fingerprint": self.fingerprint, **asdict(self.analyzer)}
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as out:
            np.savez_compressed(
                out,
                meta=np.array(json.dumps(meta, sort_keys=True)),
                vocabulary=np.array(vocabulary),
                idf=self._idf,
                weights=weights,
                bias=self._bias,
                labels=np.array(self.labels),
            )

    def ngrams(self, text: str) -> list[str]:
        """`TfidfVectorizer(analyzer="char_wb")`'s analyzer: n-grams inside space-padded words."""
        if self.analyzer.lowercase:
            text = text.lower()
        low, high = self.analyzer.ngram_range
        grams: list[str] = []
        for word in text.split():
            padded = f" {word} "
            for n in range(low, high + 1):
                # A word shorter than n gives one (short) n-gram, the padded word itself.
                grams.extend(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))
                if len(padded) <= n:
                    break
        return grams

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The sparse TF-IDF row of `text`: sorted columns and float32 values, as scikit-learn."""
        counts: dict[int, int] = {}
        for gram in self.ngrams(text):
            column = self._columns.get(gram)
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
        columns = np.array(sorted(counts), dtype=np.intp)
        values = np.array([counts[c] for c in columns.tolist()], dtype=np.float32)
        if self.analyzer.sublinear_tf:
            np.log(values, out=values)
            values += np.float32(1.0)
        values *= self._idf[columns]
        if self.analyzer.l2_norm and values.size:
            # Squares rounded to float32, summed in order in float64, the quotient rounded
            # back to float32: scikit-learn's inplace_csr_row_normalize_l2, step for step.
            total = float(np.cumsum((values * values).astype(np.float64))[-1])
            if total != 0.0:
                values = (values / np.sqrt(total)).astype(np.float32)
        return columns, values

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        scores = np.empty((len(texts), len(self.labels)))
        for row, text in enumerate(texts):
            columns, values = self.features(text)
            # Accumulated column by column in order, as scipy's sparse-dense product does.
            terms = self._weights[columns] * values.astype(np.float64)[:, None]
            scores[row] = terms.cumsum(axis=0)[-1] if len(columns) else 0.0
        scores += self._bias
        return scores

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """The multinomial logistic regression's softmax, one row per text."""
        return softmax(self.logits(texts))

    def predict(self, text: str) -> Prediction:
        return self.predict_many([text])[0]

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        return best_labels(self.labels, self.probabilities(texts))
