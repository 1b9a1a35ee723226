"""Read side of the ledger: balances, balance at a past time, history pages."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from anxin.core.errors import InvalidInput, NotFound
from anxin.ledger import tables as t


@dataclass(frozen=True, slots=True)
class HistoryPage:
    entries: list[dict[str, Any]]
    next_cursor: str | None


def balance_at(conn: Connection, account_id: str, at_micros: int) -> int:
    """The posted balance as recorded at `at_micros`: one seek on (account_id, recorded_at)."""
    c = t.entries.c
    query = (
        select(c.balance_after)
        .where(c.account_id == account_id, c.recorded_at <= at_micros)
        .order_by(c.recorded_at.desc(), c.account_seq.desc())
        .limit(1)
    )
    return int(conn.execute(query).scalar() or 0)


def history(conn: Connection, account_id: str, *, cursor: str | None, limit: int) -> HistoryPage:
    """Entries newest first; the cursor is the position after the last one returned."""
    if not 1 <= limit <= 500:
        raise InvalidInput("limit must be between 1 and 500", field="limit")
    c = t.entries.c
    query = select(
        c.account_seq, c.transfer_id, c.amount, c.balance_after, c.effective_at, c.recorded_at
    ).where(c.account_id == account_id)
    if cursor is not None:
        query = query.where(c.account_seq < _decode_cursor(cursor))
    rows = conn.execute(query.order_by(c.account_seq.desc()).limit(limit + 1)).all()
    page = [row._asdict() for row in rows[:limit]]
    more = len(rows) > limit
    return HistoryPage(page, _encode_cursor(page[-1]["account_seq"]) if more else None)


def account_row(conn: Connection, account_id: str) -> dict[str, Any]:
    row = conn.execute(select(t.accounts).where(t.accounts.c.id == account_id)).first()
    if row is None:
        raise NotFound(f"account {account_id!r} does not exist")
    return row._asdict()


def accounts_of(conn: Connection, owner_id: str) -> list[dict[str, Any]]:
    query = select(t.accounts).where(t.accounts.c.owner_id == owner_id).order_by(t.accounts.c.id)
    return [row._asdict() for row in conn.execute(query)]


def find_account(
    conn: Connection, owner_id: str, kind: str, currency: str
) -> dict[str, Any] | None:
    """The owner's oldest account of `kind` in `currency`, if there is one."""
    c = t.accounts.c
    row = conn.execute(
        select(t.accounts)
        .where(c.owner_id == owner_id, c.kind == kind, c.currency == currency)
        .order_by(c.id)
        .limit(1)
    ).first()
    return None if row is None else row._asdict()


def find_system_account(conn: Connection, kind: str, currency: str) -> dict[str, Any] | None:
    c = t.accounts.c
    row = conn.execute(
        select(t.accounts).where(c.owner_id.is_(None), c.kind == kind, c.currency == currency)
    ).first()
    return None if row is None else row._asdict()


def _encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(f"seq:{seq}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, seq = text.split(":", 1)
        if prefix != "seq":
            raise ValueError(prefix)
        return int(seq)
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("cursor is not one this API returned", field="cursor") from None
