"""Demo data: two people with funded CNY wallets who have each other as contacts."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from anxin.api.services import Services
from anxin.core.money import Money
from anxin.identity import tables as identity_tables
from anxin.ledger.posting import Create, TransferSpec
from anxin.payments.contacts import add_contact
from anxin.payments.wallets import ensure_wallet

DEMO_PASSWORD = "anxin-demo-2026"


@dataclass(frozen=True)
class DemoPerson:
    username: str
    display_name: str
    phone: str
    opening_balance: str


PEOPLE = (
    DemoPerson("xiaoming", "小明", "13800000001", "12000.00"),
    DemoPerson("mum", "妈妈", "13800000002", "3500.00"),
)


def seed(services: Services) -> list[str]:
    """Create the demo people once; running it again changes nothing."""
    with services.db.read() as conn:
        taken = conn.execute(
            select(identity_tables.users.c.id).where(
                identity_tables.users.c.username == PEOPLE[0].username
            )
        ).first()
    if taken:
        return []
    ledger = services.ledger
    funding = ledger.open_account(
        "CNY", no_overdraft=False, kind="demo-funding", meta={"note": "sandbox money for the demo"}
    )
    users = {}
    for person in PEOPLE:
        # Registering opens the person's CNY wallet (the payments capability's sign-up hook).
        user = services.identity.register(
            person.username, DEMO_PASSWORD, display_name=person.display_name, phone=person.phone
        )
        users[person.username] = user
        wallet, _ = ensure_wallet(ledger, user.id, "CNY")
        amount = Money.parse(person.opening_balance, "CNY").to_minor()
        spec = TransferSpec(
            funding["id"], wallet["id"], amount, "CNY", meta={"note": "demo opening balance"}
        )
        ledger.run(Create((spec,)), idempotency_key=f"demo-opening-{person.username}", scope="demo")
    xiaoming, mum = users["xiaoming"].id, users["mum"].id
    add_contact(services.db, services.clock, xiaoming, "妈妈", ["mum", "mom", "老妈"], mum)
    add_contact(services.db, services.clock, mum, "小明", ["儿子", "son"], xiaoming)
    return list(users)
