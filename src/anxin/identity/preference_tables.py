"""Per-user display preferences: elder mode (大字版) and the interface language."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, ForeignKey, String, Table

from anxin.core.db import metadata

user_preferences = Table(
    "user_preferences",
    metadata,
    Column("user_id", String(26), ForeignKey("users.id"), primary_key=True),
    Column("elder_mode", Boolean, nullable=False),
    # NULL: follow the browser's Accept-Language.
    Column("language", String(2), nullable=True),
    Column("updated_at", BigInteger, nullable=False),
)
