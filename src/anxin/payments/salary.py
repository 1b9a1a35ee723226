"""Salary split: when a salary arrives, move a share of it to savings or investment.

A credit counts as salary when its transfer metadata says `"tag": "salary"` (how an
employer's payroll file or a bank connector marks it). The ledger calls `note_salaries`
inside the very transaction that posts the credit, and it records a pending split there,
so a split can neither be missed (crash after the credit) nor made twice (the salary
transfer id is the split's primary key and its ledger idempotency key).
"""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, delete, insert, select, update

from anxin.core.clock import to_micros
from anxin.core.errors import InvalidInput
from anxin.ledger import queries
from anxin.ledger.posting import Create, TransferRow, TransferSpec
from anxin.ledger.service import Request, fingerprint
from anxin.notify import Message, enqueue
from anxin.payments import tables as t
from anxin.payments.wallets import INVESTMENT, SAVINGS, WALLET, ensure_wallet

if TYPE_CHECKING:  # the services container imports this module to register the listener
    from anxin.api.services import Services

TARGETS = (SAVINGS, INVESTMENT)
TARGET_NAMES = {SAVINGS: ("储蓄", "savings"), INVESTMENT: ("投资", "investment")}


def split_amount(salary: int, percent: Decimal) -> int:
    """The share to move, in minor units, rounded down: never more than the user asked."""
    return int((Decimal(salary) * percent).to_integral_value(rounding=ROUND_DOWN))


def parse_percent(text: str) -> Decimal:
    try:
        percent = Decimal(text)
    except ArithmeticError:
        raise InvalidInput(f'{text!r} is not a fraction like "0.3"', field="percent") from None
    if not percent.is_finite() or not Decimal("0.01") <= percent <= 1:
        raise InvalidInput("percent is a fraction between 0.01 and 1", field="percent")
    return percent


def set_rule(services: Services, user_id: str, percent: Decimal, target: str) -> None:
    if target not in TARGETS:
        raise InvalidInput(f"target is one of {', '.join(TARGETS)}", field="target")
    now = to_micros(services.clock.now())
    with services.db.write() as conn:
        conn.execute(delete(t.salary_rules).where(t.salary_rules.c.user_id == user_id))
        conn.execute(
            insert(t.salary_rules),
            {"user_id": user_id, "percent": str(percent), "target": target, "updated_at": now},
        )


def get_rule(services: Services, user_id: str) -> dict[str, Any] | None:
    with services.db.read() as conn:
        row = conn.execute(
            select(t.salary_rules).where(t.salary_rules.c.user_id == user_id)
        ).first()
    return None if row is None else {"percent": row.percent, "target": row.target}


def clear_rule(services: Services, user_id: str) -> None:
    with services.db.write() as conn:
        conn.execute(delete(t.salary_rules).where(t.salary_rules.c.user_id == user_id))


def note_salaries(conn: Connection, posted: list[TransferRow]) -> None:
    """Ledger listener: queue a split for each salary credited to a wallet with a rule."""
    for row in posted:
        if not row.meta or row.meta.get("tag") != "salary" or row.reverses_id:
            continue
        account = queries.account_row(conn, row.credit_account_id)
        if account["kind"] != WALLET or account["owner_id"] is None:
            continue
        rule = conn.execute(
            select(t.salary_rules).where(t.salary_rules.c.user_id == account["owner_id"])
        ).first()
        if rule is None:
            continue
        amount = split_amount(row.posted_amount or 0, Decimal(rule.percent))
        if amount > 0:
            conn.execute(insert(t.salary_splits), {
                "salary_transfer_id": row.id, "user_id": account["owner_id"],
                "wallet_id": account["id"], "amount": amount, "currency": row.currency,
                "target": rule.target, "status": "pending", "created_at": row.created_at,
            })  # fmt: skip


def run_pending_splits(services: Services, limit: int = 100) -> int:
    """Carry out queued splits; returns how many finished (moved or refused for good)."""
    c = t.salary_splits.c
    with services.db.read() as conn:
        pending = conn.execute(
            select(t.salary_splits).where(c.status == "pending").order_by(c.created_at)
            .limit(limit)
        ).all()  # fmt: skip
    for split in pending:
        _split(services, split._asdict())
    return len(pending)


def _split(services: Services, split: dict[str, Any]) -> None:
    target, _ = ensure_wallet(services.ledger, split["user_id"], split["currency"],
                              split["target"])  # fmt: skip
    zh, en = TARGET_NAMES[split["target"]]
    key = f"salary-split:{split['salary_transfer_id']}"
    now = to_micros(services.clock.now())

    def record(conn: Connection, transfers: list[TransferRow]) -> None:
        _close(conn, split, "done", now, transfer_id=transfers[0].id)
        enqueue(conn, [Message(
            split["user_id"], "payment",
            title_zh=f"工资已自动转入{zh}", body_zh=f"您的部分工资已按设置自动转入{zh}。",
            title_en=f"Salary moved to {en}",
            body_en=f"Part of your salary moved to {en} automatically.",
            data={"transfer_id": transfers[0].id,
                  "salary_transfer_id": split["salary_transfer_id"]},
        )], now)  # fmt: skip

    meta = {"type": "salary-split", "salary_transfer_id": split["salary_transfer_id"]}
    spec = TransferSpec(split["wallet_id"], target["id"], split["amount"], split["currency"],
                        meta=meta)  # fmt: skip
    request = Request(Create((spec,)), key, f"user:{split['user_id']}", fingerprint("split", key),
                      effects=record)  # fmt: skip
    result = services.ledger.execute([request])[0]
    if result.error is None and not result.replayed:
        return
    with services.db.write() as conn:
        if result.error is not None:
            # Refused (the salary was already spent): closed with the reason, not retried.
            _close(conn, split, "failed", now, detail=result.error.detail)
        else:
            _close(conn, split, "done", now, transfer_id=result.transfers[0].id)


def _close(
    conn: Connection, split: dict[str, Any], status: str, now: int, *,
    transfer_id: str | None = None, detail: str | None = None,
) -> None:  # fmt: skip
    conn.execute(
        update(t.salary_splits)
        .where(t.salary_splits.c.salary_transfer_id == split["salary_transfer_id"])
        .values(status=status, split_transfer_id=transfer_id, done_at=now,
                detail=detail[:300] if detail else None)
    )  # fmt: skip
