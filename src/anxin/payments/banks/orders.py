"""Orders to the bank (top-ups, withdrawals, merchant payouts) and the step that settles them.

Each order is a ledger hold placed before the bank is asked, in the same transaction as the
order row: a top-up is a pending transfer from the bank's settlement account to the wallet,
so nothing is spendable before the bank confirms; a withdrawal or payout is a pending
transfer out of the customer's account (plus, for a withdrawal, a pending fee leg in the same
linked batch), so the money cannot be spent twice while the bank works.

`settle_due` then asks the bank about every waiting order: confirmed posts the hold(s),
declined voids them, and no answer by the deadline voids them too. Each resolution carries
an idempotency key per order, so two settle steps running at once resolve an order once.

A top-up or withdrawal the risk engine challenges or sends for review is placed `waiting`:
its legs are reserved on the risk hold's clock beside a hold (`anxin.payments.holds`, purpose
`bank`), and the bank is not asked until the hold is cleared (`banks.held`).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from anxin.api.services import Services
from anxin.core.clock import from_micros, isoformat, to_micros
from anxin.core.errors import InvalidInput, InvalidState, NotFound
from anxin.core.ids import new_id
from anxin.core.money import Money, format_minor
from anxin.identity.service import User
from anxin.ledger.posting import EXPIRED, VOIDED, Create, Post, TransferRow, TransferSpec, Void
from anxin.ledger.service import Request, Result, fingerprint
from anxin.notify import Message, enqueue
from anxin.payments.banks import tables as t
from anxin.payments.banks.cards import bank_json, usable_card
from anxin.payments.banks.connector import BankAnswer, BankOrder, OrderKind
from anxin.payments.banks.fees import Fee, rule_for, withdrawal_fee
from anxin.payments.banks.periods import month_start
from anxin.payments.holds import (
    BANK,
    Hold,
    HoldReason,
    Parties,
    hold_effects,
    hold_for_transfer,
    hold_seconds,
    reachable,
)
from anxin.payments.risk_hook import PaymentEvent, hold_for
from anxin.payments.wallets import ensure_wallet, find_wallet

log = logging.getLogger(__name__)

TOPUP: OrderKind = "topup"
WITHDRAWAL: OrderKind = "withdrawal"
PAYOUT: OrderKind = "payout"
PENDING, SUCCEEDED, DECLINED, TIMED_OUT = "pending", "succeeded", "declined", "timed_out"
REVIEW = "review"  # the bank confirmed but the ledger refused: an operator must look
WAITING = "waiting"  # held for a step-up code or an analyst; the bank is not asked yet
CANCELLED = "cancelled"  # the hold was released: never sent to the bank, nothing moved
FEE_INCOME = "system:fee-income"
# Holds outlive the bank's answer deadline by a day, so the settle step (not the ledger's
# expiry sweep) decides every order, and a late confirmation still finds its hold.
HOLD_MARGIN_SECONDS = 86_400


@dataclass(frozen=True, slots=True)
class OrderPlan:
    """What one bank order moves; `account_id` is the customer-side ledger account."""

    kind: OrderKind
    user_id: str
    card: dict[str, Any]
    account_id: str
    money: Money
    fee: int = 0
    meta: dict[str, Any] = field(default_factory=dict)


def bank_account(services: Services, currency: str) -> str:
    """The connected bank's settlement account: its balance is what the bank owes us."""
    account = services.ledger.system_account(f"system:bank:{services.bank.code}", currency)
    return str(account["id"])


def check_currency_handled(services: Services, currency: str) -> None:
    if currency not in services.bank.currencies:
        raise InvalidInput(
            f"{services.bank.name} handles {', '.join(services.bank.currencies)} only",
            field="currency",
        )


