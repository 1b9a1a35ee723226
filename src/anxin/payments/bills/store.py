"""Bound biller accounts and their bills: binding, fetching new bills, listing, reading.

Bills are fetched from the biller (the connector) when someone looks, and by the schedule
worker: each bound account remembers the first period it has not fetched yet, so a period
is asked for once, and a unique (account, period) key keeps two racing fetches from storing
a bill twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.exc import IntegrityError

from anxin.api.services import Services
from anxin.core.clock import to_micros
from anxin.core.db import Database
from anxin.core.errors import Conflict, NotFound
from anxin.core.ids import new_id
from anxin.identity.service import User
from anxin.payments.bills import tables as t
from anxin.payments.bills.connector import IssuedBill
from anxin.payments.bills.registry import BILLERS, biller_info, normalise_account_number
from anxin.payments.bills.rules import (
    first_day,
    late_fee,
    local_today,
    next_period,
    period_of,
)

log = logging.getLogger(__name__)

DUE, PAID = "due", "paid"
BILLER_KIND = "biller"


@dataclass(frozen=True, slots=True)
class BillAccount:
    id: str
    owner_id: str
    biller: str
    account_number: str
    label: str | None
    holder: str
    next_period: str
    created_at: int

    @classmethod
    def from_row(cls, row: Any) -> BillAccount:
        return cls(
            row.id, row.owner_id, row.biller, row.account_number, row.label, row.holder,
            row.next_period, row.created_at,
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Bill:
    id: str
    bill_account_id: str
    owner_id: str
    biller: str
    account_number: str
    period: str
    bill_number: str
    amount: int
    currency: str
    issued_on: date
    due_on: date
    late_fee_bp_per_day: int
    detail: str
    status: str
    payment_id: str | None
    paid_at: int | None

    @classmethod
    def from_row(cls, row: Any) -> Bill:
        return cls(*(getattr(row, name) for name in cls.__slots__))

    def late_fee(self, on: date) -> int:
        return late_fee(self.amount, self.due_on, on, self.late_fee_bp_per_day)

    def amount_due(self, on: date) -> int:
        """What paying the bill costs on `on`: the bill plus any late fee accrued by then."""
        return self.amount + self.late_fee(on)


# -- bound accounts -----------------------------------------------------------------------


def bind_account(
    services: Services, owner: User, biller: str, account_number: str, label: str | None
) -> BillAccount:
    """Bind `owner` to a biller account the biller confirms exists, and fetch its bills.

    Binding a removed account again revives it (with its bills); binding a live one twice
    is a 409.
    """
    info = biller_info(biller)
    number = normalise_account_number(info, account_number)
    holder = services.billers.find_account(info.code, number)
    now = services.clock.now()
    c = t.bill_accounts.c
    values = {"label": label, "holder": holder.holder, "removed_at": None}
    try:
        with services.db.write() as conn:
            revived = conn.execute(
                update(t.bill_accounts)
                .where(c.owner_id == owner.id, c.biller == info.code,
                       c.account_number == number, c.removed_at.is_not(None))
                .values(**values)
            )  # fmt: skip
            if not revived.rowcount:
                conn.execute(
                    insert(t.bill_accounts),
                    {"id": new_id(), "owner_id": owner.id, "biller": info.code,
                     "account_number": number, "next_period": period_of(local_today(now)),
                     "created_at": to_micros(now), **values},
                )  # fmt: skip
            row = conn.execute(
                select(t.bill_accounts).where(
                    c.owner_id == owner.id, c.biller == info.code, c.account_number == number
                )
            ).one()
    except IntegrityError:
        raise Conflict(
            f"you have already bound {info.name_en.lower()} account {number}",
            field="account_number",
        ) from None
    account = BillAccount.from_row(row)
    sync_bills(services, account)
    return account


def list_accounts(db: Database, owner_id: str, biller: str | None = None) -> list[BillAccount]:
    c = t.bill_accounts.c
    query = select(t.bill_accounts).where(c.owner_id == owner_id, c.removed_at.is_(None))
    if biller is not None:
        query = query.where(c.biller == biller)
    with db.read() as conn:
        rows = conn.execute(query.order_by(c.biller, c.created_at)).all()
    return [BillAccount.from_row(r) for r in rows]


def get_account(db: Database, owner_id: str, account_id: str) -> BillAccount:
    """The caller's live bound account; anyone else's is 404, exactly like a missing one."""
    c = t.bill_accounts.c
    with db.read() as conn:
        row = conn.execute(
            select(t.bill_accounts).where(
                c.id == account_id, c.owner_id == owner_id, c.removed_at.is_(None)
            )
        ).first()
    if row is None:
        raise NotFound(f"you have no bound biller account {account_id!r}")
    return BillAccount.from_row(row)


def remove_account(services: Services, owner_id: str, account_id: str) -> None:
    """Unbind; the account's bills stay on record but are no longer listed or payable."""
    c = t.bill_accounts.c
    with services.db.write() as conn:
        done = conn.execute(
            update(t.bill_accounts)
            .where(c.id == account_id, c.owner_id == owner_id, c.removed_at.is_(None))
            .values(removed_at=to_micros(services.clock.now()))
        )
    if not done.rowcount:
        raise NotFound(f"you have no bound biller account {account_id!r}")


