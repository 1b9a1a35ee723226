"""Paying bills and topping up phones: hold, ask the biller, then post or void.

Every payment is a row in `bill_payments`, claimed before any money moves, and carried out
in steps that are each idempotent, so a retry, a concurrent double-submit or a restart
after a crash resumes the same payment instead of starting another:

1. claim: the row is inserted as `started`; a unique index allows one live attempt per
   bill, and (owner, Idempotency-Key) is unique, so racing submits yield one payment;
2. hold: a pending ledger transfer from the payer's wallet to the biller's account, under
   a ledger idempotency key derived from the bill id and attempt; the row becomes
   `holding` in the same transaction;
3. the biller is asked, with the payment id as its reference (billers deduplicate on it);
4. confirmed: the hold is posted, and in the same transaction the bill is marked paid and
   the payer notified; declined or no answer: the hold is voided, nothing is charged, and
   the payer is told why.

When the risk check asks for a step-up code or a review, the claimed row `waits` instead,
beside a hold (`anxin.payments.holds`) whose pending transfer keeps the money from being
spent meanwhile; nothing goes to the biller until the hold is cleared (`bills.held`).

The same Idempotency-Key with the same request answers with the original outcome, also a
refusal, as everywhere in the API.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from anxin.api.services import Services
from anxin.core.clock import from_micros, to_micros
from anxin.core.errors import (
    ERROR_TYPES,
    AmountChanged,
    AnxinError,
    Conflict,
    IdempotencyMismatch,
    InsufficientFunds,
    InvalidState,
    NotFound,
    Unavailable,
)
from anxin.core.ids import new_id
from anxin.core.money import Money
from anxin.identity.service import User
from anxin.ledger.posting import POSTED, Create, Post, TransferRow, TransferSpec, Void
from anxin.ledger.service import Request, fingerprint
from anxin.notify import Message, enqueue
from anxin.payments.bills import store
from anxin.payments.bills import tables as t
from anxin.payments.bills.connector import BillerOrder, BillerReceipt
from anxin.payments.bills.registry import BILLERS, biller_info, normalise_account_number
from anxin.payments.bills.rules import (
    BillChoice,
    check_topup_amount,
    choose_bill,
    local_today,
    parse_period,
)
from anxin.payments.holds import (
    BILL as BILL_HOLD,
)
from anxin.payments.holds import (
    Hold,
    HoldReason,
    Parties,
    hold_effects,
    hold_for_transfer,
    hold_seconds,
    reachable,
)
from anxin.payments.risk_hook import PaymentEvent, hold_for
from anxin.payments.wallets import find_wallet

log = logging.getLogger(__name__)

BILL, TOPUP = "bill", "topup"
STARTED, HOLDING, PAID, WAITING = "started", "holding", "paid", "waiting"
DECLINED, TIMED_OUT, FAILED, REVIEW = "declined", "timed_out", "failed", "review"
IN_FLIGHT = (STARTED, HOLDING)
"""Under way and carried on by a retry or a restart; `waiting` is not: it waits for a person."""
HOLD_SECONDS = 24 * 3600
"""How long a hold waits for the biller before the ledger releases it by itself."""


@dataclass(frozen=True, slots=True)
class Payment:
    id: str
    owner_id: str
    kind: str
    biller: str
    account_number: str
    bill_id: str | None
    attempt: int
    amount: int
    currency: str
    status: str
    idempotency_key: str
    request_hash: bytes
    hold_id: str | None
    biller_reference: str | None
    error: dict[str, Any] | None
    created_at: int
    updated_at: int

    @classmethod
    def from_row(cls, row: Any) -> Payment:
        return cls(*(getattr(row, name) for name in cls.__slots__))

    @property
    def money(self) -> Money:
        return Money.from_minor(self.amount, self.currency)


@dataclass(frozen=True, slots=True)
class PaymentOutcome:
    """A payment as it ended; `error` is what the payer is told when it did not go through."""

    payment: Payment
    error: AnxinError | None
    replayed: bool = False
    hold: Hold | None = None
    """Set while the payment waits for a step-up code or a review."""


# -- entry points -------------------------------------------------------------------------


def pay_bill(
    services: Services, payer: User, bill_id: str, *, idempotency_key: str,
    request_hash: bytes, channel: str = "bill", max_amount: int | None = None,
    confirmed_amount: int | None = None,
) -> PaymentOutcome:  # fmt: skip
    """Pay one bill in full (with any late fee due today); at most once, however asked.

    `confirmed_amount` (minor units) is what the payer agreed to: when a late fee has
    accrued since (the confirmation crossed the due date), nothing is paid and the new
    amount is said, so nobody pays a sum they never saw."""
    earlier = _by_key(services, payer.id, idempotency_key)
    if earlier is not None:
        return _replay(services, earlier, request_hash)
    bill = store.get_bill(services.db, payer.id, bill_id)
    settled = _settled(services, bill)
    if settled is not None:
        raced = _by_key(services, payer.id, idempotency_key)
        if raced is not None:  # the same request, sent twice at once, claimed it meanwhile
            return _replay(services, raced, request_hash)
        raise settled
    now = services.clock.now()
    money = Money.from_minor(bill.amount_due(local_today(now)), bill.currency)
    if confirmed_amount is not None and money.to_minor() != confirmed_amount:
        agreed = Money.from_minor(confirmed_amount, bill.currency)
        raise AmountChanged(
            f"the {bill.period} bill now costs {money.shown()}, not the {agreed.shown()} you "
            "confirmed (a late fee is due since); nothing was paid",
            field="amount", amount_due=str(money), currency=money.currency,
        )  # fmt: skip
    if max_amount is not None and money.to_minor() > max_amount:
        limit = Money.from_minor(max_amount, bill.currency)
        raise InvalidState(
            f"the {bill.period} bill of {money} {money.currency} is over your auto-pay limit "
            f"of {limit}; pay it yourself if it is right",
            field="max_amount",
        )
    held = reachable(hold_for(services.risk_hook(PaymentEvent(payer.id, money, channel, now))),
                     payer)  # fmt: skip
    _require_wallet(services, payer.id, money.currency)
    payment = _claim(services, payer, BILL, bill.biller, bill.account_number, money,
                     idempotency_key, request_hash, bill=bill, held=held)  # fmt: skip
    if payment is None:
        raced = _by_key(services, payer.id, idempotency_key)
        if raced is not None:
            return _replay(services, raced, request_hash)
        raise Conflict("this bill is already being paid", field="bill_id", bill_id=bill.id)
    if held is not None:
        return _hold_for_risk(services, payer, payment, held, channel)
    return carry_out(services, payment)


def pay_outstanding(
    services: Services, payer: User, biller: str, period: str | None, account_id: str | None,
    *, idempotency_key: str, request_hash: bytes,
) -> PaymentOutcome:  # fmt: skip
    """Pay "this month's electricity bill": find the one outstanding bill meant, and pay it."""
    earlier = _by_key(services, payer.id, idempotency_key)
    if earlier is not None:
        return _replay(services, earlier, request_hash)
    info = biller_info(biller)
    today = local_today(services.clock.now())
    wanted = None if period is None else parse_period(period, today)
    store.sync_owner(services, payer.id, info.code)
    candidates = [
        BillChoice(b.id, b.bill_account_id, b.account_number, b.period, b.status == store.DUE,
                   str(Money.from_minor(b.amount_due(today), b.currency)))
        for b in store.list_bills(services.db, payer.id, biller=info.code, period=wanted)
    ]  # fmt: skip
    chosen = choose_bill(candidates, info, wanted, account_id)
    return pay_bill(services, payer, chosen.id, idempotency_key=idempotency_key,
                    request_hash=request_hash)  # fmt: skip


def top_up_mobile(
    services: Services, payer: User, phone: str, money: Money, *, idempotency_key: str,
    request_hash: bytes,
) -> PaymentOutcome:  # fmt: skip
    """Prepaid top-up of a mainland mobile number; there is no bill, the amount is the order."""
    earlier = _by_key(services, payer.id, idempotency_key)
    if earlier is not None:
        return _replay(services, earlier, request_hash)
    number = normalise_account_number(BILLERS["mobile"], phone, field="phone")
    check_topup_amount(money)
    now = services.clock.now()
    channel = "mobile_topup"
    held = reachable(hold_for(services.risk_hook(PaymentEvent(payer.id, money, channel, now))),
                     payer)  # fmt: skip
    _require_wallet(services, payer.id, money.currency)
    payment = _claim(services, payer, TOPUP, "mobile", number, money, idempotency_key,
                     request_hash, held=held)  # fmt: skip
    if payment is None:
        raced = _by_key(services, payer.id, idempotency_key)
        assert raced is not None  # only the key is unique for a top-up
        return _replay(services, raced, request_hash)
    if held is not None:
        return _hold_for_risk(services, payer, payment, held, channel)
    return carry_out(services, payment)


def resume_stale(services: Services, older_than_seconds: int = 300) -> int:
    """Finish payments a crash or a lost connection left half-way; returns how many.

    Every step is idempotent, so resuming one that is in fact still running elsewhere only
    repeats answers already given. A payment claimed to wait for a step-up code whose hold
    was never made is closed as not made: nothing was reserved, and nobody was sent a code.
    """
    cutoff = to_micros(services.clock.now()) - older_than_seconds * 1_000_000
    c = t.bill_payments.c
    with services.db.read() as conn:
        rows = conn.execute(
            select(t.bill_payments)
            .where(
                c.status.in_(IN_FLIGHT) | ((c.status == WAITING) & c.hold_id.is_(None)),
                c.updated_at < cutoff,
            )
            .order_by(c.updated_at)
            .limit(100)
        ).all()
    for row in rows:
        try:
            payment = Payment.from_row(row)
            if payment.status == WAITING:
                _finish(services, payment, FAILED, Unavailable(
                    "the payment was interrupted before it could wait for your code; nothing "
                    "was charged, try again",
                ))  # fmt: skip
            else:
                carry_out(services, payment)
        except Exception:
            log.exception("could not resume bill payment %s; will retry", row.id)
    return len(rows)


def get_payment(services: Services, owner_id: str, payment_id: str) -> Payment:
    c = t.bill_payments.c
    with services.db.read() as conn:
        row = conn.execute(
            select(t.bill_payments).where(c.id == payment_id, c.owner_id == owner_id)
        ).first()
    if row is None:
        raise NotFound(f"you have no bill payment {payment_id!r}")
    return Payment.from_row(row)


def payment_error(payment: Payment) -> AnxinError | None:
    """The refusal a finished payment answers with (also on replay); None when it went through."""
    if payment.error is None:
        return None
    error = payment.error
    extra = {"payment_id": payment.id, "status": payment.status}
    if error.get("reason"):
        extra["reason"] = error["reason"]
    cls = ERROR_TYPES.get(error["slug"], AnxinError)
    return cls(error["detail"], field=error.get("field"), **extra)


# -- the steps ----------------------------------------------------------------------------


def carry_out(services: Services, payment: Payment) -> PaymentOutcome:
    """Take `payment` from wherever it stands to its end: hold, ask the biller, settle."""
    if payment.status == STARTED:
        payment = _hold(services, payment)
    if payment.status == HOLDING:
        payment = _ask_biller(services, payment)
    return PaymentOutcome(payment, payment_error(payment))


def _hold(services: Services, payment: Payment) -> Payment:
    spec = _reservation(services, payment, HOLD_SECONDS)
    if spec is None:
        missing = NotFound(f"you have no {payment.currency} wallet", field="currency")
        return _finish(services, payment, FAILED, missing)

    def holding(conn: Connection, transfers: list[TransferRow]) -> None:
        _update(conn, payment.id, services, status=HOLDING, hold_id=transfers[0].id)

    result = services.writer.execute(Request(
        Create((spec,)), _ledger_key(payment, "hold"), f"user:{payment.owner_id}",
        fingerprint("bill-hold", [payment.id, payment.amount]), effects=holding,
    ))  # fmt: skip
    if result.error is not None:
        return _finish(services, payment, FAILED, result.error)
    return _reload(services, payment.id)


def _reservation(services: Services, payment: Payment, seconds: int) -> TransferSpec | None:
    """The pending transfer that keeps the payment's money aside; None without a wallet."""
    wallet = find_wallet(services.ledger, payment.owner_id, payment.currency)
    if wallet is None:
        return None
    return TransferSpec(
        wallet["id"], store.biller_account_id(services, payment.biller), payment.amount,
        payment.currency, pending=True, timeout_seconds=seconds,
        meta={"type": payment.kind, "biller": payment.biller, "payment_id": payment.id,
              "bill_id": payment.bill_id, "account_number": payment.account_number},
    )  # fmt: skip


