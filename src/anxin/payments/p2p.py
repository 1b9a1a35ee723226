"""Paying a person: find them, ask the risk hook, move (or hold) the money, tell both sides.

The transfer and both notifications commit in one transaction (through the ledger's
`effects`), so nobody is told about money that did not move, or not told about money that did.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Connection

from anxin.api.services import Services
from anxin.core.clock import to_micros
from anxin.core.errors import Conflict, InvalidInput, NotFound
from anxin.core.money import Money
from anxin.identity.account import is_erased
from anxin.identity.service import User
from anxin.ledger.posting import PENDING, Create, TransferRow, TransferSpec
from anxin.ledger.service import Request, fingerprint
from anxin.notify import Message, enqueue
from anxin.payments.contacts import list_contacts
from anxin.payments.holds import (
    Hold,
    Parties,
    hold_effects,
    hold_for_transfer,
    hold_seconds,
    reachable,
)
from anxin.payments.payees import Contact, match_contacts
from anxin.payments.risk_hook import HoldReason, PaymentEvent, hold_for
from anxin.payments.wallets import wallet_id


@dataclass(frozen=True, slots=True)
class PayeeRef:
    """Who to pay, as the client knows them: exactly one of these is set."""

    contact_id: str | None = None
    payee: str | None = None
    phone: str | None = None
    username: str | None = None


@dataclass(frozen=True, slots=True)
class P2PResult:
    """`hold` is set when the payment waits (a pending transfer) instead of having moved."""

    transfer: TransferRow
    recipient: User
    replayed: bool
    hold: Hold | None = None


def resolve_contact(
    services: Services, owner: User, *, contact_id: str | None, payee: str | None
) -> Contact:
    """The one contact of `owner` meant by an id or by a name as said; ambiguity asks which."""
    contacts = list_contacts(services.db, owner.id)
    if contact_id:
        chosen = [c for c in contacts if c.id == contact_id]
    else:
        chosen = match_contacts(payee or "", contacts)
    if not chosen:
        raise NotFound(f"no contact matches {payee or contact_id!r}", field="to")
    if len({c.payee_user_id for c in chosen}) > 1:
        raise Conflict(
            f"{payee!r} could be several people; choose one",
            field="to",
            choices=[{"contact_id": c.id, "name": c.name} for c in chosen],
        )
    return chosen[0]


def resolve_recipient(services: Services, payer: User, ref: PayeeRef) -> User:
    given = [name for name in ("contact_id", "payee", "phone", "username") if getattr(ref, name)]
    if len(given) != 1:
        raise InvalidInput(
            "say who to pay with exactly one of contact_id, payee, phone, username", field="to"
        )
    if ref.phone or ref.username:
        recipient = services.identity.find_user(username=ref.username, phone=ref.phone)
    else:
        contact = resolve_contact(services, payer, contact_id=ref.contact_id, payee=ref.payee)
        recipient = services.identity.user(contact.payee_user_id)
    if is_erased(recipient):
        raise NotFound("this person has closed their Anxin account", field="to")
    return recipient


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a payment comes from, as the client says: for the risk check."""

    ip: str | None = None
    device_id: str | None = None
    lat: float | None = None
    lon: float | None = None


