"""The payment check that holds a parent's transfer above their guardian's approval limit.

Kept apart from the family service so the services container can register it without
importing the routes' and service's dependencies (which import the container).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select

from anxin.core.money import Money
from anxin.identity.family import tables as t
from anxin.payments.risk_hook import HoldReason, PaymentEvent

if TYPE_CHECKING:
    from anxin.api.services import Services

ACTIVE = "active"
GUARDIAN = "guardian"
_ACTIVE_LINK = select(t.links.c.guardian_id, t.links.c.approval_limit, t.links.c.currency).where(
    t.links.c.parent_id == bindparam("parent_id"), t.links.c.status == ACTIVE
)  # built once: every payment to a person asks


def guardian_check(services: Services, event: PaymentEvent) -> HoldReason | None:
    """Hold a parent's transfer above the limit their active guardian approves.

    Every payment to a person asks (typed, spoken to the assistant, or scheduled): a limit
    that one channel could walk around protects nobody. A payment in another currency than
    the limit's is held too, rather than priced at some rate the guardian never agreed to.
    """
    with services.db.read() as conn:
        row = conn.execute(_ACTIVE_LINK, {"parent_id": event.user_id}).first()
    if row is None:
        return None
    limit = Money.from_minor(row.approval_limit, row.currency)
    if event.amount.currency == limit.currency and event.amount <= limit:
        return None
    return HoldReason("guardian", (guardian_reason(limit),), approver_user_id=row.guardian_id)


def guardian_reason(limit: Money) -> dict[str, str]:
    """Why the payment waits, in both languages, naming the limit."""
    shown = limit.shown()
    return {
        "code": "guardian_approval",
        "zh": f"超过监护人审批额度 {shown}，等待监护人确认",
        "en": f"Above the {shown} limit your guardian approves; waiting for them",
    }