def _hold_for_risk(
    services: Services, payer: User, payment: Payment, reason: HoldReason, channel: str
) -> PaymentOutcome:
    """Keep the money aside under a hold that waits for the code or the analyst; the biller
    hears nothing until it is cleared."""
    spec = _reservation(services, payment, hold_seconds(services, reason.kind))
    if spec is None:
        missing = NotFound(f"you have no {payment.currency} wallet", field="currency")
        payment = _finish(services, payment, FAILED, missing)
        return PaymentOutcome(payment, payment_error(payment))
    info = BILLERS[payment.biller]
    parties = Parties(payer.id, payer.display_name, None, info.name_zh, info.name_en, "bill")

    def waiting(conn: Connection, transfers: list[TransferRow]) -> None:
        _update(conn, payment.id, services, hold_id=transfers[0].id)

    result = services.writer.execute(Request(
        Create((spec,)), _ledger_key(payment, "risk-hold"), f"user:{payer.id}",
        fingerprint("bill-risk-hold", [payment.id, payment.amount]),
        effects=hold_effects(services, reason, parties, payment.money, channel, waiting,
                             purpose=BILL_HOLD),
    ))  # fmt: skip
    if result.error is not None:
        payment = _finish(services, payment, FAILED, result.error)
        return PaymentOutcome(payment, payment_error(payment))
    return PaymentOutcome(
        _reload(services, payment.id), None,
        hold=hold_for_transfer(services.db, result.transfers[0].id),
    )  # fmt: skip


