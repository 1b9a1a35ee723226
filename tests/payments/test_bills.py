"""Bills end to end over HTTP: bind, see this month's bill, pay it once, biller failures."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from billkit import People, people_of
from fastapi.testclient import TestClient

from anxin.core.clock import ManualClock

ELECTRICITY = "0312345678"  # the sandbox's November 2026 bill for it is ¥155.26


@pytest.fixture
def people(client: TestClient, admin: dict[str, str]) -> People:
    return people_of(client, admin)


def _setup(people: People, funds: str = "1000.00") -> dict[str, str]:
    me = people.sign_up("xiaoming", "13800000001", "小明")
    people.fund(me, funds)
    people.bind(me, "electricity", ELECTRICITY)
    return me


def _this_months_bill(client: TestClient, me: dict[str, str]) -> dict[str, Any]:
    listed = client.get("/v1/bills?biller=electricity&period=this-month", headers=me)
    assert listed.status_code == 200, listed.text
    bills = listed.json()["bills"]
    assert len(bills) == 1
    return dict(bills[0])


def test_bind_see_pay_and_never_pay_twice(client: TestClient, people: People) -> None:
    billers = client.get("/v1/billers").json()
    assert billers["sandbox"] is True and "SANDBOX" in billers["connector"]
    assert {b["code"] for b in billers["billers"]} == {
        "electricity", "water", "gas", "mobile", "broadband", "property", "heating"
    }  # fmt: skip
    me = _setup(people)
    bill = _this_months_bill(client, me)
    assert bill["period"] == "2026-11" and bill["status"] == "outstanding"
    assert bill["amount"] == bill["amount_due"] == "155.26" and bill["late_fee"] == "0.00"
    assert bill["due_on"] == "2026-11-25" and bill["overdue"] is False

    key = {"Idempotency-Key": "electricity-2026-11"}
    paid = client.post("/v1/bills/pay", json={"biller": "electricity"}, headers={**me, **key})
    assert paid.status_code == 201, paid.text
    payment = paid.json()["payment"]
    assert payment["status"] == "paid" and payment["amount"] == "155.26"
    assert payment["biller_reference"].startswith("SANDBOX-EL-")
    assert paid.json()["bill"]["status"] == "paid"
    assert people.balance(me) == ("844.74", "844.74")
    assert people.biller_balance("electricity") == "155.26"

    again = client.post("/v1/bills/pay", json={"biller": "electricity"}, headers={**me, **key})
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["payment"]["id"] == payment["id"]
    other_key = client.post("/v1/bills/pay", json={"biller": "electricity"},
                            headers={**me, **people.key()})  # fmt: skip
    assert other_key.status_code == 409 and "already paid" in other_key.json()["detail"]
    by_id = client.post(f"/v1/bills/{bill['id']}/pay", headers={**me, **people.key()})
    assert by_id.status_code == 409 and by_id.json()["payment_id"] == payment["id"]
    assert people.balance(me) == ("844.74", "844.74")
    assert people.biller_balance("electricity") == "155.26"

    assert client.get("/v1/bills", headers=me).json()["bills"] == []
    inbox = client.get("/v1/notifications", headers=me).json()["notifications"]
    assert [n["category"] for n in inbox] == ["bill"]
    assert "电费缴费成功" in inbox[0]["title"] and inbox[0]["data"]["bill_id"] == bill["id"]
    people.verify()


def test_concurrent_double_submit_pays_once(client: TestClient, people: People) -> None:
    me = _setup(people)
    bill = _this_months_bill(client, me)
    answers: list[tuple[int, str | None, str, str | None]] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def submit(n: int) -> None:
        key = "double-tap" if n % 2 else f"tap-{n}"
        start.wait()
        answer = client.post(f"/v1/bills/{bill['id']}/pay",
                             headers={**me, "Idempotency-Key": key})  # fmt: skip
        paid = answer.json().get("payment", {}).get("id")
        with lock:
            answers.append((answer.status_code, answer.headers.get("Idempotent-Replayed"),
                            key, paid))  # fmt: skip

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == 8, answers
    fresh = [a for a in answers if a[:2] == (201, None)]
    replays = [a for a in answers if a[:2] == (201, "true")]
    assert len(fresh) == 1, answers  # exactly one request paid
    # The others were told it is paid (409) or, sent with the winner's key, got its answer.
    assert all(a[2] == fresh[0][2] == "double-tap" and a[3] == fresh[0][3] for a in replays)
    assert all(a[0] == 409 for a in answers if a not in fresh + replays), answers
    assert people.balance(me) == ("844.74", "844.74")
    assert people.biller_balance("electricity") == "155.26"
    assert client.get(f"/v1/bills/{bill['id']}", headers=me).json()["status"] == "paid"
    people.verify()


def test_decline_and_timeout_charge_nothing(client: TestClient, people: People) -> None:
    me = _setup(people)
    bill = _this_months_bill(client, me)
    sandbox = people.services.billers
    inbox_before = len(client.get("/v1/notifications", headers=me).json()["notifications"])

    sandbox.fail_next("electricity", "decline")  # type: ignore[attr-defined]
    declined_key = {**me, "Idempotency-Key": "try-1"}
    declined = client.post(f"/v1/bills/{bill['id']}/pay", headers=declined_key)
    assert declined.status_code == 409, declined.text
    assert declined.headers["content-type"] == "application/problem+json"
    assert "declined" in declined.json()["detail"] and declined.json()["status"] == "declined"
    assert people.balance(me) == ("1000.00", "1000.00")  # the hold was voided
    replay = client.post(f"/v1/bills/{bill['id']}/pay", headers=declined_key)
    assert replay.status_code == 409 and replay.headers["Idempotent-Replayed"] == "true"

    sandbox.fail_next("electricity", "timeout")  # type: ignore[attr-defined]
    timed_out = client.post(f"/v1/bills/{bill['id']}/pay", headers={**me, **people.key()})
    assert timed_out.status_code == 503, timed_out.text
    assert timed_out.json()["status"] == "timed_out"
    assert people.balance(me) == ("1000.00", "1000.00")
    assert people.biller_balance("electricity") == "0.00"
    assert client.get(f"/v1/bills/{bill['id']}", headers=me).json()["status"] == "outstanding"

    paid = client.post(f"/v1/bills/{bill['id']}/pay", headers={**me, **people.key()})
    assert paid.status_code == 201, paid.text
    assert people.balance(me) == ("844.74", "844.74")
    assert people.biller_balance("electricity") == "155.26"
    titles = [n["title"] for n in client.get("/v1/notifications", headers=me).json()[
        "notifications"]][: 3]  # fmt: skip
    assert len(titles) == 3 and "未成功" in titles[1] and "未成功" in titles[2]
    assert inbox_before == 0
    people.verify()


def test_late_fee_accrues_after_the_due_date(
    client: TestClient, people: People, clock: ManualClock
) -> None:
    me = _setup(people)
    clock.advance(days=34)  # 2026-12-05: ten days past the 25 November due date
    bills = client.get("/v1/bills?biller=electricity&period=2026-11", headers=me).json()["bills"]
    assert bills[0]["overdue"] is True and bills[0]["late_fee"] == "1.55"
    assert bills[0]["amount_due"] == "156.81"
    # December's bill has been issued meanwhile; asking for "this month" finds it, not November.
    assert _this_months_bill(client, me)["period"] == "2026-12"
    unclear = client.post("/v1/bills/pay", json={"biller": "electricity", "period": None},
                          headers={**me, **people.key()})  # fmt: skip
    assert unclear.status_code == 409 and len(unclear.json()["choices"]) == 2
    paid = client.post("/v1/bills/pay", json={"biller": "electricity", "period": "2026-11"},
                       headers={**me, **people.key()})  # fmt: skip
    assert paid.status_code == 201 and paid.json()["payment"]["amount"] == "156.81"
    assert people.balance(me)[0] == "843.19"


def test_mobile_topup(client: TestClient, people: People) -> None:
    me = people.sign_up("xiaoming", "13800000001", "小明")
    people.fund(me, "60.00")
    key = {**me, "Idempotency-Key": "topup-1"}
    body = {"phone": "139 1234 5678", "amount": "50.00"}
    done = client.post("/v1/bills/mobile-topup", json=body, headers=key)
    assert done.status_code == 201, done.text
    payment = done.json()["payment"]
    assert payment["kind"] == "topup" and payment["account_number"] == "13912345678"
    assert payment["status"] == "paid" and "bill" not in done.json()
    again = client.post("/v1/bills/mobile-topup", json=body, headers=key)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert (
        client.post(
            "/v1/bills/mobile-topup", json={**body, "amount": "20.00"}, headers=key
        ).status_code
        == 409
    )  # same key, different request
    assert people.balance(me) == ("10.00", "10.00")
    phone = "13912345678"
    for bad in ({"phone": "12345", "amount": "50.00"}, {"phone": phone, "amount": "5.00"},
                {"phone": phone, "amount": "50.5"}, {"phone": phone, "amount": 50}):  # fmt: skip
        refused = client.post("/v1/bills/mobile-topup", json=bad, headers={**me, **people.key()})
        assert refused.status_code == 422, (bad, refused.text)
    broke = client.post("/v1/bills/mobile-topup", json={"phone": "13912345678", "amount": "20.00"},
                        headers={**me, **people.key()})  # fmt: skip
    assert broke.status_code == 409 and broke.json()["type"].endswith("insufficient-funds")
    assert people.balance(me) == ("10.00", "10.00")
    assert people.biller_balance("mobile") == "50.00"
    people.verify()


def test_accounts_and_bills_belong_to_their_owner(client: TestClient, people: People) -> None:
    me = _setup(people)
    other = people.sign_up("mum", "13800000002", "妈妈")
    bill = _this_months_bill(client, me)
    account_id = bill["account_id"]
    assert client.get(f"/v1/bills/{bill['id']}", headers=other).status_code == 404
    stolen = client.post(f"/v1/bills/{bill['id']}/pay", headers={**other, **people.key()})
    assert stolen.status_code == 404
    assert client.delete(f"/v1/bills/accounts/{account_id}", headers=other).status_code == 404
    assert client.get("/v1/bills/accounts", headers=other).json()["accounts"] == []
    # The same home may be bound by two family members; a live binding only once each.
    people.bind(other, "electricity", ELECTRICITY)
    twice = client.post("/v1/bills/accounts", json={"biller": "electricity",
                        "account_number": ELECTRICITY}, headers=me)  # fmt: skip
    assert twice.status_code == 409
    for bad, status in ((("electricity", "123"), 422), (("water", "20230000"), 404),
                        (("lottery", "1"), 422)):  # fmt: skip
        refused = client.post("/v1/bills/accounts", json={"biller": bad[0],
                              "account_number": bad[1]}, headers=me)  # fmt: skip
        assert refused.status_code == status, refused.text
    no_key = client.post(f"/v1/bills/{bill['id']}/pay", headers=me)
    assert no_key.status_code == 422 and no_key.json()["field"] == "Idempotency-Key"
    assert client.delete(f"/v1/bills/accounts/{account_id}", headers=me).status_code == 204
    assert client.get("/v1/bills", headers=me).json()["bills"] == []
    gone = client.post(f"/v1/bills/{bill['id']}/pay", headers={**me, **people.key()})
    assert gone.status_code == 404
    assert people.bind(me, "electricity", ELECTRICITY)["id"] == account_id  # revived
    assert _this_months_bill(client, me)["id"] == bill["id"]
