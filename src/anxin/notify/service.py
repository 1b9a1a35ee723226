"""Writing notifications (inside the caller's transaction) and reading a user's inbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from anxin.core.clock import isoformat
from anxin.core.errors import InvalidInput, NotFound
from anxin.core.ids import new_id
from anxin.notify import tables as t
from anxin.notify.preferences import CATEGORIES


@dataclass(frozen=True, slots=True)
class Message:
    """A notification for one user; `data` carries ids a client can link to."""

    user_id: str
    category: str
    title: str
    body: str
    data: dict[str, Any] | None = None


def enqueue(conn: Connection, messages: list[Message], now: int) -> None:
    """Add messages to the inbox/outbox in the caller's transaction, so they commit with it."""
    for message in messages:
        if message.category not in CATEGORIES:
            raise InvalidInput(f"unknown notification category {message.category!r}")
    if messages:
        conn.execute(
            insert(t.notifications),
            [
                {
                    "id": new_id(), "user_id": m.user_id, "category": m.category,
                    "title": m.title, "body": m.body, "data": m.data, "created_at": now,
                }
                for m in messages
            ],
        )  # fmt: skip


def inbox(
    conn: Connection, user_id: str, *, unread_only: bool = False, limit: int = 50
) -> dict[str, Any]:
    c = t.notifications.c
    query = select(t.notifications).where(c.user_id == user_id)
    if unread_only:
        query = query.where(c.read_at.is_(None))
    rows = conn.execute(query.order_by(c.created_at.desc(), c.id.desc()).limit(limit)).all()
    unread = conn.execute(
        select(func.count()).where(c.user_id == user_id, c.read_at.is_(None))
    ).scalar_one()
    return {"unread": unread, "notifications": [_json(row._asdict()) for row in rows]}


def mark_read(conn: Connection, user_id: str, notification_id: str, now: int) -> None:
    c = t.notifications.c
    done = conn.execute(
        update(t.notifications)
        .where(c.id == notification_id, c.user_id == user_id)
        .values(read_at=func.coalesce(c.read_at, now))
    )
    if done.rowcount == 0:
        raise NotFound(f"you have no notification {notification_id!r}")


def _json(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"], "category": row["category"], "title": row["title"],
        "body": row["body"], "data": row["data"], "created_at": isoformat(row["created_at"]),
        "read": row["read_at"] is not None,
    }  # fmt: skip