def _ask_biller(services: Services, payment: Payment) -> Payment:
    info = BILLERS[payment.biller]
    period = bill_number = None
    if payment.bill_id is not None:
        bill = store.get_bill(services.db, payment.owner_id, payment.bill_id)
        period, bill_number = bill.period, bill.bill_number
    order = BillerOrder(
        reference=payment.id, biller=payment.biller, account_number=payment.account_number,
        amount=payment.amount, currency=payment.currency,
        requested_at=from_micros(payment.created_at), period=period, bill_number=bill_number,
    )  # fmt: skip
    try:
        receipt = services.billers.pay(order)
    except OSError as exc:  # TimeoutError, and a real gateway's connection errors
        log.warning("biller %s did not answer for payment %s: %s", payment.biller, payment.id, exc)
        return _release(services, payment, TIMED_OUT, Unavailable(
            f"the {info.name_en.lower()} company did not answer in time; nothing was charged, "
            "try again", reason=str(exc),
        ))  # fmt: skip
    if not receipt.accepted:
        return _release(services, payment, DECLINED, Conflict(
            f"the {info.name_en.lower()} company declined the payment "
            f"({receipt.reason or 'no reason given'}); nothing was charged",
            reason=receipt.reason,
        ))  # fmt: skip
    return _settle(services, payment, receipt)


