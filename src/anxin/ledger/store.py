"""Loading the rows a batch needs and writing back what it changed, with Core SQL.

No ORM on this path: each batch reads with one locking SELECT per table and writes with one
executemany per table, whatever the number of commands in it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, func, select

from anxin.ledger import tables as t
from anxin.ledger.posting import AccountState, Book, TransferRow

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


_CHUNK = 500  # ids per IN (...) list: far below every driver's bind-parameter limit
_TRANSFER_COLUMNS = tuple(t.transfers.c[name] for name in _TRANSFER_FIELDS)


def _chunks(values: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


# Built once: every posting batch runs them, and building a statement costs about as much
# as running it.
_LOCK_ACCOUNTS = (
    select(*_ACCOUNT_STATE)
    .where(t.accounts.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(t.accounts.c.id)
    .with_for_update()
)
_LOCK_TRANSFERS = (
    select(*_TRANSFER_COLUMNS)
    .where(t.transfers.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(t.transfers.c.id)
    .with_for_update()
)


def lock_accounts(conn: Connection, ids: Iterable[str]) -> dict[str, AccountState]:
    """Read and lock accounts in id order, so concurrent batches never deadlock."""
    found: dict[str, AccountState] = {}
    for chunk in _chunks(sorted(set(ids))):
        rows = conn.execute(_LOCK_ACCOUNTS, {"ids": chunk})
        found.update((row.id, AccountState(*row)) for row in rows)
    return found


def lock_transfers(conn: Connection, ids: Iterable[str]) -> dict[str, TransferRow]:
    """Read and lock transfers in id order (always before their accounts)."""
    found: dict[str, TransferRow] = {}
    for chunk in _chunks(sorted(set(ids))):
        rows = conn.execute(_LOCK_TRANSFERS, {"ids": chunk})
        found.update((row.id, TransferRow(*row)) for row in rows)
    return found


def load_transfers(conn: Connection, ids: Iterable[str]) -> dict[str, TransferRow]:
    found: dict[str, TransferRow] = {}
    for chunk in _chunks(list(set(ids))):
        query = select(*_TRANSFER_COLUMNS).where(t.transfers.c.id.in_(chunk))
        found.update((row.id, TransferRow(*row)) for row in conn.execute(query))
    return found


def reversed_totals(conn: Connection, original_ids: Iterable[str]) -> dict[str, int]:
    """How much of each original transfer has been reversed already."""
    found: dict[str, int] = {}
    for chunk in _chunks(list(set(original_ids))):
        query = (
            select(t.transfers.c.reverses_id, func.sum(t.transfers.c.amount))
            .where(t.transfers.c.reverses_id.in_(chunk))
            .group_by(t.transfers.c.reverses_id)
        )
        found.update((row[0], int(row[1])) for row in conn.execute(query))
    return found


_EARLIER = select(  # built once: every posting batch and every payment's retry check ask
    t.idempotency.c.scope,
    t.idempotency.c.key,
    t.idempotency.c.request_hash,
    t.idempotency.c.status_code,
    t.idempotency.c.result,
).where(t.idempotency.c.key.in_(bindparam("keys", expanding=True)))


def load_idempotency(
    conn: Connection, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """Earlier outcomes for these (scope, key) pairs; looked up by key, matched on both."""
    wanted = set(keys)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for chunk in _chunks(sorted({key for _, key in wanted})):
        for row in conn.execute(_EARLIER, {"keys": chunk}):
            if (row.scope, row.key) in wanted:
                found[(row.scope, row.key)] = row._asdict()
    return found


def write_book(conn: Connection, book: Book, idempotency_rows: list[dict[str, Any]]) -> None:
    """Persist everything the batch changed, with one driver-level statement per table.

    Rows go to the driver as plain tuples: SQLAlchemy's per-row parameter processing cost
    more than the writes themselves (see BENCHMARKS.md).
    """
    if book.new_transfers:
        _write(conn, "insert_transfer", [
            (*(getattr(row, name) for name in _TRANSFER_FIELDS[:-2]), _dump(row.meta),
             row.resolved_at)
            for row in book.new_transfers
        ])  # fmt: skip
    if book.resolved:
        _write(conn, "resolve_transfer", [
            (r.status, r.posted_amount, r.resolved_at, r.id) for r in book.resolved.values()
        ])  # fmt: skip
    if book.entries:
        _write(conn, "insert_entry", [
            (e.account_id, e.account_seq, e.transfer_id, e.amount, e.balance_after,
             e.effective_at, e.recorded_at, e.hash)
            for e in book.entries
        ])  # fmt: skip
    if book.dirty:
        _write(conn, "update_account", [
            (a.debits_posted, a.credits_posted, a.debits_pending, a.credits_pending,
             a.entry_count, a.head_hash, a.id)
            for a in (book.accounts[account_id] for account_id in sorted(book.dirty))
        ])  # fmt: skip
    if idempotency_rows:
        _write(conn, "insert_idempotency", [
            (r["scope"], r["key"], r["request_hash"], r["status_code"], _dump(r["result"]),
             r["expires_at"])
            for r in idempotency_rows
        ])  # fmt: skip


def _dump(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"))


@dataclass(frozen=True)
class _Write:
    """One bulk write: its table, the key column for updates, and (column, SQL type) pairs."""

    table: str
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, str] | None = None

    def sqlite(self) -> str:
        if self.key is None:
            names = ", ".join(name for name, _ in self.columns)
            marks = ", ".join("?" for _ in self.columns)
            return f"INSERT INTO {self.table} ({names}) VALUES ({marks})"
        sets = ", ".join(f"{name} = ?" for name, _ in self.columns)
        return f"UPDATE {self.table} SET {sets} WHERE {self.key[0]} = ?"

    def postgresql(self) -> str:
        """All rows as one statement over unnest()ed arrays, one array per column."""
        every = self.columns + ((self.key,) if self.key else ())
        names = ", ".join(name for name, _ in every)
        arrays = ", ".join(f"%s::{'text' if kind == 'json' else kind}[]" for _, kind in every)
        source = f"unnest({arrays}) AS u({names})"
        if self.key is None:
            values = ", ".join(
                f"u.{name}::json" if kind == "json" else f"u.{name}" for name, kind in every
            )
            return f"INSERT INTO {self.table} ({names}) SELECT {values} FROM {source}"
        sets = ", ".join(f"{name} = u.{name}" for name, _ in self.columns)
        key = self.key[0]
        return f"UPDATE {self.table} AS t SET {sets} FROM {source} WHERE t.{key} = u.{key}"


_TEXT, _BIG, _BYTES = "text", "bigint", "bytea"
_WRITES = {
    "insert_transfer": _Write("ledger_transfers", (
        ("id", _TEXT), ("debit_account_id", _TEXT), ("credit_account_id", _TEXT),
        ("amount", _BIG), ("currency", _TEXT), ("status", _TEXT), ("effective_at", _BIG),
        ("created_at", _BIG), ("posted_amount", _BIG), ("expires_at", _BIG),
        ("batch_id", _TEXT), ("reverses_id", _TEXT), ("meta", "json"), ("resolved_at", _BIG),
    )),
    "resolve_transfer": _Write("ledger_transfers", (
        ("status", _TEXT), ("posted_amount", _BIG), ("resolved_at", _BIG),
    ), key=("id", _TEXT)),
    "insert_entry": _Write("ledger_entries", (
        ("account_id", _TEXT), ("account_seq", _BIG), ("transfer_id", _TEXT), ("amount", _BIG),
        ("balance_after", _BIG), ("effective_at", _BIG), ("recorded_at", _BIG),
        ("hash", _BYTES),
    )),
    "update_account": _Write("ledger_accounts", (
        ("debits_posted", _BIG), ("credits_posted", _BIG), ("debits_pending", _BIG),
        ("credits_pending", _BIG), ("entry_count", _BIG), ("head_hash", _BYTES),
    ), key=("id", _TEXT)),
    "insert_idempotency": _Write("ledger_idempotency", (
        ("scope", _TEXT), ("key", _TEXT), ("request_hash", _BYTES), ("status_code", _BIG),
        ("result", "json"), ("expires_at", _BIG),
    )),
}  # fmt: skip
assert tuple(name for name, _ in _WRITES["insert_transfer"].columns) == _TRANSFER_FIELDS
_SQL = {
    dialect: {name: getattr(write, dialect)() for name, write in _WRITES.items()}
    for dialect in ("sqlite", "postgresql")
}


def _write(conn: Connection, name: str, rows: list[tuple[Any, ...]]) -> None:
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(
            _SQL["postgresql"][name], tuple(list(col) for col in zip(*rows, strict=True))
        )
    else:
        conn.exec_driver_sql(_SQL["sqlite"][name], rows)
