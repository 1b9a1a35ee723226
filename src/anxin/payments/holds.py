"""Held payments: the money waits as a pending ledger transfer until someone releases it.

A payment is held when the risk engine asks for a step-up challenge or an analyst's review,
or when a `PaymentCheck` (a guardian's approval, say) returns a `HoldReason`. The pending
transfer and the hold row are created in one ledger transaction (`hold_effects`), so there
is never a hold without held money or held money without a hold. Every way out goes through
the ledger too, with the hold's new status written in the same transaction: approve posts
the transfer, reject and cancel void it, expiry releases it (`expire_holds`).

Most holds are payments to a person (`PERSON`), which this module finishes itself. A bill
payment or phone top-up (`BILL`), a merchant QR payment (`MERCHANT`), a card top-up or
withdrawal (`BANK`) and a currency exchange (`FX`) can be held too: each capability finishes
its own (`PURPOSES` names the module; its `HOLDS` approves, releases, names and shows it),
because approving means something different to each: ask the biller, record the trade, send
the order to the bank, pay out the bought currency.

A challenge's one-time code is stored only as an HMAC keyed with the server secret (a
6-digit code's plain hash could be brute-forced from a database dump) and reaches the payer
through the notify outbox, as a security message, which goes to SMS.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, Literal, Protocol, cast

from sqlalchemy import Connection, insert, select, update

from anxin.api.services import Services
from anxin.core.clock import isoformat, to_micros
from anxin.core.db import Database
from anxin.core.errors import Forbidden, InvalidInput, InvalidState, NotFound
from anxin.core.ids import new_id
from anxin.core.money import Money
from anxin.identity.service import User
from anxin.ledger.posting import EXPIRED, POSTED, Expire, Post, TransferRow, Void
from anxin.ledger.service import Request
from anxin.notify import Message, enqueue
from anxin.payments.hold_tables import holds as t
from anxin.payments.risk_hook import HoldReason, PaymentCheck
from anxin.risk.freezes import require_account_open

__all__ = [
    "Ended",
    "Hold",
    "HoldReason",
    "Parties",
    "PaymentCheck",
    "approve_hold",
    "cancel_hold",
    "close_hold",
    "ended",
    "expire_holds",
    "hold",
    "hold_for_transfer",
    "list_holds",
    "reachable",
    "reject_hold",
    "settle",
    "verify_code",
]

WAITING, APPROVED, REJECTED, EXPIRED_HOLD = "waiting", "approved", "rejected", "expired"
CHALLENGE, REVIEW, GUARDIAN = "challenge", "review", "guardian"
MAX_CODE_ATTEMPTS: Final = 3
CODE_DIGITS: Final = 6
SYSTEM: Final = "system"
PERSON, BILL, MERCHANT, BANK, FX = "person", "bill", "merchant", "bank", "fx"
PURPOSES: Final = {
    BILL: "anxin.payments.bills.held",
    MERCHANT: "anxin.payments.merchants.held",
    BANK: "anxin.payments.banks.held",
    FX: "anxin.payments.fx.held",
}
"""What else can be held, and the module whose `HOLDS` (a `HeldPurpose`) finishes it."""
NO_CODE_CHANNEL: Final = {
    "code": "no_code_channel",
    "zh": "账户没有可接收验证码的手机号或邮箱，转人工安全审核",
    "en": "No phone number or email to send a code to; held for a security review",
}


@dataclass(frozen=True, slots=True)
class Hold:
    id: str
    user_id: str
    payee_user_id: str | None
    transfer_id: str
    kind: str
    status: str
    reasons: list[dict[str, str]]
    money: Money
    channel: str
    purpose: str
    approver_user_id: str | None
    event_id: str | None
    score: float | None
    attempts: int
    expires_at: int
    created_at: int
    resolved_at: int | None
    resolved_by: str | None
    note: str | None

    @classmethod
    def from_row(cls, row: Any) -> Hold:
        return cls(
            row.id, row.user_id, row.payee_user_id, row.transfer_id, row.kind, row.status,
            list(row.reasons), Money.from_minor(row.amount, row.currency), row.channel,
            row.purpose, row.approver_user_id, row.event_id, row.score, row.attempts,
            row.expires_at, row.created_at, row.resolved_at, row.resolved_by, row.note,
        )  # fmt: skip


def hold_json(found: Hold) -> dict[str, Any]:
    """A hold as clients see it; never the code or its hash."""
    body: dict[str, Any] = {
        "id": found.id,
        "kind": found.kind,
        "status": found.status,
        "reasons": found.reasons,
        "amount": str(found.money),
        "currency": found.money.currency,
        "channel": found.channel,
        "purpose": found.purpose,
        "user_id": found.user_id,
        "payee_user_id": found.payee_user_id,
        "approver_user_id": found.approver_user_id,
        "transfer_id": found.transfer_id,
        "expires_at": isoformat(found.expires_at),
        "created_at": isoformat(found.created_at),
        "resolved_at": None if found.resolved_at is None else isoformat(found.resolved_at),
        "resolved_by": found.resolved_by,
        "note": found.note,
    }
    if found.kind == CHALLENGE:
        body["attempts_left"] = max(MAX_CODE_ATTEMPTS - found.attempts, 0)
    return body


def hold_seconds(services: Services, kind: str) -> int:
    settings = services.settings
    return {
        CHALLENGE: settings.hold_challenge_seconds,
        REVIEW: settings.hold_review_seconds,
        GUARDIAN: settings.hold_guardian_seconds,
    }[kind]


def reachable(risk: HoldReason | None, payer: User) -> HoldReason | None:
    """A step-up code needs somewhere to go; without a phone or email an analyst decides."""
    if risk is None or risk.kind != CHALLENGE or payer.phone or payer.email:
        return risk
    return replace(risk, kind="review", reasons=(*risk.reasons, NO_CODE_CHANNEL))


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(services: Services, hold_id: str, code: str) -> str:
    key = services.settings.resolved_secret_key()
    return hmac.new(key, f"hold:{hold_id}:{code}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class Parties:
    """Who pays whom, with the names the messages use: a biller has a name in each language
    (`payee_name_en`), a person one."""

    payer_id: str
    payer_name: str
    payee_id: str | None
    payee_name: str
    payee_name_en: str | None = None
    kind: str = "transfer"
    """What is held, for the wording: transfer, bill, merchant, topup, withdrawal or fx (whose
    "payee" is the currency bought)."""


def hold_effects(
    services: Services,
    reason: HoldReason,
    parties: Parties,
    money: Money,
    channel: str,
    then: Callable[[Connection, list[TransferRow]], None] | None = None,
    purpose: str = PERSON,
) -> Callable[[Connection, list[TransferRow]], None]:
    """The ledger `effects` that record the hold beside its pending transfer and tell the
    payer (with the code, for a challenge) and the approver (for a guardian hold)."""
    hold_id = new_id()
    code = new_code() if reason.kind == CHALLENGE else None

    def record(conn: Connection, transfers: list[TransferRow]) -> None:
        transfer = transfers[0]
        assert transfer.expires_at is not None
        conn.execute(insert(t), {
            "id": hold_id, "user_id": parties.payer_id, "payee_user_id": parties.payee_id,
            "transfer_id": transfer.id, "kind": reason.kind, "status": WAITING,
            "reasons": list(reason.reasons), "amount": money.to_minor(),
            "currency": money.currency, "channel": channel, "purpose": purpose,
            "approver_user_id": reason.approver_user_id, "event_id": reason.event_id,
            "score": reason.score,
            "code_hash": code_digest(services, hold_id, code) if code else None,
            "attempts": 0, "expires_at": transfer.expires_at, "created_at": transfer.created_at,
        })  # fmt: skip
        messages = _held_messages(hold_id, reason, parties, money, code, services)
        enqueue(conn, messages, transfer.created_at)
        if then is not None:
            then(conn, transfers)

    return record


_WHAT: Final = {
    "transfer": (
        "向{to}转账{amount}", "转账{amount}", "payment of {amount} to {to}",
        "Payment of {amount}", "这笔钱已冻结，尚未转出", "The money is reserved, not sent",
    ),
    "bill": (
        "向{to}缴费{amount}", "缴费{amount}", "payment of {amount} to {to}",
        "Payment of {amount}", "这笔钱已冻结，尚未付出", "The money is reserved, not paid",
    ),
    "merchant": (
        "向{to}付款{amount}", "付款{amount}", "payment of {amount} to {to}",
        "Payment of {amount}", "这笔钱已冻结，尚未付出", "The money is reserved, not paid",
    ),
    "topup": (
        "从{to}充值{amount}", "充值{amount}", "top-up of {amount} from {to}",
        "Top-up of {amount}", "这笔钱尚未到账", "The money has not been added yet",
    ),
    "withdrawal": (
        "提现{amount}到{to}", "提现{amount}", "withdrawal of {amount} to {to}",
        "Withdrawal of {amount}", "这笔钱已冻结，尚未转出", "The money is reserved, not sent",
    ),
    "fx": (
        "用{amount}换{to}", "换汇{amount}", "exchange of {amount} into {to}",
        "Exchange of {amount}", "这笔钱已冻结，尚未兑换", "The money is reserved, not exchanged",
    ),
}  # fmt: skip
"""Per kind of held payment: what it is in a sentence and in a title, and where the money
is meanwhile, in Chinese and English."""


def _held_messages(
    hold_id: str, reason: HoldReason, parties: Parties, money: Money, code: str | None,
    services: Services,
) -> list[Message]:  # fmt: skip
    amount = money.shown()
    data = {"hold_id": hold_id}
    minutes = max(hold_seconds(services, reason.kind) // 60, 1)
    to, to_en = parties.payee_name, parties.payee_name_en or parties.payee_name
    what_zh, title_zh, what_en, title_en, kept_zh, kept_en = (
        text.format(to=name, amount=amount)
        for text, name in zip(_WHAT[parties.kind], (to, to, to_en, to_en, "", ""), strict=True)
    )
    if code is not None:
        return [Message(
            parties.payer_id, "code",
            title_zh=f"安心验证码 {code}",
            body_zh=f"用于确认{what_zh}，{minutes}分钟内有效。请勿告诉任何人，"
            "安心工作人员不会向您索要。",
            title_en=f"Anxin code {code}",
            body_en=f"Confirms your {what_en}. It expires in {minutes} "
            "minutes. Never share it; Anxin staff will never ask for it.",
            data=data,
        ), Message(
            parties.payer_id, "payment",
            title_zh=f"{title_zh}等待验证码",
            body_zh=f"您{what_zh}，需要输入我们短信发送的验证码。安心工作人员不会向您索要。",
            title_en=f"{title_en} waits for your code",
            body_en=f"Your {what_en} waits for the one-time code we sent by "
            "SMS. Anxin staff will never ask for it.",
            data=data,
        )]  # fmt: skip
    why_zh = "；".join(r["zh"] for r in reason.reasons)
    why = "; ".join(r["en"] for r in reason.reasons)
    if reason.kind == REVIEW:
        return [Message(
            parties.payer_id, "payment",
            title_zh=f"{title_zh}正在安全审核",
            body_zh=f"您{what_zh}正在接受安全审核（{why_zh}）。{kept_zh}；审核有结果后会通知您。",
            title_en=f"{title_en} under security review",
            body_en=f"Your {what_en} is held for a security check ({why}). {kept_en}; you "
            "will hear from us when it is decided.",
            data=data,
        )]  # fmt: skip
    messages = [Message(
        parties.payer_id, "payment",
        title_zh=f"{title_zh}等待确认",
        body_zh=f"您{what_zh}正在等待确认（{why_zh}）。{kept_zh}。",
        title_en=f"{title_en} waits for approval",
        body_en=f"Your {what_en} waits for approval ({why}). {kept_en}.",
        data=data,
    )]  # fmt: skip
    if reason.approver_user_id is not None:  # a guardian: transfers only
        payer = parties.payer_name
        messages.append(Message(
            reason.approver_user_id, "security",
            title_zh=f"{payer}的转账需要您确认",
            body_zh=f"{payer}想{what_zh}（{why_zh}）。请在{minutes}分钟内到安心中同意或拒绝。",
            title_en=f"{payer}'s payment needs your approval",
            body_en=f"{payer} wants to pay {amount} to {to_en} ({why}). Approve or reject it in "
            f"Anxin within {minutes} minutes.",
            data=data,
        ))  # fmt: skip
    return messages


class HeldPurpose(Protocol):
    """How a held payment that is not to a person finishes (a bill payment, say)."""

    def approve(self, services: Services, found: Hold, actor: str) -> TransferRow:
        """Carry the cleared payment out; the ledger transfer it ended with. It must close
        the hold (`close_hold`, approved) in the same ledger transaction (`settle`) that
        posts or voids the held transfer."""

    def released(
        self, conn: Connection, services: Services, found: Hold, status: str, note: str | None,
        now: int,
    ) -> None:  # fmt: skip
        """In the transaction that voided or expired the hold: record the payment as not made
        and tell the payer."""

    def shown(self, services: Services, found: Hold, lang: Literal["zh", "en"]) -> Shown:
        """Who is paid, as the payer knows them, and the web page that shows the payment."""

    def legs(self, services: Services, found: Hold) -> tuple[str, ...]:
        """Other pending transfers held with the hold's own (a withdrawal's fee), released
        with it in the same ledger transaction."""


@dataclass(frozen=True, slots=True)
class Shown:
    payee: str
    page: str


def purpose_of(found: Hold) -> HeldPurpose | None:
    """None for a payment to a person, which this module finishes itself.

    Imported on use, by name: those capabilities build on holds, not the other way round."""
    if found.purpose == PERSON:
        return None
    return cast(HeldPurpose, importlib.import_module(PURPOSES[found.purpose]).HOLDS)


# -- reading ----------------------------------------------------------------------------


def hold(db: Database, hold_id: str) -> Hold:
    with db.read() as conn:
        row = conn.execute(select(t).where(t.c.id == hold_id)).first()
    if row is None:
        raise NotFound(f"there is no held payment {hold_id!r}", field="hold_id")
    return Hold.from_row(row)


def hold_for_transfer(db: Database, transfer_id: str) -> Hold | None:
    with db.read() as conn:
        row = conn.execute(select(t).where(t.c.transfer_id == transfer_id)).first()
    return None if row is None else Hold.from_row(row)


def list_holds(
    db: Database,
    *,
    user_id: str | None = None,
    approver_user_id: str | None = None,
    kind: str | None = None,
    status: str | None = WAITING,
    limit: int = 100,
) -> list[Hold]:
    """Holds matching every filter given, newest first; `status=None` means any status."""
    query = select(t)
    for column, value in (
        (t.c.user_id, user_id),
        (t.c.approver_user_id, approver_user_id),
        (t.c.kind, kind),
        (t.c.status, status),
    ):
        if value is not None:
            query = query.where(column == value)
    with db.read() as conn:
        rows = conn.execute(query.order_by(t.c.created_at.desc(), t.c.id.desc()).limit(limit))
        return [Hold.from_row(row) for row in rows]


# -- resolving --------------------------------------------------------------------------


def approve_hold(services: Services, hold_id: str, actor: str) -> TransferRow:
    """Post the held transfer: the money moves and both sides are told.

    For a guardian hold only the named approver (their user id as `actor`) may approve.
    """
    found = _waiting(services, hold_id)
    if found.kind == GUARDIAN and actor != found.approver_user_id:
        raise Forbidden("only the guardian named on this payment can approve it")
    # Frozen while the payment waited (phone lost, analyst's suspicion): nothing leaves.
    require_account_open(services.db, found.user_id)
    purpose = purpose_of(found)
    if purpose is not None:
        return purpose.approve(services, found, actor)
    payer, payee = _names(services, found)

    def approved(conn: Connection, transfers: list[TransferRow]) -> None:
        now = transfers[0].resolved_at or to_micros(services.clock.now())
        close_hold(conn, found, APPROVED, actor, None, now)
        shown = found.money.shown()
        data = {"transfer_id": found.transfer_id, "hold_id": found.id}
        messages = [Message(
            found.user_id, "payment",
            title_zh=f"已向{payee}转账 {shown}", body_zh=f"您已向{payee}转账{shown}。",
            title_en=f"Sent {shown} to {payee}", body_en=f"You sent {shown} to {payee}.",
            data=data,
        )]  # fmt: skip
        if found.payee_user_id is not None:
            messages.append(Message(
                found.payee_user_id, "payment",
                title_zh=f"收到{payer}转账 {shown}", body_zh=f"{payer}向您转账{shown}。",
                title_en=f"{payer} sent you {shown}", body_en=f"{payer} sent you {shown}.",
                data=data,
            ))  # fmt: skip
        enqueue(conn, messages, now)

    return settle(services, found, Request(Post(found.transfer_id), effects=approved))


def hand_to_guardian(services: Services, hold_id: str, actor: str) -> None:
    """An analyst cleared a payment that also needs the guardian: now it waits for them.

    Both checks stand: the risk team's "not fraud" says nothing about whether the parent's
    family agrees to a payment above the limit they set together.
    """
    found = _waiting(services, hold_id)
    if found.kind != REVIEW or found.approver_user_id is None:
        raise InvalidState("this payment does not wait for a guardian", field="hold_id")
    payer, payee = _names(services, found)
    shown = found.money.shown()
    with services.db.write() as conn:
        changed = conn.execute(
            update(t).where(t.c.id == hold_id, t.c.status == WAITING).values(kind=GUARDIAN)
        ).rowcount
        if not changed:
            raise InvalidState("this payment was decided meanwhile", field="hold_id")
        enqueue(conn, [Message(
            found.approver_user_id, "security",
            title_zh=f"{payer}的转账需要您确认",
            body_zh=f"{payer}想向{payee}转账{shown}。安心安全审核（{actor}）没有发现问题，"
            "但金额超过了需要您审批的额度。请到安心中同意或拒绝。",
            title_en=f"{payer}'s payment needs your approval",
            body_en=f"{payer} wants to pay {shown} to {payee}; Anxin's security check ({actor}) "
            "found nothing wrong, and it is above the limit you approve. Approve or reject it "
            "in Anxin.",
            data={"hold_id": hold_id},
        )], to_micros(services.clock.now()))  # fmt: skip


def reject_hold(services: Services, hold_id: str, actor: str, note: str) -> None:
    """Void the held transfer: the money is back in the payer's wallet, and they are told."""
    found = _waiting(services, hold_id)
    if found.kind == GUARDIAN and actor not in (found.approver_user_id, SYSTEM):
        raise Forbidden("only the guardian named on this payment can reject it")
    _release(services, found, REJECTED, actor, note)


