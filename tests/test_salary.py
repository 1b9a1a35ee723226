"""Salary split: a share of each salary moves to savings, exactly once, automatically."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient

from anxin.payments.salary import run_pending_splits, split_amount

PASSWORD = "long enough password"
_keys = itertools.count()


def sign_up(client: TestClient) -> dict[str, str]:
    body = {"username": "worker", "password": PASSWORD}
    client.post("/v1/users", json=body)
    token = client.post("/v1/auth/login", json=body).json()["token"]
    return {"Authorization": f"Bearer {token}"}


def accounts(client: TestClient, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {a["kind"]: a for a in client.get("/v1/accounts", headers=headers).json()["accounts"]}


def pay_salary(
    client: TestClient, admin: dict[str, str], employer: str, wallet: str, amount: str,
    tag: str = "salary",
) -> dict[str, Any]:  # fmt: skip
    body = {"debit_account_id": employer, "credit_account_id": wallet, "amount": amount,
            "currency": "CNY", "metadata": {"tag": tag}}  # fmt: skip
    response = client.post(
        "/v1/ledger/transfers", json=body, headers={**admin, "Idempotency-Key": f"s-{next(_keys)}"}
    )
    assert response.status_code == 201, response.text  # fmt: skip
    return dict(response.json())


def run_splits(client: TestClient) -> int:
    return run_pending_splits(client.app.state.services)  # type: ignore[attr-defined]


def test_thirty_percent_of_each_salary_goes_to_savings_once(
    client: TestClient, admin: dict[str, str]
) -> None:
    me = sign_up(client)
    rule = client.put("/v1/salary-split", json={"percent": "0.3", "target": "savings"}, headers=me)
    assert rule.json()["rule"] == {"percent": "0.3", "target": "savings"}
    employer = client.post("/v1/ledger/accounts", json={"currency": "CNY", "no_overdraft": False},
                           headers=admin).json()["id"]  # fmt: skip
    wallet = accounts(client, me)["wallet"]["id"]
    pay_salary(client, admin, employer, wallet, "15000.00")
    pay_salary(client, admin, employer, wallet, "100.00", tag="bonus")  # not salary: untouched
    run_splits(client)
    run_splits(client)  # a second round finds nothing left to do
    mine = accounts(client, me)
    assert mine["savings"]["balance"] == "4500.00"
    assert mine["wallet"]["balance"] == "10600.00"
    titles = [n["title"] for n in client.get("/v1/notifications", headers=me).json()[
        "notifications"]]  # fmt: skip
    assert titles.count("工资已自动转入储蓄") == 1
    assert client.get("/v1/ledger/verify", headers=admin).json()["ok"]


def test_without_a_rule_nothing_moves_and_bad_rules_are_refused(
    client: TestClient, admin: dict[str, str]
) -> None:
    me = sign_up(client)
    for bad in ({"percent": "1.5"}, {"percent": "0"}, {"percent": "abc"},
                {"percent": "0.3", "target": "casino"}):  # fmt: skip
        assert client.put("/v1/salary-split", json=bad, headers=me).status_code == 422
    employer = client.post("/v1/ledger/accounts", json={"currency": "CNY", "no_overdraft": False},
                           headers=admin).json()["id"]  # fmt: skip
    pay_salary(client, admin, employer, accounts(client, me)["wallet"]["id"], "8000.00")
    run_splits(client)
    assert "savings" not in accounts(client, me)
    client.put("/v1/salary-split", json={"percent": "0.5", "target": "investment"}, headers=me)
    assert client.delete("/v1/salary-split", headers=me).status_code == 204
    assert client.get("/v1/salary-split", headers=me).json()["rule"] is None


def test_a_salary_already_spent_is_not_split_and_not_retried(
    client: TestClient, admin: dict[str, str]
) -> None:
    me = sign_up(client)
    client.put("/v1/salary-split", json={"percent": "0.5"}, headers=me)
    employer = client.post("/v1/ledger/accounts", json={"currency": "CNY", "no_overdraft": False},
                           headers=admin).json()["id"]  # fmt: skip
    wallet = accounts(client, me)["wallet"]["id"]
    pay_salary(client, admin, employer, wallet, "1000.00")
    # Spent before the split ran:
    spent = client.post("/v1/ledger/transfers", headers={**admin, "Idempotency-Key": "spend"},
                        json={"debit_account_id": wallet, "credit_account_id": employer,
                              "amount": "900.00", "currency": "CNY"})  # fmt: skip
    assert spent.status_code == 201
    run_splits(client)
    assert run_splits(client) == 0  # closed for good, not retried
    assert accounts(client, me)["wallet"]["balance"] == "100.00"
    services = client.app.state.services  # type: ignore[attr-defined]
    with services.db.read() as conn:
        status, detail = conn.exec_driver_sql("SELECT status, detail FROM salary_splits").one()
    assert status == "failed" and "available" in detail


def test_split_amount_rounds_down() -> None:
    from decimal import Decimal

    assert split_amount(1001, Decimal("0.3")) == 300
    assert split_amount(1, Decimal("0.5")) == 0
    assert split_amount(10000, Decimal("1")) == 10000
