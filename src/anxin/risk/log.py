"""The decision log: every decision, append-only, hash-chained, written in batches.

Each row holds the event, the decision, the rule-set version, the model version, the reason
codes and a snapshot of every feature, and `hash = sha256(prev_hash || canonical row)`.
Triggers refuse UPDATE and DELETE; `verify_log` recomputes the chain, so an edit made by
someone who drops the triggers first is still found (and a deleted row breaks the
numbering). Truncating the newest rows leaves a valid shorter chain: anchor the head hash
(`LogReport.head`) somewhere else if that matters.

`DecisionLog.record` only keeps references (the engine's hot path stays fast); the batch
is serialised, hashed and inserted in one transaction by `flush`, every `batch` records or
when asked. `flush` takes the pending batch and lets `record` go on meanwhile, so a live
service can write the log from another thread without stalling decisions; a batch that
fails to write goes back in front of the pending ones. Several writers (API processes,
the schedule worker) may share a database: a batch whose `seq` collides with another
writer's rows is re-chained onto the new head and written again, so the chain stays one
line and never forks.
"""

from __future__ import annotations

import hashlib
import json
import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Final

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from anxin.core.clock import Clock, to_micros
from anxin.core.db import Database
from anxin.risk.engine import Verdict
from anxin.risk.events import Event
from anxin.risk.features import Features
from anxin.risk.rules import RuleSet
from anxin.risk.tables import decisions

GENESIS: Final = bytes(32)
CHUNK: Final = 5000

Pending = tuple[Event, Features, Verdict, str, int]
"""A decision not yet written: event, features, verdict, rule-set label, logged-at µs."""


def snapshot(features: Mapping[str, Any]) -> str:
    """Canonical JSON of a feature dict: Decimal as exact strings, keys sorted.

    Decimals go through `default` as the encoder meets them; only a dict holding an
    infinite or NaN float (which JSON cannot say) is walked value by value to spell those
    as strings. Both ways give the same text, at half the cost for the usual dict."""
    try:
        return json.dumps(features, default=_decimal_text, allow_nan=False, **_CANONICAL)
    except ValueError:
        plain = {name: _plain(value) for name, value in features.items()}
        return json.dumps(plain, default=_decimal_text, **_CANONICAL)


_CANONICAL: Final[dict[str, Any]] = {
    "sort_keys": True, "ensure_ascii": False, "separators": (",", ":"),
}  # fmt: skip


def _decimal_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"a feature of type {type(value).__name__} cannot be logged")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def row_hash(prev: bytes, row: Mapping[str, Any]) -> bytes:
    """The chain link: everything in the row except the hashes themselves."""
    body = json.dumps(
        [
            row["seq"],
            row["event_id"],
            row["event_type"],
            row["user_id"],
            row["event_at"],
            row["logged_at"],
            row["decision"],
            repr(float(row["score"])),
            row["ruleset"],
            row["model"],
            row["reasons"],
            row["features"],
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()
    return hashlib.sha256(prev + body).digest()


class DecisionLog:
    """Batches decisions into the `risk_decisions` chain; use as the engine's `record`."""

    def __init__(
        self, db: Database, clock: Clock, *, batch: int = 1000, model_version: str | None = None
    ) -> None:
        self.db = db
        self.clock = clock
        self.batch = batch
        self.model_version = model_version
        self._pending: list[Pending] = []
        self._guard = threading.Lock()
        self._writing = threading.Lock()
        with db.read() as conn:
            self._seq, self._head = _head(conn)
        self.written = 0

    def record(self, event: Event, features: Features, verdict: Verdict, rules: RuleSet) -> None:
        logged_at = to_micros(self.clock.now())
        with self._guard:
            self._pending.append((event, features, verdict, rules.label, logged_at))
            full = len(self._pending) >= self.batch
        if full:
            self.flush()

    def flush(self, attempts: int = 5) -> int:
        """Write what is pending in one transaction; the chain head moves only on commit.

        Another writer's rows at the same `seq` make the insert fail: the batch is then
        hashed again after the new head (read in a write transaction, so never from an
        older snapshot the calling thread may hold) and retried.
        """
        with self._writing:
            with self._guard:
                taken, self._pending = self._pending, []
            try:
                for _ in range(attempts - 1):
                    try:
                        return self._write(taken)
                    except IntegrityError:
                        with self.db.write() as conn:
                            self._seq, self._head = _head(conn)
                return self._write(taken)
            except BaseException:
                with self._guard:
                    self._pending[:0] = taken
                raise

    def _write(self, pending: list[Pending]) -> int:
        if not pending:
            return 0
        seq, head = self._seq, self._head
        rows: list[dict[str, Any]] = []
        for event, features, verdict, label, logged_at in pending:
            seq += 1
            row: dict[str, Any] = {
                "seq": seq,
                "event_id": event.event_id,
                "event_type": event.type,
                "user_id": event.user_id,
                "event_at": event.ts,
                "logged_at": logged_at,
                "decision": verdict.decision,
                "score": verdict.score,
                "ruleset": label,
                "model": self.model_version if verdict.model_probability is not None else None,
                "reasons": json.dumps(list(verdict.codes), separators=(",", ":")),
                "features": snapshot(features),
                "prev_hash": head,
            }
            head = row["hash"] = row_hash(head, row)
            rows.append(row)
        with self.db.write() as conn:
            conn.execute(insert(decisions), rows)
        self._seq, self._head = seq, head
        self.written += len(rows)
        return len(rows)


def _head(conn: Connection) -> tuple[int, bytes]:
    last = conn.execute(select(func.max(decisions.c.seq))).scalar()
    if last is None:
        return 0, GENESIS
    head = conn.execute(select(decisions.c.hash).where(decisions.c.seq == last)).scalar_one()
    return int(last), bytes(head)


@dataclass
class LogReport:
    rows: int = 0
    head: str = GENESIS.hex()
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_log(conn: Connection, *, max_problems: int = 100) -> LogReport:
    """Walk the chain in order, recomputing every hash; report each break with its seq."""
    report = LogReport()
    prev, expected, last = GENESIS, 1, 0
    while True:
        chunk = (
            conn.execute(
                select(decisions)
                .where(decisions.c.seq > last)
                .order_by(decisions.c.seq)
                .limit(CHUNK)
            )
            .mappings()
            .all()
        )
        if not chunk:
            break
        for row in chunk:
            seq = row["seq"]
            if seq != expected:
                report.problems.append(f"seq {expected}..{seq - 1}: missing (deleted rows?)")
            if bytes(row["prev_hash"]) != prev:
                report.problems.append(f"seq {seq}: prev_hash does not match the row before")
            computed = row_hash(bytes(row["prev_hash"]), dict(row))
            if computed != bytes(row["hash"]):
                report.problems.append(f"seq {seq}: hash mismatch (row edited after logging)")
            prev, expected, last = bytes(row["hash"]), seq + 1, seq
            report.rows += 1
            if len(report.problems) >= max_problems:
                report.head = prev.hex()
                return report
    report.head = prev.hex()
    return report