def cancel_hold(services: Services, user_id: str, hold_id: str) -> None:
    """The payer changes their mind: void their own held payment."""
    found = _waiting(services, hold_id)
    if found.user_id != user_id:
        raise NotFound(f"there is no held payment {hold_id!r}", field="hold_id")
    _release(services, found, REJECTED, user_id, "cancelled by the payer")


def verify_code(services: Services, user_id: str, hold_id: str, code: str) -> TransferRow:
    """Pass a step-up challenge: the right code posts the payment; the third wrong one voids
    it. Each wrong answer is counted before it is refused, so guessing costs tries."""
    found = _waiting(services, hold_id)
    if found.user_id != user_id or found.kind != CHALLENGE:
        raise NotFound(f"you have no step-up challenge {hold_id!r}", field="hold_id")
    # Spend the try first, atomically: parallel guesses each cost one, whatever their order.
    with services.db.write() as conn:
        counted = conn.execute(
            update(t)
            .where(t.c.id == hold_id, t.c.status == WAITING, t.c.attempts < MAX_CODE_ATTEMPTS)
            .values(attempts=t.c.attempts + 1)
            .returning(t.c.attempts, t.c.code_hash)
        ).first()
    if counted is None:
        raise InvalidState("no tries are left on this challenge; look at it again", field="code")
    attempts, stored = counted
    given = code_digest(services, hold_id, code.strip())
    if stored is not None and hmac.compare_digest(stored, given):
        return approve_hold(services, hold_id, user_id)
    if attempts >= MAX_CODE_ATTEMPTS:
        _release(services, found, REJECTED, SYSTEM, "wrong code three times")
        raise InvalidState(
            "wrong code three times: the payment was cancelled and the money is back",
            field="code",
        )
    left = MAX_CODE_ATTEMPTS - attempts
    raise InvalidInput(f"that code is not right; {left} tries left", field="code")