def _settle(services: Services, payment: Payment, receipt: BillerReceipt) -> Payment:
    """Post the hold; the bill is marked paid and the payer told in the same transaction."""
    assert payment.hold_id is not None

    def paid(conn: Connection, transfers: list[TransferRow]) -> None:
        now = to_micros(services.clock.now())
        _update(conn, payment.id, services, status=PAID,
                biller_reference=receipt.biller_reference)  # fmt: skip
        if payment.bill_id is not None:
            conn.execute(
                update(t.bills)
                .where(t.bills.c.id == payment.bill_id)
                .values(status=store.PAID, payment_id=payment.id, paid_at=now)
            )
        enqueue(conn, [_paid_message(payment, transfers[0].id)], now)

    result = services.writer.execute(Request(
        Post(payment.hold_id), _ledger_key(payment, "post"), f"user:{payment.owner_id}",
        fingerprint("bill-post", payment.id), effects=paid,
    ))  # fmt: skip
    if result.error is not None:
        # The biller has the payment but the hold could not be posted (it outlived its
        # timeout): a person has to reconcile this one; the bill stays unpayable meanwhile.
        log.error("bill payment %s confirmed by the biller but not posted: %s",
                  payment.id, result.error.detail)  # fmt: skip
        return _finish(services, payment, REVIEW, Unavailable(
            "the biller confirmed the payment but we could not record it; it will be "
            "reconciled, do not pay this bill again",
        ))  # fmt: skip
    return _reload(services, payment.id)


