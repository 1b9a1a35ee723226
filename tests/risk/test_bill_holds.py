"""Bill payments and phone top-ups the risk check holds: they wait, like transfers, instead of
being refused; nothing reaches the biller until the code or the analyst clears them."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from holdkit import force, services_of

from anxin.core.clock import ManualClock
from anxin.payments import holds
from anxin.payments.bills import service as bills
from peoplekit import People, people_past_reviews
from smskit import texted_code

ELECTRICITY = "0312345678"  # the sandbox's November 2026 bill for it is ¥155.26


@pytest.fixture
def people(client: TestClient, admin: dict[str, str]) -> People:
    return people_past_reviews(client, admin)


@pytest.fixture
def me(client: TestClient, people: People) -> dict[str, str]:
    headers = people.sign_up("xiaoming", "13800000001", "小明")
    people.fund(headers, "1000.00")
    bound = client.post("/v1/bills/accounts", headers=headers,
                        json={"biller": "electricity", "account_number": ELECTRICITY})  # fmt: skip
    assert bound.status_code == 201, bound.text
    return headers


def _balances(people: People, headers: dict[str, str]) -> tuple[str, str]:
    wallet = people.wallet(headers)
    return wallet["balance"], wallet["available_balance"]


def _pay(client: TestClient, me: dict[str, str], key: str) -> Any:
    return client.post(
        "/v1/bills/pay", json={"biller": "electricity"}, headers={**me, "Idempotency-Key": key}
    )


def _bill_status(client: TestClient, me: dict[str, str], bill_id: str) -> str:
    return str(client.get(f"/v1/bills/{bill_id}", headers=me).json()["status"])


def _received(people: People, biller: str = "electricity") -> str:
    """What the biller's ledger account has been paid (posted; held money is not paid)."""
    row = people.biller_account(biller)
    return "0.00" if row is None else str(row["balance"])


def test_a_challenged_bill_waits_for_the_texted_code_then_pays_the_biller(
    client: TestClient, people: People, me: dict[str, str]
) -> None:
    force(client, "challenge")
    held = _pay(client, me, "elec-1")
    assert held.status_code == 202, held.text
    payment, hold, bill = held.json()["payment"], held.json()["hold"], held.json()["bill"]
    assert payment["status"] == "waiting" and payment["amount"] == "155.26"
    assert hold["kind"] == "challenge" and hold["purpose"] == "bill"
    assert hold["status"] == "waiting" and hold["attempts_left"] == 3
    assert _balances(people, me) == ("1000.00", "844.74")  # set aside, not taken
    assert _received(people) == "0.00"
    assert bill["status"] == "outstanding"

    replay = _pay(client, me, "elec-1")
    assert replay.status_code == 202 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["hold"]["id"] == hold["id"]
    other = _pay(client, me, "elec-2")
    assert other.status_code == 409 and "already being paid" in other.json()["detail"]

    code = texted_code(client)
    done = client.post(f"/v1/holds/{hold['id']}/verify", json={"code": code}, headers=me)
    assert done.status_code == 200, done.text
    assert done.json()["hold"]["status"] == "approved"
    assert done.json()["transfer"]["status"] == "posted"
    assert _received(people) == "155.26"
    assert _balances(people, me) == ("844.74", "844.74")
    assert _bill_status(client, me, bill["id"]) == "paid"
    paid = client.get(f"/v1/bills/payments/{payment['id']}", headers=me).json()
    assert paid["status"] == "paid" and paid["biller_reference"].startswith("SANDBOX-EL-")
    titles = [n["title"] for n in client.get("/v1/notifications", headers=me).json()
              ["notifications"]]  # fmt: skip
    assert any("电费缴费成功" in title for title in titles)
    assert any("等待验证码" in title for title in titles)
    report = client.get("/v1/ledger/verify", headers=people.admin).json()
    assert report["ok"], report["problems"]


