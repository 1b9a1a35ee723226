"""Wallets: each person's no-overdraft ledger account per currency, opened on demand."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from anxin.ledger import queries
from anxin.ledger.service import Ledger

WALLET = "wallet"


def find_wallet(ledger: Ledger, user_id: str, currency: str) -> dict[str, Any] | None:
    with ledger.db.read() as conn:
        return queries.find_account(conn, user_id, WALLET, currency)


def ensure_wallet(
    ledger: Ledger, user_id: str, currency: str = "CNY"
) -> tuple[dict[str, Any], bool]:
    """The user's wallet in `currency`, opened if missing; True when it was just opened.

    A unique index allows one wallet per person and currency, so two racing requests
    cannot open two: the loser of the race finds the winner's wallet.
    """
    existing = find_wallet(ledger, user_id, currency)
    if existing is not None:
        return existing, False
    try:
        return ledger.open_account(currency, owner_id=user_id, kind=WALLET), True
    except IntegrityError:
        found = find_wallet(ledger, user_id, currency)
        assert found is not None
        return found, False
