"""Helpers for the bills and schedules tests: people with funded wallets, over HTTP.

(A module, not a conftest.py: a conftest here would shadow the top-level one that other test
modules import by name.)
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from anxin.api.services import Services

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
                "display_name": display}  # fmt: skip
        assert self.client.post("/v1/users", json=body).status_code == 201
        login = {"username": username, "password": PASSWORD}
        token = self.client.post("/v1/auth/login", json=login).json()["token"]
        return {"Authorization": f"Bearer {token}"}

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

    def balance(self, headers: dict[str, str]) -> tuple[str, str]:
        """(posted balance, available balance) of the person's CNY wallet."""
        wallet = self.wallet(headers)
        return wallet["balance"], wallet["available_balance"]

    def biller_balance(self, biller: str) -> str:
        """What the biller's ledger account has received (0.00 before its first payment)."""
        from sqlalchemy import select

        from anxin.payments.bills import tables as t

        with self.services.db.read() as conn:
            account_id = conn.execute(
                select(t.biller_accounts.c.account_id).where(t.biller_accounts.c.biller == biller)
            ).scalar()
        if account_id is None:
            return "0.00"
        row = self.client.get(f"/v1/ledger/accounts/{account_id}", headers=self.admin).json()
        assert row["kind"] == "biller" and row["pending_balance"] == row["balance"]
        return str(row["balance"])

    def verify(self) -> None:
        report = self.client.get("/v1/ledger/verify", headers=self.admin).json()
        assert report["ok"], report["problems"]

    def bind(self, headers: dict[str, str], biller: str, number: str) -> dict[str, Any]:
        bound = self.client.post("/v1/bills/accounts", headers=headers,
                                 json={"biller": biller, "account_number": number})  # fmt: skip
        assert bound.status_code == 201, bound.text
        return dict(bound.json())


def people_of(client: TestClient, admin: dict[str, str]) -> People:
    """Helpers over `client`; tokens live for two years because the tests move the clock by
    months."""
    crowd = People(client, admin)
    crowd.services.identity.token_ttl_seconds = 2 * 365 * 86_400
    return crowd
