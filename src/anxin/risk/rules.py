"""Rule sets: YAML data, validated whole before it may decide anything, hot-reloadable.

A rule set carries a `version` (logged with every decision, with a digest of the file),
score thresholds, model settings and rules. Each rule has an `id`, a short reason `code`,
the event types it applies to (`events`), a condition over named features (`expr`), a `weight`
(the probability of fraud this evidence alone suggests; weights combine as a noisy-OR with
the model) and/or an `outcome` (the least decision the rule forces), and reason text in zh
and en with `{feature}` placeholders.

Validation collects every problem in the file and refuses it as a whole, so a rule set with
one typo never goes live half-applied; `LiveRules` keeps the previous set when a reload
fails.
"""

from __future__ import annotations

import hashlib
import logging
import string
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any, Final

import yaml

from anxin.core.errors import InvalidInput
from anxin.core.money import SYMBOLS
from anxin.risk.events import EVENT_TYPES
from anxin.risk.expr import Condition, Fn, compile_condition
from anxin.risk.features import FEATURES
from anxin.risk.model import MODEL_INPUTS

log = logging.getLogger(__name__)

DECISIONS: Final = ("allow", "challenge", "review", "block")
RANK: Final = {name: rank for rank, name in enumerate(DECISIONS)}
SHIPPED: Final = "default.yaml"
_FEATURE_KINDS: Final = {name: spec.kind for name, spec in FEATURES.items()}
_CODE_CHARS: Final = frozenset(string.ascii_uppercase + string.digits + "_")


@dataclass(frozen=True, slots=True)
class Template:
    """Reason text split once at load time; rendering never calls `str.format` on input."""

    parts: tuple[tuple[str, str | None, str], ...]
    """(literal text, feature name or None, format spec)."""

    def render(self, features: Mapping[str, Any]) -> str:
        out: list[str] = []
        for literal, name, spec in self.parts:
            out.append(literal)
            if name is not None:
                out.append(format_value(name, features[name], spec, features))
        return "".join(out)


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    zh: Template
    en: Template

    def render(self, features: Mapping[str, Any]) -> dict[str, str]:
        return {"code": self.code, "zh": self.zh.render(features), "en": self.en.render(features)}


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    on: frozenset[str]
    condition: Condition
    weight: float
    outcome: str | None
    reason: Reason


@dataclass(frozen=True, slots=True)
class ModelSettings:
    enabled: bool
    reason_probability: float
    """The model states its reasons once its probability reaches this."""
    reason_contribution: float
    """Only inputs pushing the log-odds up by at least this much become reasons."""
    reasons: Mapping[str, Reason]
    """Reason text per model input; an input without text is never stated."""
    events: frozenset[str] = frozenset(EVENT_TYPES)
    """The event types the model scores; the others are decided by the rules alone."""
    strongest: int = RANK["block"]
    """The strictest decision (as a rank) the model may reach when no rule matched."""


@dataclass(frozen=True, slots=True)
class RuleSet:
    version: str
    digest: str
    origin: str
    thresholds: Mapping[str, float]
    """challenge/review/block: the least score for each decision."""
    model: ModelSettings
    rules: tuple[Rule, ...]
    by_type: Mapping[str, tuple[Rule, ...]]
    allow_above: float
    """1 - challenge threshold: an event with no matched rule whose 1 - score is above
    this is simply allowed (the engine's fast path)."""
    checks: Mapping[str, tuple[tuple[Fn, Rule], ...]]
    """`by_type` with each rule's compiled condition beside it, for `matches`."""

    @property
    def label(self) -> str:
        return f"{self.version}+{self.digest}"

    def matches(self, features: Mapping[str, Any]) -> list[Rule]:
        """The rules whose condition holds; a division by zero counts as no match."""
        hits: list[Rule] = []
        for evaluate, rule in self.checks[features["type"]]:
            try:
                if evaluate(features):
                    hits.append(rule)
            except ZeroDivisionError:
                continue
        return hits


def format_money(amount: Decimal, currency: str) -> str:
    """¥8,000 / ¥8,000.50 / JP¥12,000: whole amounts without the trailing zeros."""
    symbol = SYMBOLS.get(currency, f"{currency} " if currency else "")
    if amount == amount.to_integral_value():
        return f"{symbol}{amount:,.0f}"
    return f"{symbol}{amount:,.2f}"


def format_value(name: str, value: Any, spec: str, features: Mapping[str, Any]) -> str:
    kind = FEATURES[name].kind
    if kind == "money":
        return format_money(value, features.get("currency") or "CNY")
    if spec:
        return format(value, spec)
    if kind == "float":
        return f"{value:,.0f}" if abs(value) >= 10 else f"{value:.1f}"
    return str(value)


