"""Everything Anxin holds about one person, as one JSON document (PIPL right of access).

Each section comes from the capability that owns the data, through its own query or
service functions, so the export shows what that capability shows and never another
person's rows.
"""

from __future__ import annotations

from typing import Any

from anxin.api.services import Services
from anxin.core.clock import isoformat, to_micros
from anxin.identity.account import sessions
from anxin.identity.family import service as family
from anxin.identity.preferences import preferences, preferences_json
from anxin.identity.routes import user_json
from anxin.identity.service import User
from anxin.ledger import queries, store
from anxin.ledger.routes import account_json, entry_json, transfer_json
from anxin.notify import every_notification
from anxin.notify.preferences import load_preferences
from anxin.payments import contacts
from anxin.payments.banks.cards import card_json, list_cards
from anxin.payments.bills import store as bills
from anxin.payments.bills.routes import account_json as bill_account_json
from anxin.payments.bills.routes import bill_json
from anxin.payments.bills.rules import local_today
from anxin.payments.schedules import service as schedules
from anxin.payments.schedules.routes import schedule_json
from anxin.privacy.audit import record, trail
from anxin.privacy.consents import consents
from anxin.privacy.views import consent_json

HISTORY_PAGE = 500
# An export has no page size: everything the login history holds.
ALL_LOGINS = 1_000_000


def export(services: Services, user: User) -> dict[str, Any]:
    """The user's data as of now; the export is then recorded in the privacy audit."""
    now = to_micros(services.clock.now())
    document: dict[str, Any] = {
        "generated_at": isoformat(now),
        "profile": user_json(user),
        "preferences": preferences_json(preferences(services.db, user.id)),
    }
    document.update(_money(services, user.id))
    document.update(_payments(services, user.id))
    document.update(_about_the_person(services, user.id))
    document["family"] = _family(services, user.id)
    with services.db.write() as conn:
        record(conn, user.id, actor=f"user:{user.id}", action="data.exported", detail="", at=now)
    return document


def _money(services: Services, user_id: str) -> dict[str, Any]:
    """Accounts with balances and every posted entry, each with its transfer."""
    accounts = []
    with services.db.read() as conn:
        for account in queries.accounts_of(conn, user_id):
            entries = []
            cursor = None
            while True:
                page = queries.history(conn, account["id"], cursor=cursor, limit=HISTORY_PAGE)
                transfers = store.load_transfers(conn, [e["transfer_id"] for e in page.entries])
                for entry in page.entries:
                    shown = entry_json(entry, account["currency"])
                    shown["transfer"] = transfer_json(transfers[entry["transfer_id"]])
                    entries.append(shown)
                cursor = page.next_cursor
                if cursor is None:
                    break
            accounts.append({**account_json(account), "entries": entries})
    return {"accounts": accounts}


def _payments(services: Services, user_id: str) -> dict[str, Any]:
    names: dict[str, str] = {}
    people = contacts.list_contacts(services.db, user_id)
    names.update((c.id, c.name) for c in people)
    bill_accounts = bills.list_accounts(services.db, user_id)
    names.update((a.id, f"{a.biller} {a.account_number}") for a in bill_accounts)
    today = local_today(services.clock.now())
    return {
        "contacts": [contacts.contact_json(c) for c in people],
        "cards": [card_json(card, services.bank) for card in list_cards(services, user_id)],
        "biller_accounts": [bill_account_json(a) for a in bill_accounts],
        "bills": [bill_json(b, today) for b in bills.list_bills(services.db, user_id)],
        "schedules": [
            schedule_json(s, names) for s in schedules.list_schedules(services.db, user_id)
        ],
    }


def _about_the_person(services: Services, user_id: str) -> dict[str, Any]:
    with services.db.read() as conn:
        notifications = every_notification(conn, user_id)
        channels = load_preferences(conn, user_id)
        opened = sessions(conn, user_id)
        audit = trail(conn, user_id)
    return {
        "notifications": notifications,
        "notification_channels": {k: list(v) for k, v in channels.items()},
        "consents": [consent_json(view) for view in consents(services.db, user_id)],
        "privacy_audit": [
            {"at": e.at, "actor": e.actor, "action": e.action, "detail": e.detail} for e in audit
        ],
        "login_history": services.identity.recent_logins(user_id, limit=ALL_LOGINS),
        "sessions": [
            {"at": x.at, "ip": x.ip, "expires_at": x.expires_at, "revoked_at": x.revoked_at}
            for x in opened
        ],
    }


def _family(services: Services, user_id: str) -> dict[str, Any]:
    return {
        "guardians": [family.link_json(link) for link in family.guardians(services.db, user_id)],
        "wards": [family.link_json(link) for link in family.wards(services.db, user_id)],
        "audit": [family.audit_json(row, {}) for row in family.audit_trail(services.db, user_id)],
    }