def test_a_cancelled_hold_charges_nothing_and_the_bill_can_be_paid_again(
    client: TestClient, people: People, me: dict[str, str]
) -> None:
    force(client, "challenge")
    held = _pay(client, me, "elec-1").json()
    cancelled = client.post(f"/v1/holds/{held['hold']['id']}/cancel", headers=me)
    assert cancelled.status_code == 200, cancelled.text
    assert _balances(people, me) == ("1000.00", "1000.00")
    failed = client.get(f"/v1/bills/payments/{held['payment']['id']}", headers=me).json()
    assert failed["status"] == "failed" and "nothing was charged" in failed["error"]["detail"]
    assert _bill_status(client, me, held["bill"]["id"]) == "outstanding"
    replay = _pay(client, me, "elec-1")  # the same request again answers with how it ended
    assert replay.status_code == 403 and replay.json()["payment_id"] == held["payment"]["id"]

    force(client, "allow")
    again = _pay(client, me, "elec-2")
    assert again.status_code == 201, again.text
    assert again.json()["payment"]["status"] == "paid"
    assert _balances(people, me) == ("844.74", "844.74")
    assert _received(people) == "155.26"


def test_three_wrong_codes_release_the_money(
    client: TestClient, people: People, me: dict[str, str]
) -> None:
    force(client, "challenge")
    held = _pay(client, me, "elec-1").json()
    right = texted_code(client)
    wrong = "123456" if right != "123456" else "654321"
    url = f"/v1/holds/{held['hold']['id']}/verify"
    answers = [client.post(url, json={"code": wrong}, headers=me).status_code for _ in range(3)]
    assert answers == [422, 422, 409]
    assert _balances(people, me) == ("1000.00", "1000.00")
    failed = client.get(f"/v1/bills/payments/{held['payment']['id']}", headers=me).json()
    assert failed["status"] == "failed" and "wrong code three times" in failed["error"]["detail"]
    assert _received(people) == "0.00"
    late = client.post(url, json={"code": right}, headers=me)
    assert late.status_code == 409
    assert _received(people) == "0.00"


def test_a_review_is_cleared_by_the_analyst_or_expires(
    client: TestClient, people: People, me: dict[str, str], clock: ManualClock
) -> None:
    force(client, "review")
    held = _pay(client, me, "elec-1").json()
    assert held["hold"]["kind"] == "review"
    queue = client.get("/v1/risk/reviews", headers=people.admin).json()["reviews"]
    assert [case["id"] for case in queue] == [held["hold"]["id"]]
    resolved = client.post(f"/v1/risk/reviews/{held['hold']['id']}/resolve",
                           json={"analyst": "li.na", "label": "legit"},
                           headers=people.admin)  # fmt: skip
    assert resolved.status_code == 200, resolved.text
    assert _bill_status(client, me, held["bill"]["id"]) == "paid"
    assert _balances(people, me) == ("844.74", "844.74")

    topup = client.post("/v1/bills/mobile-topup", json={"phone": "13800000001", "amount": "50"},
                        headers={**me, "Idempotency-Key": "top-1"})  # fmt: skip
    assert topup.status_code == 202, topup.text
    assert _balances(people, me) == ("844.74", "794.74")
    clock.advance(services_of(client).settings.hold_review_seconds + 1)
    assert holds.expire_holds(services_of(client)) == 1
    assert _balances(people, me) == ("844.74", "844.74")
    ended = client.get(f"/v1/bills/payments/{topup.json()['payment']['id']}", headers=me).json()
    assert ended["status"] == "failed" and "not confirmed in time" in ended["error"]["detail"]
    assert _received(people, "mobile") == "0.00"


def test_a_blocked_bill_is_refused_and_stays_payable(
    client: TestClient, people: People, me: dict[str, str]
) -> None:
    force(client, "block")
    refused = _pay(client, me, "elec-1")
    assert refused.status_code == 403 and refused.json()["decision"] == "block"
    force(client, "allow")
    assert _pay(client, me, "elec-2").status_code == 201


def test_a_hold_that_was_never_made_is_closed_after_a_while(
    client: TestClient, people: People, me: dict[str, str], clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The payment was claimed to wait, then the process died before the hold was written:
    the bill must not stay blocked, and nothing was reserved."""
    services = services_of(client)
    force(client, "challenge")

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(bills, "hold_effects", crash)
    assert _pay(client, me, "elec-1").status_code == 500
    monkeypatch.undo()
    stuck = _pay(client, me, "elec-2")
    assert stuck.status_code == 409 and "already being paid" in stuck.json()["detail"]
    assert _balances(people, me) == ("1000.00", "1000.00")

    clock.advance(301)
    assert bills.resume_stale(services) == 1
    force(client, "allow")
    assert _pay(client, me, "elec-3").status_code == 201
    assert _balances(people, me) == ("844.74", "844.74")