def order_request(
    services: Services, plan: OrderPlan, *, key: str, scope: str, fingerprint_: bytes,
    also: Callable[[Connection, dict[str, Any]], None] | None = None,
    held: HoldReason | None = None,
) -> Request:  # fmt: skip
    """The ledger request placing the hold(s); the order row (and `also`) commit with them.

    A `held` order waits: its legs are reserved only for as long as the risk hold may wait
    (the hold expires with its transfer), and the risk hold is written in the same
    transaction; clearing it reserves them again on the bank's clock (`banks.held`).
    """
    check_currency_handled(services, plan.money.currency)
    cur, amount = plan.money.currency, plan.money.to_minor()
    settlement = bank_account(services, cur)
    order_id = new_id()
    hold = services.bank.answer_timeout_seconds + HOLD_MARGIN_SECONDS
    if held is not None:
        hold = hold_seconds(services, held.kind)
    meta = {"type": plan.kind, "order_id": order_id, "bank": services.bank.code, **plan.meta}
    if plan.kind == TOPUP:
        specs = [TransferSpec(settlement, plan.account_id, amount, cur, pending=True,
                              timeout_seconds=hold, meta=meta)]  # fmt: skip
    else:
        specs = [TransferSpec(plan.account_id, settlement, amount, cur, pending=True,
                              timeout_seconds=hold, meta=meta)]  # fmt: skip
    if plan.fee:
        fee_account = str(services.ledger.system_account(FEE_INCOME, cur)["id"])
        specs.append(TransferSpec(plan.account_id, fee_account, plan.fee, cur, pending=True,
                                  timeout_seconds=hold, meta={**meta, "type": "fee"}))  # fmt: skip

    def record(conn: Connection, transfers: list[TransferRow]) -> None:
        now = transfers[0].created_at
        row = {
            "id": order_id, "kind": plan.kind, "owner_id": plan.user_id,
            "card_id": plan.card["id"], "account_id": plan.account_id,
            "transfer_id": transfers[0].id,
            "fee_transfer_id": transfers[1].id if len(transfers) > 1 else None,
            "held_transfer_id": None if held is None else transfers[0].id,
            "amount": amount, "fee": plan.fee, "currency": cur, "bank": services.bank.code,
            "status": PENDING if held is None else WAITING, "reference": None, "reason": None,
            "created_at": now, "submitted_at": None,
            "deadline_at": now + services.bank.answer_timeout_seconds * 1_000_000,
            "resolved_at": None,
        }  # fmt: skip
        conn.execute(insert(t.orders), row)
        if also is not None:
            also(conn, row)

    if held is None:
        return Request(Create(tuple(specs)), key, scope, fingerprint_, effects=record)
    last4, payer = plan.card["last4"], services.identity.user(plan.user_id)
    parties = Parties(
        payer.id,
        payer.display_name,
        None,
        card_shown(last4, "zh"),
        card_shown(last4, "en"),
        plan.kind,
    )
    effects = hold_effects(services, held, parties, plan.money, plan.kind, record, BANK)
    return Request(Create(tuple(specs)), key, scope, fingerprint_, effects=effects)


def card_shown(last4: str, lang: str) -> str:
    """The card as its owner knows it, in a held order's messages and pages."""
    return f"尾号{last4}的银行卡" if lang == "zh" else f"bank card ending {last4}"


async def place_order(services: Services, request: Request) -> tuple[dict[str, Any], bool]:
    """Place the hold through the group-commit writer, then send the order to the bank
    (unless it waits for a risk hold)."""
    result = await services.writer.execute_async(request)
    order = order_of(services, result)
    if not result.replayed and order["status"] == PENDING:
        order = await asyncio.to_thread(submit_order, services, order)
    return order, result.replayed


def order_hold(services: Services, order: dict[str, Any]) -> Hold | None:
    """The risk hold an order waits for; None once it was decided, or if it never had one."""
    if order["status"] != WAITING or order["held_transfer_id"] is None:
        return None
    return hold_for_transfer(services.db, order["held_transfer_id"])


def place_order_now(services: Services, request: Request) -> tuple[dict[str, Any], bool]:
    """`place_order` for background jobs, which run outside the event loop."""
    result = services.ledger.execute([request])[0]
    order = order_of(services, result)
    if not result.replayed:
        order = submit_order(services, order)
    return order, result.replayed


