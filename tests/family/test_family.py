"""Guardians: a parent invites a child who sees balances and alerts and approves big transfers.

Everything goes through HTTP, as the web app and a phone would use it.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from anxin.core.money import Money
from anxin.identity.family.check import guardian_check
from anxin.payments.risk_hook import PaymentEvent, RiskVerdict
from peoplekit import PASSWORD, People, people_of
from smskit import texted_code


@pytest.fixture
def people(client: TestClient, admin: dict[str, str]) -> People:
    return people_of(client, admin)


@pytest.fixture
def family(people: People) -> dict[str, dict[str, str]]:
    """妈妈 (the parent, ¥2,000 in her wallet) has accepted 小明 as guardian, limit ¥500."""
    mum = people.sign_up("mum", "13800000002", "妈妈")
    ming = people.sign_up("xiaoming", "13800000001", "小明")
    shop = people.sign_up("laowang", "13800000003", "老王")
    people.fund(mum, "2000.00")
    invitation = invite(people, mum, "xiaoming", "500.00")
    assert invitation["status"] == "pending"
    accepted = people.client.post(f"/v1/family/invitations/{invitation['id']}/accept",
                                  headers=ming)  # fmt: skip
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "active"
    return {"mum": mum, "ming": ming, "wang": shop}


def invite(people: People, parent: dict[str, str], username: str, limit: str) -> dict[str, Any]:
    body = {"username": username, "approval_limit": limit, "currency": "CNY"}
    answer = people.client.post("/v1/family/guardians", json=body, headers=parent)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def decide(people: People, guardian: dict[str, str], hold_id: str, verdict: str,
           **body: str) -> Any:  # fmt: skip
    return people.client.post(f"/v1/family/approvals/{hold_id}/{verdict}", json=body or None,
                              headers={**guardian, **people.key()})  # fmt: skip


def inbox(people: People, headers: dict[str, str]) -> list[dict[str, Any]]:
    return list(people.client.get("/v1/notifications", headers=headers).json()["notifications"])


def balances(people: People, headers: dict[str, str]) -> tuple[str, str]:
    wallet = people.wallet(headers)
    return wallet["balance"], wallet["available_balance"]


def test_the_invited_guardian_sees_the_parents_balances_and_alerts(
    people: People, family: dict[str, dict[str, str]]
) -> None:
    mum, ming = family["mum"], family["ming"]
    mum_id = people.me(mum)["id"]
    assert people.pay(mum, "laowang", "30.00").status_code == 201
    wards = people.client.get("/v1/family/wards", headers=ming).json()["wards"]
    assert [(w["parent"]["display_name"], w["approval_limit"]) for w in wards] == [
        ("妈妈", "500.00")
    ]
    seen = people.client.get(f"/v1/family/wards/{mum_id}", headers=ming)
    assert seen.status_code == 200, seen.text
    view = seen.json()
    wallet = next(a for a in view["accounts"] if a["kind"] == "wallet")
    assert wallet["balance"] == "1970.00"
    assert any("老王" in alert["title"] for alert in view["alerts"])
    assert {alert["category"] for alert in view["alerts"]} <= {"payment", "security"}
    assert view["approvals"] == []


def test_the_guardian_reads_the_alerts_in_their_own_language(
    people: People, family: dict[str, dict[str, str]]
) -> None:
    mum, ming = family["mum"], family["ming"]
    mum_id = people.me(mum)["id"]
    assert people.pay(mum, "laowang", "30.00").status_code == 201
    people.client.patch("/v1/me/preferences", json={"language": "en"}, headers=ming)

    def titles(query: str = "") -> list[str]:
        seen = people.client.get(f"/v1/family/wards/{mum_id}{query}", headers=ming).json()
        return [alert["title"] for alert in seen["alerts"]]

    assert "Sent ¥30.00 to 老王" in titles()
    assert "已向老王转账 ¥30.00" in titles("?lang=zh")


def test_a_stranger_or_a_not_yet_accepted_guardian_sees_nothing(people: People) -> None:
    mum = people.sign_up("mum", "13800000002", "妈妈")
    ming = people.sign_up("xiaoming", "13800000001", "小明")
    stranger = people.sign_up("pianzi", "13800000007", "骗子")
    mum_id = people.me(mum)["id"]
    invite(people, mum, "xiaoming", "500.00")
    for who in (ming, stranger):
        refused = people.client.get(f"/v1/family/wards/{mum_id}", headers=who)
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "balance" not in refused.text
    assert people.client.get("/v1/family/wards", headers=stranger).json()["wards"] == []
    invitations = people.client.get("/v1/family/invitations", headers=stranger).json()
    assert invitations["invitations"] == []


def test_a_transfer_within_the_limit_goes_straight_through(
    people: People, family: dict[str, dict[str, str]]
) -> None:
    sent = people.pay(family["mum"], "laowang", "500.00")
    assert sent.status_code == 201, sent.text
    assert sent.json()["transfer"]["status"] == "posted"
    assert balances(people, family["wang"]) == ("500.00", "500.00")
    assert people.client.get("/v1/family/approvals", headers=family["ming"]).json() == {
        "approvals": []
    }


def test_above_the_limit_waits_for_the_guardian_who_approves(
    people: People, family: dict[str, dict[str, str]]
) -> None:
    mum, ming, wang = family["mum"], family["ming"], family["wang"]
    held = people.pay(mum, "laowang", "800.00")
    assert held.status_code == 202, held.text
    hold = held.json()["hold"]
    assert hold["kind"] == "guardian" and hold["status"] == "waiting"
    assert hold["reasons"][0]["code"] == "guardian_approval"
    assert "¥500.00" in hold["reasons"][0]["zh"] and "¥500.00" in hold["reasons"][0]["en"]
    assert balances(people, mum) == ("2000.00", "1200.00")
    assert balances(people, wang) == ("0.00", "0.00")
    assert any(n["data"] and n["data"].get("hold_id") == hold["id"] for n in inbox(people, ming))

    waiting = people.client.get("/v1/family/approvals", headers=ming).json()["approvals"]
    assert [(w["id"], w["amount"], w["payer"]["display_name"]) for w in waiting] == [
        (hold["id"], "800.00", "妈妈")
    ]
    approved = decide(people, ming, hold["id"], "approve")
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert balances(people, mum) == ("1200.00", "1200.00")
    assert balances(people, wang) == ("800.00", "800.00")
    told = [n["body"] for n in inbox(people, mum) if (n["data"] or {}).get("hold_id")]
    assert any("您已向老王转账¥800.00" in body for body in told)
    assert any("800.00" in n["body"] for n in inbox(people, wang))
    again = decide(people, ming, hold["id"], "approve")
    assert again.status_code == 200 and again.headers["idempotent-replayed"] == "true"
    assert balances(people, wang) == ("800.00", "800.00")
    assert people.client.get("/v1/ledger/verify", headers=people.admin).json()["ok"]


def test_a_rejected_transfer_gives_the_money_back(
    people: People, family: dict[str, dict[str, str]]
) -> None:
    mum, ming, wang = family["mum"], family["ming"], family["wang"]
    hold = people.pay(mum, "laowang", "1500.00").json()["hold"]
    rejected = decide(people, ming, hold["id"], "reject", note="妈，这个像是骗局")
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    transfer = people.client.get(f"/v1/transfers/{hold['transfer_id']}", headers=mum).json()
    assert transfer["status"] == "voided"
    assert balances(people, mum) == ("2000.00", "2000.00")
    assert balances(people, wang) == ("0.00", "0.00")
    told = [n["body"] for n in inbox(people, mum) if (n["data"] or {}).get("hold_id")]
    assert any("钱已退回您的钱包" in body and "骗局" in body for body in told)
    assert decide(people, ming, hold["id"], "approve").status_code == 409


def test_a_guardian_cannot_decide_another_parents_payment(
    people: People, family: dict[str, dict[str, str]]
) -> None:
    dad = people.sign_up("dad", "13800000005", "爸爸")
    sister = people.sign_up("xiaohong", "13800000006", "小红")
    people.fund(dad, "1000.00")
    invitation = invite(people, dad, "xiaohong", "100.00")
    people.client.post(f"/v1/family/invitations/{invitation['id']}/accept", headers=sister)
    hold = people.pay(dad, "laowang", "300.00").json()["hold"]

    for verdict in ("approve", "reject"):
        refused = decide(people, family["ming"], hold["id"], verdict)
        assert refused.status_code == 404
    assert people.client.get("/v1/family/approvals", headers=family["ming"]).json() == {
        "approvals": []
    }
    dad_id = people.me(dad)["id"]
    assert (
        people.client.get(f"/v1/family/wards/{dad_id}", headers=family["ming"]).status_code == 403
    )
    assert balances(people, dad) == ("1000.00", "700.00")
    assert decide(people, sister, hold["id"], "approve").status_code == 200


def test_the_parent_sees_every_guardian_action(
    people: People, family: dict[str, dict[str, str]]
) -> None:
    mum, ming = family["mum"], family["ming"]
    mum_id, ming_id = people.me(mum)["id"], people.me(ming)["id"]
    link = people.client.get("/v1/family/guardians", headers=mum).json()["guardians"][0]
    people.client.get(f"/v1/family/wards/{mum_id}", headers=ming)
    first = people.pay(mum, "laowang", "600.00").json()["hold"]
    decide(people, ming, first["id"], "approve")
    second = people.pay(mum, "laowang", "700.00").json()["hold"]
    decide(people, ming, second["id"], "reject", note="不要")
    raised = people.client.patch(f"/v1/family/guardians/{link['id']}", headers=mum,
                                 json={"approval_limit": "1000.00", "currency": "CNY"})  # fmt: skip
    assert raised.status_code == 200 and raised.json()["approval_limit"] == "1000.00"
    assert people.pay(mum, "laowang", "700.00").status_code == 201
    assert (
        people.client.delete(f"/v1/family/guardians/{link['id']}", headers=mum).status_code == 204
    )

    audit = people.client.get("/v1/family/audit", headers=mum).json()["audit"]
    trail = [(row["action"], row["actor_id"]) for row in reversed(audit)]
    assert trail == [
        ("invite", mum_id), ("accept", ming_id), ("view", ming_id), ("approve", ming_id),
        ("reject", ming_id), ("limit", mum_id), ("revoke", mum_id),
    ]  # fmt: skip
    assert {row["actor"] for row in audit} == {"妈妈", "小明"}
    assert "不要" in next(row["detail"] for row in audit if row["action"] == "reject")
    with pytest.raises(Exception, match="append-only"), people.services.db.write() as conn:
        conn.execute(text("DELETE FROM family_audit"))
    # After the revocation the former guardian sees nothing and holds nothing up.
    assert people.client.get(f"/v1/family/wards/{mum_id}", headers=ming).status_code == 403
    people.fund(mum, "1000.00")
    assert people.pay(mum, "laowang", "1200.00").status_code == 201


def test_revoking_the_guardian_releases_what_waits_for_them(
    people: People, family: dict[str, dict[str, str]]
) -> None:
    mum, ming = family["mum"], family["ming"]
    hold = people.pay(mum, "laowang", "900.00").json()["hold"]
    link = people.client.get("/v1/family/guardians", headers=mum).json()["guardians"][0]
    assert (
        people.client.delete(f"/v1/family/guardians/{link['id']}", headers=mum).status_code == 204
    )
    assert balances(people, mum) == ("2000.00", "2000.00")
    refused = decide(people, ming, hold["id"], "approve")
    assert refused.status_code == 403 and "guardian" in refused.json()["detail"]
    assert balances(people, family["wang"]) == ("0.00", "0.00")


def test_declines_duplicates_and_bad_requests(people: People) -> None:
    mum = people.sign_up("mum", "13800000002", "妈妈")
    ming = people.sign_up("xiaoming", "13800000001", "小明")
    people.sign_up("xiaohong", "13800000006", "小红")
    invitation = invite(people, mum, "xiaoming", "500.00")
    hong = {"username": "xiaohong", "approval_limit": "100.00"}
    second = people.client.post("/v1/family/guardians", headers=mum, json=hong)
    assert second.status_code == 409
    declined = people.client.post(f"/v1/family/invitations/{invitation['id']}/decline",
                                  headers=ming)  # fmt: skip
    assert declined.json()["status"] == "declined"
    again = people.client.post(f"/v1/family/invitations/{invitation['id']}/accept", headers=ming)
    assert again.status_code == 409
    hong = {"phone": "13800000006", "approval_limit": "100.00"}
    by_phone = people.client.post("/v1/family/guardians", headers=mum, json=hong)
    assert by_phone.status_code == 201 and by_phone.json()["guardian"]["display_name"] == "小红"
    for body in (
        {"username": "xiaoming", "approval_limit": "1.00"},  # oneself
        {"username": "mum", "phone": "13800000002", "approval_limit": "1.00"},
        {"username": "mum", "approval_limit": "-1.00"},
        {"username": "mum", "approval_limit": "1.001"},
        {"username": "mum", "approval_limit": 500},
    ):
        refused = people.client.post("/v1/family/guardians", json=body, headers=ming)
        assert refused.status_code == 422, (body, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
    assert people.client.get("/v1/family/guardians", headers=ming).json() == {"guardians": []}
    unknown = people.client.post("/v1/family/guardians", headers=ming,
                                 json={"username": "nobody", "approval_limit": "1.00"})  # fmt: skip
    assert unknown.status_code == 404


def test_the_guardian_is_told_a_code_was_sent_but_never_sees_it(
    people: People, family: dict[str, dict[str, str]]
) -> None:
    mum, ming = family["mum"], family["ming"]
    people.services.risk_hook = lambda _event: RiskVerdict("challenge", 0.8, ("new payee",))
    held = people.pay(mum, "laowang", "50.00").json()["hold"]
    assert held["kind"] == "challenge"
    code = texted_code(people.client)
    assert code not in str(inbox(people, mum)), "codes never sit in the inbox"

    seen = people.client.get(f"/v1/family/wards/{people.me(mum)['id']}", headers=ming)
    assert code not in seen.text
    assert any("验证码" in alert["title"] for alert in seen.json()["alerts"])


def test_a_step_up_code_never_replaces_the_guardians_approval(
    people: People, family: dict[str, dict[str, str]]
) -> None:
    """A scammer coaching the parent gets the code too; only the guardian can let it through."""
    mum, wang = family["mum"], family["wang"]
    people.services.risk_hook = lambda _event: RiskVerdict("challenge", 0.8, ("new payee",))
    held = people.pay(mum, "laowang", "800.00")
    assert held.status_code == 202, held.text
    assert held.json()["hold"]["kind"] == "guardian"
    assert balances(people, wang) == ("0.00", "0.00")


def test_nobody_can_pay_a_closed_account(people: People, family: dict[str, dict[str, str]]) -> None:
    mum, wang = family["mum"], family["wang"]
    saved = people.client.post(
        "/v1/contacts", json={"name": "老王", "username": "laowang"}, headers=mum
    )
    assert saved.status_code == 201, saved.text
    closed = people.client.request("DELETE", "/v1/me", json={"password": PASSWORD}, headers=wang)
    assert closed.status_code == 204, closed.text
    body = {"to": {"payee": "老王"}, "amount": "10.00", "currency": "CNY"}
    refused = people.client.post("/v1/payments/p2p", json=body, headers={**mum, **people.key()})
    assert refused.status_code == 404, refused.text
    assert "closed" in refused.json()["detail"]


@pytest.mark.parametrize(
    ("channel", "amount", "held"),
    [("assistant", "800.00 CNY", True), ("schedule", "800.00 CNY", True),
     ("p2p", "400.00 CNY", False), ("p2p", "10.00 USD", True)],
)  # fmt: skip
def test_every_way_of_paying_a_person_asks_the_guardian(
    people: People, family: dict[str, dict[str, str]], channel: str, amount: str, held: bool
) -> None:
    value, currency = amount.split()
    event = PaymentEvent(
        user_id=people.me(family["mum"])["id"], amount=Money.parse(value, currency),
        channel=channel, at=people.services.clock.now(),
    )  # fmt: skip
    reason = guardian_check(people.services, event)
    assert (reason is not None) == held
    if reason is not None:
        assert reason.approver_user_id == people.me(family["ming"])["id"]


def test_a_payment_under_review_still_waits_for_the_guardian_after_the_analyst(
    people: People, family: dict[str, dict[str, str]], admin: dict[str, str]
) -> None:
    mum, ming, wang = family["mum"], family["ming"], family["wang"]
    people.services.risk_hook = lambda _event: RiskVerdict("review", 0.7, ("odd",))
    held = people.pay(mum, "laowang", "800.00").json()["hold"]
    assert held["kind"] == "review"
    assert [r["code"] for r in held["reasons"]][-1] == "guardian_approval"
    verdict = {"analyst": "li.na", "label": "legit", "note": ""}
    cleared = people.client.post(
        f"/v1/risk/reviews/{held['id']}/resolve", headers=admin, json=verdict
    )
    assert cleared.status_code == 200, cleared.text
    assert balances(people, wang) == ("0.00", "0.00"), "the analyst alone does not pay"
    waiting = people.client.get("/v1/family/approvals", headers=ming).json()["approvals"]
    assert [w["id"] for w in waiting] == [held["id"]]
    assert decide(people, ming, held["id"], "approve").status_code == 200
    assert balances(people, wang) == ("800.00", "800.00")


def test_the_guardian_hears_when_the_parent_changes_the_limit(
    people: People, family: dict[str, dict[str, str]]
) -> None:
    mum, ming = family["mum"], family["ming"]
    link = people.client.get("/v1/family/guardians", headers=mum).json()["guardians"][0]
    body = {"approval_limit": "100000.00", "currency": "CNY"}
    raised = people.client.patch(f"/v1/family/guardians/{link['id']}", headers=mum, json=body)
    assert raised.status_code == 200, raised.text
    told = [n for n in inbox(people, ming) if n["title"] == "家人修改了监护审批额度"]
    assert told and "100000.00" in told[0]["body"]
