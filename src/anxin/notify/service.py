"""Writing notifications (inside the caller's transaction) and reading a user's inbox."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from anxin.core.clock import isoformat
from anxin.core.errors import InvalidInput, NotFound
from anxin.core.ids import new_id
from anxin.identity.preferences import Language, languages_of
from anxin.notify import tables as t
from anxin.notify.preferences import CATEGORIES, CODE, MARKETING
from anxin.privacy.consents import allowed_in

# Whoever never chose a language reads Chinese: most users, and most elderly ones, do.
DEFAULT_LANGUAGE: Language = "zh"


@dataclass(frozen=True, slots=True)
class Message:
    """A notification for one user, written in both languages (each reader gets theirs);
    `data` carries ids a client can link to. The texts are keywords so no Chinese title
    lands in the English body by position."""

    user_id: str
    category: str
    _: KW_ONLY
    title_zh: str
    body_zh: str
    title_en: str
    body_en: str
    data: dict[str, Any] | None = None


def enqueue(conn: Connection, messages: list[Message], now: int) -> None:
    """Add messages to the inbox/outbox in the caller's transaction, so they commit with it.

    Marketing goes only to users who opted in (privacy consent "marketing"); the others'
    messages are dropped here, so no code path can send one by forgetting to ask.
    """
    for message in messages:
        if message.category not in CATEGORIES:
            raise InvalidInput(f"unknown notification category {message.category!r}")
    messages = [
        m for m in messages if m.category != MARKETING or marketing_allowed(conn, m.user_id)
    ]
    if messages:
        conn.execute(
            insert(t.notifications),
            [
                {
                    "id": new_id(), "user_id": m.user_id, "category": m.category,
                    "title_zh": m.title_zh, "body_zh": m.body_zh, "title_en": m.title_en,
                    "body_en": m.body_en, "data": m.data, "created_at": now,
                }
                for m in messages
            ],
        )  # fmt: skip


def marketing_allowed(conn: Connection, user_id: str) -> bool:
    """Whether the user has opted in to marketing notifications."""
    return allowed_in(conn, user_id, MARKETING)


def languages(conn: Connection, user_ids: Collection[str]) -> dict[str, Language]:
    """The language each user reads notifications in: their saved choice, else Chinese."""
    chosen = languages_of(conn, user_ids)
    return {user_id: chosen[user_id] or DEFAULT_LANGUAGE for user_id in user_ids}


def inbox(
    conn: Connection, user_id: str, lang: Language, *, unread_only: bool = False,
    limit: int = 50, categories: tuple[str, ...] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """The newest notifications in `lang`; `categories` narrows them (a guardian sees only
    alerts).

    One-time codes are never listed: they go by SMS only, so whoever holds a stolen session
    cannot read the code that would confirm their payment.
    """
    c = t.notifications.c
    shown = (c.user_id == user_id) & (c.category != CODE)
    query = select(t.notifications).where(shown)
    if unread_only:
        query = query.where(c.read_at.is_(None))
    if categories is not None:
        query = query.where(c.category.in_(categories))
    rows = conn.execute(query.order_by(c.created_at.desc(), c.id.desc()).limit(limit)).all()
    unread = conn.execute(select(func.count()).where(shown, c.read_at.is_(None))).scalar_one()
    return {
        "lang": lang, "unread": unread,
        "notifications": [_json(row, *texts(row._asdict(), lang)) for row in rows],
    }  # fmt: skip


def every_notification(conn: Connection, user_id: str) -> list[dict[str, Any]]:
    """All of the user's listed notifications, newest first, each in both languages: the
    privacy export shows everything stored, whatever the user reads today."""
    c = t.notifications.c
    rows = conn.execute(
        select(t.notifications)
        .where(c.user_id == user_id, c.category != CODE)
        .order_by(c.created_at.desc(), c.id.desc())
    )
    return [
        _json(row, {"zh": row.title_zh, "en": row.title_en}, {"zh": row.body_zh, "en": row.body_en})
        for row in rows
    ]


def texts(row: Mapping[str, Any], lang: Language) -> tuple[str, str]:
    """A stored notification's title and body in `lang`."""
    return row[f"title_{lang}"], row[f"body_{lang}"]


def forget_inbox(conn: Connection, user_id: str) -> None:
    """Erase a closed account's notifications: they carry names, notes and amounts."""
    conn.execute(delete(t.notifications).where(t.notifications.c.user_id == user_id))


def mark_read(conn: Connection, user_id: str, notification_id: str, now: int) -> None:
    c = t.notifications.c
    done = conn.execute(
        update(t.notifications)
        .where(c.id == notification_id, c.user_id == user_id)
        .values(read_at=func.coalesce(c.read_at, now))
    )
    if done.rowcount == 0:
        raise NotFound(f"you have no notification {notification_id!r}")


def _json(row: Row[Any], title: str | dict[str, str], body: str | dict[str, str]) -> dict[str, Any]:
    return {
        "id": row.id, "category": row.category, "title": title, "body": body,
        "data": row.data, "created_at": isoformat(row.created_at), "read": row.read_at is not None,
    }  # fmt: skip
