"""People with wallets, over HTTP: the helpers the privacy, preferences and family tests share.

(A module, not a conftest.py: a conftest here would shadow the top-level one.)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from anxin.api.services import Services
from smskit import sign_up

PASSWORD = "long enough password"


@dataclass
class People:
    client: TestClient
    admin: dict[str, str]
    _keys: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def services(self) -> Services:
        services: Services = self.client.app.state.services  # type: ignore[attr-defined]
        return services

    def key(self) -> dict[str, str]:
        return {"Idempotency-Key": f"k-{next(self._keys)}"}

    def sign_up(self, username: str, phone: str, display: str) -> dict[str, str]:
        body = {"username": username, "password": PASSWORD, "phone": phone,
                "display_name": display, "email": f"{username}@example.com"}  # fmt: skip
        sign_up(self.client, body)
        return self.login(username)

    def login(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        answer = self.client.post(
            "/v1/auth/login", json={"username": username, "password": password}
        )
        assert answer.status_code == 200, answer.text
        return {"Authorization": f"Bearer {answer.json()['token']}"}

    def me(self, headers: dict[str, str]) -> dict[str, Any]:
        return dict(self.client.get("/v1/me", headers=headers).json())

    def wallet(self, headers: dict[str, str]) -> dict[str, Any]:
        accounts = self.client.get("/v1/accounts", headers=headers).json()["accounts"]
        return next(a for a in accounts if a["kind"] == "wallet" and a["currency"] == "CNY")

    def fund(self, headers: dict[str, str], amount: str) -> None:
        bank = self.client.post(
            "/v1/ledger/accounts", json={"currency": "CNY", "no_overdraft": False},
            headers=self.admin,
        ).json()["id"]  # fmt: skip
        body = {"debit_account_id": bank, "credit_account_id": self.wallet(headers)["id"],
                "amount": amount, "currency": "CNY"}  # fmt: skip
        done = self.client.post("/v1/ledger/transfers", json=body,
                                headers={**self.admin, **self.key()})  # fmt: skip
        assert done.status_code == 201, done.text

    def biller_account(self, biller: str) -> dict[str, Any] | None:
        """The biller's ledger account as the admin API shows it; None before its first
        payment (it is opened then)."""
        from sqlalchemy import select

        from anxin.payments.bills import tables as t

        with self.services.db.read() as conn:
            account_id = conn.execute(
                select(t.biller_accounts.c.account_id).where(t.biller_accounts.c.biller == biller)
            ).scalar()
        if account_id is None:
            return None
        return dict(self.client.get(f"/v1/ledger/accounts/{account_id}", headers=self.admin).json())

    def pay(self, headers: dict[str, str], username: str, amount: str) -> Any:
        body = {"to": {"username": username}, "amount": amount, "currency": "CNY"}
        return self.client.post("/v1/payments/p2p", json=body, headers={**headers, **self.key()})


def people_of(client: TestClient, admin: dict[str, str]) -> People:
    """Helpers over `client` (the conftest fixture already hashes passwords cheaply)."""
    return People(client, admin)


def people_past_reviews(client: TestClient, admin: dict[str, str]) -> People:
    """`people_of`, with sessions that last a week: held-payment tests move the clock past a
    two-day review and still act as the same people."""
    crowd = People(client, admin)
    crowd.services.identity.token_ttl_seconds = 7 * 86_400
    return crowd