def prepare_payment(
    services: Services, payer: User, ref: PayeeRef, money: Money, *, note: str | None,
    idempotency_key: str, body: Any, ip: str | None = None, channel: str = "p2p",
    origin: Origin | None = None,
) -> tuple[Request, User]:  # fmt: skip
    """Everything before the money moves: recipient, risk decision, wallets, the ledger request.

    Shared by the HTTP route (which awaits the writer) and the schedule worker (which blocks
    on it), so both pay people by exactly the same rules. A retry of a request the ledger
    already answered skips the checks (the ledger replays the first answer): asking the risk
    engine again would count the payment twice and could contradict the first decision.
    A challenge or review verdict, or a `PaymentCheck`'s `HoldReason`, makes the transfer
    pending and records the hold with it.
    """
    with services.db.read():  # every check below reads within this one transaction
        recipient = resolve_recipient(services, payer, ref)
        if recipient.id == payer.id:
            raise InvalidInput("you cannot pay yourself", field="to")
        scope, print_ = f"user:{payer.id}", fingerprint("p2p", body)
        reason: HoldReason | None = None
        if services.ledger.replay(scope, idempotency_key, print_) is None:
            origin = origin or Origin(ip=ip)
            event = PaymentEvent(
                user_id=payer.id, amount=money, channel=channel, at=services.clock.now(),
                payee_user_id=recipient.id, ip=origin.ip or ip, device_id=origin.device_id,
                lat=origin.lat, lon=origin.lon,
            )  # fmt: skip
            risk = reachable(hold_for(services.risk_hook(event)), payer)
            reason = _strictest_hold(risk, services, event)
        source = wallet_id(services.ledger, payer.id, money.currency, open_missing=False)
    if source is None:
        raise NotFound(f"you have no {money.currency} wallet", field="currency")
    # Outside the read: opening the payee's first wallet writes, and must then find it.
    target = wallet_id(services.ledger, recipient.id, money.currency, open_missing=True)
    assert target is not None
    meta = {"type": "p2p", "from_user": payer.id, "to_user": recipient.id, "note": note}

    def tell_both(conn: Connection, transfers: list[TransferRow]) -> None:
        shown = money.shown()
        data = {"transfer_id": transfers[0].id}
        payee, sender = recipient.display_name, payer.display_name
        note_zh, note_en = (f" 备注：{note}", f" Note: {note}") if note else ("", "")
        enqueue(conn, [
            Message(
                payer.id, "payment",
                title_zh=f"已向{payee}转账 {shown}",
                body_zh=f"您已向{payee}转账{shown}。{note_zh}",
                title_en=f"Sent {shown} to {payee}",
                body_en=f"You sent {shown} to {payee}.{note_en}",
                data=data,
            ),
            Message(
                recipient.id, "payment",
                title_zh=f"收到{sender}转账 {shown}",
                body_zh=f"{sender}向您转账{shown}。{note_zh}",
                title_en=f"{sender} sent you {shown}",
                body_en=f"{sender} sent you {shown}.{note_en}",
                data=data,
            ),
        ], to_micros(services.clock.now()))  # fmt: skip

    effects: Callable[[Connection, list[TransferRow]], None] = tell_both
    if reason is None:
        spec = TransferSpec(source, target, money.to_minor(), money.currency, meta=meta)
    else:
        spec = TransferSpec(
            source, target, money.to_minor(), money.currency, pending=True,
            timeout_seconds=hold_seconds(services, reason.kind), meta=meta,
        )  # fmt: skip
        parties = Parties(payer.id, payer.display_name, recipient.id, recipient.display_name)
        effects = hold_effects(services, reason, parties, money, channel)
    request = Request(Create((spec,)), idempotency_key, scope, print_, effects=effects)
    return request, recipient


def _strictest_hold(
    risk: HoldReason | None, services: Services, event: PaymentEvent
) -> HoldReason | None:
    """One hold per payment, carrying every check that applies.

    A step-up code proves only that the payer holds the phone, which is exactly what a
    scammer coaching an elderly payer gets; the guardian's approval is the stronger check, so
    it replaces the code. An analyst's review keeps the guardian as the next approver: when
    the analyst clears the payment it waits for the guardian (`hand_to_guardian`).
    """
    guardian = next(
        (reason for check in services.payment_checks if (reason := check(services, event))),
        None,
    )
    if risk is not None and risk.kind == "review" and guardian is not None:
        return replace(
            risk, reasons=(*risk.reasons, *guardian.reasons),
            approver_user_id=guardian.approver_user_id,
        )  # fmt: skip
    if risk is not None and risk.kind == "review":
        return risk
    return guardian or risk


def _result(
    services: Services, transfer: TransferRow, recipient: User, replayed: bool
) -> P2PResult:
    """A pending P2P transfer is always a held one; find its hold (also on a replay)."""
    held = hold_for_transfer(services.db, transfer.id) if transfer.status == PENDING else None
    return P2PResult(transfer, recipient, replayed, held)


async def pay_person(
    services: Services, payer: User, ref: PayeeRef, money: Money, *, note: str | None,
    idempotency_key: str, body: Any, ip: str | None = None, origin: Origin | None = None,
) -> P2PResult:  # fmt: skip
    """Pay a person from the event loop (HTTP): awaits the group-commit writer.

    The lookups before posting are blocking database reads, so they run in a worker thread
    and never stall the event loop that serves the other requests.
    """
    request, recipient = await asyncio.to_thread(
        functools.partial(
            prepare_payment, services, payer, ref, money, note=note,
            idempotency_key=idempotency_key, body=body, ip=ip, origin=origin,
        )
    )  # fmt: skip
    result = await services.writer.execute_async(request)
    transfer = result.unwrap()[0]
    if transfer.status != PENDING:
        return P2PResult(transfer, recipient, result.replayed)
    return await asyncio.to_thread(_result, services, transfer, recipient, result.replayed)


def pay_person_now(
    services: Services, payer: User, ref: PayeeRef, money: Money, *, note: str | None,
    idempotency_key: str, body: Any, channel: str,
) -> P2PResult:  # fmt: skip
    """Pay a person from a plain thread (the schedule worker): blocks on the writer."""
    request, recipient = prepare_payment(
        services, payer, ref, money, note=note, idempotency_key=idempotency_key, body=body,
        channel=channel,
    )  # fmt: skip
    result = services.writer.execute(request)
    return _result(services, result.unwrap()[0], recipient, result.replayed)
