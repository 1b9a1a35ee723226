"""FX quotes: a locked price a customer may execute once before it expires."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, String, Table

from anxin.core.db import metadata

quotes = Table(
    "fx_quotes",
    metadata,
    Column("id", String(26), primary_key=True),
    Column("user_id", String(26), ForeignKey("users.id"), nullable=False, index=True),
    Column("sell_currency", String(3), nullable=False),
    Column("sell_minor", BigInteger, nullable=False),
    Column("buy_currency", String(3), nullable=False),
    Column("buy_minor", BigInteger, nullable=False),
    Column("fee_minor", BigInteger, nullable=False),
    Column("mid_rate", String(40), nullable=False),
    Column("rate", String(40), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
)
