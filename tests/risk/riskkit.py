"""Risk test helpers: hand-built event histories, and the shipped rules and model.

Not a conftest.py: a conftest here would shadow the top-level one that other test modules
import by name. Each test module declares the few fixtures it needs from these.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

from anxin.risk.engine import RiskEngine, Verdict
from anxin.risk.events import Event, parse_event
from anxin.risk.model import LinearModel, load_model
from anxin.risk.rules import RuleSet, shipped_rules

T0 = datetime(2026, 10, 1, tzinfo=UTC)
SHANGHAI = (31.23, 121.47)


@functools.cache
def shipped() -> tuple[RuleSet, LinearModel]:
    """The shipped rules and model, loaded once per test run."""
    return shipped_rules(), load_model()


def fresh_engine() -> RiskEngine:
    """An engine with the shipped rules and model and an empty state."""
    return RiskEngine(*shipped())


class Story:
    """Builds events for one engine, keeping ids and time moving forward."""

    def __init__(self, engine: RiskEngine) -> None:
        self.engine = engine
        self.count = 0

    def event(self, kind: str, at: datetime, user: str, **fields: Any) -> Event:
        self.count += 1
        raw: dict[str, Any] = {
            "event_id": f"t{self.count}",
            "type": kind,
            "ts": at.isoformat(),
            "user_id": user,
        }
        if "where" in fields:
            raw["lat"], raw["lon"] = fields.pop("where")
        raw.update({k: v for k, v in fields.items() if v is not None})
        return parse_event(raw)

    def decide(self, kind: str, at: datetime, user: str, **fields: Any) -> Verdict:
        return self.engine.decide(self.event(kind, at, user, **fields))

    def habits(self, user: str, *, days: int = 30, ip: str = "10.0.0.7") -> datetime:
        """A month of ordinary life in Shanghai on one phone and the home Wi-Fi: a login and
        a small payment to a regular payee around noon and in the evening (local time);
        returns when the month ends."""
        for day in range(days):
            for hour, payee, amount in ((12, "m-canteen", "35.50"), (19, "m-grocer", "88.00")):
                at = T0 + timedelta(days=day, hours=hour - 8, minutes=day % 7)
                common = {"device_id": f"{user}-phone", "ip": ip, "where": SHANGHAI}
                self.decide("login", at, user, **common)
                self.decide(
                    "payment",
                    at + timedelta(minutes=3),
                    user,
                    amount=amount,
                    currency="CNY",
                    payee_id=payee,
                    **common,
                )
        return T0 + timedelta(days=days)
