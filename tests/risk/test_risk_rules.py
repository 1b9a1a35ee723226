"""Rule sets: validation refuses the whole file, and a refused file never goes live."""

from __future__ import annotations

import os
import textwrap
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from riskkit import T0, Story, shipped

from anxin.core.errors import InvalidInput
from anxin.risk.engine import RiskEngine, judge
from anxin.risk.events import parse_event
from anxin.risk.features import FEATURES, FeatureState
from anxin.risk.rules import RANK, LiveRules, format_money, load_rules, shipped_rules_path

GOOD = textwrap.dedent(
    """
    version: 7
    thresholds: {challenge: 0.5, review: 0.8, block: 0.95}
    model: {enabled: false, reason_probability: 0.3, reason_contribution: 0.5, reasons: {}}
    rules:
      - id: big-new-payee
        code: BIG_NEW_PAYEE
        events: [payment]
        when: new_payee and amount >= 5000
        weight: 0.6
        reason:
          zh: "向新收款人转账{amount}"
          en: "Transfer of {amount} to a new payee"
    """
)


def rules_with(**replace: str) -> str:
    text = GOOD
    for old, new in replace.items():
        text = text.replace(old.replace("_", " "), new)
    return text


def refused(text: str) -> str:
    with pytest.raises(InvalidInput) as error:
        load_rules(text, "test.yaml")
    return error.value.detail


def test_shipped_rules_load_and_name_only_catalogued_features() -> None:
    ruleset = load_rules(shipped_rules_path().read_text(encoding="utf-8"), "shipped")
    assert ruleset.rules and ruleset.model.enabled
    for rule in ruleset.rules:
        assert rule.condition.names <= FEATURES.keys()
        assert rule.on, rule.id


def test_the_shipped_model_scores_logins_and_payments_but_not_sign_ups() -> None:
    rules, model = shipped()
    assert rules.model.events == {"login", "payment"}
    story = Story(RiskEngine(rules, model))
    where = {"user": "newcomer", "device_id": "phone-1", "ip": "10.0.0.1"}
    applied = story.decide("application", T0, **where)
    logged_in = story.decide("login", T0 + timedelta(minutes=5), **where)
    assert applied.model_probability is None and logged_in.model_probability is not None


def test_the_model_alone_holds_for_review_at_most_and_a_rule_can_still_refuse() -> None:
    rules, model = shipped()
    assert rules.model.strongest == RANK["review"]
    certain = replace(model, weights=(0.0,) * len(model.weights), offset=20.0)
    payment = {"event_id": "e1", "type": "payment", "ts": T0.isoformat(), "user_id": "u1",
               "amount": "10", "currency": "CNY", "payee_id": "shop"}  # fmt: skip
    features = FeatureState().extract(parse_event(payment))
    alone = judge(rules, features, certain)
    assert alone.score > 0.99 and alone.decision == "review"
    ring = {**features, "linked_accounts": 5, "linked_devices": 1}
    assert judge(rules, ring, certain).decision == "block"


def test_a_good_file_loads_with_version_and_digest() -> None:
    ruleset = load_rules(GOOD, "good.yaml")
    assert ruleset.version == "7" and len(ruleset.digest) == 12
    assert ruleset.label == f"7+{ruleset.digest}"
    assert [rule.id for rule in ruleset.by_type["payment"]] == ["big-new-payee"]
    assert ruleset.by_type["login"] == ()


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("new_payee and amount >= 5000", "new_payee and amout >= 5000", "did you mean 'amount'"),
        ("new_payee and amount >= 5000", "new_payee and (amount >= 5000", "syntax error"),
        ("new_payee and amount >= 5000", "amount.__class__ == 1", "attribute access"),
        ("events: [payment]", "events: [paymnet]", "events must list"),
        ("weight: 0.6", "weight: 1.5", "weight must be"),
        ("weight: 0.6", "wieght: 0.6", "wieght: unknown key"),
        ("weight: 0.6", "outcome: freeze", "outcome must be"),
        ("code: BIG_NEW_PAYEE", "code: big new payee", "UPPER_SNAKE_CASE"),
        ('{amount}"\n      en', '{amount.__class__}"\n      en', "not a feature name"),
        ('{amount}"\n      en', '{hour_local:.2q}"\n      en', "bad format spec"),
        ('{amount}"\n      en', '{amount:.2f}"\n      en', "takes no format spec"),
        ("challenge: 0.5", "challenge: 0.9", "challenge <= review <= block"),
        ("version: 7", "version: ''", "version: required"),
        ("enabled: false", "enabled: maybe", "model.enabled"),
        ("enabled: false", "enabled: false, events: [signup]", "model.events"),
        ("enabled: false", "enabled: false, strongest: freeze", "model.strongest"),
    ],
)
def test_each_problem_is_named(old: str, new: str, problem: str) -> None:
    assert old in GOOD
    assert problem in refused(GOOD.replace(old, new))


def test_every_problem_is_listed_not_just_the_first() -> None:
    detail = refused(GOOD.replace("amount >= 5000", "amout >= 5000").replace("0.6", "2"))
    assert "2 problems" in detail and "amout" in detail and "weight" in detail


def test_duplicate_ids_and_non_yaml_are_refused() -> None:
    rule = GOOD[GOOD.index("  - id:") :]
    assert "duplicate id" in refused(GOOD + rule)
    assert "not valid YAML" in refused("rules: [unclosed")
    assert "mapping" in refused("- just a list")


def test_money_reads_as_people_write_it() -> None:
    assert format_money(Decimal("8000.00"), "CNY") == "¥8,000"
    assert format_money(Decimal("8000.5"), "CNY") == "¥8,000.50"
    assert format_money(Decimal("12000"), "JPY") == "JP¥12,000"
    assert format_money(Decimal("3.2"), "THB") == "THB 3.20"


def test_a_refused_reload_never_goes_live(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD, encoding="utf-8")
    live = LiveRules(path, check_every=0)
    first = live.current()
    assert first.version == "7"

    broken = GOOD.replace("version: 7", "version: 8").replace("amount >= 5000", "amount >= ")
    _rewrite(path, broken)
    assert live.current() is first  # still the old set
    assert live.last_error is not None and "syntax error" in live.last_error

    _rewrite(path, GOOD.replace("version: 7", "version: 9").replace("5000", "3000"))
    newer = live.current()
    assert newer.version == "9" and live.last_error is None


def test_reload_checks_are_rate_limited(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD, encoding="utf-8")
    live = LiveRules(path, check_every=3600)
    _rewrite(path, GOOD.replace("version: 7", "version: 8"))
    assert live.current().version == "7"  # not looked at yet
    assert live.reload() and live.current().version == "8"


def _rewrite(path: Path, text: str) -> None:
    """Write and move the mtime on, so the change is seen even within one clock tick."""
    stat = path.stat()
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_the_engine_decides_with_whatever_set_is_live(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD, encoding="utf-8")
    live = LiveRules(path, check_every=0)
    story = Story(RiskEngine(live, shipped()[1]))
    big = {"amount": "6000", "payee_id": "someone"}
    assert story.decide("payment", T0, "u1", **big).codes == ("BIG_NEW_PAYEE",)

    _rewrite(path, GOOD.replace("version: 7", "version: 8").replace("5000", "9000"))
    assert story.decide("payment", T0, "u2", **big).codes == ()
    assert story.engine.rules.version == "8"

    _rewrite(path, GOOD.replace("version: 7", "version: 9").replace("when:", "when: (("))
    assert story.decide("payment", T0, "u3", **big).codes == ()
    assert story.engine.rules.version == "8" and live.last_error is not None