def _release(services: Services, payment: Payment, status: str, error: AnxinError) -> Payment:
    """Void the hold (nothing is charged) and record why, telling the payer."""
    assert payment.hold_id is not None

    def released(conn: Connection, _transfers: list[TransferRow]) -> None:
        record_failure(conn, services, payment, status, error)

    result = services.writer.execute(Request(
        Void(payment.hold_id), _ledger_key(payment, "void"), f"user:{payment.owner_id}",
        fingerprint("bill-void", payment.id), effects=released,
    ))  # fmt: skip
    if result.error is not None:
        if services.ledger.transfer(payment.hold_id).status == POSTED:
            log.error("bill payment %s: hold was posted although the biller did not confirm",
                      payment.id)  # fmt: skip
            return _finish(services, payment, REVIEW, error)
        # The hold had already expired: the money is free, only the record is missing.
        return _finish(services, payment, status, error)
    return _reload(services, payment.id)


# -- rows ---------------------------------------------------------------------------------


def _claim(
    services: Services, payer: User, kind: str, biller: str, account_number: str,
    money: Money, key: str, request_hash: bytes, *, bill: store.Bill | None = None,
    held: HoldReason | None = None,
) -> Payment | None:  # fmt: skip
    """Insert the payment as `started` (`waiting` when the risk check holds it); None when
    a concurrent request claimed it first."""
    now = to_micros(services.clock.now())
    c = t.bill_payments.c
    try:
        with services.db.write() as conn:
            attempt = 1
            if bill is not None:
                store.read_bill(conn, payer.id, bill.id)  # still bound
                attempt += conn.execute(
                    select(func.count()).where(c.bill_id == bill.id)
                ).scalar_one()
            row: dict[str, Any] = {
                "id": new_id(), "owner_id": payer.id, "kind": kind, "biller": biller,
                "account_number": account_number, "bill_id": bill.id if bill else None,
                "attempt": attempt, "amount": money.to_minor(), "currency": money.currency,
                "status": STARTED if held is None else WAITING, "idempotency_key": key,
                "request_hash": request_hash, "hold_id": None, "biller_reference": None,
                "error": None, "created_at": now, "updated_at": now,
            }  # fmt: skip
            conn.execute(insert(t.bill_payments), row)
    except IntegrityError:
        return None
    return Payment(**row)


def _by_key(services: Services, owner_id: str, key: str) -> Payment | None:
    c = t.bill_payments.c
    with services.db.read() as conn:
        row = conn.execute(
            select(t.bill_payments).where(c.owner_id == owner_id, c.idempotency_key == key)
        ).first()
    return None if row is None else Payment.from_row(row)


def _replay(services: Services, payment: Payment, request_hash: bytes) -> PaymentOutcome:
    """The outcome of the payment this key started; one still under way is carried on."""
    if payment.request_hash != request_hash:
        raise IdempotencyMismatch(
            f"idempotency key {payment.idempotency_key!r} was used for a different request",
            field="Idempotency-Key",
        )
    if payment.status in IN_FLIGHT:
        payment = carry_out(services, payment).payment
    waiting = None
    if payment.status == WAITING and payment.hold_id is not None:
        waiting = hold_for_transfer(services.db, payment.hold_id)
    return PaymentOutcome(payment, payment_error(payment), replayed=True, hold=waiting)