def order_of(services: Services, result: Result) -> dict[str, Any]:
    """The order a (possibly replayed) ledger result placed; its refusal is raised."""
    transfer_id, c = result.unwrap()[0].id, t.orders.c
    with services.db.read() as conn:
        # A cleared order moved to fresh legs; its first (held) leg still finds it.
        row = conn.execute(
            _ORDER_QUERY.where((c.transfer_id == transfer_id) | (c.held_transfer_id == transfer_id))
        ).first()
    assert row is not None, "every bank hold is written with its order"
    return row._asdict()


def submit_order(services: Services, order: dict[str, Any]) -> dict[str, Any]:
    """Send an order to the bank; if that fails, the next settle step sends it again."""
    if order["reference"] is not None:
        return order
    try:
        reference = services.bank.submit(bank_order(order))
    except Exception:
        log.exception("could not send order %s to %s; will retry", order["id"], order["bank"])
        return order
    now = to_micros(services.clock.now())
    c = t.orders.c
    with services.db.write() as conn:
        done = conn.execute(
            update(t.orders)
            .where(c.id == order["id"], c.reference.is_(None))
            .values(reference=reference, submitted_at=now)
        )
        if done.rowcount == 0:  # sent concurrently: the reference recorded first is the one
            return dict(conn.execute(_ORDER_QUERY.where(c.id == order["id"])).one()._asdict())
    return {**order, "reference": reference, "submitted_at": now}


def bank_order(order: dict[str, Any]) -> BankOrder:
    submitted = order["submitted_at"]
    return BankOrder(
        id=order["id"],
        kind=order["kind"],
        card_token=order["card_token"],
        amount=Money.from_minor(order["amount"], order["currency"]),
        reference=order["reference"],
        submitted_at=None if submitted is None else from_micros(submitted),
    )


# -- top-ups and withdrawals ----------------------------------------------------------------


async def start_topup(
    services: Services, user: User, card_id: str, money: Money, *, key: str, body: Any,
    ip: str | None,
) -> tuple[dict[str, Any], bool]:  # fmt: skip
    """Ask the bank to take `money` from a card; the wallet is credited when it confirms."""
    scope, fingerprint_ = f"user:{user.id}", fingerprint("topup", body)
    earlier = services.ledger.replay(scope, key, fingerprint_)
    if earlier is not None:
        return order_of(services, earlier), True
    card = usable_card(services, user.id, card_id)
    check_currency_handled(services, money.currency)
    # Money from a possibly stolen card is held like money going out.
    held = reachable(hold_for(services.risk_hook(PaymentEvent(
        user_id=user.id, amount=money, channel="topup", at=services.clock.now(), ip=ip,
    ))), user)  # fmt: skip
    wallet, _ = ensure_wallet(services.ledger, user.id, money.currency)
    plan = OrderPlan(TOPUP, user.id, card, wallet["id"], money)
    return await place_order(services, order_request(
        services, plan, key=key, scope=scope, fingerprint_=fingerprint_, held=held,
    ))  # fmt: skip


def withdrawn_this_month(services: Services, user_id: str, currency: str) -> int:
    """What counts against the free allowance: withdrawals this month not sent back."""
    c = t.orders.c
    with services.db.read() as conn:
        total = conn.execute(
            select(func.coalesce(func.sum(c.amount), 0)).where(
                c.owner_id == user_id,
                c.kind == WITHDRAWAL,
                c.currency == currency,
                c.created_at >= month_start(services.clock.now()),
                c.status.in_((WAITING, PENDING, SUCCEEDED, REVIEW)),
            )
        ).scalar_one()
    return int(total)


def quote_withdrawal(
    services: Services, user: User, card_id: str, money: Money
) -> tuple[dict[str, Any], Fee]:
    """Price a withdrawal and keep the price for `withdrawal_quote_seconds`."""
    usable_card(services, user.id, card_id)
    rule = rule_for(money.currency)
    fee = withdrawal_fee(
        rule, money.to_minor(), withdrawn_this_month(services, user.id, money.currency)
    )
    now = to_micros(services.clock.now())
    row = {
        "id": new_id(), "user_id": user.id, "card_id": card_id, "amount": fee.amount,
        "fee": fee.fee, "currency": money.currency, "created_at": now,
        "expires_at": now + services.settings.withdrawal_quote_seconds * 1_000_000,
    }  # fmt: skip
    with services.db.write() as conn:
        conn.execute(insert(t.quotes), row)
    return row, fee