def load_rules(text: str, origin: str) -> RuleSet:
    """Parse and validate a rule set; every problem is listed in one `InvalidInput`."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{origin}: not valid YAML: {exc}".replace("\n", " ")) from None
    problems: list[str] = []
    ruleset = _build(doc, origin, hashlib.sha256(text.encode()).hexdigest()[:12], problems)
    if problems or ruleset is None:
        raise InvalidInput(
            f"{origin}: rule set refused ({len(problems)} problems):\n  " + "\n  ".join(problems),
            problems=problems,
        )
    return ruleset


def load_rules_file(path: Path | str) -> RuleSet:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read rule set {path}: {exc.strerror}") from None
    return load_rules(text, str(path))


def shipped_rules_path() -> Path:
    return Path(str(resources.files("anxin.risk") / "rules" / SHIPPED))


def shipped_rules() -> RuleSet:
    return load_rules_file(shipped_rules_path())


def _build(doc: Any, origin: str, digest: str, problems: list[str]) -> RuleSet | None:
    if not isinstance(doc, dict):
        problems.append("the file must be a mapping with version, thresholds, model and rules")
        return None
    _unknown_keys(doc, {"version", "description", "thresholds", "model", "rules"}, "", problems)
    version = doc.get("version")
    if not isinstance(version, int | str) or isinstance(version, bool) or version == "":
        problems.append("version: required, an integer or a string")
    thresholds = _thresholds(doc.get("thresholds"), problems)
    model = _model(doc.get("model"), problems)
    raw_rules = doc.get("rules")
    if not isinstance(raw_rules, list) or not raw_rules:
        problems.append("rules: required, a non-empty list")
        raw_rules = []
    rules: list[Rule] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_rules):
        rule = _rule(raw, f"rules[{index}]", problems)
        if rule is None:
            continue
        if rule.id in seen:
            problems.append(f"rules[{index}]: duplicate id {rule.id!r}")
        seen.add(rule.id)
        rules.append(rule)
    by_type = {kind: tuple(r for r in rules if kind in r.on) for kind in EVENT_TYPES}
    return RuleSet(
        str(version),
        digest,
        origin,
        thresholds,
        model,
        tuple(rules),
        by_type,
        1.0 - thresholds["challenge"],
        {kind: tuple((r.condition.evaluate, r) for r in on) for kind, on in by_type.items()},
    )


def _unknown_keys(
    raw: Mapping[str, Any], allowed: set[str], where: str, problems: list[str]
) -> None:
    for key in raw:
        if key not in allowed:
            problems.append(f"{where}{key}: unknown key (allowed: {', '.join(sorted(allowed))})")


def _thresholds(raw: Any, problems: list[str]) -> dict[str, float]:
    defaults = {"challenge": 0.5, "review": 0.8, "block": 0.95}
    if not isinstance(raw, dict):
        problems.append("thresholds: required, a mapping of challenge, review and block")
        return defaults
    out: dict[str, float] = {}
    for name in ("challenge", "review", "block"):
        value = raw.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
            problems.append(f"thresholds.{name}: required, a number in (0, 1]")
            value = defaults[name]
        out[name] = float(value)
    _unknown_keys(raw, {"challenge", "review", "block"}, "thresholds.", problems)
    if not out["challenge"] <= out["review"] <= out["block"]:
        problems.append("thresholds: need challenge <= review <= block")
    return out


def _model(raw: Any, problems: list[str]) -> ModelSettings:
    if not isinstance(raw, dict):
        problems.append("model: required, a mapping with enabled and reasons")
        return ModelSettings(False, 1.0, 1.0, {})
    _unknown_keys(
        raw, {"enabled", "reason_probability", "reason_contribution", "reasons", "events",
              "strongest"}, "model.", problems,
    )  # fmt: skip
    enabled = raw.get("enabled")
    if not isinstance(enabled, bool):
        problems.append("model.enabled: required, true or false")
    numbers: dict[str, float] = {}
    for name in ("reason_probability", "reason_contribution"):
        value = raw.get(name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            problems.append(f"model.{name}: required, a number >= 0")
            value = 1.0
        numbers[name] = float(value)
    reasons: dict[str, Reason] = {}
    raw_reasons = raw.get("reasons")
    if not isinstance(raw_reasons, dict):
        problems.append("model.reasons: required, a mapping from model input to reason")
        raw_reasons = {}
    for name, spec in raw_reasons.items():
        if name not in MODEL_INPUTS:
            problems.append(f"model.reasons.{name}: not a model input")
            continue
        reason = _reason(spec, f"model.reasons.{name}", problems)
        if reason is not None:
            reasons[name] = reason
    events, strongest = _model_reach(raw, problems)
    return ModelSettings(
        bool(enabled), numbers["reason_probability"], numbers["reason_contribution"], reasons,
        events, strongest,
    )  # fmt: skip


def _model_reach(raw: dict[str, Any], problems: list[str]) -> tuple[frozenset[str], int]:
    """Which events the model scores, and the strictest decision it may reach alone."""
    events = raw.get("events", list(EVENT_TYPES))
    if not isinstance(events, list) or any(kind not in EVENT_TYPES for kind in events):
        problems.append(f"model.events: a list of types from {', '.join(EVENT_TYPES)}")
        events = []
    strongest = raw.get("strongest", "block")
    if strongest not in DECISIONS[1:]:
        problems.append(f"model.strongest: one of {', '.join(DECISIONS[1:])}")
        strongest = "block"
    return frozenset(events), RANK[strongest]


def _rule(raw: Any, where: str, problems: list[str]) -> Rule | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: a rule must be a mapping")
        return None
    rule_id = raw.get("id")
    if isinstance(rule_id, str) and rule_id:
        where = f"{where} ({rule_id})"
    else:
        problems.append(f"{where}: id is required")
    count = len(problems)
    _unknown_keys(
        raw,
        {"id", "events", "when", "weight", "outcome", "reason", "code", "description"},
        f"{where}: ",
        problems,
    )
    on = raw.get("events")
    if not isinstance(on, list) or not on or any(kind not in EVENT_TYPES for kind in on):
        problems.append(f"{where}: events must list types from {', '.join(EVENT_TYPES)}")
        on = []
    condition: Condition | None = None
    try:
        condition = compile_condition(str(raw.get("when") or ""), _FEATURE_KINDS)
    except InvalidInput as exc:
        problems.append(f"{where}: when: {exc.detail}")
    weight = raw.get("weight", 0.0)
    outcome = raw.get("outcome")
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight < 1:
        problems.append(f"{where}: weight must be a number in [0, 1)")
    elif not weight and outcome is None:
        problems.append(f"{where}: needs a weight or an outcome, or it can never matter")
    if outcome is not None and outcome not in DECISIONS[1:]:
        problems.append(f"{where}: outcome must be challenge, review or block")
    text = raw.get("reason")
    if not isinstance(text, dict):
        problems.append(f"{where}: reason must be a mapping with zh and en")
        return None
    reason = _reason({**text, "code": raw.get("code")}, where, problems)
    if len(problems) > count or condition is None or reason is None:
        return None
    return Rule(str(rule_id), frozenset(on), condition, float(weight), outcome, reason)


def _reason(raw: Any, where: str, problems: list[str]) -> Reason | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: reason must be a mapping with code, zh and en")
        return None
    code = raw.get("code")
    if not isinstance(code, str) or not code or not set(code) <= _CODE_CHARS or len(code) > 40:
        problems.append(f"{where}: code must be UPPER_SNAKE_CASE, at most 40 characters")
        return None
    texts: dict[str, Template] = {}
    for language in ("zh", "en"):
        template = _template(raw.get(language), f"{where}: reason.{language}", problems)
        if template is None:
            return None
        texts[language] = template
    return Reason(code, texts["zh"], texts["en"])


def _template(text: Any, where: str, problems: list[str]) -> Template | None:
    """Split reason text; placeholders may only be bare feature names (never `{x.attr}`)."""
    if not isinstance(text, str) or not text.strip():
        problems.append(f"{where}: required text")
        return None
    parts: list[tuple[str, str | None, str]] = []
    try:
        pieces = list(string.Formatter().parse(text))
    except ValueError as exc:
        problems.append(f"{where}: {exc}")
        return None
    for literal, field, spec, conversion in pieces:
        if field is None:
            parts.append((literal, None, ""))
            continue
        if field not in FEATURES or conversion is not None:
            problems.append(f"{where}: placeholder {{{field}}} is not a feature name")
            return None
        kind = FEATURES[field].kind
        if spec and kind not in ("int", "float"):
            problems.append(f"{where}: {{{field}}} is {kind} and takes no format spec")
            return None
        try:
            format(1 if kind == "int" else 1.0, spec or "")
        except ValueError:
            problems.append(f"{where}: bad format spec {spec!r} for {{{field}}}")
            return None
        parts.append((literal, field, spec or ""))
    return Template(tuple(parts))


class LiveRules:
    """The rule set in force, reloaded from its file when the file changes.

    A reload that fails validation changes nothing: the previous set keeps deciding, and
    the refusal is kept in `last_error` and logged. Checks are rate-limited (one `stat`
    per `check_every` seconds), so calling `current()` per event costs nothing.
    """

    def __init__(self, path: Path | str, *, check_every: float = 1.0) -> None:
        self.path = Path(path)
        self.check_every = check_every
        self._lock = threading.Lock()
        self._rules = load_rules_file(self.path)
        self._mtime = self._stat()
        self._next_check = time.monotonic() + check_every
        self.last_error: str | None = None

    def current(self) -> RuleSet:
        if time.monotonic() >= self._next_check:
            self.reload()
        return self._rules

    def reload(self, *, force: bool = False) -> bool:
        """Load the file if it changed (or `force`); True when a new set went live."""
        with self._lock:
            self._next_check = time.monotonic() + self.check_every
            mtime = self._stat()
            if mtime == self._mtime and not force:
                return False
            self._mtime = mtime
            try:
                candidate = load_rules_file(self.path)
            except InvalidInput as exc:
                self.last_error = exc.detail
                log.warning(
                    "rule set %s refused, keeping %s: %s", self.path, self._rules.label, exc.detail
                )
                return False
            self.last_error = None
            if candidate.digest == self._rules.digest:
                return False
            log.info("rule set %s now live (was %s)", candidate.label, self._rules.label)
            self._rules = candidate
            return True

    def _stat(self) -> int:
        try:
            return self.path.stat().st_mtime_ns
        except OSError:
            return -1
