"""Held payments: step-up challenges, cancel, expiry, idempotent replays, general checks."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient
from holdkit import (
    PASSWORD,
    REASON,
    force,
    fund,
    inbox,
    key,
    login,
    pay,
    person,
    services_of,
    wallet,
)

from anxin.core.clock import ManualClock
from anxin.core.errors import Forbidden
from anxin.payments import holds
from anxin.payments.risk_hook import HoldReason
from anxin.payments.schedules.worker import run_due
from smskit import texted_code


@pytest.fixture
def pair(client: TestClient, admin: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    payer, payee = person(client, "payer"), person(client, "payee")
    fund(client, admin, payer, "1000.00")
    return payer, payee


def test_a_challenge_holds_the_money_until_the_texted_code_releases_it(
    client: TestClient, pair: tuple[dict[str, str], dict[str, str]]
) -> None:
    payer, payee = pair
    force(client, "challenge")
    held = pay(client, payer, "payee", "300.00")
    assert held.status_code == 202, held.text
    hold = held.json()["hold"]
    assert hold["kind"] == "challenge" and hold["status"] == "waiting"
    assert hold["reasons"] == [REASON] and hold["attempts_left"] == 3
    assert hold["expires_at"] == "2026-11-01T09:05:00Z"  # 300 s by default
    assert held.json()["transfer"]["status"] == "pending"
    mine = wallet(client, payer)
    assert mine["balance"] == "1000.00" and mine["available_balance"] == "700.00"
    assert wallet(client, payee)["balance"] == "0.00"
    listed = client.get("/v1/holds", headers=payer).json()["holds"]
    assert [h["id"] for h in listed] == [hold["id"]]

    done = client.post(f"/v1/holds/{hold['id']}/verify", json={"code": texted_code(client)},
                       headers=payer)  # fmt: skip
    assert done.status_code == 200, done.text
    assert done.json()["hold"]["status"] == "approved"
    assert done.json()["transfer"]["status"] == "posted"
    assert wallet(client, payer)["balance"] == "700.00"
    assert wallet(client, payee)["balance"] == "300.00"
    assert any(n["title"] == "已向payee转账 ¥300.00" for n in inbox(client, payer))
    assert any(n["title"] == "收到payer转账 ¥300.00" for n in inbox(client, payee))
    assert client.get("/v1/holds", headers=payer).json()["holds"] == []
    again = client.post(f"/v1/holds/{hold['id']}/verify", json={"code": "000000"}, headers=payer)
    assert again.status_code == 409


def test_three_wrong_codes_void_the_payment(
    client: TestClient, pair: tuple[dict[str, str], dict[str, str]]
) -> None:
    payer, payee = pair
    force(client, "challenge")
    hold = pay(client, payer, "payee", "300.00").json()["hold"]
    right = texted_code(client)
    wrong = "123456" if right != "123456" else "654321"
    first = client.post(f"/v1/holds/{hold['id']}/verify", json={"code": wrong}, headers=payer)
    assert first.status_code == 422 and "2 tries left" in first.json()["detail"]
    client.post(f"/v1/holds/{hold['id']}/verify", json={"code": wrong}, headers=payer)
    third = client.post(f"/v1/holds/{hold['id']}/verify", json={"code": wrong}, headers=payer)
    assert third.status_code == 409 and "cancelled" in third.json()["detail"]
    late = client.post(f"/v1/holds/{hold['id']}/verify", json={"code": right}, headers=payer)
    assert late.status_code == 409  # the right code no longer helps
    assert client.get(f"/v1/holds/{hold['id']}", headers=payer).json()["status"] == "rejected"
    mine = wallet(client, payer)
    assert mine["balance"] == "1000.00" and mine["available_balance"] == "1000.00"
    assert wallet(client, payee)["balance"] == "0.00"


def test_an_unanswered_challenge_expires_and_the_money_comes_back(
    client: TestClient, pair: tuple[dict[str, str], dict[str, str]], clock: ManualClock
) -> None:
    payer, _ = pair
    force(client, "challenge")
    hold = pay(client, payer, "payee", "300.00").json()["hold"]
    code = texted_code(client)
    clock.advance(301)
    services = services_of(client)
    services.ledger.expire_due()
    holds.expire_holds(services)
    assert wallet(client, payer)["available_balance"] == "1000.00"
    assert client.get(f"/v1/holds/{hold['id']}", headers=payer).json()["status"] == "expired"
    too_late = client.post(f"/v1/holds/{hold['id']}/verify", json={"code": code}, headers=payer)
    assert too_late.status_code == 409
    assert any("没有及时确认" in n["body"] for n in inbox(client, payer))


def test_a_hold_past_its_time_is_expired_even_before_the_maintenance_round(
    client: TestClient, pair: tuple[dict[str, str], dict[str, str]], clock: ManualClock
) -> None:
    payer, _ = pair
    force(client, "challenge")
    hold = pay(client, payer, "payee", "300.00").json()["hold"]
    code = texted_code(client)
    clock.advance(400)
    late = client.post(f"/v1/holds/{hold['id']}/verify", json={"code": code}, headers=payer)
    assert late.status_code == 409 and "expired" in late.json()["detail"]
    assert client.get("/v1/holds", headers=payer).json()["holds"] == []
    assert wallet(client, payer)["available_balance"] == "1000.00"


def test_replaying_the_idempotency_key_returns_the_same_hold(
    client: TestClient, pair: tuple[dict[str, str], dict[str, str]]
) -> None:
    payer, _ = pair
    force(client, "challenge")
    same = key()
    first = pay(client, payer, "payee", "300.00", idempotency=same)
    force(client, "allow")  # a second decision must not matter: the first answer stands
    second = pay(client, payer, "payee", "300.00", idempotency=same)
    assert second.status_code == 202 and second.headers["Idempotent-Replayed"] == "true"
    assert second.json()["hold"]["id"] == first.json()["hold"]["id"]
    assert second.json()["transfer"]["id"] == first.json()["transfer"]["id"]
    assert wallet(client, payer)["available_balance"] == "700.00"  # held once, not twice
    assert len(holds.list_holds(services_of(client).db, status=None)) == 1


def test_the_payer_can_cancel_a_held_payment(
    client: TestClient, pair: tuple[dict[str, str], dict[str, str]]
) -> None:
    payer, payee = pair
    force(client, "challenge")
    hold = pay(client, payer, "payee", "300.00").json()["hold"]
    assert client.post(f"/v1/holds/{hold['id']}/cancel", headers=payee).status_code == 404
    cancelled = client.post(f"/v1/holds/{hold['id']}/cancel", headers=payer)
    assert cancelled.status_code == 200 and cancelled.json()["hold"]["status"] == "rejected"
    assert wallet(client, payer)["available_balance"] == "1000.00"


def test_a_block_refuses_with_its_reasons(
    client: TestClient, pair: tuple[dict[str, str], dict[str, str]]
) -> None:
    payer, _ = pair
    force(client, "block")
    refused = pay(client, payer, "payee", "300.00")
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:anxin:problem:payment-refused"
    assert refused.json()["explained"] == [REASON]
    assert wallet(client, payer)["available_balance"] == "1000.00"


def test_a_payment_check_holds_for_a_guardian_who_alone_can_release_it(
    client: TestClient, admin: dict[str, str]
) -> None:
    elder, guardian = person(client, "elder"), person(client, "guardian")
    person(client, "stranger")
    fund(client, admin, elder, "1000.00")
    services = services_of(client)
    guardian_id = client.get("/v1/me", headers=guardian).json()["id"]
    reason = {"code": "GUARDIAN", "zh": "需要监护人确认", "en": "Needs the guardian's approval"}
    services.payment_checks.append(
        lambda _services, event: HoldReason("guardian", (reason,), guardian_id)
        if event.amount.amount >= 500 else None
    )  # fmt: skip
    assert pay(client, elder, "stranger", "100.00").status_code == 201
    held = pay(client, elder, "stranger", "600.00")
    assert held.status_code == 202 and held.json()["hold"]["kind"] == "guardian"
    hold_id = held.json()["hold"]["id"]
    assert [h.id for h in holds.list_holds(services.db, approver_user_id=guardian_id)] == [hold_id]
    assert any("想向" in n["body"] for n in inbox(client, guardian))
    with pytest.raises(Forbidden):
        holds.approve_hold(services, hold_id, "someone-else")
    transfer = holds.approve_hold(services, hold_id, guardian_id)
    assert transfer.status == "posted"
    assert holds.hold(services.db, hold_id).status == "approved"
    assert holds.hold(services.db, hold_id).resolved_by == guardian_id
    assert wallet(client, elder)["balance"] == "300.00"


def test_a_held_scheduled_payment_is_recorded_as_held(
    client: TestClient, pair: tuple[dict[str, str], dict[str, str]], clock: ManualClock
) -> None:
    payer, _ = pair
    added = client.post("/v1/contacts", json={"name": "收款人", "username": "payee"},
                        headers=payer)  # fmt: skip
    assert added.status_code == 201, added.text
    made = client.post("/v1/schedules", headers=payer, json={
        "kind": "p2p", "payee": "收款人", "amount": "100.00",
        "repeat": {"frequency": "monthly", "day_of_month": 1, "time": "09:00"},
        "description": "monthly",
    })  # fmt: skip
    assert made.status_code == 201, made.text
    force(client, "challenge")
    clock.advance(days=31)
    report = run_due(services_of(client))
    assert report.outcomes == {"held": 1}
    payer = login(client, "payer")  # a month later: a new session
    runs = client.get(f"/v1/schedules/{made.json()['id']}/runs", headers=payer).json()["runs"]
    assert [run["status"] for run in runs] == ["held"]
    assert [h["kind"] for h in client.get("/v1/holds", headers=payer).json()["holds"]] == [
        "challenge"
    ]
    assert wallet(client, payer)["available_balance"] == "900.00"


def test_a_payer_with_no_phone_or_email_is_reviewed_instead_of_sent_a_code(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = {"username": "nophone", "password": PASSWORD, "display_name": "nophone"}
    assert client.post("/v1/users", json=body).status_code == 201
    payer = login(client, "nophone")
    person(client, "payee")
    fund(client, admin, payer, "100.00")
    force(client, "challenge")
    held = pay(client, payer, "payee", "30.00")
    assert held.status_code == 202, held.text
    hold = held.json()["hold"]
    assert hold["kind"] == "review"
    assert [r["code"] for r in hold["reasons"]] == ["TEST_REASON", "no_code_channel"]
    assert wallet(client, payer)["available_balance"] == "70.00"


def test_freezing_the_account_stops_a_waiting_payment_from_being_released(
    client: TestClient, pair: tuple[dict[str, str], dict[str, str]]
) -> None:
    """A thief with the session and the SIM starts a payment; the owner freezes the account."""
    payer, payee = pair
    force(client, "challenge")
    hold = pay(client, payer, "payee", "300.00").json()["hold"]
    code = texted_code(client)
    frozen = client.post("/v1/me/freeze", json={"reason": "phone stolen"}, headers=payer)
    assert frozen.status_code == 200, frozen.text
    done = client.post(f"/v1/holds/{hold['id']}/verify", json={"code": code}, headers=payer)
    assert done.status_code == 403, done.text
    assert wallet(client, payee)["balance"] == "0.00"


def test_guesses_sent_in_parallel_each_cost_a_try(
    client: TestClient, pair: tuple[dict[str, str], dict[str, str]]
) -> None:
    payer, payee = pair
    force(client, "challenge")
    hold = pay(client, payer, "payee", "300.00").json()["hold"]
    right = texted_code(client)
    services = services_of(client)
    user_id = client.get("/v1/me", headers=payer).json()["id"]
    wrong = [f"{n:06d}" for n in range(20) if f"{n:06d}" != right][:12]

    def guess(code: str) -> str:
        try:
            holds.verify_code(services, user_id, hold["id"], code)
        except Exception as exc:
            return type(exc).__name__
        return "paid"

    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(guess, wrong))
    assert "paid" not in answers
    assert holds.hold(services.db, hold["id"]).status == "rejected"
    assert holds.hold(services.db, hold["id"]).attempts <= 3
    late = client.post(f"/v1/holds/{hold['id']}/verify", json={"code": right}, headers=payer)
    assert late.status_code in (404, 409)
    assert wallet(client, payee)["balance"] == "0.00"
    assert wallet(client, payer)["available_balance"] == "1000.00"
