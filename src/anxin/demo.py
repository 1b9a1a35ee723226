"""Demo data: two people with CNY wallets, funded from a clearly labelled demo account."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from anxin.api.services import Services
from anxin.core.money import Money
from anxin.identity import tables as identity_tables
from anxin.ledger.posting import Create, TransferSpec

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
        if conn.execute(
            select(identity_tables.users.c.id).where(
                identity_tables.users.c.username == PEOPLE[0].username
            )
        ).first():
            return []
    ledger = services.ledger
    funding = ledger.open_account(
        "CNY", no_overdraft=False, kind="demo-funding", meta={"note": "sandbox money for the demo"}
    )
    made = []
    for person in PEOPLE:
        user = services.identity.register(
            person.username, DEMO_PASSWORD, display_name=person.display_name, phone=person.phone
        )
        wallet = ledger.open_account("CNY", owner_id=user.id, kind="wallet")
        amount = Money.parse(person.opening_balance, "CNY").to_minor()
        ledger.run(
            Create(
                (
                    TransferSpec(
                        funding["id"],
                        wallet["id"],
                        amount,
                        "CNY",
                        meta={"note": "demo opening balance"},
                    ),
                )
            ),
            idempotency_key=f"demo-opening-{person.username}",
            scope="demo",
        )
        made.append(person.username)
    return made
