"""Helpers for assistant tests: people with funded wallets and contacts, and a chat helper."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient

from smskit import sign_up

PASSWORD = "long enough password"
_keys = itertools.count()


def person(client: TestClient, username: str, phone: str, display: str) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD, "phone": phone, "display_name": display}
    sign_up(client, body)
    token = client.post("/v1/auth/login", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['token']}"}


def wallet(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    accounts = client.get("/v1/accounts", headers=headers).json()["accounts"]
    return next(a for a in accounts if a["kind"] == "wallet" and a["currency"] == "CNY")


def fund(client: TestClient, admin: dict[str, str], account_id: str, amount: str) -> None:
    bank = client.post(
        "/v1/ledger/accounts", json={"currency": "CNY", "no_overdraft": False}, headers=admin
    ).json()["id"]
    body = {"debit_account_id": bank, "credit_account_id": account_id, "amount": amount,
            "currency": "CNY"}  # fmt: skip
    headers = {**admin, "Idempotency-Key": f"fund-{next(_keys)}"}
    assert client.post("/v1/ledger/transfers", json=body, headers=headers).status_code == 201


def family(client: TestClient, admin: dict[str, str], amount: str = "1000.00") -> dict[str, Any]:
    """xiaoming (funded) with contacts 妈妈 (alias mum) and 老王; two 王 to be ambiguous."""
    son = person(client, "xiaoming", "13800000001", "小明")
    mum = person(client, "mum", "13800000002", "妈妈")
    person(client, "laowang", "13800000003", "老王")
    person(client, "xiaowang", "13800000004", "小王")
    fund(client, admin, wallet(client, son)["id"], amount)
    for body in (
        {"name": "妈妈", "aliases": ["mum", "老妈"], "phone": "13800000002"},
        {"name": "老王", "aliases": ["王哥"], "username": "laowang"},
        {"name": "小王", "aliases": ["王哥"], "username": "xiaowang"},
    ):
        assert client.post("/v1/contacts", json=body, headers=son).status_code == 201
    return {"son": son, "mum": mum}


def say(client: TestClient, headers: dict[str, str], text: str, **extra: Any) -> dict[str, Any]:
    response = client.post("/v1/assistant/messages", json={"text": text, **extra}, headers=headers)
    assert response.status_code == 200, response.text
    reply: dict[str, Any] = response.json()["reply"]
    return reply


def balance(client: TestClient, headers: dict[str, str]) -> str:
    return str(wallet(client, headers)["balance"])


def force_verdict(client: TestClient, decision: str) -> None:
    """Make every payment's risk verdict `decision`, with one reason in both languages."""
    from anxin.payments.risk_hook import PaymentEvent, RiskVerdict

    reason = {"code": "TEST_REASON", "zh": "测试原因", "en": "a test reason"}

    def verdict(_event: PaymentEvent) -> RiskVerdict:
        return RiskVerdict(decision, 0.9, (reason["en"],), (reason,), "ev-test")  # type: ignore[arg-type]

    client.app.state.services.risk_hook = verdict  # type: ignore[attr-defined]
