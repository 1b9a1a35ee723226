"""Paying people: wallets on sign-up, contacts with aliases, P2P with notifications."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from fastapi.testclient import TestClient

from anxin.payments.payees import Contact, match_contacts
from anxin.payments.risk_hook import PaymentEvent, RiskVerdict
from smskit import sign_up

PASSWORD = "long enough password"
_keys = itertools.count()


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"p2p-{next(_keys)}"}


def person(client: TestClient, username: str, phone: str, display: str) -> dict[str, str]:
    body = {"username": username, "password": PASSWORD, "phone": phone, "display_name": display}
    sign_up(client, body)
    token = client.post("/v1/auth/login", json={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['token']}"}


def wallet(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    accounts = client.get("/v1/accounts", headers=headers).json()["accounts"]
    assert len(accounts) == 1 and accounts[0]["kind"] == "wallet"
    return dict(accounts[0])


def fund(client: TestClient, admin: dict[str, str], account_id: str, amount: str) -> None:
    bank = client.post(
        "/v1/ledger/accounts", json={"currency": "CNY", "no_overdraft": False}, headers=admin
    ).json()["id"]
    body = {"debit_account_id": bank, "credit_account_id": account_id, "amount": amount,
            "currency": "CNY"}  # fmt: skip
    assert (
        client.post("/v1/ledger/transfers", json=body, headers={**admin, **key()}).status_code
        == 201
    )


def send(client: TestClient, headers: dict[str, str], to: dict[str, str], amount: str,
         idempotency: dict[str, str] | None = None, **extra: Any) -> Any:  # fmt: skip
    body = {"to": to, "amount": amount, "currency": "CNY", **extra}
    return client.post("/v1/payments/p2p", json=body, headers={**headers, **(idempotency or key())})


@pytest.fixture
def family(client: TestClient, admin: dict[str, str]) -> dict[str, dict[str, str]]:
    son = person(client, "xiaoming", "13800000001", "小明")
    mum = person(client, "mum", "13800000002", "妈妈")
    wang = person(client, "laowang", "13800000003", "老王")
    fund(client, admin, wallet(client, son)["id"], "1000.00")
    added = client.post(
        "/v1/contacts", json={"name": "妈妈", "aliases": ["mum", "老妈"], "phone": "13800000002"},
        headers=son,
    )  # fmt: skip
    assert added.status_code == 201, added.text
    client.post("/v1/contacts", json={"name": "老王", "username": "laowang"}, headers=son)
    return {"son": son, "mum": mum, "wang": wang}


def test_sign_up_opens_a_cny_wallet(client: TestClient) -> None:
    headers = person(client, "newbie", "13900000000", "New")
    account = wallet(client, headers)
    assert account["currency"] == "CNY" and account["balance"] == "0.00"
    assert account["no_overdraft"] is True
    usd = client.post("/v1/wallets", json={"currency": "USD"}, headers=headers)
    assert usd.status_code == 201
    again = client.post("/v1/wallets", json={"currency": "USD"}, headers=headers)
    assert again.status_code == 200 and again.json()["id"] == usd.json()["id"]


def test_pay_mum_by_alias_moves_money_and_tells_both(
    client: TestClient, family: dict[str, dict[str, str]]
) -> None:
    son, mum = family["son"], family["mum"]
    sent = send(client, son, {"payee": "mum"}, "500.00", note="生活费")
    assert sent.status_code == 201, sent.text
    assert sent.json()["to"]["display_name"] == "妈妈"
    assert wallet(client, son)["balance"] == "500.00"
    assert wallet(client, mum)["balance"] == "500.00"
    mum_inbox = client.get("/v1/notifications", headers=mum).json()
    assert mum_inbox["unread"] == 1
    message = mum_inbox["notifications"][0]
    assert "500.00" in message["title"] and "生活费" in message["body"]
    assert message["data"]["transfer_id"] == sent.json()["transfer"]["id"]
    son_inbox = client.get("/v1/notifications", headers=son).json()
    assert "妈妈" in son_inbox["notifications"][0]["title"]
    read = client.post(f"/v1/notifications/{message['id']}/read", headers=mum)
    assert read.status_code == 204
    assert client.get("/v1/notifications", headers=mum).json()["unread"] == 0
    assert client.post(f"/v1/notifications/{message['id']}/read", headers=son).status_code == 404


@pytest.mark.parametrize(
    "to",
    [{"payee": "妈妈"}, {"payee": "老妈"}, {"payee": "MUM"}, {"phone": "13800000002"},
     {"username": "mum"}],
)  # fmt: skip
def test_every_way_of_naming_mum_reaches_her(
    client: TestClient, family: dict[str, dict[str, str]], to: dict[str, str]
) -> None:
    assert send(client, family["son"], to, "1.00").json()["to"]["username"] == "mum"


def test_a_homophone_from_speech_still_finds_the_contact(
    client: TestClient, family: dict[str, dict[str, str]]
) -> None:
    # 老汪 sounds exactly like 老王 (lǎo wáng); speech input often writes the other one.
    assert send(client, family["son"], {"payee": "老汪"}, "1.00").json()["to"]["username"] == (
        "laowang"
    )


def test_refusals_move_nothing_and_notify_nobody(
    client: TestClient, family: dict[str, dict[str, str]]
) -> None:
    son, mum = family["son"], family["mum"]
    assert send(client, son, {"payee": "mum"}, "1000.01").status_code == 409
    assert send(client, son, {"payee": "nobody"}, "1.00").status_code == 404
    assert send(client, son, {"username": "xiaoming"}, "1.00").status_code == 422
    assert send(client, son, {"payee": "mum", "phone": "1"}, "1.00").status_code == 422
    assert send(client, son, {"payee": "mum"}, 5).status_code == 422  # type: ignore[arg-type]
    assert wallet(client, son)["balance"] == "1000.00"
    assert client.get("/v1/notifications", headers=mum).json()["unread"] == 0


def test_a_retry_with_the_same_key_pays_once(
    client: TestClient, family: dict[str, dict[str, str]]
) -> None:
    son, mum = family["son"], family["mum"]
    same = {"Idempotency-Key": "rent-2026-11"}
    first = send(client, son, {"payee": "mum"}, "300.00", idempotency=same)
    again = send(client, son, {"payee": "mum"}, "300.00", idempotency=same)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["transfer"]["id"] == again.json()["transfer"]["id"]
    assert wallet(client, mum)["balance"] == "300.00"
    assert client.get("/v1/notifications", headers=mum).json()["unread"] == 1
    other = send(client, son, {"payee": "mum"}, "301.00", idempotency=same)
    assert other.status_code == 409


def test_ambiguous_names_ask_which_one(client: TestClient, admin: dict[str, str]) -> None:
    me = person(client, "meme", "13700000001", "Me")
    person(client, "wang1", "13700000002", "王一")
    person(client, "wang2", "13700000003", "王二")
    fund(client, admin, wallet(client, me)["id"], "10.00")
    client.post("/v1/contacts", json={"name": "王一", "aliases": ["小王"], "username": "wang1"},
                headers=me)  # fmt: skip
    client.post("/v1/contacts", json={"name": "王二", "aliases": ["小王"], "username": "wang2"},
                headers=me)  # fmt: skip
    asked = send(client, me, {"payee": "小王"}, "1.00")
    assert asked.status_code == 409
    assert {c["name"] for c in asked.json()["choices"]} == {"王一", "王二"}
    chosen = asked.json()["choices"][0]["contact_id"]
    assert send(client, me, {"contact_id": chosen}, "1.00").status_code == 201


def test_contacts_belong_to_their_owner(
    client: TestClient, family: dict[str, dict[str, str]]
) -> None:
    son, mum = family["son"], family["mum"]
    contacts = client.get("/v1/contacts", headers=son).json()["contacts"]
    assert {c["name"] for c in contacts} == {"妈妈", "老王"}
    assert client.get("/v1/contacts", headers=mum).json()["contacts"] == []
    mine = contacts[0]["id"]
    assert client.delete(f"/v1/contacts/{mine}", headers=mum).status_code == 404
    # Mum cannot pay through her son's contact either.
    assert send(client, mum, {"contact_id": mine}, "1.00").status_code == 404
    assert client.delete(f"/v1/contacts/{mine}", headers=son).status_code == 204
    duplicate = client.post(
        "/v1/contacts", json={"name": "老王", "username": "laowang"}, headers=son
    )
    assert duplicate.status_code == 409


def test_a_risk_hook_refusal_stops_the_payment(
    client: TestClient, family: dict[str, dict[str, str]]
) -> None:
    def cautious(event: PaymentEvent) -> RiskVerdict:
        if event.amount.amount > 100:
            return RiskVerdict(
                "block", 0.97, ("向新收款人大额转账 / large transfer to a new payee",)
            )
        return RiskVerdict("allow", 0.1)

    client.app.state.services.risk_hook = cautious  # type: ignore[attr-defined]
    refused = send(client, family["son"], {"payee": "mum"}, "500.00")
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:anxin:problem:payment-refused"
    assert refused.json()["reasons"] == ["向新收款人大额转账 / large transfer to a new payee"]
    assert wallet(client, family["son"])["balance"] == "1000.00"
    assert send(client, family["son"], {"payee": "mum"}, "50.00").status_code == 201


def test_match_contacts_ranks_exact_then_sound_then_spelling() -> None:
    contacts = [
        Contact("1", "老王", ("Wang",), "u1"),
        Contact("2", "Alice", ("ally",), "u2"),
        Contact("3", "妈妈", ("mum",), "u3"),
    ]
    assert [c.id for c in match_contacts("mum", contacts)] == ["3"]
    assert [c.id for c in match_contacts("老汪", contacts)] == ["1"]
    assert [c.id for c in match_contacts("Alcie", contacts)] == []  # too far, not guessed
    assert [c.id for c in match_contacts("Alicee", contacts)] == ["2"]
    assert match_contacts("", contacts) == []
