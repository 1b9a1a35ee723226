"""Deleting an account (PIPL right to erasure) without losing the books.

Anxin refuses while the person still has money with it (a balance, or money on its way in
or out): a bank must hand money back, not delete it, so they withdraw first. Then every
capability forgets the person through its own functions: contacts, cards, biller accounts,
schedules, guardianships, preferences, whatever registered on `Services.on_erase` (the
assistant's transcripts). Last, in one transaction, the user row is blanked (the username
becomes a tombstone), every token is revoked and the erasure is written to the privacy
audit. The ledger journal stays: it is append-only and hash-chained, and financial records
must be kept for the legal retention period; it names only account ids.

Each step is idempotent, and the identity step runs last, so an interrupted erasure is
finished by asking again with the same password.
"""

from __future__ import annotations

from anxin.api.services import Services
from anxin.core.clock import to_micros
from anxin.core.errors import InvalidState
from anxin.core.money import format_minor
from anxin.identity.account import erase_identity, require_password
from anxin.identity.family import service as family
from anxin.identity.preferences import forget_preferences
from anxin.identity.service import User
from anxin.ledger import queries
from anxin.notify import forget_inbox
from anxin.payments import contacts
from anxin.payments.banks.cards import list_cards, remove_card
from anxin.payments.bills import store as bills
from anxin.payments.schedules import service as schedules
from anxin.privacy.audit import record


def erase_account(services: Services, user: User, password: str) -> None:
    """Erase the person behind `user` once their password is confirmed and no money is left."""
    require_password(services.identity, user.id, password)
    _require_no_money(services, user.id)
    _forget_everywhere(services, user)
    now = to_micros(services.clock.now())
    with services.db.write() as conn:
        forget_preferences(conn, user.id)
        forget_inbox(conn, user.id)
        erase_identity(conn, user.id, now)
        record(
            conn, user.id, actor=f"user:{user.id}", action="account.erased",
            detail="personal data erased; ledger journal kept for legal retention", at=now,
        )  # fmt: skip


def money_left(services: Services, user_id: str) -> list[str]:
    """Each of the user's accounts that still holds or expects money, described."""
    left = []
    with services.db.read() as conn:
        accounts = queries.accounts_of(conn, user_id)
    for account in accounts:
        currency = account["currency"]
        balance = account["credits_posted"] - account["debits_posted"]
        pending = account["credits_pending"] + account["debits_pending"]
        if balance:
            left.append(f"{account['kind']} {currency} {format_minor(balance, currency)}")
        elif pending:
            left.append(f"{account['kind']} {currency}: money pending")
    return left


def _require_no_money(services: Services, user_id: str) -> None:
    left = money_left(services, user_id)
    if left:
        raise InvalidState(
            "your accounts still hold money or have payments pending ("
            + "; ".join(left)
            + "). Withdraw everything to your bank card and wait for pending payments to "
            "finish, then delete the account. 账户内仍有余额或在途资金，请先全部提现。",
            accounts=left,
        )


def _forget_everywhere(services: Services, user: User) -> None:
    """Every capability drops what it keeps about the person, through its own functions."""
    for contact in contacts.list_contacts(services.db, user.id):
        contacts.remove_contact(services.db, user.id, contact.id)
    for card in list_cards(services, user.id):
        remove_card(services, user.id, card["id"])
    for account in bills.list_accounts(services.db, user.id):
        bills.remove_account(services, user.id, account.id)
    for schedule in schedules.list_schedules(services.db, user.id):
        if schedule.status != schedules.CANCELLED:
            schedules.cancel_schedule(services, user.id, schedule.id)
    family.leave(services, user)
    for forget in services.on_erase:
        forget(user.id)
