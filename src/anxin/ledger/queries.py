"""Read side of the ledger: balances, balance at a past time, history pages."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, case, func, select

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


@dataclass(frozen=True, slots=True)
class StatementFilter:
    """Which entries a statement shows; amounts are absolute minor units, times micros."""

    since: int | None = None
    until: int | None = None
    direction: str | None = None  # "in" (credits to the account), "out", or None for both
    min_amount: int | None = None
    max_amount: int | None = None


def statement(
    conn: Connection, account_id: str, *, cursor: str | None, limit: int, where: StatementFilter
) -> HistoryPage:
    """History entries newest first with their transfer's metadata and the other side's owner.

    Each entry carries `meta`, `status`, `reverses_id`, `counterpart_account_id`,
    `counterpart_owner_id` and `counterpart_kind`, so a statement line can say what the money
    was for and with whom, without a read per line. Paged like `history`. The page of
    entries is chosen first (an index walk on the account's sequence) and only its rows are
    joined, so a page costs the same however long the account's history is.
    """
    if not 1 <= limit <= 500:
        raise InvalidInput("limit must be between 1 and 500", field="limit")
    e = t.entries.c
    chosen = select(t.entries).where(e.account_id == account_id)
    if cursor is not None:
        chosen = chosen.where(e.account_seq < _decode_cursor(cursor))
    if where.since is not None:
        chosen = chosen.where(e.recorded_at >= where.since)
    if where.until is not None:
        chosen = chosen.where(e.recorded_at < where.until)
    if where.direction == "in":
        chosen = chosen.where(e.amount > 0)
    elif where.direction == "out":
        chosen = chosen.where(e.amount < 0)
    if where.min_amount is not None:
        chosen = chosen.where(func.abs(e.amount) >= where.min_amount)
    if where.max_amount is not None:
        chosen = chosen.where(func.abs(e.amount) <= where.max_amount)
    page_of = chosen.order_by(e.account_seq.desc()).limit(limit + 1).subquery()
    p, tr = page_of.c, t.transfers.c
    other = t.accounts.alias("counterpart")
    counterpart = case((p.amount > 0, tr.debit_account_id), else_=tr.credit_account_id)
    query = (
        select(
            p.account_seq,
            p.transfer_id,
            p.amount,
            p.balance_after,
            p.effective_at,
            p.recorded_at,
            tr.meta,
            tr.status,
            tr.reverses_id,
            counterpart.label("counterpart_account_id"),
            other.c.owner_id.label("counterpart_owner_id"),
            other.c.kind.label("counterpart_kind"),
        )
        .join(t.transfers, tr.id == p.transfer_id)
        .join(other, other.c.id == counterpart)
        .order_by(p.account_seq.desc())
    )
    rows = conn.execute(query).all()
    page = [row._asdict() for row in rows[:limit]]
    more = len(rows) > limit
    return HistoryPage(page, _encode_cursor(page[-1]["account_seq"]) if more else None)


def outflows_by_period(
    conn: Connection, account_id: str, boundaries: list[int], meta_keys: tuple[str, ...]
) -> list[tuple[int, tuple[str | None, ...], int]]:
    """Money out of the account per period and per value of some transfer metadata keys.

    `boundaries` are ascending micros; period i runs from boundaries[i] to boundaries[i+1].
    Returns (period, values of `meta_keys`, total minor units out) in one indexed range scan,
    so a spending chart costs one query however many entries the account has.
    """
    if len(boundaries) < 2:
        return []
    e, tr = t.entries.c, t.transfers.c
    period = case(
        *((e.recorded_at < end, index) for index, end in enumerate(boundaries[1:])),
        else_=len(boundaries) - 1,
    ).label("period")
    keys = [tr.meta[key].as_string().label(f"k{i}") for i, key in enumerate(meta_keys)]
    # Grouped over a subquery: PostgreSQL would see the CASE's parameters in SELECT and in
    # GROUP BY as different expressions.
    lines = (
        select(period, *keys, (-e.amount).label("out"))
        .join(t.transfers, tr.id == e.transfer_id)
        .where(
            e.account_id == account_id,
            e.amount < 0,
            e.recorded_at >= boundaries[0],
            e.recorded_at < boundaries[-1],
        )
        .subquery()
    )
    groups = [lines.c.period, *(lines.c[f"k{i}"] for i in range(len(keys)))]
    query = select(*groups, func.sum(lines.c.out).label("total")).group_by(*groups)
    return [
        (int(row.period), tuple(row[1 : 1 + len(keys)]), int(row.total))
        for row in conn.execute(query)
    ]


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


def cursor_after(seq: int) -> str:
    """The cursor of the page that continues after the entry numbered `seq`, for a reader
    that stops part-way through a page it fetched (filtering lines the query cannot)."""
    return _encode_cursor(seq)


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
