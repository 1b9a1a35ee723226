"""Merchant statements and reconciling one against the ledger.

The statement format (what `GET /v1/merchants/{id}/statement` writes and
`anxin payments reconcile` reads) is CSV, UTF-8 (a BOM is accepted), comma-separated, one
header line, one line per trade:

    date,merchant_id,transfer_id,amount
    2026-11-01,01JC...,01JD...,25.00
    2026-11-01,01JC...,01JE...,-5.00

`date` is the business day (China Standard Time, YYYY-MM-DD) of the ledger transfer,
`transfer_id` the ledger transfer, `amount` a decimal string in the merchant's currency:
payments positive, refunds negative.

Reconciliation compares every line with the ledger, looked up by transfer id, and every
ledger trade of the days the CSV covers with the CSV. Each difference is one mismatch:
`missing_in_csv`, `missing_in_ledger`, `duplicate` (a transfer listed again),
`amount_differs`, `merchant_differs`, `date_differs`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, or_, select

from anxin.core.clock import from_micros
from anxin.core.errors import InvalidInput
from anxin.core.money import Money, parse_decimal
from anxin.ledger import store
from anxin.payments.banks.periods import business_day, day_bounds
from anxin.payments.merchants import tables as t
from anxin.payments.merchants.tables import REFUND

HEADER = ("date", "merchant_id", "transfer_id", "amount")


@dataclass(frozen=True, slots=True)
class Line:
    day: date
    merchant_id: str
    transfer_id: str
    amount: Decimal
    line: int | None = None  # where it is in the CSV; None for the ledger's side


@dataclass(frozen=True, slots=True)
class Mismatch:
    kind: str
    day: date
    merchant_id: str
    transfer_id: str
    csv_amount: Decimal | None
    ledger_amount: Decimal | None
    line: int | None
    detail: str

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "date": self.day.isoformat(),
            "merchant_id": self.merchant_id,
            "transfer_id": self.transfer_id,
            "csv_amount": None if self.csv_amount is None else str(self.csv_amount),
            "ledger_amount": None if self.ledger_amount is None else str(self.ledger_amount),
            "line": self.line,
            "detail": self.detail,
        }

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{self.kind} {self.day} {self.merchant_id} {self.transfer_id}: {where}{self.detail}"


def parse_statement(text: str) -> list[Line]:
    """The CSV's lines; the first malformed line is refused with its number."""
    rows = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(rows, None)
    if header is None or tuple(h.strip().lower() for h in header) != HEADER:
        raise InvalidInput(f"line 1: the header must be {','.join(HEADER)}", field="csv")
    lines = []
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            raise InvalidInput(f"line {number}: expected {len(HEADER)} fields", field="csv")
        day, merchant_id, transfer_id, amount = (cell.strip() for cell in row)
        try:
            parsed_day = date.fromisoformat(day)
        except ValueError:
            raise InvalidInput(f"line {number}: {day!r} is not a date", field="csv") from None
        if not merchant_id or not transfer_id:
            raise InvalidInput(f"line {number}: merchant_id and transfer_id are required",
                               field="csv")  # fmt: skip
        try:
            value = parse_decimal(amount)
        except InvalidInput as error:
            raise InvalidInput(f"line {number}: {error.detail}", field="csv") from None
        lines.append(Line(parsed_day, merchant_id, transfer_id, value, number))
    return lines


def write_statement(lines: Iterable[Line]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for line in lines:
        writer.writerow((line.day.isoformat(), line.merchant_id, line.transfer_id, line.amount))
    return out.getvalue()


def reconcile(csv_lines: list[Line], ledger: list[Line], days: set[date]) -> list[Mismatch]:
    """Every difference between the CSV and the ledger trades of `days` (and of the CSV)."""
    by_id = {line.transfer_id: line for line in ledger}
    seen: set[str] = set()
    found: list[Mismatch] = []

    def add(kind: str, line: Line, ours: Line | None, detail: str) -> None:
        found.append(Mismatch(
            kind, line.day, line.merchant_id, line.transfer_id,
            line.amount if line.line is not None else None,
            None if ours is None else ours.amount, line.line, detail,
        ))  # fmt: skip

    for line in csv_lines:
        ours = by_id.get(line.transfer_id)
        if line.transfer_id in seen:
            add("duplicate", line, ours, "this transfer is listed more than once")
            continue
        seen.add(line.transfer_id)
        if ours is None:
            add("missing_in_ledger", line, None, "the ledger has no such merchant trade")
            continue
        if ours.merchant_id != line.merchant_id:
            add("merchant_differs", line, ours, f"the ledger says merchant {ours.merchant_id}")
        if ours.day != line.day:
            add("date_differs", line, ours, f"the ledger says {ours.day}")
        if ours.amount != line.amount:
            add("amount_differs", line, ours, f"csv {line.amount}, ledger {ours.amount}")
    for ours in ledger:
        if ours.day in days and ours.transfer_id not in seen:
            add("missing_in_csv", ours, ours, f"the ledger has {ours.amount}; the CSV does not")
    return sorted(found, key=lambda m: (m.day, m.merchant_id, m.transfer_id, m.kind))


def ledger_lines(
    conn: Connection, days: Iterable[date], transfer_ids: Iterable[str] = (),
    merchant_id: str | None = None,
) -> list[Line]:  # fmt: skip
    """Merchant trades on `days` or with these transfer ids, amounts as the ledger has them."""
    c = t.trades.c
    wanted = [c.created_at.between(*_closed(day)) for day in days]
    ids = list(transfer_ids)
    if ids:
        wanted.append(c.transfer_id.in_(ids))
    if not wanted:
        return []
    query = select(c.transfer_id, c.merchant_id, c.kind, c.currency).where(or_(*wanted))
    if merchant_id is not None:
        query = query.where(c.merchant_id == merchant_id)
    trades = conn.execute(query.order_by(c.created_at, c.transfer_id)).all()
    transfers = store.load_transfers(conn, [trade.transfer_id for trade in trades])
    lines = []
    for trade in trades:
        transfer = transfers[trade.transfer_id]
        units = transfer.posted_amount or 0
        amount = Money.from_minor(-units if trade.kind == REFUND else units, trade.currency)
        day = business_day(from_micros(transfer.effective_at))
        lines.append(Line(day, trade.merchant_id, trade.transfer_id, amount.amount))
    return lines


def _closed(day: date) -> tuple[int, int]:
    start, end = day_bounds(day)
    return start, end - 1
