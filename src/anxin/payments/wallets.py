"""Personal accounts: each person's wallet (and savings, investment account) per currency.

All are no-overdraft ledger accounts, opened on demand.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from anxin.ledger import queries
from anxin.ledger.service import Ledger

WALLET, SAVINGS, INVESTMENT = "wallet", "savings", "investment"


def find_wallet(
    ledger: Ledger, user_id: str, currency: str, kind: str = WALLET
) -> dict[str, Any] | None:
    with ledger.db.read() as conn:
        return queries.find_account(conn, user_id, kind, currency)


def ensure_wallet(
    ledger: Ledger, user_id: str, currency: str = "CNY", kind: str = WALLET
) -> tuple[dict[str, Any], bool]:
    """The user's `kind` account in `currency`, opened if missing; True when just opened.

    A unique index allows one per person, kind and currency, so two racing requests cannot
    open two: the loser of the race finds the winner's account.
    """
    existing = find_wallet(ledger, user_id, currency, kind)
    if existing is not None:
        return existing, False
    try:
        return ledger.open_account(currency, owner_id=user_id, kind=kind), True
    except IntegrityError:
        found = find_wallet(ledger, user_id, currency, kind)
        assert found is not None
        return found, False


_known_ids: dict[tuple[str, str, str, str], str] = {}
_MAX_KNOWN = 100_000  # forgetting costs two reads on the next payment, never a wrong answer


def wallet_id(ledger: Ledger, user_id: str, currency: str, *, open_missing: bool) -> str | None:
    """The id of the user's wallet in `currency`, remembered once seen.

    Accounts are never deleted or re-owned, so a wallet id, once found, is true for good;
    remembering it saves two database reads on every payment.
    """
    key = (ledger.db.url, user_id, WALLET, currency)
    known = _known_ids.get(key)
    if known is not None:
        return known
    if open_missing:
        found: dict[str, Any] | None = ensure_wallet(ledger, user_id, currency)[0]
    else:
        found = find_wallet(ledger, user_id, currency)
    if found is None:
        return None
    if len(_known_ids) >= _MAX_KNOWN:
        _known_ids.clear()
    _known_ids[key] = found["id"]
    return str(found["id"])
