"""Deciding: features in, allow / challenge / review / block out, with a score and reasons.

`judge` is the pure decision over plain data: block/allow lists first, then rules and model
combined as a noisy-OR (each matched rule's weight and the model's probability are
independent pieces of evidence: score = 1 - prod(1 - p_i)), thresholds on the score, the
strictest `outcome` any matched rule forces, and, when no rule matched, the rule file's cap
on what the model may decide alone (`model.strongest`). `RiskEngine` wires it to the state: extract
features, judge, record the event, log the decision, and judge a shadow rule set beside the
live one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from anxin.risk.events import Event
from anxin.risk.features import Features, FeatureState
from anxin.risk.lists import ListHit, Lists
from anxin.risk.model import LinearModel, vectorize
from anxin.risk.rules import DECISIONS, RANK, LiveRules, RuleSet

MODEL_REASONS: Final = 2
_encode: Final = json.encoder.encode_basestring
"""An event id as a JSON string (what `json.dumps(id, ensure_ascii=False)` gives), without
building an encoder or going through one."""


class Verdict(NamedTuple):
    """One decision: what the engine answers and what the decision log keeps."""

    decision: str
    score: float
    reasons: tuple[dict[str, str], ...]
    codes: tuple[str, ...]
    model_probability: float | None

    def line(self, event_id: str) -> str:
        """The `anxin risk replay` output line (JSON, no trailing newline).

        Assembled by hand around `json.dumps` of the parts that need escaping: most lines are
        allows without reasons, and a full `json.dumps` of the dict would double the cost.
        """
        reasons = json.dumps(self.reasons, ensure_ascii=False) if self.reasons else "[]"
        return (
            f'{{"event_id": {_encode(event_id)}, '
            f'"decision": "{self.decision}", "score": {self.score!r}, "reasons": {reasons}}}'
        )


def judge(
    rules: RuleSet,
    features: Features,
    model: LinearModel | None,
    listed: ListHit | None = None,
) -> Verdict:
    """The decision for one event's features; pure, so shadow and backtest can call it too."""
    if listed is not None and listed.list == "block":
        reason = listed.reason()
        return Verdict("block", 1.0, (reason,), (reason["code"],), None)
    hits = rules.matches(features)  # before the model: most events stop at allow
    probability: float | None = None
    x: list[float] = []
    keep = 1.0
    if model is not None and rules.model.enabled and features["type"] in rules.model.events:
        x = vectorize(features)
        probability = model.probability(x)
        keep = 1.0 - probability
    if not hits and listed is None and keep > rules.allow_above:  # the common case
        return Verdict("allow", round(1.0 - keep, 4), (), (), probability)
    forced = 0
    for rule in hits:
        keep *= 1.0 - rule.weight
        if rule.outcome is not None:
            forced = max(forced, RANK[rule.outcome])
    score = 1.0 - keep
    thresholds = rules.thresholds
    rank = 0
    for candidate in (1, 2, 3):
        if score >= thresholds[DECISIONS[candidate]]:
            rank = candidate
    if forced > rank:
        rank = forced
        score = max(score, thresholds[DECISIONS[forced]])
    if not hits and rank > rules.model.strongest:  # the model alone: capped
        rank = rules.model.strongest
    if listed is not None:  # on the allow list: trusted, whatever the score says
        rank = 0
    if not hits and rank == 0 and listed is None:
        return Verdict("allow", round(score, 4), (), (), probability)
    ordered = sorted(
        hits, key=lambda r: (r.outcome is None, -RANK.get(r.outcome or "", 0), -r.weight)
    )
    reasons = [rule.reason.render(features) for rule in ordered]
    settings = rules.model
    if probability is not None and model is not None and probability >= settings.reason_probability:
        stated = 0
        for push, name in model.contributions(x):
            if push < settings.reason_contribution or stated == MODEL_REASONS:
                break
            text = settings.reasons.get(name)
            if text is not None:
                reasons.append(text.render(features))
                stated += 1
    if listed is not None:
        reasons.insert(0, listed.reason())
    return Verdict(
        DECISIONS[rank],
        round(score, 4),
        tuple(reasons),
        tuple(reason["code"] for reason in reasons),
        probability,
    )


@dataclass(frozen=True, slots=True)
class Shadowed:
    """A draft rule set's verdict beside the live one, for shadow logs and backtests."""

    event: Event
    live: Verdict
    draft: Verdict
    features: Mapping[str, Any]


class RiskEngine:
    """The stateful engine: one per process, fed events in time order.

    `rules` is a fixed `RuleSet` (replays: reproducible) or `LiveRules` (servers: reloaded
    when the file changes). `record` receives every (event, features, verdict, rule set), for
    the decision log; `shadow` and `on_shadow` evaluate a draft set on the same features.
    """

    def __init__(
        self,
        rules: RuleSet | LiveRules,
        model: LinearModel | None,
        *,
        state: FeatureState | None = None,
        lists: Lists | None = None,
        record: Callable[[Event, Features, Verdict, RuleSet], None] | None = None,
        shadow: RuleSet | None = None,
        on_shadow: Callable[[Shadowed], None] | None = None,
    ) -> None:
        self._live = rules if isinstance(rules, LiveRules) else None
        self._fixed = rules if isinstance(rules, RuleSet) else None
        self.model = model
        self.state = state if state is not None else FeatureState()
        self.lists = lists if lists is not None else Lists()
        self.record = record
        self.shadow = shadow
        self.on_shadow = on_shadow

    @property
    def rules(self) -> RuleSet:
        if self._fixed is not None:
            return self._fixed
        assert self._live is not None
        return self._live.current()

    def assess(self, event: Event) -> tuple[Verdict, Features]:
        """What `decide` would answer now, and on what features; the state, the log and the
        shadow set are left as they were."""
        features = self.state.extract(event)
        listed = self.lists.check(event) if self.lists.active else None
        return judge(self.rules, features, self.model, listed), features

    def decide(self, event: Event) -> Verdict:
        """Judge the event on the state so far, then record it (with the decision taken)."""
        rules = self._fixed if self._fixed is not None else self.rules
        features = self.state.extract(event, record=True)
        listed = self.lists.check(event) if self.lists.active else None
        verdict = judge(rules, features, self.model, listed)
        self.state.observe(event, features, verdict.decision)
        if self.record is not None:
            self.record(event, features, verdict, rules)
        if self.shadow is not None and self.on_shadow is not None:
            draft = judge(self.shadow, features, self.model, listed)
            self.on_shadow(Shadowed(event, verdict, draft, features))
        return verdict
