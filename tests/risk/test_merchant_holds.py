"""Merchant QR payments the risk check holds: they wait, like transfers, instead of being
refused; the trade is recorded and the merchant told only when the code or the analyst clears
them, and while one waits its order cannot be paid again."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from holdkit import force, services_of

from anxin.core.clock import ManualClock
from anxin.payments import holds
from peoplekit import People, people_past_reviews
from smskit import texted_code


@pytest.fixture
def people(client: TestClient, admin: dict[str, str]) -> People:
    return people_past_reviews(client, admin)


@pytest.fixture
def owner(people: People) -> dict[str, str]:
    return people.sign_up("shopkeeper", "13800000002", "店主")


@pytest.fixture
def payer(people: People) -> dict[str, str]:
    headers = people.sign_up("xiaohong", "13800000001", "小红")
    people.fund(headers, "100.00")
    return headers


@pytest.fixture
def shop(client: TestClient, owner: dict[str, str]) -> dict[str, Any]:
    opened = client.post("/v1/merchants", json={"name": "小明咖啡"}, headers=owner)
    assert opened.status_code == 201, opened.text
    return dict(opened.json())


def _code(client: TestClient, owner: dict[str, str], shop: dict[str, Any]) -> str:
    made = client.post(f"/v1/merchants/{shop['id']}/qr", json={"amount": "30.00",
                       "order_id": "A-1"}, headers=owner)  # fmt: skip
    assert made.status_code == 201, made.text
    return str(made.json()["qr"])


def _pay(client: TestClient, payer: dict[str, str], code: str, key: str) -> Any:
    return client.post(
        "/v1/merchants/pay", json={"qr": code}, headers={**payer, "Idempotency-Key": key}
    )


def _balances(people: People, headers: dict[str, str]) -> tuple[str, str]:
    wallet = people.wallet(headers)
    return wallet["balance"], wallet["available_balance"]


def _shop_balance(client: TestClient, owner: dict[str, str], shop: dict[str, Any]) -> str:
    return str(client.get(f"/v1/merchants/{shop['id']}", headers=owner).json()["balance"])


def _trades(client: TestClient, owner: dict[str, str], shop: dict[str, Any]) -> list[Any]:
    return list(client.get(f"/v1/merchants/{shop['id']}/payments", headers=owner)
                .json()["payments"])  # fmt: skip


def _titles(client: TestClient, headers: dict[str, str]) -> list[str]:
    found = client.get("/v1/notifications", headers=headers).json()["notifications"]
    return [n["title"] for n in found]


def test_a_challenged_payment_waits_for_the_texted_code_then_pays_the_merchant(
    client: TestClient, people: People, owner: dict[str, str], payer: dict[str, str],
    shop: dict[str, Any],
) -> None:  # fmt: skip
    force(client, "challenge")
    code = _code(client, owner, shop)
    held = _pay(client, payer, code, "qr-1")
    assert held.status_code == 202, held.text
    body, hold = held.json(), held.json()["hold"]
    assert (body["amount"], body["order_id"], body["merchant_id"]) == ("30.00", "A-1", shop["id"])
    assert hold["kind"] == "challenge" and hold["purpose"] == "merchant"
    assert hold["status"] == "waiting" and hold["transfer_id"] == body["transfer_id"]
    assert _balances(people, payer) == ("100.00", "70.00")  # set aside, not taken
    assert _shop_balance(client, owner, shop) == "0.00"
    assert _trades(client, owner, shop) == []
    assert _titles(client, owner) == [], "the merchant hears nothing while it waits"

    replay = _pay(client, payer, code, "qr-1")
    assert replay.status_code == 202 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["hold"]["id"] == hold["id"]
    second = _pay(client, payer, code, "qr-2")
    assert second.status_code == 409 and "already being paid" in second.json()["detail"]
    assert _balances(people, payer) == ("100.00", "70.00")

    done = client.post(f"/v1/holds/{hold['id']}/verify", json={"code": texted_code(client)},
                       headers=payer)  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json()["hold"]["status"] == "approved"
    assert done.json()["transfer"]["status"] == "posted"
    assert _balances(people, payer) == ("70.00", "70.00")
    assert _shop_balance(client, owner, shop) == "30.00"
    [trade] = _trades(client, owner, shop)
    assert (trade["transfer_id"], trade["order_id"]) == (body["transfer_id"], "A-1")
    assert any("小明咖啡 收款 ¥30.00" in title for title in _titles(client, owner))
    assert any("已向小明咖啡付款" in title for title in _titles(client, payer))
    again = _pay(client, payer, code, "qr-1")  # the same request now answers with the trade
    assert again.status_code == 201 and again.json()["transfer_id"] == body["transfer_id"]
    assert "hold" not in again.json()
    paid_twice = _pay(client, payer, code, "qr-3")
    assert paid_twice.status_code == 409 and "already been paid" in paid_twice.json()["detail"]
    report = client.get("/v1/ledger/verify", headers=people.admin).json()
    assert report["ok"], report["problems"]


def _payable_again(
    client: TestClient, people: People, owner: dict[str, str], payer: dict[str, str],
    shop: dict[str, Any], code: str,
) -> None:  # fmt: skip
    assert _balances(people, payer) == ("100.00", "100.00")
    assert _shop_balance(client, owner, shop) == "0.00" and _trades(client, owner, shop) == []
    assert _titles(client, owner) == []
    assert any("未完成" in title for title in _titles(client, payer))
    force(client, "allow")
    paid = _pay(client, payer, code, "qr-again")
    assert paid.status_code == 201, paid.text
    assert _shop_balance(client, owner, shop) == "30.00"


def test_a_cancelled_payment_gives_the_money_back_and_the_order_stays_payable(
    client: TestClient, people: People, owner: dict[str, str], payer: dict[str, str],
    shop: dict[str, Any],
) -> None:  # fmt: skip
    force(client, "challenge")
    code = _code(client, owner, shop)
    held = _pay(client, payer, code, "qr-1").json()
    cancelled = client.post(f"/v1/holds/{held['hold']['id']}/cancel", headers=payer)
    assert cancelled.status_code == 200, cancelled.text
    replay = _pay(client, payer, code, "qr-1")
    assert replay.status_code == 202 and replay.json()["hold"]["status"] == "rejected"
    _payable_again(client, people, owner, payer, shop, code)


def test_three_wrong_codes_give_the_money_back(
    client: TestClient, people: People, owner: dict[str, str], payer: dict[str, str],
    shop: dict[str, Any],
) -> None:  # fmt: skip
    force(client, "challenge")
    code = _code(client, owner, shop)
    held = _pay(client, payer, code, "qr-1").json()
    right = texted_code(client)
    wrong = "123456" if right != "123456" else "654321"
    url = f"/v1/holds/{held['hold']['id']}/verify"
    answers = [client.post(url, json={"code": wrong}, headers=payer).status_code for _ in "abc"]
    assert answers == [422, 422, 409]
    assert client.post(url, json={"code": right}, headers=payer).status_code == 409
    _payable_again(client, people, owner, payer, shop, code)


def test_an_expired_payment_gives_the_money_back(
    client: TestClient, people: People, owner: dict[str, str], payer: dict[str, str],
    shop: dict[str, Any], clock: ManualClock,
) -> None:  # fmt: skip
    force(client, "challenge")
    code = _code(client, owner, shop)
    assert _pay(client, payer, code, "qr-1").status_code == 202
    clock.advance(services_of(client).settings.hold_challenge_seconds + 1)
    assert holds.expire_holds(services_of(client)) == 1
    _payable_again(client, people, owner, payer, shop, code)


def test_a_review_is_cleared_by_the_analyst_and_the_merchant_is_paid(
    client: TestClient, people: People, owner: dict[str, str], payer: dict[str, str],
    shop: dict[str, Any],
) -> None:  # fmt: skip
    force(client, "review")
    held = _pay(client, payer, _code(client, owner, shop), "qr-1")
    assert held.status_code == 202, held.text
    hold = held.json()["hold"]
    assert hold["kind"] == "review" and hold["purpose"] == "merchant"
    queue = client.get("/v1/risk/reviews", headers=people.admin).json()["reviews"]
    assert [case["id"] for case in queue] == [hold["id"]]
    resolved = client.post(f"/v1/risk/reviews/{hold['id']}/resolve",
                           json={"analyst": "li.na", "label": "legit"},
                           headers=people.admin)  # fmt: skip
    assert resolved.status_code == 200, resolved.text
    assert _balances(people, payer) == ("70.00", "70.00")
    assert _shop_balance(client, owner, shop) == "30.00"
    assert [t["order_id"] for t in _trades(client, owner, shop)] == ["A-1"]
    assert any("收款" in title for title in _titles(client, owner))


def test_a_blocked_payment_is_refused_and_the_order_stays_payable(
    client: TestClient, people: People, owner: dict[str, str], payer: dict[str, str],
    shop: dict[str, Any],
) -> None:  # fmt: skip
    force(client, "block")
    code = _code(client, owner, shop)
    refused = _pay(client, payer, code, "qr-1")
    assert refused.status_code == 403 and refused.json()["decision"] == "block"
    assert _balances(people, payer) == ("100.00", "100.00")
    force(client, "allow")
    assert _pay(client, payer, code, "qr-2").status_code == 201
