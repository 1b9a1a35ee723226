"""The privacy audit: who changed, read or erased what of a user's data, append-only."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, insert, select

from anxin.core.clock import isoformat
from anxin.privacy import tables as t


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    detail: str


def record(
    conn: Connection, user_id: str, *, actor: str, action: str, detail: str, at: int
) -> None:
    """Append one row in the caller's transaction, so it commits with the change it records."""
    conn.execute(
        insert(t.audit).values(user_id=user_id, at=at, actor=actor, action=action, detail=detail)
    )


def trail(conn: Connection, user_id: str) -> list[AuditEntry]:
    """The user's privacy audit, oldest first."""
    c = t.audit.c
    rows = conn.execute(
        select(c.id, c.at, c.actor, c.action, c.detail)
        .where(c.user_id == user_id)
        .order_by(c.at, c.id)
    ).all()
    return [AuditEntry(r.id, isoformat(r.at), r.actor, r.action, r.detail) for r in rows]