# -- bills --------------------------------------------------------------------------------


def sync_bills(services: Services, account: BillAccount) -> None:
    """Store the bills the biller has issued to `account` since it was last asked."""
    today = local_today(services.clock.now())
    if account.next_period > period_of(today):
        return
    issued = services.billers.issued_bills(
        account.biller, account.account_number, first_day(account.next_period), today
    )
    now = to_micros(services.clock.now())
    current = period_of(today)
    # Past periods are never asked for again; the current one is, until its bill is out.
    upto = next_period(current) if any(b.period == current for b in issued) else current
    c = t.bill_accounts.c
    try:
        with services.db.write() as conn:
            moved = conn.execute(
                update(t.bill_accounts)
                .where(c.id == account.id, c.next_period == account.next_period)
                .values(next_period=upto)
            )
            if not moved.rowcount:
                return  # a concurrent fetch got here first and stored the same bills
            if issued:
                conn.execute(insert(t.bills), [_bill_row(account, b, now) for b in issued])
    except IntegrityError:
        log.info("bills for %s were stored by a concurrent fetch", account.id)


def _bill_row(account: BillAccount, bill: IssuedBill, now: int) -> dict[str, Any]:
    return {
        "id": new_id(), "bill_account_id": account.id, "owner_id": account.owner_id,
        "biller": bill.biller, "account_number": bill.account_number, "period": bill.period,
        "bill_number": bill.bill_number, "amount": bill.amount, "currency": bill.currency,
        "issued_on": bill.issued_on, "due_on": bill.due_on,
        "late_fee_bp_per_day": bill.late_fee_bp_per_day, "detail": bill.detail[:200],
        "status": DUE, "payment_id": None, "paid_at": None, "created_at": now,
    }  # fmt: skip


def sync_owner(services: Services, owner_id: str, biller: str | None = None) -> None:
    for account in list_accounts(services.db, owner_id, biller):
        sync_bills(services, account)


def list_bills(
    db: Database,
    owner_id: str,
    *,
    biller: str | None = None,
    period: str | None = None,
    status: str | None = None,
    account_id: str | None = None,
) -> list[Bill]:
    """The owner's bills on live bound accounts, oldest period first."""
    b, a = t.bills.c, t.bill_accounts.c
    query = (
        select(t.bills)
        .join(t.bill_accounts, a.id == b.bill_account_id)
        .where(b.owner_id == owner_id, a.removed_at.is_(None))
    )
    for column, value in ((b.biller, biller), (b.period, period), (b.status, status),
                          (b.bill_account_id, account_id)):  # fmt: skip
        if value is not None:
            query = query.where(column == value)
    with db.read() as conn:
        rows = conn.execute(query.order_by(b.period, b.biller, b.account_number)).all()
    return [Bill.from_row(r) for r in rows]


def get_bill(db: Database, owner_id: str, bill_id: str) -> Bill:
    with db.read() as conn:
        return read_bill(conn, owner_id, bill_id)


def read_bill(conn: Connection, owner_id: str, bill_id: str) -> Bill:
    """The owner's bill on a live bound account; anyone else's is 404."""
    b, a = t.bills.c, t.bill_accounts.c
    row = conn.execute(
        select(t.bills)
        .join(t.bill_accounts, a.id == b.bill_account_id)
        .where(b.id == bill_id, b.owner_id == owner_id, a.removed_at.is_(None))
    ).first()
    if row is None:
        raise NotFound(f"you have no bill {bill_id!r}")
    return Bill.from_row(row)


# -- the billers' ledger accounts ---------------------------------------------------------


def biller_account_id(services: Services, biller: str) -> str:
    """The biller's ledger account (kind "biller"), opened the first time it is paid.

    Two first payments racing may each open one; the registry's primary key keeps the first
    and the other stays an empty, unused account.
    """
    c = t.biller_accounts.c
    with services.db.read() as conn:
        found = conn.execute(select(c.account_id).where(c.biller == biller)).scalar()
    if found is not None:
        return str(found)
    info = BILLERS[biller]
    opened = services.ledger.open_account(
        "CNY", kind=BILLER_KIND, meta={"biller": biller, "name": f"{info.name_zh} {info.name_en}"}
    )
    try:
        with services.db.write() as conn:
            conn.execute(
                insert(t.biller_accounts),
                {"biller": biller, "account_id": opened["id"], "created_at": opened["created_at"]},
            )
    except IntegrityError:
        with services.db.read() as conn:
            return str(conn.execute(select(c.account_id).where(c.biller == biller)).scalar_one())
    return str(opened["id"])