async def start_withdrawal(
    services: Services, user: User, quote_id: str, *, body: Any, ip: str | None
) -> tuple[dict[str, Any], bool]:
    """Execute a quote once: hold amount and fee, then ask the bank to pay the card.

    The quote id is the ledger idempotency key, so however often (and with whatever
    Idempotency-Key) a quote is sent, it withdraws once, and asking again after it expired
    still answers with the original result.
    """
    quote = _own_quote(services, user.id, quote_id)
    key, scope, fingerprint_ = (
        f"withdrawal:{quote_id}",
        f"user:{user.id}",
        fingerprint("withdrawal", body),
    )
    earlier = services.ledger.replay(scope, key, fingerprint_)
    if earlier is not None:
        return order_of(services, earlier), True
    if to_micros(services.clock.now()) > quote["expires_at"]:
        raise InvalidState("this quote has expired; ask for a new one", field="quote_id")
    card = usable_card(services, user.id, quote["card_id"])
    money = Money.from_minor(quote["amount"], quote["currency"])
    now_fee = withdrawal_fee(
        rule_for(money.currency),
        quote["amount"],
        withdrawn_this_month(services, user.id, money.currency),
    )
    if now_fee.fee != quote["fee"]:
        raise InvalidState(
            "your fee-free allowance changed since this quote; ask for a new one",
            field="quote_id",
        )
    # The classic cash-out of a taken-over account: held, not refused, on a challenge.
    held = reachable(hold_for(services.risk_hook(PaymentEvent(
        user_id=user.id, amount=money, channel="withdrawal", at=services.clock.now(), ip=ip,
    ))), user)  # fmt: skip
    wallet = find_wallet(services.ledger, user.id, money.currency)
    if wallet is None:
        raise NotFound(f"you have no {money.currency} wallet", field="quote_id")
    plan = OrderPlan(WITHDRAWAL, user.id, card, wallet["id"], money, fee=quote["fee"],
                     meta={"quote_id": quote_id})  # fmt: skip
    return await place_order(services, order_request(
        services, plan, key=key, scope=scope, fingerprint_=fingerprint_, held=held,
    ))  # fmt: skip


def _own_quote(services: Services, user_id: str, quote_id: str) -> dict[str, Any]:
    c = t.quotes.c
    with services.db.read() as conn:
        row = conn.execute(select(t.quotes).where(c.id == quote_id, c.user_id == user_id)).first()
    if row is None:
        raise NotFound(f"you have no quote {quote_id!r}", field="quote_id")
    return row._asdict()


def find_order(conn: Connection, *where: Any) -> dict[str, Any] | None:
    """The order (with its card's token and last digits) matching every condition given."""
    row = conn.execute(_ORDER_QUERY.where(*where)).first()
    return None if row is None else row._asdict()


def own_order(services: Services, user_id: str, order_id: str, kind: str) -> dict[str, Any]:
    c = t.orders.c
    with services.db.read() as conn:
        row = conn.execute(
            _ORDER_QUERY.where(c.id == order_id, c.owner_id == user_id, c.kind == kind)
        ).first()
    if row is None:
        raise NotFound(f"you have no {kind} {order_id!r}")
    return row._asdict()


# -- the settle step ----------------------------------------------------------------------


def next_status(answer: BankAnswer, now: int, deadline: int) -> str | None:
    """What to do with a waiting order: a bank answer wins, even one that came late."""
    if answer.status == "confirmed":
        return SUCCEEDED
    if answer.status == "declined":
        return DECLINED
    return TIMED_OUT if now >= deadline else None


def settle_due(services: Services, limit: int = 500) -> Counter[str]:
    """Ask the bank about waiting orders and settle those it answered or that timed out.

    Orders waiting for a risk hold are not the bank's yet and are left alone."""
    now = services.clock.now()
    with services.db.read() as conn:
        waiting = conn.execute(
            _ORDER_QUERY.where(t.orders.c.status == PENDING)
            .order_by(t.orders.c.created_at)
            .limit(limit)
        ).all()
    done: Counter[str] = Counter()
    for row in waiting:
        order = row._asdict()
        if order["bank"] != services.bank.code:
            continue  # placed through a connector this process is not configured with
        try:
            order = submit_order(services, order)
            answer = BankAnswer("pending")
            if order["reference"] is not None:
                answer = services.bank.status(bank_order(order), now)
            status = next_status(answer, to_micros(now), order["deadline_at"])
            if status is not None:
                done[resolve(services, order, status, answer.reason)] += 1
        except Exception:
            log.exception("settling bank order %s failed; will retry", order["id"])
    return done


