"""Freezes: an account that cannot send money, a card that cannot move money, with audit.

A user freezes their own account or card when a phone or card is lost; an analyst can
freeze or unfreeze any. A frozen account still receives money and still logs in (so its
owner can unfreeze it). The current state is one row per frozen subject; every freeze and
unfreeze is also an append-only audit row (who, when, why), written in the same
transaction.

Payments ask through `guard_frozen`, which wraps the risk hook every payment channel
already calls: one primary-key read per payment, with or without the risk engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Connection, bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError

from anxin.core.clock import Clock, isoformat, to_micros
from anxin.core.db import Database
from anxin.core.errors import AccountFrozen, CardFrozen, Forbidden, InvalidInput, InvalidState
from anxin.payments.risk_hook import PaymentEvent, RiskHook, RiskVerdict
from anxin.risk.case_tables import freeze_audit, freezes

ACCOUNT, CARD = "account", "card"
INFLOW_CHANNELS: Final = frozenset({"topup"})
"""Channels that bring money in: a frozen account may still receive."""


@dataclass(frozen=True, slots=True)
class Freeze:
    kind: str
    subject_id: str
    user_id: str
    actor: str
    reason: str
    frozen_at: int


def freeze(
    db: Database, clock: Clock, kind: str, subject_id: str, *, user_id: str, actor: str,
    reason: str,
) -> Freeze:  # fmt: skip
    """Freeze `subject_id` (a user id for an account, a card id for a card)."""
    try:
        with db.write() as conn:
            return freeze_in(
                conn, kind, subject_id, user_id=user_id, actor=actor, reason=reason,
                now=to_micros(clock.now()),
            )  # fmt: skip
    except IntegrityError:  # frozen by someone else at the same moment
        raise InvalidState(f"this {kind} is already frozen", field=kind) from None


def freeze_in(
    conn: Connection, kind: str, subject_id: str, *, user_id: str, actor: str, reason: str,
    now: int,
) -> Freeze:  # fmt: skip
    """`freeze` inside the caller's transaction (an account opened frozen, all or none)."""
    reason = _reason(reason)
    row = {"kind": kind, "subject_id": subject_id, "user_id": user_id, "actor": actor[:100],
           "reason": reason, "frozen_at": now}  # fmt: skip
    if _current(conn, kind, subject_id) is not None:
        raise InvalidState(f"this {kind} is already frozen", field=kind)
    conn.execute(insert(freezes), row)
    conn.execute(insert(freeze_audit), _audit(row, "freeze", now))
    return Freeze(kind, subject_id, user_id, actor[:100], reason, now)


USER_ACTOR: Final = "user:"
"""How a person's own actions are recorded (`user:<id>`); staff actors look different."""


def unfreeze(
    db: Database, clock: Clock, kind: str, subject_id: str, *, actor: str, reason: str
) -> None:
    reason = _reason(reason)
    now = to_micros(clock.now())
    with db.write() as conn:
        current = _current(conn, kind, subject_id)
        if current is None:
            raise InvalidState(f"this {kind} is not frozen", field=kind)
        if actor.startswith(USER_ACTOR) and not current["actor"].startswith(USER_ACTOR):
            # A freeze an analyst placed (a suspected mule, a stolen account) would protect
            # nothing if whoever holds the password could lift it.
            raise Forbidden(f"this {kind} was frozen by Anxin's risk team; contact support")
        conn.execute(
            delete(freezes).where(freezes.c.kind == kind, freezes.c.subject_id == subject_id)
        )
        row = {**current, "actor": actor[:100], "reason": reason}
        conn.execute(insert(freeze_audit), _audit(row, "unfreeze", now))


def frozen(db: Database, kind: str, subject_id: str) -> Freeze | None:
    with db.read() as conn:
        current = _current(conn, kind, subject_id)
    return None if current is None else Freeze(**current)


def require_account_open(db: Database, user_id: str) -> None:
    """Refuse to let a frozen account send money."""
    if frozen(db, ACCOUNT, user_id) is not None:
        raise AccountFrozen(
            "this account is frozen: it can receive money but not send it; unfreeze it first",
            field="account",
        )


def require_card_open(db: Database, card_id: str) -> None:
    if frozen(db, CARD, card_id) is not None:
        raise CardFrozen("this card is frozen; unfreeze it to top up or withdraw", field="card_id")


def guard_frozen(db: Database, hook: RiskHook) -> RiskHook:
    """The risk hook, preceded by the account-frozen check for money going out."""

    def guarded(event: PaymentEvent) -> RiskVerdict:
        if event.channel not in INFLOW_CHANNELS:
            require_account_open(db, event.user_id)
        return hook(event)

    return guarded


def audit_trail(
    db: Database, *, user_id: str | None = None, actor: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Freeze and unfreeze events, newest first; one user's when `user_id` is given, one
    actor's (`risk:application-review`: sign-ups opened for review) when `actor` is."""
    query = select(freeze_audit)
    if user_id is not None:
        query = query.where(freeze_audit.c.user_id == user_id)
    if actor is not None:
        query = query.where(freeze_audit.c.actor == actor)
    with db.read() as conn:
        rows = conn.execute(
            query.order_by(freeze_audit.c.at.desc(), freeze_audit.c.id.desc()).limit(limit)
        ).all()
    return [
        {
            "action": row.action, "kind": row.kind, "subject_id": row.subject_id,
            "user_id": row.user_id, "actor": row.actor, "reason": row.reason,
            "at": isoformat(row.at),
        }
        for row in rows
    ]  # fmt: skip


def freeze_json(found: Freeze | None) -> dict[str, Any]:
    if found is None:
        return {"frozen": False}
    return {
        "frozen": True, "kind": found.kind, "subject_id": found.subject_id,
        "actor": found.actor, "reason": found.reason, "frozen_at": isoformat(found.frozen_at),
    }  # fmt: skip


_CURRENT = select(freezes).where(  # built once: every payment asks
    freezes.c.kind == bindparam("kind"), freezes.c.subject_id == bindparam("subject_id")
)


def _current(conn: Any, kind: str, subject_id: str) -> dict[str, Any] | None:
    row = conn.execute(_CURRENT, {"kind": kind, "subject_id": subject_id}).first()
    return None if row is None else dict(row._mapping)


def _audit(row: dict[str, Any], action: str, now: int) -> dict[str, Any]:
    return {
        "at": now, "actor": row["actor"], "action": action, "kind": row["kind"],
        "subject_id": row["subject_id"], "user_id": row["user_id"], "reason": row["reason"],
    }  # fmt: skip


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not 1 <= len(reason) <= 500:
        raise InvalidInput("say why, in 1-500 characters", field="reason")
    return reason
