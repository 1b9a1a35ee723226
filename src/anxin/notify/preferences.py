"""Which channels a user wants per category; security messages ignore the choice."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Connection, delete, insert, select

from anxin.core.errors import InvalidInput
from anxin.notify import tables as t
from anxin.notify.channels import ALL_CHANNELS, EMAIL, IN_APP, SMS

CATEGORIES = ("payment", "security", "bill", "account", "marketing", "code")
SECURITY = "security"
CODE = "code"  # one-time codes: phone or email only, never the inbox a stolen session reads
MARKETING = "marketing"  # also a privacy consent purpose: sent only to who opted in
DEFAULTS: dict[str, tuple[str, ...]] = {
    "payment": (IN_APP, SMS),
    "security": ALL_CHANNELS,
    "bill": (IN_APP, EMAIL),
    "account": (IN_APP, EMAIL),
    "marketing": (),
    "code": (SMS, EMAIL),
}


def channels_for(category: str, chosen: dict[str, tuple[str, ...]]) -> set[str]:
    """The channels a message of `category` goes to; the in-app inbox has all but codes."""
    if category == CODE:
        return {SMS, EMAIL}
    if category == SECURITY:
        # A new device, a large transfer or a freeze must reach the person wherever they are.
        return set(ALL_CHANNELS)
    return {IN_APP, *chosen.get(category, DEFAULTS.get(category, ()))}


def load_preferences(conn: Connection, user_id: str) -> dict[str, tuple[str, ...]]:
    return preferences_of(conn, [user_id])[user_id]


def preferences_of(
    conn: Connection, user_ids: Collection[str]
) -> dict[str, dict[str, tuple[str, ...]]]:
    """Each user's channels per category (the defaults where they chose none), in one query:
    a delivery round serves up to a hundred people."""
    chosen = {user_id: dict(DEFAULTS) for user_id in user_ids}
    c = t.preferences.c
    rows = conn.execute(
        select(c.user_id, c.category, c.channels).where(c.user_id.in_(list(chosen)))
    )
    for row in rows:
        chosen[row.user_id][row.category] = tuple(row.channels)
    return chosen


def save_preferences(conn: Connection, user_id: str, chosen: dict[str, list[str]]) -> None:
    for category, channels in chosen.items():
        if category not in CATEGORIES:
            raise InvalidInput(f"unknown category {category!r}", field=category)
        unknown = set(channels) - set(ALL_CHANNELS)
        if unknown:
            raise InvalidInput(f"unknown channel(s) {sorted(unknown)}", field=category)
    c = t.preferences.c
    conn.execute(delete(t.preferences).where(c.user_id == user_id, c.category.in_(chosen)))
    if chosen:
        conn.execute(
            insert(t.preferences),
            [
                {"user_id": user_id, "category": k, "channels": sorted(set(v))}
                for k, v in chosen.items()
            ],
        )
