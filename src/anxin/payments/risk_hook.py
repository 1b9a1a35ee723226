"""The decision hook every payment passes before money moves, and the checks after it.

Payments ask the hook; the risk engine answers (`anxin.risk.service`). With the engine
turned off the hook is `allow_everything`, which says so in its reasons, so no decision is
ever implied. After an allow, each `PaymentCheck` on the services may still hold the payment
(a guardian's approval, say): the first `HoldReason` returned holds it like a challenge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from anxin.core.errors import PaymentRefused
from anxin.core.money import Money

if TYPE_CHECKING:
    from anxin.api.services import Services

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
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True, slots=True)
class RiskVerdict:
    """`reasons` are plain English; `explained` the same reasons as {"code","zh","en"}."""

    decision: Decision
    score: float
    reasons: tuple[str, ...] = ()
    explained: tuple[dict[str, str], ...] = ()
    event_id: str | None = None


RiskHook = Callable[[PaymentEvent], RiskVerdict]


@dataclass(frozen=True, slots=True)
class HoldReason:
    """Why a payment waits instead of moving: a step-up challenge, an analyst, a guardian.

    `event_id` and `score` tie a risk hold to its logged decision (for the review queue).
    """

    kind: Literal["challenge", "review", "guardian"]
    reasons: tuple[dict[str, str], ...]  # each {"code","zh","en"}
    approver_user_id: str | None = None
    event_id: str | None = None
    score: float | None = None


PaymentCheck = Callable[["Services", PaymentEvent], HoldReason | None]


def allow_everything(_event: PaymentEvent) -> RiskVerdict:
    return RiskVerdict("allow", 0.0, ("no risk engine configured",))


def hold_for(verdict: RiskVerdict) -> HoldReason | None:
    """The hold a challenge or review verdict asks for; None for allow (block refuses)."""
    if verdict.decision == "block":
        require_allowed(verdict)
    if verdict.decision not in ("challenge", "review"):
        return None
    explained = verdict.explained or tuple(
        {"code": "RISK", "zh": text, "en": text} for text in verdict.reasons
    )
    return HoldReason(
        verdict.decision,
        explained,
        event_id=verdict.event_id,
        score=verdict.score,
    )


def require_allowed(verdict: RiskVerdict) -> None:
    """Refuse the payment unless the hook allowed it; the reasons go to the payer."""
    if verdict.decision != "allow":
        raise PaymentRefused(
            "; ".join(verdict.reasons) or f"risk decision: {verdict.decision}",
            decision=verdict.decision,
            reasons=list(verdict.reasons),
            explained=list(verdict.explained),
        )