def _settled(services: Services, bill: store.Bill) -> Conflict | None:
    """Why a bill cannot be paid now (it is paid, or being paid), with the payment to see."""
    c = t.bill_payments.c
    with services.db.read() as conn:
        live = conn.execute(
            select(c.id, c.status).where(
                c.bill_id == bill.id, c.status.in_((*IN_FLIGHT, PAID, REVIEW, WAITING))
            )
        ).first()
    if bill.status != store.PAID and live is None:
        return None
    payment_id = bill.payment_id or (live.id if live else None)
    state = "already paid" if live is None or live.status == PAID else "already being paid"
    return Conflict(f"this bill is {state}", field="bill_id", payment_id=payment_id)


def _require_wallet(services: Services, owner_id: str, currency: str) -> None:
    if find_wallet(services.ledger, owner_id, currency) is None:
        raise NotFound(f"you have no {currency} wallet", field="currency")


def _update(conn: Connection, payment_id: str, services: Services, **values: Any) -> None:
    values["updated_at"] = to_micros(services.clock.now())
    conn.execute(update(t.bill_payments).where(t.bill_payments.c.id == payment_id).values(**values))


def record_failure(
    conn: Connection, services: Services, payment: Payment, status: str, error: AnxinError
) -> None:
    stored = {"slug": error.slug, "detail": error.detail, "field": error.field,
              "reason": error.extra.get("reason")}  # fmt: skip
    _update(conn, payment.id, services, status=status, error=stored)
    info = BILLERS[payment.biller]
    what = "话费充值" if payment.kind == TOPUP else f"{info.name_zh}缴费"
    shown = payment.money.shown()
    enqueue(conn, [Message(
        payment.owner_id, "bill",
        title_zh=f"{what}未成功 {shown}",
        body_zh=f"您的{what}{shown}没有成功：{failure_zh(error)}。",
        title_en=f"{info.name_en} payment failed {shown}",
        body_en=f"Your {info.name_en.lower()} payment of {shown} did not go through: "
        f"{error.detail}.",
        data={"payment_id": payment.id, "bill_id": payment.bill_id},
    )], to_micros(services.clock.now()))  # fmt: skip


def failure_zh(error: Exception | None) -> str:
    """Why a payment failed, for a Chinese reader. Error details are written in English, so
    this names the commonest cause and leaves the others to the app's own explanation."""
    return "余额不足" if isinstance(error, InsufficientFunds) else "原因请在安心中查看"


def _finish(services: Services, payment: Payment, status: str, error: AnxinError) -> Payment:
    with services.db.write() as conn:
        record_failure(conn, services, payment, status, error)
    return _reload(services, payment.id)


def _reload(services: Services, payment_id: str) -> Payment:
    with services.db.read() as conn:
        row = conn.execute(select(t.bill_payments).where(t.bill_payments.c.id == payment_id)).one()
    return Payment.from_row(row)


def _ledger_key(payment: Payment, step: str) -> str:
    """Derived from the bill (and attempt), so one attempt can hold and post only once."""
    if payment.bill_id is not None:
        return f"bill:{payment.bill_id}:{payment.attempt}:{step}"
    return f"topup:{payment.id}:{step}"


def _paid_message(payment: Payment, transfer_id: str) -> Message:
    info = BILLERS[payment.biller]
    shown = payment.money.shown()
    number = payment.account_number
    data = {"payment_id": payment.id, "bill_id": payment.bill_id, "transfer_id": transfer_id}
    if payment.kind == TOPUP:
        return Message(
            payment.owner_id, "bill",
            title_zh=f"话费充值成功 {shown}", body_zh=f"已为手机{number}充值{shown}。",
            title_en=f"Mobile top-up {shown}", body_en=f"Topped up mobile {number}: {shown}.",
            data=data,
        )  # fmt: skip
    return Message(
        payment.owner_id, "bill",
        title_zh=f"{info.name_zh}缴费成功 {shown}",
        body_zh=f"已为尾号{number[-4:]}的{info.name_zh}户号缴费{shown}。",
        title_en=f"{info.name_en} bill paid {shown}",
        body_en=f"Paid your {info.name_en.lower()} bill for account ending {number[-4:]}: "
        f"{shown}.",
        data=data,
    )  # fmt: skip
