"""Helpers for the bills and schedules tests: people with funded wallets, over HTTP.

(A module, not a conftest.py: a conftest here would shadow the top-level one that other test
modules import by name.)
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

import peoplekit


class People(peoplekit.People):
    """People with wallets, plus what the bill tests ask of them."""

    def balance(self, headers: dict[str, str]) -> tuple[str, str]:
        """(posted balance, available balance) of the person's CNY wallet."""
        wallet = self.wallet(headers)
        return wallet["balance"], wallet["available_balance"]

    def biller_balance(self, biller: str) -> str:
        """What the biller's ledger account has received (0.00 before its first payment)."""
        row = self.biller_account(biller)
        if row is None:
            return "0.00"
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
