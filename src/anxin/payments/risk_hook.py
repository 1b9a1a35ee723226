"""The decision hook every payment passes before money moves.

Payments ask the hook; the risk engine answers. Until the risk engine is plugged in, the
hook is `allow_everything`, which says so in its reasons, so no decision is ever implied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from anxin.core.errors import PaymentRefused
from anxin.core.money import Money

Decision = Literal["allow", "challenge", "review", "block"]


@dataclass(frozen=True, slots=True)
class PaymentEvent:
    user_id: str
    amount: Money
    channel: str
    at: datetime
    payee_user_id: str | None = None
    ip: str | None = None
    device_id: str | None = None


@dataclass(frozen=True, slots=True)
class RiskVerdict:
    decision: Decision
    score: float
    reasons: tuple[str, ...] = ()


RiskHook = Callable[[PaymentEvent], RiskVerdict]


def allow_everything(_event: PaymentEvent) -> RiskVerdict:
    return RiskVerdict("allow", 0.0, ("no risk engine configured",))


def require_allowed(verdict: RiskVerdict) -> None:
    """Refuse the payment unless the hook allowed it; the reasons go to the payer."""
    if verdict.decision != "allow":
        raise PaymentRefused(
            "; ".join(verdict.reasons) or f"risk decision: {verdict.decision}",
            decision=verdict.decision,
            reasons=list(verdict.reasons),
        )
