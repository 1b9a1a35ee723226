"""Merchants: opening one, QR codes, paying by QR, refunds, and the trade list.

A payment follows the model of paying a person: the risk hook, one ledger transfer from the
payer's wallet to the merchant's account under the payer's idempotency scope, and the trade
row plus both notifications in that transfer's transaction. A refund is a new transfer back
along the payment's accounts marked `reverses_id`, so the ledger itself caps all refunds of a
payment at what was paid, however many are asked for at once.

A challenge or review verdict holds the payment, as it holds a transfer: the transfer is
pending beside a hold (`anxin.payments.holds`), and the trade and the merchant's "received"
are written only when the hold is approved (`merchants.held`). While it waits, its order
cannot be paid again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import IntegrityError

from anxin.api.services import Services
from anxin.core.clock import isoformat, to_micros
from anxin.core.errors import Conflict, InvalidInput, InvalidState, NotFound
from anxin.core.ids import new_id
from anxin.core.money import Money, check_currency, format_minor
from anxin.identity.service import User
from anxin.ledger import store
from anxin.ledger.posting import Create, TransferRow, TransferSpec
from anxin.ledger.service import Request, Result, fingerprint
from anxin.notify import Message, enqueue
from anxin.payments import holds
from anxin.payments.banks.cards import usable_card
from anxin.payments.hold_tables import holds as held_rows
from anxin.payments.merchants import tables as t
from anxin.payments.merchants.qr import MAX_ORDER_ID, QrPayload, decode_qr, encode_qr, qr_key
from anxin.payments.merchants.tables import PAYMENT, REFUND
from anxin.payments.risk_hook import PaymentEvent, hold_for
from anxin.payments.wallets import find_wallet

MERCHANT = "merchant"
MAX_QR_SECONDS = 366 * 86_400  # a printed counter code lasts a year at most


def create_merchant(
    services: Services, owner: User, name: str, currency: str, payout_card_id: str | None
) -> dict[str, Any]:
    name = name.strip()
    if not 1 <= len(name) <= 64:
        raise InvalidInput("a merchant needs a name of 1-64 characters", field="name")
    currency = check_currency(currency)
    if payout_card_id is not None:
        usable_card(services, owner.id, payout_card_id)
    c = t.merchants.c
    with services.db.read() as conn:
        taken = conn.execute(select(c.id).where(c.owner_id == owner.id, c.name == name)).first()
    if taken is not None:
        raise Conflict(f"you already have a merchant named {name!r}", field="name")
    merchant_id = new_id()
    account = services.ledger.open_account(
        currency, owner_id=owner.id, kind=MERCHANT, meta={"merchant_id": merchant_id}
    )
    row = {
        "id": merchant_id, "owner_id": owner.id, "name": name, "currency": currency,
        "account_id": account["id"], "payout_card_id": payout_card_id,
        "created_at": to_micros(services.clock.now()),
    }  # fmt: skip
    try:
        with services.db.write() as conn:
            conn.execute(insert(t.merchants), row)
    except IntegrityError:
        raise Conflict(f"you already have a merchant named {name!r}", field="name") from None
    return row


def merchant(services: Services, merchant_id: str) -> dict[str, Any]:
    with services.db.read() as conn:
        row = conn.execute(select(t.merchants).where(t.merchants.c.id == merchant_id)).first()
    if row is None:
        raise NotFound(f"merchant {merchant_id!r} does not exist", field="merchant_id")
    return row._asdict()


def own_merchant(services: Services, user_id: str, merchant_id: str) -> dict[str, Any]:
    """The caller's merchant; someone else's answers 404 exactly like a missing one."""
    try:
        row = merchant(services, merchant_id)
    except NotFound:
        row = None
    if row is None or row["owner_id"] != user_id:
        raise NotFound(f"you have no merchant {merchant_id!r}")
    return row


def my_merchants(services: Services, user_id: str) -> list[dict[str, Any]]:
    c = t.merchants.c
    with services.db.read() as conn:
        rows = conn.execute(select(t.merchants).where(c.owner_id == user_id).order_by(c.id))
        return [row._asdict() for row in rows]


def make_qr(
    services: Services, owner: User, merchant_id: str, *, amount: str | None,
    order_id: str | None, expires_in_seconds: int,
) -> tuple[str, QrPayload]:  # fmt: skip
    shop = own_merchant(services, owner.id, merchant_id)
    if not 1 <= expires_in_seconds <= MAX_QR_SECONDS:
        raise InvalidInput(
            f"expires_in_seconds is between 1 and {MAX_QR_SECONDS}", field="expires_in_seconds"
        )
    if order_id is not None and not 1 <= len(order_id) <= MAX_ORDER_ID:
        raise InvalidInput(f"an order id has 1-{MAX_ORDER_ID} characters", field="order_id")
    payload = QrPayload(
        merchant_id=shop["id"],
        currency=shop["currency"],
        amount=None if amount is None else Money.parse(amount, shop["currency"], positive=True),
        order_id=order_id,
        expires_at=to_micros(services.clock.now()) + expires_in_seconds * 1_000_000,
    )
    return encode_qr(payload, qr_key(services.settings.resolved_secret_key())), payload


@dataclass(frozen=True, slots=True)
class QrPayment:
    """A QR payment as it stands: its trade, or, while a hold keeps it waiting, the trade it
    will be (`hold` set; nothing is recorded for the merchant until the hold is approved)."""

    trade: dict[str, Any]
    hold: holds.Hold | None
    replayed: bool


async def pay_by_qr(
    services: Services, payer: User, qr: str, amount: str | None, *, key: str, body: Any,
    ip: str | None,
) -> QrPayment:  # fmt: skip
    """Pay a merchant what its code asks (or, for an open code, what the payer enters).

    A retry of a request the ledger already answered skips the checks, the risk engine's
    included: asking it again would count the payment twice."""
    scope, fingerprint_ = f"user:{payer.id}", fingerprint("merchant-pay", body)
    earlier = services.ledger.replay(scope, key, fingerprint_)
    if earlier is not None:
        return _payment_of(services, earlier)
    now = services.clock.now()
    code = decode_qr(qr, qr_key(services.settings.resolved_secret_key()), to_micros(now))
    shop = merchant(services, code.merchant_id)
    money = _amount_to_pay(code, amount)
    if shop["owner_id"] == payer.id:
        raise InvalidInput("you cannot pay your own merchant", field="qr")
    if code.order_id is not None:
        with services.db.read() as conn:
            _require_order_open(conn, shop, code.order_id)
    held = holds.reachable(hold_for(services.risk_hook(PaymentEvent(
        user_id=payer.id, amount=money, channel=MERCHANT, at=now,
        payee_user_id=shop["owner_id"], ip=ip,
    ))), payer)  # fmt: skip
    wallet = find_wallet(services.ledger, payer.id, money.currency)
    if wallet is None:
        raise NotFound(f"you have no {money.currency} wallet", field="currency")
    meta = {"type": "merchant_payment", "merchant_id": shop["id"], "order_id": code.order_id}
    spec = TransferSpec(wallet["id"], shop["account_id"], money.to_minor(), money.currency,
                        meta=meta)  # fmt: skip

    def paid(conn: Connection, transfers: list[TransferRow]) -> None:
        record_payment(conn, shop, payer, transfers[0], code.order_id, transfers[0].created_at)

    then: Callable[[Connection, list[TransferRow]], None] = paid
    if held is not None:  # pending, beside its hold; the trade waits for the approval
        spec = replace(spec, pending=True, timeout_seconds=holds.hold_seconds(services, held.kind))
        parties = holds.Parties(
            payer.id, payer.display_name, shop["owner_id"], shop["name"], kind="merchant"
        )
        then = holds.hold_effects(services, held, parties, money, MERCHANT, purpose=holds.MERCHANT)

    def record(conn: Connection, transfers: list[TransferRow]) -> None:
        # Checked again under the merchant account's ledger lock: two scans of one order at
        # once must not both get through (the trades' unique index covers paid ones only).
        if code.order_id is not None:
            _require_order_open(conn, shop, code.order_id)
        then(conn, transfers)

    result = await services.writer.execute_async(
        Request(Create((spec,)), key, scope, fingerprint_, effects=record)
    )
    return _payment_of(services, result)


def record_payment(
    conn: Connection, shop: dict[str, Any], payer: User, transfer: TransferRow,
    order_id: str | None, now: int,
) -> None:  # fmt: skip
    """The trade and both messages of a payment that went through, at once or when its hold
    was approved; in the transaction that posts its transfer."""
    _record_trade(conn, shop, transfer, PAYMENT, payer.id, order_id=order_id)
    shown = Money.from_minor(transfer.amount, transfer.currency).shown()
    data = {"transfer_id": transfer.id, "merchant_id": shop["id"]}
    name, buyer = shop["name"], payer.display_name
    for_zh, for_en = ("。", ".")
    if order_id:
        for_zh, for_en = f"，订单号{order_id}。", f" for order {order_id}."
    enqueue(conn, [
        Message(
            payer.id, "payment",
            title_zh=f"已向{name}付款 {shown}", body_zh=f"您已向{name}付款{shown}。",
            title_en=f"Paid {shown} to {name}", body_en=f"You paid {shown} to {name}.",
            data=data,
        ),
        Message(
            shop["owner_id"], "payment",
            title_zh=f"{name} 收款 {shown}",
            body_zh=f"{name}收到{buyer}付款{shown}{for_zh}",
            title_en=f"{name} received {shown}",
            body_en=f"{name} received {shown} from {buyer}{for_en}",
            data=data,
        ),
    ], now)  # fmt: skip


def _payment_of(services: Services, result: Result) -> QrPayment:
    """The payment a (possibly replayed) ledger result made; its refusal is raised."""
    transfer = result.unwrap()[0]
    trade = _trade(services, transfer.id)
    if trade is not None:
        return QrPayment(trade, None, result.replayed)
    held = holds.hold_for_transfer(services.db, transfer.id)
    assert held is not None, "every merchant payment is written with its trade or its hold"
    meta = transfer.meta or {}
    waiting = {
        "transfer_id": transfer.id, "merchant_id": meta["merchant_id"], "kind": PAYMENT,
        "payment_id": None, "order_id": meta.get("order_id"), "payer_id": held.user_id,
        "amount": transfer.amount, "currency": transfer.currency,
        "created_at": transfer.created_at,
    }  # fmt: skip
    return QrPayment(waiting, held, result.replayed)


def _amount_to_pay(code: QrPayload, amount: str | None) -> Money:
    if code.amount is None:
        if amount is None:
            raise InvalidInput("this code is open: enter the amount to pay", field="amount")
        return Money.parse(amount, code.currency, positive=True)
    if amount is not None and Money.parse(amount, code.currency, positive=True) != code.amount:
        raise InvalidInput(f"this code asks for exactly {code.amount}", field="amount")
    return code.amount


def _require_order_open(conn: Connection, shop: dict[str, Any], order_id: str) -> None:
    """Refuse an order that is paid, or whose payment waits for a hold to be decided."""
    c = t.trades.c
    paid = conn.execute(
        select(c.transfer_id).where(
            c.merchant_id == shop["id"], c.order_id == order_id, c.kind == PAYMENT
        )
    ).first()
    if paid is not None:
        raise Conflict(f"order {order_id!r} has already been paid", field="qr")
    h = held_rows.c
    waiting = conn.execute(
        select(h.transfer_id).where(
            h.status == holds.WAITING,
            h.purpose == holds.MERCHANT,
            h.payee_user_id == shop["owner_id"],
        )
    ).scalars()
    for transfer in store.load_transfers(conn, list(waiting)).values():
        meta = transfer.meta or {}
        if meta.get("merchant_id") == shop["id"] and meta.get("order_id") == order_id:
            raise Conflict(f"order {order_id!r} is already being paid", field="qr")


async def refund(
    services: Services, owner: User, payment_id: str, amount: str | None, *, key: str,
    body: Any,
) -> tuple[dict[str, Any], bool]:  # fmt: skip
    """Give back part or all of a payment; the whole of it by default."""
    scope, fingerprint_ = f"user:{owner.id}", fingerprint("merchant-refund", [payment_id, body])
    earlier = services.ledger.replay(scope, key, fingerprint_)
    if earlier is not None:
        return _trade_of(services, earlier), True
    payment = _trade(services, payment_id)
    if payment is None or payment["kind"] != PAYMENT:
        raise NotFound(f"you have no payment {payment_id!r}")
    shop = own_merchant(services, owner.id, payment["merchant_id"])
    cur = payment["currency"]
    left = payment["amount"] - _refunded(services, payment_id)
    units = left if amount is None else Money.parse(amount, cur, positive=True).to_minor()
    if left <= 0:
        raise InvalidState("this payment has been refunded in full", field="amount")
    if units > left:
        raise InvalidState(
            f"at most {format_minor(left, cur)} of this payment is left to refund", field="amount"
        )
    original = services.ledger.transfer(payment_id)
    spec = TransferSpec(
        original.credit_account_id, original.debit_account_id, units, cur,
        reverses_id=payment_id, meta={"type": "merchant_refund", "merchant_id": shop["id"]},
    )  # fmt: skip

    def record(conn: Connection, transfers: list[TransferRow]) -> None:
        _record_trade(conn, shop, transfers[0], REFUND, payment["payer_id"], payment_id)
        shown = Money.from_minor(units, cur).shown()
        data = {"transfer_id": transfers[0].id, "payment_id": payment_id}
        name = shop["name"]
        enqueue(conn, [Message(
            payment["payer_id"], "payment",
            title_zh=f"{name} 退款 {shown}", body_zh=f"{name}已退款{shown}到您的钱包。",
            title_en=f"{name} refunded {shown}", body_en=f"{name} refunded {shown} to your wallet.",
            data=data,
        )], transfers[0].created_at)  # fmt: skip

    result = await services.writer.execute_async(
        Request(Create((spec,)), key, scope, fingerprint_, effects=record)
    )
    return _trade_of(services, result), result.replayed


def _record_trade(
    conn: Connection, shop: dict[str, Any], transfer: TransferRow, kind: str, payer_id: str,
    payment_id: str | None = None, order_id: str | None = None,
) -> None:  # fmt: skip
    conn.execute(insert(t.trades), {
        "transfer_id": transfer.id, "merchant_id": shop["id"], "kind": kind,
        "payment_id": payment_id, "order_id": order_id, "payer_id": payer_id,
        "amount": transfer.amount, "currency": transfer.currency,
        "created_at": transfer.created_at,
    })  # fmt: skip


def _trade(services: Services, transfer_id: str) -> dict[str, Any] | None:
    with services.db.read() as conn:
        row = conn.execute(select(t.trades).where(t.trades.c.transfer_id == transfer_id)).first()
    return None if row is None else row._asdict()


def _trade_of(services: Services, result: Result) -> dict[str, Any]:
    """The trade a (possibly replayed) ledger result recorded; its refusal is raised."""
    trade = _trade(services, result.unwrap()[0].id)
    assert trade is not None, "every refund is written with its trade"
    return trade


def _refunded(services: Services, payment_id: str) -> int:
    c = t.trades.c
    with services.db.read() as conn:
        total = conn.execute(
            select(func.coalesce(func.sum(c.amount), 0)).where(
                c.payment_id == payment_id, c.kind == REFUND
            )
        ).scalar_one()
    return int(total)


def payments_of(services: Services, merchant_id: str, *, limit: int = 100) -> list[dict[str, Any]]:
    """A merchant's payments, newest first, each with what has been refunded of it."""
    c = t.trades.c
    refunds = (
        select(c.payment_id, func.sum(c.amount).label("refunded"))
        .where(c.kind == REFUND, c.merchant_id == merchant_id)
        .group_by(c.payment_id)
        .subquery()
    )
    query = (
        select(t.trades, func.coalesce(refunds.c.refunded, 0).label("refunded"))
        .outerjoin(refunds, refunds.c.payment_id == c.transfer_id)
        .where(c.merchant_id == merchant_id, c.kind == PAYMENT)
        .order_by(c.created_at.desc(), c.transfer_id.desc())
        .limit(limit)
    )
    with services.db.read() as conn:
        return [row._asdict() for row in conn.execute(query)]


def trade_json(trade: dict[str, Any]) -> dict[str, Any]:
    cur = trade["currency"]
    body = {
        "transfer_id": trade["transfer_id"],
        "kind": trade["kind"],
        "merchant_id": trade["merchant_id"],
        "amount": format_minor(trade["amount"], cur),
        "currency": cur,
        "order_id": trade["order_id"],
        "payment_id": trade["payment_id"],
        "created_at": isoformat(trade["created_at"]),
    }
    if "refunded" in trade:
        refunded = int(trade["refunded"])
        body["refunded"] = format_minor(refunded, cur)
        body["refundable"] = format_minor(trade["amount"] - refunded, cur)
    return body


def merchant_json(row: dict[str, Any], services: Services) -> dict[str, Any]:
    account = services.ledger.account(row["account_id"])
    cur = row["currency"]
    balance = account["credits_posted"] - account["debits_posted"]
    return {
        "id": row["id"],
        "name": row["name"],
        "currency": cur,
        "account_id": row["account_id"],
        "payout_card_id": row["payout_card_id"],
        "balance": format_minor(balance, cur),
        "available_balance": format_minor(balance - account["debits_pending"], cur),
        "created_at": isoformat(row["created_at"]),
    }
