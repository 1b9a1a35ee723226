"""Anxin's intent classifier, shipped trained in `model/intents.npz` beside this module.

    python -m anxin.assistant.nlu.intent_model   # retrain from the corpus, rewrite the file

`parse` loads the file (numpy only) instead of training with scikit-learn, which would cost
`anxin parse` more than a second at start-up. The file records a fingerprint of the training
examples and `intents.CONFIG`; after editing the corpus or the configuration, run the command
above (tests/assistant/test_nlu_compiled.py fails until the file matches again).
"""

from __future__ import annotations

from pathlib import Path

from anxin.assistant.nlu.classifier import TextClassifier
from anxin.assistant.nlu.compiled import CompiledClassifier, fingerprint
from anxin.assistant.nlu.corpus import load_corpus
from anxin.assistant.nlu.intents import CONFIG

MODEL_FILE = Path(__file__).parent / "model" / "intents.npz"
REGENERATE = "python -m anxin.assistant.nlu.intent_model"


def training_examples() -> list[tuple[str, str]]:
    """(intent, placeholder text) pairs of the shipped corpus, in training order."""
    return [(u.intent, u.text) for u in load_corpus()]


def corpus_fingerprint() -> str:
    """The fingerprint a model trained from today's corpus and configuration records."""
    return fingerprint(training_examples(), CONFIG)


def train() -> TextClassifier:
    """Train from the corpus with scikit-learn (the benchmark and the regeneration use this)."""
    examples = training_examples()
    return TextClassifier.train([t for _, t in examples], [i for i, _ in examples], CONFIG)


def load(path: Path = MODEL_FILE) -> CompiledClassifier:
    return CompiledClassifier.load(path)


def write(path: Path = MODEL_FILE) -> CompiledClassifier:
    """Retrain and rewrite the shipped file."""
    model = CompiledClassifier.from_classifier(train(), corpus_fingerprint())
    model.save(path)
    return model


def main() -> None:
    model = write()
    print(
        f"wrote {MODEL_FILE} ({MODEL_FILE.stat().st_size / 1024:.0f} KiB): "
        f"{len(model.labels)} intents, {model.vocabulary_size:,} n-grams, "
        f"fingerprint {model.fingerprint[:12]}"
    )


if __name__ == "__main__":
    main()
