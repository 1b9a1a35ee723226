"""Paying a person: find them, ask the risk hook, move the money, tell both sides.

The transfer and both notifications commit in one transaction (through the ledger's
`effects`), so nobody is told about money that did not move, or not told about money that did.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from anxin.api.services import Services
from anxin.core.clock import to_micros
from anxin.core.errors import Conflict, InvalidInput, NotFound
from anxin.core.money import Money
from anxin.identity.service import User
from anxin.ledger.posting import Create, TransferRow, TransferSpec
from anxin.ledger.service import Request, fingerprint
from anxin.notify import Message, enqueue
from anxin.payments.contacts import list_contacts
from anxin.payments.payees import Contact, match_contacts
from anxin.payments.risk_hook import PaymentEvent, require_allowed
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
    transfer: TransferRow
    recipient: User
    replayed: bool


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
        return services.identity.find_user(username=ref.username, phone=ref.phone)
    contact = resolve_contact(services, payer, contact_id=ref.contact_id, payee=ref.payee)
    return services.identity.user(contact.payee_user_id)


def prepare_payment(
    services: Services, payer: User, ref: PayeeRef, money: Money, *, note: str | None,
    idempotency_key: str, body: Any, ip: str | None = None, channel: str = "p2p",
) -> tuple[Request, User]:  # fmt: skip
    """Everything before the money moves: recipient, risk decision, wallets, the ledger request.

    Shared by the HTTP route (which awaits the writer) and the schedule worker (which blocks
    on it), so both pay people by exactly the same rules.
    """
    recipient = resolve_recipient(services, payer, ref)
    if recipient.id == payer.id:
        raise InvalidInput("you cannot pay yourself", field="to")
    require_allowed(services.risk_hook(PaymentEvent(
        user_id=payer.id, amount=money, channel=channel, at=services.clock.now(),
        payee_user_id=recipient.id, ip=ip,
    )))  # fmt: skip
    source = wallet_id(services.ledger, payer.id, money.currency, open_missing=False)
    if source is None:
        raise NotFound(f"you have no {money.currency} wallet", field="currency")
    target = wallet_id(services.ledger, recipient.id, money.currency, open_missing=True)
    assert target is not None
    meta = {"type": "p2p", "from_user": payer.id, "to_user": recipient.id, "note": note}
    spec = TransferSpec(source, target, money.to_minor(), money.currency, meta=meta)

    def tell_both(conn: Connection, transfers: list[TransferRow]) -> None:
        shown = f"{money.currency} {money}"
        data = {"transfer_id": transfers[0].id}
        enqueue(conn, [
            Message(payer.id, "payment", f"已向{recipient.display_name}转账 {shown}",
                    f"You sent {shown} to {recipient.display_name}." + _note(note), data),
            Message(recipient.id, "payment", f"收到{payer.display_name}转账 {shown}",
                    f"{payer.display_name} sent you {shown}." + _note(note), data),
        ], to_micros(services.clock.now()))  # fmt: skip

    request = Request(
        Create((spec,)), idempotency_key, f"user:{payer.id}", fingerprint("p2p", body),
        effects=tell_both,
    )  # fmt: skip
    return request, recipient


async def pay_person(
    services: Services, payer: User, ref: PayeeRef, money: Money, *, note: str | None,
    idempotency_key: str, body: Any, ip: str | None = None,
) -> P2PResult:  # fmt: skip
    """Pay a person from the event loop (HTTP): awaits the group-commit writer.

    The lookups before posting are blocking database reads, so they run in a worker thread
    and never stall the event loop that serves the other requests.
    """
    request, recipient = await asyncio.to_thread(
        functools.partial(
            prepare_payment, services, payer, ref, money, note=note,
            idempotency_key=idempotency_key, body=body, ip=ip,
        )
    )  # fmt: skip
    result = await services.writer.execute_async(request)
    return P2PResult(result.unwrap()[0], recipient, result.replayed)


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
    return P2PResult(result.unwrap()[0], recipient, result.replayed)


def _note(note: str | None) -> str:
    return f" 备注 Note: {note}" if note else ""