def expire_holds(services: Services, limit: int = 500) -> int:
    """Close waiting holds whose time is up: release the money (if the ledger's own expiry
    has not yet) and tell the payer. Run by the maintenance loop; returns how many closed."""
    now = to_micros(services.clock.now())
    with services.db.read() as conn:
        rows = conn.execute(
            select(t).where(t.c.status == WAITING, t.c.expires_at <= now).limit(limit)
        ).all()
    due = [Hold.from_row(row) for row in rows]
    if not due:
        return 0
    requests: list[Request] = []
    mains: list[int] = []  # where each hold's own request is; its other legs come just before
    for found in due:
        purpose = purpose_of(found)
        legs = purpose.legs(services, found) if purpose is not None else ()
        requests += [Request(Expire(leg)) for leg in legs]
        mains.append(len(requests))
        closer = _closer(services, found, EXPIRED_HOLD, SYSTEM, None)
        requests.append(Request(Expire(found.transfer_id), effects=closer))
    results = services.ledger.execute(requests)
    for found, main in zip(due, mains, strict=True):
        if results[main].error is not None:  # resolved behind the hold's back (admin API)
            _follow_ledger(services, found)
    return len(due)


def _waiting(services: Services, hold_id: str) -> Hold:
    """The hold, still waiting and in time; one past its time is expired on the spot."""
    found = hold(services.db, hold_id)
    if found.status == WAITING and found.expires_at <= to_micros(services.clock.now()):
        expire_holds(services)
        found = hold(services.db, hold_id)
    if found.status != WAITING:
        raise InvalidState(f"this payment is already {found.status}", field="hold_id")
    return found


