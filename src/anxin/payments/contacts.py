"""A user's contacts: names and aliases they use for the people they pay."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, insert, select
from sqlalchemy.exc import IntegrityError

from anxin.core.clock import Clock, to_micros
from anxin.core.db import Database
from anxin.core.errors import Conflict, InvalidInput, NotFound
from anxin.core.ids import new_id
from anxin.payments import tables as t
from anxin.payments.payees import Contact

MAX_ALIASES = 10
# Built once: every payment to a contact runs it, and building a statement costs as much
# as running it.
_OWNED = (
    select(t.contacts)
    .where(t.contacts.c.owner_id == bindparam("owner_id"))
    .order_by(t.contacts.c.name)
)


def list_contacts(db: Database, owner_id: str) -> list[Contact]:
    with db.read() as conn:
        rows = conn.execute(_OWNED, {"owner_id": owner_id}).all()
    return [Contact(r.id, r.name, tuple(r.aliases), r.payee_user_id) for r in rows]


def add_contact(
    db: Database, clock: Clock, owner_id: str, name: str, aliases: list[str], payee_user_id: str
) -> Contact:
    name = name.strip()
    cleaned = tuple(dict.fromkeys(a.strip() for a in aliases if a.strip()))
    if not name or len(name) > 64:
        raise InvalidInput("a contact needs a name of 1-64 characters", field="name")
    if len(cleaned) > MAX_ALIASES or any(len(a) > 64 for a in cleaned):
        raise InvalidInput(f"at most {MAX_ALIASES} aliases of 1-64 characters", field="aliases")
    if payee_user_id == owner_id:
        raise InvalidInput("you cannot add yourself as a contact", field="payee")
    contact = Contact(new_id(), name, cleaned, payee_user_id)
    try:
        with db.write() as conn:
            conn.execute(
                insert(t.contacts),
                {
                    "id": contact.id, "owner_id": owner_id, "name": name,
                    "aliases": list(cleaned), "payee_user_id": payee_user_id,
                    "created_at": to_micros(clock.now()),
                },
            )  # fmt: skip
    except IntegrityError:
        raise Conflict(f"you already have a contact named {name!r}", field="name") from None
    return contact


def remove_contact(db: Database, owner_id: str, contact_id: str) -> None:
    c = t.contacts.c
    with db.write() as conn:
        done = conn.execute(delete(t.contacts).where(c.id == contact_id, c.owner_id == owner_id))
    if done.rowcount == 0:
        raise NotFound(f"you have no contact {contact_id!r}")


def contact_json(contact: Contact, display_name: str | None = None) -> dict[str, Any]:
    return {
        "id": contact.id, "name": contact.name, "aliases": list(contact.aliases),
        "payee_user_id": contact.payee_user_id, "payee_display_name": display_name,
    }  # fmt: skip
