"""Loading the rows a batch needs and writing back what it changed, with Core SQL.

No ORM on this path: each batch reads with one locking SELECT per table and writes with one
executemany per table, whatever the number of commands in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, tuple_, update

from anxin.ledger import tables as t
from anxin.ledger.posting import AccountState, Book, Entry, TransferRow

_ACCOUNT_STATE = (
    t.accounts.c.id,
    t.accounts.c.currency,
    t.accounts.c.no_overdraft,
    t.accounts.c.debits_posted,
    t.accounts.c.credits_posted,
    t.accounts.c.debits_pending,
    t.accounts.c.credits_pending,
    t.accounts.c.entry_count,
    t.accounts.c.head_hash,
)

_TRANSFER_FIELDS = tuple(TransferRow.__slots__)


def lock_accounts(conn: Connection, ids: Iterable[str]) -> dict[str, AccountState]:
    """Read and lock accounts in id order, so concurrent batches never deadlock."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = (
        select(*_ACCOUNT_STATE)
        .where(t.accounts.c.id.in_(wanted))
        .order_by(t.accounts.c.id)
        .with_for_update()
    )
    return {row.id: AccountState(*row) for row in conn.execute(query)}


def lock_transfers(conn: Connection, ids: Iterable[str]) -> dict[str, TransferRow]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    query = (
        select(*(t.transfers.c[name] for name in _TRANSFER_FIELDS))
        .where(t.transfers.c.id.in_(wanted))
        .order_by(t.transfers.c.id)
        .with_for_update()
    )
    return {row.id: TransferRow(*row) for row in conn.execute(query)}


def load_transfers(conn: Connection, ids: Iterable[str]) -> dict[str, TransferRow]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    query = select(*(t.transfers.c[name] for name in _TRANSFER_FIELDS)).where(
        t.transfers.c.id.in_(wanted)
    )
    return {row.id: TransferRow(*row) for row in conn.execute(query)}


def reversed_totals(conn: Connection, original_ids: Iterable[str]) -> dict[str, int]:
    wanted = list(set(original_ids))
    if not wanted:
        return {}
    query = (
        select(t.transfers.c.reverses_id, func.sum(t.transfers.c.amount))
        .where(t.transfers.c.reverses_id.in_(wanted))
        .group_by(t.transfers.c.reverses_id)
    )
    return {row[0]: int(row[1]) for row in conn.execute(query)}


def load_idempotency(
    conn: Connection, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    wanted = list(set(keys))
    if not wanted:
        return {}
    c = t.idempotency.c
    query = select(c.scope, c.key, c.request_hash, c.status_code, c.result).where(
        tuple_(c.scope, c.key).in_(wanted)
    )
    return {(row.scope, row.key): row._asdict() for row in conn.execute(query)}


def write_book(conn: Connection, book: Book, idempotency_rows: list[dict[str, Any]]) -> None:
    """Persist everything the batch changed, one statement per table."""
    if book.new_transfers:
        conn.execute(
            t.transfers.insert(),
            [{name: getattr(row, name) for name in _TRANSFER_FIELDS} for row in book.new_transfers],
        )
    if book.resolved:
        conn.execute(
            update(t.transfers)
            .where(t.transfers.c.id == bindparam("_id"))
            .values(
                status=bindparam("status"),
                posted_amount=bindparam("posted_amount"),
                resolved_at=bindparam("resolved_at"),
            ),
            [
                {
                    "_id": row.id,
                    "status": row.status,
                    "posted_amount": row.posted_amount,
                    "resolved_at": row.resolved_at,
                }
                for row in book.resolved.values()
            ],
        )
    if book.entries:
        conn.execute(t.entries.insert(), [_entry_params(entry) for entry in book.entries])
    if book.dirty:
        conn.execute(
            update(t.accounts)
            .where(t.accounts.c.id == bindparam("_id"))
            .values(
                debits_posted=bindparam("debits_posted"),
                credits_posted=bindparam("credits_posted"),
                debits_pending=bindparam("debits_pending"),
                credits_pending=bindparam("credits_pending"),
                entry_count=bindparam("entry_count"),
                head_hash=bindparam("head_hash"),
            ),
            [_account_params(book.accounts[account_id]) for account_id in sorted(book.dirty)],
        )
    if idempotency_rows:
        conn.execute(t.idempotency.insert(), idempotency_rows)


def _entry_params(entry: Entry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in Entry.__slots__}


def _account_params(state: AccountState) -> dict[str, Any]:
    return {
        "_id": state.id,
        "debits_posted": state.debits_posted,
        "credits_posted": state.credits_posted,
        "debits_pending": state.debits_pending,
        "credits_pending": state.credits_pending,
        "entry_count": state.entry_count,
        "head_hash": state.head_hash,
    }
