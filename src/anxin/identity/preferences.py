"""Remembered display preferences: elder mode and language, the same on every device.

A user who never chose gets the defaults (standard mode, the browser's language), with no
row stored; the first change writes one.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal, cast

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from anxin.core.clock import Clock, SystemClock, to_micros
from anxin.core.db import Database
from anxin.core.errors import InvalidInput
from anxin.identity.preference_tables import user_preferences

Language = Literal["zh", "en"]
LANGUAGES: tuple[Language, ...] = ("zh", "en")
# As a change: forget the chosen language and follow the browser again.
AUTO: Literal["auto"] = "auto"


@dataclass(frozen=True, slots=True)
class Preferences:
    elder_mode: bool = False
    language: Language | None = None  # None: the browser's language


def preferences(db: Database, user_id: str) -> Preferences:
    """The user's preferences, or the defaults if they never chose."""
    with db.read() as conn:
        return _load(conn, user_id)


def languages_of(conn: Connection, user_ids: Collection[str]) -> dict[str, Language | None]:
    """Each user's chosen language (None: never chose), in one query: a notification round
    serves up to a hundred people."""
    chosen: dict[str, Language | None] = dict.fromkeys(user_ids)
    c = user_preferences.c
    rows = conn.execute(select(c.user_id, c.language).where(c.user_id.in_(list(chosen))))
    chosen.update((row.user_id, cast("Language | None", row.language)) for row in rows)
    return chosen


def set_preferences(
    db: Database,
    user_id: str,
    *,
    elder_mode: bool | None = None,
    language: Language | Literal["auto"] | None = None,
    clock: Clock | None = None,
) -> Preferences:
    """Change the preferences given and keep the others (None leaves one as it is).

    `language="auto"` forgets the chosen language, so the browser's applies again.
    """
    if language is not None and language != AUTO and language not in LANGUAGES:
        raise InvalidInput("language must be 'zh', 'en' or 'auto'", field="language")
    now = to_micros((clock or SystemClock()).now())
    with db.write() as conn:
        current = _load(conn, user_id)
        chosen = Preferences(
            current.elder_mode if elder_mode is None else elder_mode,
            _language(current.language, language),
        )
        _save(conn, user_id, chosen, now)
    return chosen


def forget_preferences(conn: Connection, user_id: str) -> None:
    """Remove the stored choices (account erasure); the user would see the defaults."""
    conn.execute(delete(user_preferences).where(user_preferences.c.user_id == user_id))


def preferences_json(prefs: Preferences) -> dict[str, object]:
    return {"elder_mode": prefs.elder_mode, "language": prefs.language}


def _language(current: Language | None, change: str | None) -> Language | None:
    if change is None:
        return current
    return None if change == AUTO else cast("Language", change)


def _load(conn: Connection, user_id: str) -> Preferences:
    c = user_preferences.c
    row = conn.execute(select(c.elder_mode, c.language).where(c.user_id == user_id)).first()
    if row is None:
        return Preferences()
    return Preferences(bool(row.elder_mode), cast("Language | None", row.language))


def _save(conn: Connection, user_id: str, prefs: Preferences, now: int) -> None:
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    values = {"elder_mode": prefs.elder_mode, "language": prefs.language, "updated_at": now}
    conn.execute(
        insert(user_preferences)
        .values(user_id=user_id, **values)
        .on_conflict_do_update(index_elements=["user_id"], set_=values)
    )
