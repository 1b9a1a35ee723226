"""Helpers shared by the bank and merchant tests: people, linked cards, the bank's answers."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient

from anxin.api.services import Services
from anxin.core.clock import ManualClock
from anxin.payments.banks.orders import settle_due
from anxin.payments.banks.sandbox import SandboxBank, SandboxConfig
from smskit import sign_up

_phones = itertools.count(13700000000)

PASSWORD = "long enough password"
DECLINES = "6200 0000 0000 0047"
SILENT = "6200 0000 0000 0054"
ORDINARY = "6222 0000 0000 0009"
_keys = itertools.count()


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"bank-test-{next(_keys)}"}


def services_of(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def steady_bank(client: TestClient) -> TestClient:
    """The app with a sandbox bank that always answers, after 1-5 seconds.

    The random declines and silences are off, so the test cards alone choose each outcome.
    (A plain function, not a fixture: a conftest.py here would shadow the top-level one.)
    """
    services_of(client).bank = SandboxBank(
        SandboxConfig(seed=7, decline_rate=0, timeout_rate=0, min_delay_seconds=1,
                      max_delay_seconds=5, answer_timeout_seconds=900)
    )  # fmt: skip
    return client


def person(client: TestClient, username: str, display: str | None = None) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD, "display_name": display or username,
            "phone": str(next(_phones))}  # fmt: skip
    sign_up(client, body)
    token = client.post("/v1/auth/login", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['token']}"}


def wallet(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    accounts = client.get("/v1/accounts", headers=headers).json()["accounts"]
    return next(a for a in accounts if a["kind"] == "wallet" and a["currency"] == "CNY")


def fund(client: TestClient, admin: dict[str, str], headers: dict[str, str], amount: str) -> None:
    source = client.post("/v1/ledger/accounts", json={"currency": "CNY", "no_overdraft": False},
                         headers=admin).json()["id"]  # fmt: skip
    body = {"debit_account_id": source, "credit_account_id": wallet(client, headers)["id"],
            "amount": amount, "currency": "CNY"}  # fmt: skip
    assert (
        client.post("/v1/ledger/transfers", json=body, headers={**admin, **key()}).status_code
        == 201
    )


def bank_answers(client: TestClient, clock: ManualClock, seconds: float = 10) -> None:
    """Let `seconds` pass (past the sandbox's delays) and run the settle step."""
    clock.advance(seconds)
    settle_due(services_of(client))


def ledger_ok(client: TestClient, admin: dict[str, str]) -> None:
    report = client.get("/v1/ledger/verify", headers=admin).json()
    assert report["ok"], report["problems"]