def _release(services: Services, found: Hold, status: str, actor: str, note: str | None) -> None:
    closer = _closer(services, found, status, actor, note)
    purpose = purpose_of(found)
    legs = purpose.legs(services, found) if purpose is not None else ()
    settle(services, found, Request(Void(found.transfer_id), effects=closer),
           before=[Request(Void(leg)) for leg in legs])  # fmt: skip


def _closer(
    services: Services, found: Hold, status: str, actor: str, note: str | None
) -> Callable[[Connection, list[TransferRow]], None]:
    purpose = purpose_of(found)

    def close(conn: Connection, transfers: list[TransferRow]) -> None:
        now = transfers[0].resolved_at or transfers[0].created_at
        close_hold(conn, found, status, actor, note, now)
        if purpose is not None:
            purpose.released(conn, services, found, status, note, now)
            return
        shown, why = found.money.shown(), ended(status, note, "没有转出")
        enqueue(conn, [Message(
            found.user_id, "payment",
            title_zh=f"转账{shown}未完成",
            body_zh=f"您{shown}的转账{why.zh}，钱已退回您的钱包。{why.said}",
            title_en=f"Payment of {shown} not completed",
            body_en=f"Your payment of {shown} {why.en}; the money is back in your "
            f"wallet.{why.said}",
            data={"hold_id": found.id, "transfer_id": found.transfer_id},
        )], now)  # fmt: skip

    return close