def resolve(services: Services, order: dict[str, Any], status: str, reason: str | None) -> str:
    """Post (confirmed) or void (declined, timed out) the order's holds; returns its status."""
    transfer_ids = [order["transfer_id"]]
    if order["fee_transfer_id"]:
        transfer_ids.append(order["fee_transfer_id"])

    def close(conn: Connection, _transfers: list[TransferRow]) -> None:
        _close(conn, services, order, status, reason)

    requests = [
        Request(
            Post(transfer_id) if status == SUCCEEDED else Void(transfer_id),
            f"bank-order:{order['id']}:{index}",
            "bank",
            fingerprint("bank-order", [order["id"], index]),
            effects=close if index == 0 else None,
        )
        for index, transfer_id in enumerate(transfer_ids)
    ]
    results = services.ledger.execute(requests)
    refused = [r.error for r in results if r.error is not None]
    if refused:
        released = status != SUCCEEDED and all(
            services.ledger.transfer(tid).status in (VOIDED, EXPIRED) for tid in transfer_ids
        )
        if not released:
            log.error("bank order %s: the ledger refused %s: %s", order["id"], status, refused)
            status, reason = REVIEW, f"ledger refused: {refused[0].detail}"[:200]
        with services.db.write() as conn:
            _close(conn, services, order, status, reason)
    with services.db.read() as conn:
        return str(
            conn.execute(select(t.orders.c.status).where(t.orders.c.id == order["id"])).scalar()
        )


def _close(
    conn: Connection, services: Services, order: dict[str, Any], status: str, reason: str | None
) -> None:
    now = to_micros(services.clock.now())
    c = t.orders.c
    done = conn.execute(
        update(t.orders)
        .where(c.id == order["id"], c.status == PENDING)
        .values(status=status, reason=reason, resolved_at=now)
    )
    message = order_message(order, status, reason)
    if done.rowcount and message is not None:
        enqueue(conn, [message], now)


_MESSAGES: dict[tuple[str, str], tuple[str, str, str, str]] = {
    (TOPUP, SUCCEEDED): (
        "充值到账 {shown}",
        "尾号{last4}的银行卡充值{shown}已到账。",
        "Top-up arrived {shown}",
        "Your top-up of {shown} from the card ending {last4} has arrived.",
    ),
    (TOPUP, DECLINED): (
        "充值失败 {shown}",
        "银行拒绝了这笔{shown}的充值（{reason}），钱包里没有增加金额。",
        "Top-up failed {shown}",
        "The bank declined your top-up of {shown} ({reason}); nothing was added to your wallet.",
    ),
    (TOPUP, TIMED_OUT): (
        "充值未完成 {shown}",
        "银行没有及时答复，这笔{shown}的充值已取消，钱包里没有增加金额。",
        "Top-up not completed {shown}",
        "The bank did not answer in time, so the top-up of {shown} was cancelled; nothing was "
        "added to your wallet.",
    ),
    (WITHDRAWAL, SUCCEEDED): (
        "提现成功 {shown}",
        "{shown}已转入尾号{last4}的银行卡，手续费{fee}。",
        "Withdrawal paid {shown}",
        "{shown} was paid to the card ending {last4}; the fee was {fee}.",
    ),
    (WITHDRAWAL, DECLINED): (
        "提现失败 {shown}",
        "银行拒绝了这笔{shown}的提现（{reason}），{total}已退回您的钱包。",
        "Withdrawal failed {shown}",
        "The bank declined the withdrawal of {shown} ({reason}); {total} is back in your wallet.",
    ),
    (WITHDRAWAL, TIMED_OUT): (
        "提现未完成 {shown}",
        "银行没有及时答复，这笔{shown}的提现已取消，{total}已退回您的钱包。",
        "Withdrawal not completed {shown}",
        "The bank did not answer in time, so the withdrawal of {shown} was cancelled; {total} "
        "is back in your wallet.",
    ),
    (PAYOUT, SUCCEEDED): (
        "商户结算到账 {shown}",
        "一笔{shown}的结算款已转入尾号{last4}的银行卡。",
        "Settlement paid {shown}",
        "A settlement of {shown} was paid to the card ending {last4}.",
    ),
    (PAYOUT, DECLINED): (
        "商户结算失败 {shown}",
        "银行拒绝了一笔{shown}的结算（{reason}），钱仍在商户账户中，将随下一天一起结算。",
        "Settlement failed {shown}",
        "The bank declined a settlement of {shown} ({reason}); the money stays in the merchant "
        "account and is settled with the next day.",
    ),
    (PAYOUT, TIMED_OUT): (
        "商户结算未完成 {shown}",
        "银行没有及时答复一笔{shown}的结算，钱仍在商户账户中，将随下一天一起结算。",
        "Settlement not completed {shown}",
        "The bank did not answer a settlement of {shown} in time; the money stays in the "
        "merchant account and is settled with the next day.",
    ),
}
"""Per order kind and outcome: the title and body in Chinese, then in English."""


