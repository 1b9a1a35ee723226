"""Linked bank cards: check the number, enrol it with the connector, prove it is yours.

A card can be used for top-ups and withdrawals only once verified (the micro-deposit
answer); three wrong answers close the attempt, so guessing 99 amounts is not an option.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from anxin.api.services import Services
from anxin.core.clock import isoformat, to_micros
from anxin.core.errors import Conflict, InvalidInput, InvalidState, NotFound
from anxin.core.ids import new_id
from anxin.identity.service import User
from anxin.notify import Message, enqueue
from anxin.payments.banks import tables as t
from anxin.payments.banks.connector import BankConnector, CardEnrolment
from anxin.risk.freezes import require_card_open

UNVERIFIED, VERIFIED, FAILED, REMOVED = "unverified", "verified", "failed", "removed"
MAX_VERIFY_ATTEMPTS = 3
_CARD_NUMBER = re.compile(r"[0-9]{12,19}")


def luhn_valid(digits: str) -> bool:
    """The Luhn check digit test every card number passes; catches most typing slips."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_digits(number: str) -> str:
    """The card number as bare digits; spaces and dashes as people type them are allowed."""
    digits = re.sub(r"[\s-]", "", number)
    if not _CARD_NUMBER.fullmatch(digits):
        raise InvalidInput("a card number has 12 to 19 digits", field="number")
    if not luhn_valid(digits):
        raise InvalidInput("this card number has a typo (its check digit is wrong)", field="number")
    return digits


def bind_card(
    services: Services, user: User, number: str, holder_name: str
) -> tuple[dict[str, Any], CardEnrolment]:
    digits = card_digits(number)
    holder = holder_name.strip()
    if not 1 <= len(holder) <= 64:
        raise InvalidInput("the card holder's name has 1-64 characters", field="holder_name")
    enrolment = services.bank.enrol_card(digits, holder)
    now = to_micros(services.clock.now())
    row = {
        "id": new_id(), "owner_id": user.id, "bank": services.bank.code,
        "token": enrolment.token, "fingerprint": _fingerprint(services, digits),
        "last4": digits[-4:], "holder_name": holder, "status": UNVERIFIED,
        "verify_attempts": 0, "created_at": now, "verified_at": None, "removed_at": None,
    }  # fmt: skip
    last4 = row["last4"]
    notice = Message(
        user.id, "security",
        title_zh=f"绑定银行卡 尾号{last4}",
        body_zh=f"您的账户绑定了尾号{last4}的银行卡。如果不是您本人操作，请解绑并修改密码。",
        title_en=f"Card ending {last4} linked",
        body_en=f"A bank card ending {last4} was linked to your account. If this was not you, "
        "remove it and change your password.",
        data={"card_id": row["id"]},
    )  # fmt: skip
    try:
        with services.db.write() as conn:
            conn.execute(insert(t.cards), row)
            enqueue(conn, [notice], now)
    except IntegrityError:
        raise Conflict("this card is already linked to your account", field="number") from None
    return row, enrolment


def verify_card(services: Services, user: User, card_id: str, answer: str) -> dict[str, Any]:
    """Check the micro-deposit answer; a wrong one counts, even though it is refused."""
    card = own_card(services, user.id, card_id)
    if card["status"] == VERIFIED:
        return card
    if card["status"] != UNVERIFIED:
        raise InvalidState("this card failed verification; remove it and link it again")
    right = services.bank.check_verification(card["token"], answer)
    attempts = card["verify_attempts"] + (0 if right else 1)
    values: dict[str, Any] = {"verify_attempts": attempts}
    if right:
        values.update(status=VERIFIED, verified_at=to_micros(services.clock.now()))
    elif attempts >= MAX_VERIFY_ATTEMPTS:
        values["status"] = FAILED
    c = t.cards.c
    with services.db.write() as conn:
        done = conn.execute(
            update(t.cards)
            .where(
                c.id == card_id,
                c.status == UNVERIFIED,
                c.verify_attempts == card["verify_attempts"],
            )
            .values(**values)
        )
    if done.rowcount == 0:
        raise Conflict("the card changed while it was being verified; try again", field="amount")
    if not right:
        left = MAX_VERIFY_ATTEMPTS - attempts
        if left == 0:
            raise InvalidState("wrong amount three times; remove this card and link it again")
        raise InvalidInput(
            f"that is not the amount the bank sent; {left} tries left", field="amount"
        )
    return {**card, **values}


def list_cards(services: Services, user_id: str) -> list[dict[str, Any]]:
    c = t.cards.c
    with services.db.read() as conn:
        rows = conn.execute(
            select(t.cards).where(c.owner_id == user_id, c.status != REMOVED).order_by(c.id)
        ).all()
    return [row._asdict() for row in rows]


def own_card(services: Services, user_id: str, card_id: str) -> dict[str, Any]:
    """The caller's live card; someone else's answers 404 exactly like a missing one."""
    c = t.cards.c
    with services.db.read() as conn:
        row = conn.execute(
            select(t.cards).where(c.id == card_id, c.owner_id == user_id, c.status != REMOVED)
        ).first()
    if row is None:
        raise NotFound(f"you have no card {card_id!r}", field="card_id")
    return row._asdict()


def usable_card(services: Services, user_id: str, card_id: str) -> dict[str, Any]:
    """A verified card of the caller on the bank this process is connected to."""
    card = own_card(services, user_id, card_id)
    if card["status"] != VERIFIED:
        raise InvalidState("verify this card before using it", field="card_id")
    require_card_open(services.db, card_id)
    if card["bank"] != services.bank.code:
        raise InvalidState(f"the {card['bank']!r} bank is not connected", field="card_id")
    return card


def remove_card(services: Services, user_id: str, card_id: str) -> None:
    """Unlink a card; orders already sent to the bank still finish."""
    own_card(services, user_id, card_id)
    c = t.cards.c
    with services.db.write() as conn:
        conn.execute(
            update(t.cards)
            .where(c.id == card_id, c.owner_id == user_id)
            .values(status=REMOVED, removed_at=to_micros(services.clock.now()))
        )


def card_json(card: dict[str, Any], bank: BankConnector) -> dict[str, Any]:
    return {
        "id": card["id"],
        "bank": bank_json(card["bank"], bank),
        "last4": card["last4"],
        "holder_name": card["holder_name"],
        "status": card["status"],
        "created_at": isoformat(card["created_at"]),
        "verified_at": None if card["verified_at"] is None else isoformat(card["verified_at"]),
    }


def bank_json(code: str, bank: BankConnector) -> dict[str, Any]:
    if code != bank.code:
        return {"code": code, "name": code, "sandbox": None}
    return {"code": code, "name": bank.name, "sandbox": bank.sandbox}


def _fingerprint(services: Services, digits: str) -> str:
    key = hmac.new(services.settings.resolved_secret_key(), b"anxin:card-fingerprint", "sha256")
    return hmac.new(key.digest(), digits.encode(), hashlib.sha256).hexdigest()