@dataclass(frozen=True, slots=True)
class Ended:
    """How a released payment ended, for the message that says so."""

    zh: str
    en: str
    said: str
    """The note (an analyst's, or "wrong code three times") in brackets, or nothing."""


def ended(status: str, note: str | None, not_made_zh: str = "没有完成") -> Ended:
    """The words for a payment its hold released: it ran out of time, or it was not made
    (cancelled, refused, wrong codes), in each capability's own Chinese verb."""
    said = f" ({note})" if note else ""
    if status == EXPIRED_HOLD:
        return Ended("没有及时确认", "was not confirmed in time", said)
    return Ended(not_made_zh, "was not made", said)


def close_hold(
    conn: Connection, found: Hold, status: str, actor: str, note: str | None, now: int
) -> None:
    """Mark a waiting hold decided; inside the ledger transaction that settles its money."""
    conn.execute(
        update(t)
        .where(t.c.id == found.id, t.c.status == WAITING)
        .values(status=status, resolved_at=now, resolved_by=actor[:100], note=note)
    )


def settle(
    services: Services, found: Hold, request: Request, *, before: Sequence[Request] = (),
    together: bool = False,
) -> TransferRow:  # fmt: skip
    """Run the ledger request that posts, voids or expires the held money; one the ledger
    refuses because the transfer was resolved meanwhile brings the hold in line and says so.

    `before` run first in the same transaction (a held withdrawal's fee leg, say), each
    succeeding or failing alone (a leg that already expired is no reason to keep the rest
    when the money goes back), or, with `together`, all or none (carrying a payment out
    must not take some of its legs and leave the others)."""
    if before:
        result = services.ledger.execute([*before, request], together=together)[-1]
    else:
        result = services.writer.execute(request)
    if result.error is not None:
        if isinstance(result.error, InvalidState):
            _follow_ledger(services, found)
            raise InvalidState(
                "this payment can no longer be changed: "
                f"it is {hold(services.db, found.id).status}",
                field="hold_id",
            )
        raise result.error
    return result.transfers[0]


def _follow_ledger(services: Services, found: Hold) -> None:
    """Bring a waiting hold in line with its transfer when the ledger resolved it first."""
    transfer = services.ledger.transfer(found.transfer_id)
    status = {POSTED: APPROVED, EXPIRED: EXPIRED_HOLD}.get(transfer.status, REJECTED)
    if transfer.status == "pending":
        return
    note, now = "resolved in the ledger", transfer.resolved_at or 0
    purpose = purpose_of(found)
    with services.db.write() as conn:
        close_hold(conn, found, status, SYSTEM, note, now)
        if purpose is not None and status != APPROVED:
            purpose.released(conn, services, found, status, note, now)


def _names(services: Services, found: Hold) -> tuple[str, str]:
    payer = services.identity.user(found.user_id).display_name
    payee = (
        services.identity.user(found.payee_user_id).display_name
        if found.payee_user_id is not None
        else found.channel
    )
    return payer, payee