def order_message(order: dict[str, Any], status: str, reason: str | None) -> Message | None:
    """The customer's notification for a settled order; none for orders under review."""
    template = _MESSAGES.get((order["kind"], status))
    if template is None:
        return None
    cur = order["currency"]
    values = {
        "shown": Money.from_minor(order["amount"], cur).shown(),
        "fee": Money.from_minor(order["fee"], cur).shown(),
        "total": Money.from_minor(order["amount"] + order["fee"], cur).shown(),
        "last4": order["last4"],
    }
    # The bank's own reason is quoted as it gave it, in either language.
    zh = {**values, "reason": reason or "银行未说明原因"}
    en = {**values, "reason": reason or "no reason given"}
    title_zh, body_zh, title_en, body_en = template
    return Message(
        order["owner_id"], "payment",
        title_zh=title_zh.format(**zh), body_zh=body_zh.format(**zh),
        title_en=title_en.format(**en), body_en=body_en.format(**en),
        data={"order_id": order["id"], "kind": order["kind"], "status": status},
    )  # fmt: skip


def order_json(order: dict[str, Any], services: Services) -> dict[str, Any]:
    cur = order["currency"]

    def when(micros: int | None) -> str | None:
        return None if micros is None else isoformat(micros)

    return {
        "id": order["id"],
        "kind": order["kind"],
        "status": order["status"],
        "amount": format_minor(order["amount"], cur),
        "fee": format_minor(order["fee"], cur),
        "total": format_minor(order["amount"] + order["fee"], cur),
        "currency": cur,
        "card": {"id": order["card_id"], "last4": order["last4"]},
        "bank": bank_json(order["bank"], services.bank),
        "reference": order["reference"],
        "reason": order["reason"],
        "transfer_id": order["transfer_id"],
        "fee_transfer_id": order["fee_transfer_id"],
        "created_at": isoformat(order["created_at"]),
        "submitted_at": when(order["submitted_at"]),
        "deadline_at": isoformat(order["deadline_at"]),
        "resolved_at": when(order["resolved_at"]),
    }


def quote_json(quote: dict[str, Any], fee: Fee) -> dict[str, Any]:
    cur = quote["currency"]
    return {
        "id": quote["id"],
        "card_id": quote["card_id"],
        "amount": format_minor(fee.amount, cur),
        "fee": format_minor(fee.fee, cur),
        "total": format_minor(fee.total, cur),
        "currency": cur,
        "free_part": format_minor(fee.free_part, cur),
        "charged_part": format_minor(fee.charged_part, cur),
        "rule": rule_for(cur).describe(),
        "expires_at": isoformat(quote["expires_at"]),
    }


_ORDER_QUERY = select(
    t.orders, t.cards.c.token.label("card_token"), t.cards.c.last4.label("last4")
).join(t.cards, t.cards.c.id == t.orders.c.card_id)
