"""Helpers for the hold, review, freeze and login tests: people over HTTP, forced verdicts,
reading the sandbox SMS for a step-up code.

Not a conftest.py (it would shadow the top-level one); test modules import what they need.
"""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient

from anxin.api.services import Services
from anxin.payments.risk_hook import PaymentEvent, RiskVerdict
from anxin.risk.freezes import guard_frozen
from smskit import sign_up

PASSWORD = "long enough password"
_keys = itertools.count()
_phones = itertools.count(13900000000)
REASON = {"code": "TEST_REASON", "zh": "测试原因", "en": "A test reason"}


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"risk-test-{next(_keys)}"}


def services_of(client: TestClient) -> Services:
    services: Services = client.app.state.services  # type: ignore[attr-defined]
    return services


def login(client: TestClient, username: str, device: str | None = None) -> dict[str, str]:
    headers = {"X-Device-Id": device} if device else {}
    token = client.post(
        "/v1/auth/login", json={"username": username, "password": PASSWORD}, headers=headers
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['token']}"}


def person(client: TestClient, username: str, device: str | None = None) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD, "display_name": username,
            "phone": str(next(_phones))}  # fmt: skip
    sign_up(client, body)
    return login(client, username, device)


def fund(client: TestClient, admin: dict[str, str], headers: dict[str, str], amount: str) -> None:
    bank = client.post(
        "/v1/ledger/accounts", json={"currency": "CNY", "no_overdraft": False}, headers=admin
    ).json()["id"]
    body = {"debit_account_id": bank, "credit_account_id": wallet(client, headers)["id"],
            "amount": amount, "currency": "CNY"}  # fmt: skip
    done = client.post("/v1/ledger/transfers", json=body, headers={**admin, **key()})
    assert done.status_code == 201, done.text


def wallet(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    accounts = client.get("/v1/accounts", headers=headers).json()["accounts"]
    return dict(next(a for a in accounts if a["currency"] == "CNY"))


def pay(
    client: TestClient, headers: dict[str, str], username: str, amount: str,
    idempotency: dict[str, str] | None = None, device: str | None = None,
    where: tuple[float, float] | None = None,
) -> Any:  # fmt: skip
    body: dict[str, Any] = {"to": {"username": username}, "amount": amount, "currency": "CNY"}
    if where is not None:
        body["location"] = {"lat": where[0], "lon": where[1]}
    extra = {"X-Device-Id": device} if device else {}
    return client.post(
        "/v1/payments/p2p", json=body, headers={**headers, **(idempotency or key()), **extra}
    )


def force(
    client: TestClient, decision: str, reasons: tuple[dict[str, str], ...] = (REASON,)
) -> None:
    """Make every payment's risk verdict `decision` (the freeze check still runs first)."""
    services = services_of(client)

    def verdict(_event: PaymentEvent) -> RiskVerdict:
        return RiskVerdict(decision, 0.9, tuple(r["en"] for r in reasons), reasons, "ev-test")  # type: ignore[arg-type]

    services.risk_hook = guard_frozen(services.db, verdict)


def inbox(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    return list(client.get("/v1/notifications", headers=headers).json()["notifications"])
