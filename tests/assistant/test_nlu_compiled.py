"""The shipped intent model: current with the corpus, and scored exactly as scikit-learn would.

These tests import scikit-learn (to train and to compare); `parse` itself never does.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nlu_cases import NOW

from anxin.assistant.nlu import ClassifierConfig, TextClassifier, extract, intents, normalise
from anxin.assistant.nlu import parse as parse_utterance
from anxin.assistant.nlu.compiled import CompiledClassifier
from anxin.assistant.nlu.evaluation import load_examples
from anxin.assistant.nlu.intent_model import (
    MODEL_FILE,
    REGENERATE,
    corpus_fingerprint,
    load,
    train,
    training_examples,
)

EVAL = Path(__file__).parent / "data" / "eval.tsv"
# Whitespace runs, tabs, words shorter than the n-grams, upper case, nothing known, nothing.
EDGE_TEXTS = ["", "   ", "a", "ab  c\td", "UPPER Case", "𝔘 ☃ ٣", "给{PAYEE}转{AMOUNT}  吧"]


def eval_placeholders() -> list[str]:
    return [extract(normalise(e.text), NOW).placeholder_text for e in load_examples(EVAL)]


@pytest.fixture(scope="module")
def fitted() -> tuple[Any, Any]:
    """TfidfVectorizer and LogisticRegression fitted directly, with the shipped settings."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    config = intents.CONFIG
    vectorizer = TfidfVectorizer(
        analyzer=config.analyzer,
        ngram_range=config.ngram_range,
        sublinear_tf=config.sublinear_tf,
        min_df=config.min_df,
        lowercase=config.lowercase,
        dtype=np.float32,
    )
    examples = training_examples()
    features = vectorizer.fit_transform([text for _, text in examples])
    model = LogisticRegression(C=config.C, max_iter=config.max_iter, tol=config.tol)
    with threadpool_limits(limits=1, user_api="blas"):
        model.fit(features, [intent for intent, _ in examples])
    return vectorizer, model


@pytest.fixture(scope="module")
def compiled(
    fitted: tuple[Any, Any], tmp_path_factory: pytest.TempPathFactory
) -> CompiledClassifier:
    """The fitted model exported through the file format and loaded back."""
    vectorizer, model = fitted
    classifier = TextClassifier(
        vectorizer,
        np.asarray(model.coef_.T, dtype=np.float64),
        np.asarray(model.intercept_, dtype=np.float64),
        [str(label) for label in model.classes_],
    )
    path = tmp_path_factory.mktemp("model") / "intents.npz"
    CompiledClassifier.from_classifier(classifier, "test").save(path)
    return CompiledClassifier.load(path)


def test_shipped_model_was_trained_from_the_current_corpus_and_config() -> None:
    assert load().fingerprint == corpus_fingerprint(), (
        f"{MODEL_FILE.name} was trained from another corpus or configuration: "
        f"regenerate it with `{REGENERATE}`"
    )


def test_shipped_model_is_small() -> None:
    assert MODEL_FILE.stat().st_size < 2_000_000


def test_probabilities_equal_scikit_learn_predict_proba(
    fitted: tuple[Any, Any], compiled: CompiledClassifier
) -> None:
    vectorizer, model = fitted
    texts = eval_placeholders() + EDGE_TEXTS
    features = vectorizer.transform(texts)
    assert compiled.labels == list(model.classes_)
    # In float64 (as `TextClassifier` scores): equal to rounding.
    expected = model.predict_proba(features.astype(np.float64))
    np.testing.assert_allclose(compiled.probabilities(texts), expected, rtol=0, atol=1e-9)
    # scikit-learn's own float32 arithmetic differs from that by float32 rounding only.
    rounded = model.predict_proba(features)
    np.testing.assert_allclose(compiled.probabilities(texts), rounded, rtol=0, atol=1e-5)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("查余额给妈转交电费 {}AMOUNTPAYEabc\t吧?"), max_size=30))
def test_features_equal_the_tfidf_vectorizer(
    fitted: tuple[Any, Any], compiled: CompiledClassifier, text: str
) -> None:
    row = fitted[0].transform([text])
    columns, values = compiled.features(text)
    assert columns.tolist() == row.indices.tolist()
    assert values.dtype == np.float32 and values.tolist() == row.data.tolist()


def test_parse_on_the_eval_set_is_what_training_at_start_up_gave(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    examples = load_examples(EVAL)
    shipped = [parse_utterance(e.text, NOW) for e in examples]
    classifier = train()
    monkeypatch.setattr(intents, "intent_classifier", lambda: classifier)
    trained = [parse_utterance(e.text, NOW) for e in examples]
    assert [p.intent for p in shipped] == [p.intent for p in trained]
    assert [p.slots for p in shipped] == [p.slots for p in trained]
    # Confidences are float32 arithmetic: the installed scikit-learn and BLAS may round them
    # differently from those that built the shipped weights (seen: 1.1e-5).
    np.testing.assert_allclose(
        [p.confidence for p in shipped], [p.confidence for p in trained], rtol=0, atol=1e-4
    )


def test_a_configuration_the_scorer_cannot_reproduce_is_refused() -> None:
    texts, labels = ["查余额", "交电费", "余额多少", "电费账单"], ["a", "b", "a", "b"]
    with_words = TextClassifier.train(texts, labels, ClassifierConfig(word_ngrams=(1, 2)))
    with pytest.raises(ValueError, match="char_wb"):
        CompiledClassifier.from_classifier(with_words, "x")
