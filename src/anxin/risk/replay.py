"""Replaying history: events in, one decision line per event out, same order.

`replay` is what `anxin risk replay` runs. `backtest` replays the same events with a draft
rule set judged beside the live one (shadow mode) and reports how the decisions move, and —
when the events carry a simulator `label` — how catch rate and friction change.

Bad lines: by default the replay stops at the first one (decisions for the lines before it
are already written), with an error naming the line; with `skip_bad` it reports every bad
line and carries on. Either way no line is dropped without a message.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Final

from anxin.core.errors import InvalidInput
from anxin.risk.engine import RiskEngine, Shadowed
from anxin.risk.events import Event, decode, parse_event
from anxin.risk.model import LinearModel
from anxin.risk.rules import DECISIONS, RuleSet

LEGIT: Final = "legit"
WRITE_EVERY: Final = 1000


class BadLine(InvalidInput):
    """An input line that is not a valid event; the message starts with its line number."""

    def __init__(self, line: int, detail: str) -> None:
        super().__init__(f"line {line}: {detail}", line=line)
        self.line = line


def read_events(
    lines: Iterable[str | bytes],
) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
    """(line number, decoded object or the reason it is bad); blank lines are not events."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            yield number, decode(line)
        except InvalidInput as exc:
            yield number, BadLine(number, exc.detail)


def to_event(number: int, obj: dict[str, Any]) -> Event:
    try:
        return parse_event(obj)
    except InvalidInput as exc:
        raise BadLine(number, exc.detail) from None


@dataclass
class ReplayStats:
    events: int = 0
    bad: list[str] = field(default_factory=list)
    decisions: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def replay(
    lines: Iterable[str | bytes],
    out: IO[str],
    engine: RiskEngine,
    *,
    skip_bad: bool = False,
    progress: Callable[[int], None] | None = None,
) -> ReplayStats:
    """Decide every event in order, writing one JSON line per event to `out`.

    Raises `BadLine` at the first bad line unless `skip_bad`, in which case each is kept in
    `ReplayStats.bad` and the replay goes on. (One flat loop, not `read_events`: this is the
    replay's hot path.)
    """
    stats = ReplayStats()
    started = time.perf_counter()
    decide, decisions = engine.decide, stats.decisions
    pending: list[str] = []  # written in blocks: one `write` per line costs more than joining
    add = pending.append
    try:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                event = parse_event(decode(line))
            except InvalidInput as exc:
                if not skip_bad:
                    raise BadLine(number, exc.detail) from None
                stats.bad.append(BadLine(number, exc.detail).detail)
                continue
            verdict = decide(event)
            add(verdict.line(event.event_id))
            decisions[verdict.decision] += 1
            stats.events += 1
            if len(pending) == WRITE_EVERY:
                out.write("\n".join(pending) + "\n")
                pending.clear()
            if progress is not None and stats.events % 5000 == 0:
                progress(number)
    finally:  # the decisions so far, whatever stopped the replay
        if pending:
            out.write("\n".join(pending) + "\n")
    stats.seconds = time.perf_counter() - started
    return stats


@dataclass
class Quality:
    """Catch rate per attack type and friction on legitimate events."""

    totals: Counter[str] = field(default_factory=Counter)
    stopped: Counter[str] = field(default_factory=Counter)
    by_decision: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, label: str, decision: str) -> None:
        self.totals[label] += 1
        self.by_decision[(label, decision)] += 1
        if decision != "allow":
            self.stopped[label] += 1

    def rate(self, label: str) -> float:
        """Share of `label` events not allowed: catch rate for attacks, friction for legit."""
        total = self.totals[label]
        return self.stopped[label] / total if total else 0.0

    def labels(self) -> list[str]:
        return sorted(self.totals, key=lambda label: (label == LEGIT, label))

    def as_dict(self) -> dict[str, Any]:
        return {
            label: {
                "events": self.totals[label],
                "not_allowed": self.stopped[label],
                "rate": round(self.rate(label), 4),
                "decisions": {d: self.by_decision[(label, d)] for d in DECISIONS},
            }
            for label in self.labels()
        }


@dataclass
class BacktestReport:
    live: str
    draft: str
    events: int = 0
    transitions: Counter[tuple[str, str]] = field(default_factory=Counter)
    live_quality: Quality = field(default_factory=Quality)
    draft_quality: Quality = field(default_factory=Quality)
    examples: list[dict[str, Any]] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return sum(n for (a, b), n in self.transitions.items() if a != b)

    def as_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "live": self.live,
            "draft": self.draft,
            "events": self.events,
            "changed": self.changed,
            "transitions": {f"{a}->{b}": n for (a, b), n in sorted(self.transitions.items())},
            "examples": self.examples,
        }
        if self.live_quality.totals:
            doc["quality"] = {
                "live": self.live_quality.as_dict(),
                "draft": self.draft_quality.as_dict(),
            }
        return doc


def backtest(
    lines: Iterable[str | bytes],
    live: RuleSet,
    draft: RuleSet,
    model: LinearModel | None,
    *,
    examples: int = 20,
    progress: Callable[[int], None] | None = None,
) -> BacktestReport:
    """Replay history from an empty state, judging `draft` beside `live` on every event.

    State (including the feedback features) follows the live decisions, exactly as the
    draft would have seen it had it run in shadow mode.
    """
    report = BacktestReport(live.label, draft.label)
    labels: dict[str, str] = {}

    def compare(seen: Shadowed) -> None:
        a, b = seen.live.decision, seen.draft.decision
        report.transitions[(a, b)] += 1
        label = labels.pop(seen.event.event_id, None)
        if label is not None:
            report.live_quality.add(label, a)
            report.draft_quality.add(label, b)
        if a != b and len(report.examples) < examples:
            report.examples.append(
                {
                    "event_id": seen.event.event_id,
                    "live": a,
                    "draft": b,
                    "draft_reasons": list(seen.draft.codes),
                }
            )

    engine = RiskEngine(live, model, shadow=draft, on_shadow=compare)
    for number, item in read_events(lines):
        if isinstance(item, BadLine):
            raise item
        event = to_event(number, item)
        label = item.get("label")
        if isinstance(label, str):
            labels[event.event_id] = label
        engine.decide(event)
        report.events += 1
        if progress is not None and report.events % 5000 == 0:
            progress(number)
    return report
