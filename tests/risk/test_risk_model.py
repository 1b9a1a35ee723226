"""The model and the simulator: reproducible, explainable, and good enough on fresh data."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from riskkit import shipped

from anxin.core.clock import to_micros
from anxin.risk.engine import RiskEngine
from anxin.risk.model import MODEL_INPUTS, LinearModel, load_model, train, vectorize
from anxin.risk.replay import backtest
from anxin.risk.rules import RANK, RuleSet, load_rules, shipped_rules_path
from anxin.risk.simulator import ATTACKS, LEGIT, SimConfig, labelled, simulate


@pytest.fixture(scope="module")
def rules() -> RuleSet:
    return shipped()[0]


@pytest.fixture(scope="module")
def model() -> LinearModel:
    return shipped()[1]


SMALL = SimConfig(seed=11, users=300, days=16, warmup_days=8, attacks=6)


@pytest.fixture(scope="module")
def small() -> list[dict[str, object]]:
    return simulate(SMALL)


def test_the_simulator_is_reproducible_and_labels_attacks_after_the_warm_up(
    small: list[dict[str, object]],
) -> None:
    assert simulate(SMALL) == small
    assert simulate(SimConfig(seed=12, users=300, days=16, warmup_days=8, attacks=6)) != small
    warm_up_end = SMALL.warmup_end.isoformat().replace("+00:00", "Z")
    labels = Counter(str(e["label"]) for e in small)
    assert set(labels) == {LEGIT, *ATTACKS}
    assert all(str(e["ts"]) >= warm_up_end for e in small if e["label"] != LEGIT)
    assert [e["ts"] for e in small] == sorted(str(e["ts"]) for e in small)


def test_training_is_deterministic(small: list[dict[str, object]]) -> None:
    first = train(labelled(small), seed=SMALL.seed)
    second = train(labelled(small), seed=SMALL.seed)
    assert first == second and first["version"].startswith("lr-")
    assert first["inputs"] == list(MODEL_INPUTS) and first["frauds"] > 0


def test_shipped_model_scores_in_plain_python_and_explains_only_what_pushes_up(
    model: LinearModel,
) -> None:
    assert model.inputs == MODEL_INPUTS and load_model().version == model.version
    x = [0.0] * len(MODEL_INPUTS)
    quiet = model.probability(x)
    x[MODEL_INPUTS.index("ring_density")] = 5.0
    x[MODEL_INPUTS.index("linked_accounts")] = 2.0
    loud = model.probability(x)
    assert 0 <= quiet < loud <= 1
    pushes = model.contributions(x)
    assert pushes and all(push > 0 for push, _ in pushes)
    assert {name for _, name in pushes} >= {"ring_density", "linked_accounts"}
    assert pushes == sorted(pushes, reverse=True)


def test_backtest_reports_how_a_draft_moves_decisions_and_quality(
    small: list[dict[str, object]], rules: RuleSet, model: LinearModel
) -> None:
    text = shipped_rules_path().read_text(encoding="utf-8")
    strict = load_rules(text.replace("challenge: 0.5", "challenge: 0.05"), "strict.yaml")
    lines = [json.dumps(event) for event in small]
    report = backtest(lines, rules, strict, model, examples=3)
    assert report.events == len(small)
    assert report.transitions[("allow", "challenge")] > 0
    assert not any(RANK[a] > RANK[b] for a, b in report.transitions)  # only ever stricter
    assert len(report.examples) == 3 and report.examples[0]["draft"] != "allow"
    assert report.draft_quality.rate(LEGIT) > report.live_quality.rate(LEGIT)
    doc = report.as_dict()
    assert doc["changed"] == report.changed and set(doc["quality"]) == {"live", "draft"}


def test_each_attack_type_is_mostly_caught_on_a_fresh_simulation(
    small: list[dict[str, object]], rules: RuleSet, model: LinearModel
) -> None:
    engine = RiskEngine(rules, model)
    since = to_micros(SMALL.warmup_end)
    totals: Counter[str] = Counter()
    stopped: Counter[str] = Counter()
    for raw, (event, _) in zip(small, labelled(small), strict=True):
        assert len(vectorize(engine.state.extract(event))) == len(MODEL_INPUTS)
        verdict = engine.decide(event)
        if event.ts < since:
            continue
        label = str(raw["label"])
        totals[label] += 1
        stopped[label] += verdict.decision != "allow"
    for attack in ATTACKS:
        assert stopped[attack] / totals[attack] >= 0.75, (attack, stopped, totals)
    assert stopped[LEGIT] / totals[LEGIT] <= 0.02
