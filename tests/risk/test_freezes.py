"""Freezes: a frozen account receives but cannot send; a frozen card cannot top up; audit."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from holdkit import PASSWORD, fund, key, login, pay, person, services_of, wallet
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from cardkit import link_card

FROZEN = "urn:anxin:problem:account-frozen"


def test_a_frozen_account_cannot_pay_but_can_receive_and_log_in(
    client: TestClient, admin: dict[str, str]
) -> None:
    me, friend = person(client, "lost.phone"), person(client, "friend")
    fund(client, admin, me, "500.00")
    fund(client, admin, friend, "500.00")
    frozen = client.post("/v1/me/freeze", json={"reason": "手机丢了 phone lost"}, headers=me)
    assert frozen.status_code == 200 and frozen.json()["frozen"] is True
    refused = pay(client, me, "friend", "50.00")
    assert refused.status_code == 403 and refused.json()["type"] == FROZEN
    assert pay(client, friend, "lost.phone", "20.00").status_code == 201
    assert wallet(client, me)["balance"] == "520.00"
    me_again = login(client, "lost.phone")
    assert client.get("/v1/me/freezes", headers=me_again).json()["account"]["frozen"] is True

    wrong = client.post("/v1/me/unfreeze", json={"reason": "found it", "password": "nope"},
                        headers=me_again)  # fmt: skip
    assert wrong.status_code == 401
    assert pay(client, me_again, "friend", "50.00").status_code == 403
    back = client.post("/v1/me/unfreeze", json={"reason": "found it", "password": PASSWORD},
                       headers=me_again)  # fmt: skip
    assert back.status_code == 200 and back.json()["frozen"] is False
    assert pay(client, me_again, "friend", "50.00").status_code == 201
    history = client.get("/v1/me/freezes", headers=me_again).json()["history"]
    assert [(h["action"], h["reason"]) for h in history] == [
        ("unfreeze", "found it"), ("freeze", "手机丢了 phone lost"),
    ]  # fmt: skip


def test_an_analyst_freezes_and_unfreezes_any_account_and_the_audit_says_who_when_why(
    client: TestClient, admin: dict[str, str]
) -> None:
    suspect = person(client, "suspect")
    person(client, "someone")
    fund(client, admin, suspect, "100.00")
    user_id = client.get("/v1/me", headers=suspect).json()["id"]
    body = {"analyst": "li.na", "reason": "mule pattern, case 42"}
    assert client.post(f"/v1/risk/accounts/{user_id}/freeze", json=body).status_code == 401
    assert (
        client.post(f"/v1/risk/accounts/{user_id}/freeze", json=body, headers=suspect).status_code
        == 403
    )  # a user's token is not the admin's
    done = client.post(f"/v1/risk/accounts/{user_id}/freeze", json=body, headers=admin)
    assert done.status_code == 200 and done.json()["actor"] == "analyst:li.na"
    twice = client.post(f"/v1/risk/accounts/{user_id}/freeze", json=body, headers=admin)
    assert twice.status_code == 409
    assert pay(client, suspect, "someone", "10.00").json()["type"] == FROZEN
    own = {"reason": "I want my money", "password": PASSWORD}
    refused = client.post("/v1/me/unfreeze", json=own, headers=suspect)
    assert refused.status_code == 403, "the owner cannot lift the risk team's freeze"
    clock = services_of(client).clock
    clock.advance(3600)  # type: ignore[attr-defined]
    lifted = {"analyst": "wang.wei", "reason": "customer verified in branch"}
    assert client.post(f"/v1/risk/accounts/{user_id}/unfreeze", json=lifted,
                       headers=admin).status_code == 200  # fmt: skip
    audit = client.get(f"/v1/risk/freezes/audit?user_id={user_id}", headers=admin).json()["audit"]
    assert [(a["action"], a["actor"], a["reason"], a["at"]) for a in audit] == [
        ("unfreeze", "analyst:wang.wei", "customer verified in branch", "2026-11-01T10:00:00Z"),
        ("freeze", "analyst:li.na", "mule pattern, case 42", "2026-11-01T09:00:00Z"),
    ]
    assert pay(client, suspect, "someone", "10.00").status_code == 201
    missing = client.post("/v1/risk/accounts/nobody/freeze", json=body, headers=admin)
    assert missing.status_code == 404


def test_a_frozen_card_cannot_top_up(client: TestClient) -> None:
    me = person(client, "card.owner")
    card = link_card(client, me)
    assert client.post(f"/v1/cards/{card}/freeze", json={"reason": "card lost"},
                       headers=me).status_code == 200  # fmt: skip
    topup = client.post("/v1/wallet/topups", json={"card_id": card, "amount": "100.00"},
                        headers={**me, **key()})  # fmt: skip
    assert topup.status_code == 403 and topup.json()["type"] == "urn:anxin:problem:card-frozen"
    other = person(client, "other.owner")
    assert client.post(f"/v1/cards/{card}/unfreeze", json={"reason": "x", "password": PASSWORD},
                       headers=other).status_code == 404  # fmt: skip
    # Whoever holds only the session (a stolen phone) cannot lift the freeze.
    for refused, status in (({"reason": "found it"}, 422),
                            ({"reason": "found it", "password": "guess"}, 401)):  # fmt: skip
        answer = client.post(f"/v1/cards/{card}/unfreeze", json=refused, headers=me)
        assert answer.status_code == status and answer.json()["field"] == "password"
    still = client.post("/v1/wallet/topups", json={"card_id": card, "amount": "100.00"},
                        headers={**me, **key()})  # fmt: skip
    assert still.status_code == 403
    assert client.post(f"/v1/cards/{card}/unfreeze",
                       json={"reason": "found it", "password": PASSWORD},
                       headers=me).status_code == 200  # fmt: skip
    again = client.post("/v1/wallet/topups", json={"card_id": card, "amount": "100.00"},
                        headers={**me, **key()})  # fmt: skip
    assert again.status_code in (201, 202), again.text


def test_the_freeze_audit_is_append_only(client: TestClient) -> None:
    me = person(client, "auditee")
    client.post("/v1/me/freeze", json={"reason": "lost"}, headers=me)
    with (
        pytest.raises(DBAPIError),
        services_of(client).db.write() as conn,
    ):
        conn.execute(text("UPDATE risk_freeze_audit SET reason = 'nothing happened'"))
