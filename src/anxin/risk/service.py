"""The live risk engine inside a running Anxin: payments, logins and sign-ups in, verdicts out.

One `RiskEngine` per process, fed every payment, login and sign-up as it happens (its state
is warmed from nothing at start: a restart forgets habits, it does not invent them).
Deciding mutates the engine's state, so decisions are serialised by a lock; they take
microseconds. Every decision goes to the hash-chained `risk_decisions` log in batches,
written by the maintenance loop every second and at shutdown, outside the decision lock:
logging never puts a database write on a payment's path (only a loop stalled for `LOG_BATCH`
decisions makes the deciding thread write them itself, so memory stays bounded).

Location is used only when the user's "location" consent allows it (`use_location`).

Cold start (`settle`): the model's inputs mostly describe a person's habits, and an account
with fewer than `COLD_START_EVENTS` events has none yet, so on such an account the model
alone (no rule matched) does not step a payment up; it is allowed, and logged as allowed
with the model's reasons. Every rule (rings, mule cash-out, blocked devices, lists) still
applies from the first event.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Final

from anxin.core.clock import Clock, to_micros
from anxin.core.db import Database
from anxin.core.ids import new_id
from anxin.payments.risk_hook import PaymentEvent, RiskVerdict
from anxin.risk.engine import RiskEngine, Verdict
from anxin.risk.events import Event
from anxin.risk.features import Features, FeatureState
from anxin.risk.lists import load_lists
from anxin.risk.log import DecisionLog
from anxin.risk.model import LinearModel, load_model
from anxin.risk.rules import LiveRules, RuleSet, shipped_rules_path
from anxin.risk.velocity import VelocityStore

LOG_BATCH: Final = 5000
COLD_START_EVENTS: Final = 5


def settle(verdict: Verdict, features: Features) -> Verdict:
    """The live decision: the engine's, except a model-only challenge on a cold account."""
    model_only = all(code.startswith("MODEL_") for code in verdict.codes)
    if (
        verdict.decision == "challenge"
        and model_only
        and features["user_events"] < COLD_START_EVENTS
    ):
        return verdict._replace(decision="allow")
    return verdict


class RiskService:
    """Owns the live engine; `hook` is the payments risk hook, `login` the login check,
    `application` the sign-up check."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        rules: RuleSet | LiveRules | None = None,
        model: LinearModel | None = None,
        use_location: Callable[[str], bool] = lambda _user_id: True,
        log_batch: int = LOG_BATCH,
        velocity: VelocityStore | None = None,
    ) -> None:
        """`velocity` is where the sliding-window counters live: in this process by default,
        in Redis (`RedisVelocityStore`) when several API workers must share them."""
        self.db = db
        self.clock = clock
        self.use_location = use_location
        self.log_batch = log_batch
        self.engine = RiskEngine(
            rules if rules is not None else LiveRules(shipped_rules_path()),
            model if model is not None else load_model(),
            state=FeatureState(velocity),
        )
        self.log: DecisionLog | None = None
        self._seen: tuple[Features, RuleSet] | None = None
        self._lock = threading.Lock()

    def decide(self, event: Event) -> Verdict:
        """Judge, settle and log one event; the log keeps the decision actually taken."""
        with self._lock:
            if self.log is None:
                self._start()
            verdict = self.engine.decide(event)
            assert self._seen is not None and self.log is not None
            features, rules = self._seen
            final = settle(verdict, features)
            self.log.record(event, features, final, rules)
            self._seen = None
            return final

    def _see(self, _event: Event, features: Features, _verdict: Verdict, rules: RuleSet) -> None:
        self._seen = (features, rules)

    def _start(self) -> None:
        """Read the lists and the log's head on first use, not at construction: the
        services are built before `anxin serve` upgrades the schema."""
        model = self.engine.model
        self.log = DecisionLog(
            self.db, self.clock, batch=self.log_batch,
            model_version=model.version if model is not None else None,
        )  # fmt: skip
        self.engine.lists = load_lists(self.db)
        self.engine.record = self._see

    def hook(self, payment: PaymentEvent) -> RiskVerdict:
        """The payments risk hook: the payment as a risk event, judged and logged."""
        lat, lon = self._where(payment.user_id, payment.lat, payment.lon)
        event = Event(
            new_id(),
            "payment",
            to_micros(payment.at),
            payment.user_id,
            device_id=payment.device_id,
            ip=payment.ip,
            lat=lat,
            lon=lon,
            amount=payment.amount,
            payee_id=payment.payee_user_id or f"channel:{payment.channel}",
        )
        verdict = self.decide(event)
        return RiskVerdict(
            verdict.decision,  # type: ignore[arg-type]
            verdict.score,
            tuple(reason["en"] for reason in verdict.reasons),
            verdict.reasons,
            event.event_id,
        )

    def login(
        self,
        user_id: str,
        at: datetime,
        *,
        ip: str | None,
        device_id: str | None,
        lat: float | None = None,
        lon: float | None = None,
        password_changed_at: int | None = None,
    ) -> Verdict:
        """Judge (and log) one successful password check before the session is issued."""
        lat, lon = self._where(user_id, lat, lon)
        event = Event(
            new_id(), "login", to_micros(at), user_id, device_id=device_id, ip=ip,
            lat=lat, lon=lon, password_changed_at=password_changed_at,
        )  # fmt: skip
        return self.decide(event)

    def application(
        self, user_id: str, at: datetime, *, ip: str | None, device_id: str | None,
        record: bool = True,
    ) -> Verdict:  # fmt: skip
        """Judge (and log) one sign-up before the account is opened; without `record`, only
        judge it, leaving the state and the log as they were.

        The phone number is not passed: Anxin lets one account hold a number at a time, so a
        number can only link a new account to one whose holder erased it, and that link is
        neither evidence of a ring nor something an erased account should leave behind.
        """
        event = Event(new_id(), "application", to_micros(at), user_id, device_id=device_id, ip=ip)
        if record:
            return self.decide(event)
        with self._lock:
            if self.log is None:
                self._start()
            verdict, features = self.engine.assess(event)
            return settle(verdict, features)

    def flush(self) -> int:
        """Write the decisions not yet in the log (maintenance loop, shutdown, tests)."""
        log = self.log
        return log.flush() if log is not None else 0

    def _where(
        self, user_id: str, lat: float | None, lon: float | None
    ) -> tuple[float | None, float | None]:
        if lat is None or lon is None or not self.use_location(user_id):
            return None, None
        return lat, lon
