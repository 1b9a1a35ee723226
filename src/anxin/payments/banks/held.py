"""Top-ups and withdrawals held for a step-up code or a review: how they finish.

`anxin.payments.holds` calls `HOLDS` for a hold whose purpose is a bank order. While it
waits, the order's legs (the amount, and a withdrawal's fee) are reserved on the hold's
clock, so the hold and its money expire together. Approving it voids those legs and reserves
the same legs again on the bank's clock (answer deadline plus `HOLD_MARGIN_SECONDS`) in one
ledger transaction, which also closes the hold and makes the order `pending`; only then is
the bank asked, and the settle step takes it from there like any other order. Releasing it
records the order as not made and tells the payer, in the transaction that voids or expires
both legs.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from sqlalchemy import Connection, update

from anxin.api.services import Services
from anxin.core.errors import InvalidState
from anxin.core.money import Money
from anxin.ledger.posting import Create, TransferRow, TransferSpec, Void
from anxin.ledger.service import Request
from anxin.notify import Message, enqueue
from anxin.payments.banks import tables as t
from anxin.payments.banks.orders import (
    CANCELLED,
    HOLD_MARGIN_SECONDS,
    PENDING,
    TOPUP,
    WAITING,
    card_shown,
    find_order,
    submit_order,
)
from anxin.payments.holds import APPROVED, Ended, Hold, Shown, close_hold, ended, settle

c = t.orders.c
PAGES: Final = {"topup": "topup", "withdrawal": "withdraw"}
"""The web path segment of each order kind (`/wallet/{segment}/{order_id}`)."""


class _BankHolds:
    """`holds.HeldPurpose` for top-ups and withdrawals."""

    def approve(self, services: Services, found: Hold, actor: str) -> TransferRow:
        order = _order(services, found)
        held = [order["held_transfer_id"]]
        if order["fee_transfer_id"]:
            held.append(order["fee_transfer_id"])
        legs = [services.ledger.transfer(transfer_id) for transfer_id in held]
        timeout = services.bank.answer_timeout_seconds + HOLD_MARGIN_SECONDS
        again = tuple(
            TransferSpec(leg.debit_account_id, leg.credit_account_id, leg.amount, leg.currency,
                         pending=True, timeout_seconds=timeout, meta=leg.meta)
            for leg in legs
        )  # fmt: skip

        def cleared(conn: Connection, transfers: list[TransferRow]) -> None:
            now = transfers[0].created_at
            changed = conn.execute(
                update(t.orders)
                .where(c.id == order["id"], c.status == WAITING)
                .values(
                    status=PENDING, transfer_id=transfers[0].id,
                    fee_transfer_id=transfers[1].id if len(transfers) > 1 else None,
                    deadline_at=now + services.bank.answer_timeout_seconds * 1_000_000,
                )
            ).rowcount  # fmt: skip
            if not changed:
                raise InvalidState("this order no longer waits", field="hold_id")
            close_hold(conn, found, APPROVED, actor, None, now)

        # The voids free exactly what the fresh legs take, from the same accounts, in the
        # same transaction: the new reservation cannot be refused for want of money.
        reserved = settle(services, found, Request(Create(again), effects=cleared),
                          before=[Request(Void(transfer_id)) for transfer_id in held],
                          together=True)  # fmt: skip
        with services.db.read() as conn:
            cleared_order = find_order(conn, c.id == order["id"])
        assert cleared_order is not None
        submit_order(services, cleared_order)
        return reserved

    def released(
        self, conn: Connection, services: Services, found: Hold, status: str, note: str | None,
        now: int,
    ) -> None:  # fmt: skip
        del services  # everything needed is in this transaction
        order = find_order(conn, c.held_transfer_id == found.transfer_id, c.status == WAITING)
        if order is None:
            return
        why = ended(status, note)
        conn.execute(
            update(t.orders)
            .where(c.id == order["id"], c.status == WAITING)
            .values(status=CANCELLED, reason=(note or why.en)[:200], resolved_at=now)
        )  # fmt: skip
        enqueue(conn, [_released_message(order, found, why)], now)

    def legs(self, services: Services, found: Hold) -> tuple[str, ...]:
        fee = _order(services, found, waiting=False)["fee_transfer_id"]
        return () if fee is None else (str(fee),)

    def shown(self, services: Services, found: Hold, lang: Literal["zh", "en"]) -> Shown:
        order = _order(services, found, waiting=False)
        return Shown(
            card_shown(order["last4"], lang), f"/wallet/{PAGES[order['kind']]}/{order['id']}"
        )


def _order(services: Services, found: Hold, *, waiting: bool = True) -> dict[str, Any]:
    where = [c.held_transfer_id == found.transfer_id]
    if waiting:
        where.append(c.status == WAITING)
    with services.db.read() as conn:
        order = find_order(conn, *where)
    if order is None:
        raise InvalidState("this order no longer waits", field="hold_id")
    return order


def _released_message(order: dict[str, Any], found: Hold, why: Ended) -> Message:
    cur, last4 = order["currency"], order["last4"]
    shown = found.money.shown()
    if order["kind"] == TOPUP:
        title_zh, title = f"充值{shown}未完成", f"Top-up of {shown} not completed"
        body_zh = f"从尾号{last4}的银行卡充值{shown}{why.zh}，钱包里没有增加金额。{why.said}"
        body = f"Your top-up of {shown} from the card ending {last4} {why.en}; nothing was added "
        body += f"to your wallet.{why.said}"
    else:
        total = Money.from_minor(order["amount"] + order["fee"], cur).shown()
        title_zh, title = f"提现{shown}未完成", f"Withdrawal of {shown} not completed"
        body_zh = f"提现{shown}到尾号{last4}的银行卡{why.zh}，{total}已退回您的钱包。{why.said}"
        body = f"Your withdrawal of {shown} to the card ending {last4} {why.en}; {total} is back "
        body += f"in your wallet.{why.said}"
    return Message(
        order["owner_id"], "payment", title_zh=title_zh, body_zh=body_zh, title_en=title,
        body_en=body, data={"order_id": order["id"], "kind": order["kind"], "hold_id": found.id},
    )  # fmt: skip


HOLDS: Final = _BankHolds()
