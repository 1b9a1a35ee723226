"""The privacy centre: consents that gate data use, the audit, export, account deletion."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from anxin.core.clock import to_micros
from anxin.identity.preferences import preferences
from anxin.notify import Message, enqueue, inbox
from anxin.notify.dispatch import dispatch_pending
from anxin.payments.contacts import list_contacts
from anxin.privacy.audit import trail
from anxin.privacy.consents import PURPOSES, allowed, consents, set_consent
from peoplekit import PASSWORD, People, people_of
from smskit import sms_log_once

_users = itertools.count()


@pytest.fixture
def people(client: TestClient, admin: dict[str, str]) -> People:
    return people_of(client, admin)


def offer(people: People, user_id: str) -> None:
    """What a marketing campaign does: enqueue an offer for one user."""
    services = people.services
    with services.db.write() as conn:
        enqueue(conn, [Message(
            user_id, "marketing", title_zh="理财新品", body_zh="一款新的储蓄产品。",
            title_en="New savings product", body_en="A new savings product.",
        )], to_micros(services.clock.now()))  # fmt: skip


def categories(people: People, headers: dict[str, str]) -> list[str]:
    inbox = people.client.get("/v1/notifications", headers=headers).json()
    return [n["category"] for n in inbox["notifications"]]


def test_every_purpose_is_explained_in_both_languages_with_its_default(people: People) -> None:
    ming = people.sign_up("xiaoming", "13800000001", "小明")
    shown = people.client.get("/v1/privacy/consents", headers=ming).json()["consents"]
    assert [c["purpose"] for c in shown] == list(PURPOSES)
    granted = {c["purpose"]: c["granted"] for c in shown}
    assert granted == {"location": True, "spending_analysis": True,
                       "assistant_history": True, "marketing": False}  # fmt: skip
    for consent in shown:
        assert consent["changed_at"] is None
        for text_field in ("title", "used_for", "when_off"):
            assert consent[text_field]["zh"] and consent[text_field]["en"]


def test_marketing_is_opt_in_and_switching_it_off_stops_offers(people: People) -> None:
    ming = people.sign_up("xiaoming", "13800000001", "小明")
    user_id = people.me(ming)["id"]
    offer(people, user_id)
    assert "marketing" not in categories(people, ming)

    on = people.client.put("/v1/privacy/consents/marketing", json={"granted": True}, headers=ming)
    assert on.status_code == 200 and on.json()["granted"] is True
    offer(people, user_id)
    assert categories(people, ming).count("marketing") == 1

    off = people.client.put("/v1/privacy/consents/marketing", json={"granted": False},
                            headers=ming)  # fmt: skip
    assert off.json()["granted"] is False
    offer(people, user_id)
    assert categories(people, ming).count("marketing") == 1


def test_an_offer_queued_before_opting_out_is_not_texted(
    people: People, client: TestClient
) -> None:
    ming = people.sign_up("xiaoming", "13800000001", "小明")
    user_id = people.me(ming)["id"]
    people.client.put("/v1/privacy/consents/marketing", json={"granted": True}, headers=ming)
    wants_sms = {"marketing": ["sms"]}
    assert people.client.put("/v1/notifications/preferences", json=wants_sms,
                             headers=ming).status_code == 200  # fmt: skip
    offer(people, user_id)
    people.client.put("/v1/privacy/consents/marketing", json={"granted": False}, headers=ming)
    services = people.services
    dispatch_pending(services.db, services.clock, services.channels, services.recipient)
    sms_log = services.settings.data_dir / "sms-sandbox.log"
    assert not sms_log.exists() or "理财新品" not in sms_log.read_text(encoding="utf-8")

    people.client.put("/v1/privacy/consents/marketing", json={"granted": True}, headers=ming)
    offer(people, user_id)
    assert sms_log_once(services, "理财新品").count("理财新品") == 1


def test_each_change_is_audited_with_who_and_when(people: People) -> None:
    ming = people.sign_up("xiaoming", "13800000001", "小明")
    user_id = people.me(ming)["id"]
    for granted in (False, True):
        people.client.put("/v1/privacy/consents/location", json={"granted": granted},
                          headers=ming)  # fmt: skip
    audit = people.client.get("/v1/privacy/audit", headers=ming).json()["audit"]
    assert [(a["action"], a["detail"], a["actor"]) for a in audit] == [
        ("consent.withdrawn", "location", f"user:{user_id}"),
        ("consent.granted", "location", f"user:{user_id}"),
    ]
    assert all(a["at"].startswith("2026-11-01T09:00") for a in audit)
    shown = people.client.get("/v1/privacy/consents", headers=ming).json()["consents"]
    location = next(c for c in shown if c["purpose"] == "location")
    assert location["granted"] is True and location["changed_at"] is not None


def test_the_privacy_audit_cannot_be_rewritten(people: People) -> None:
    ming = people.sign_up("xiaoming", "13800000001", "小明")
    people.client.put("/v1/privacy/consents/location", json={"granted": False}, headers=ming)
    for statement in ("UPDATE privacy_audit SET detail = 'x'", "DELETE FROM privacy_audit"):
        with pytest.raises(Exception, match="append-only"), people.services.db.write() as conn:
            conn.execute(text(statement))
    assert len(people.client.get("/v1/privacy/audit", headers=ming).json()["audit"]) == 1


def test_unknown_purpose_and_bad_body_are_clear_problems(people: People) -> None:
    ming = people.sign_up("xiaoming", "13800000001", "小明")
    unknown = people.client.put("/v1/privacy/consents/telepathy", json={"granted": True},
                                headers=ming)  # fmt: skip
    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert "telepathy" in unknown.json()["detail"]
    vague = people.client.put("/v1/privacy/consents/location", json={"granted": "yes"},
                              headers=ming)  # fmt: skip
    assert vague.status_code == 422
    assert people.client.get("/v1/privacy/audit", headers=ming).json()["audit"] == []


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(choices=st.lists(st.tuples(st.sampled_from(list(PURPOSES)), st.booleans()), max_size=8))
def test_allowed_is_the_last_choice_or_the_default(
    people: People, choices: list[tuple[str, bool]]
) -> None:
    services = people.services
    user = services.identity.register(f"prop{next(_users)}", PASSWORD)
    for index, (purpose, granted) in enumerate(choices):
        set_consent(services.db, user.id, purpose, granted, actor="test", at=index)
    last = {purpose: granted for purpose, granted in choices}
    for purpose, spec in PURPOSES.items():
        assert allowed(services.db, user.id, purpose) is last.get(purpose, spec.default)
    assert {v.purpose.id: v.granted for v in consents(services.db, user.id)} == {
        purpose: last.get(purpose, spec.default) for purpose, spec in PURPOSES.items()
    }
    with services.db.read() as conn:
        assert len(trail(conn, user.id)) == len(choices)


# -- export -------------------------------------------------------------------------------


def test_export_holds_my_data_and_nothing_of_anyone_else(people: People) -> None:
    ming = people.sign_up("xiaoming", "13800000001", "小明")
    people.sign_up("mum", "13800000002", "妈妈")
    wang = people.sign_up("laowang", "13800000003", "老王")
    li = people.sign_up("xiaoli", "13800000004", "小李")
    people.fund(ming, "300.00")
    people.fund(wang, "900.00")
    sent = people.pay(ming, "mum", "120.00")
    assert sent.status_code == 201, sent.text
    theirs = people.pay(wang, "xiaoli", "77.00")
    assert theirs.status_code == 201, theirs.text
    people.client.post("/v1/contacts", json={"name": "妈妈", "username": "mum"}, headers=ming)
    people.client.put("/v1/privacy/consents/marketing", json={"granted": True}, headers=ming)

    answer = people.client.get("/v1/privacy/export", headers=ming)
    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith("attachment;")
    document = json.loads(answer.content)
    assert document["profile"]["username"] == "xiaoming"
    assert document["profile"]["email"] == "xiaoming@example.com"
    wallet = next(a for a in document["accounts"] if a["kind"] == "wallet")
    assert wallet["balance"] == "180.00"
    moves = sorted(e["amount"] for e in wallet["entries"])
    assert moves == ["-120.00", "300.00"]
    assert sent.json()["transfer"]["id"] in {e["transfer_id"] for e in wallet["entries"]}
    assert [c["name"] for c in document["contacts"]] == ["妈妈"]
    assert {c["purpose"]: c["granted"] for c in document["consents"]}["marketing"] is True
    assert [a["action"] for a in document["privacy_audit"]] == ["consent.granted"]
    audit = people.client.get("/v1/privacy/audit", headers=ming).json()["audit"]
    assert [a["action"] for a in audit] == ["consent.granted", "data.exported"]
    assert document["login_history"] and document["notifications"]
    # Stored in both languages, so exported in both, whichever the user reads.
    told = next(n for n in document["notifications"] if n["category"] == "payment")
    assert (told["title"], told["body"]) == (
        {"zh": "已向妈妈转账 ¥120.00", "en": "Sent ¥120.00 to 妈妈"},
        {"zh": "您已向妈妈转账¥120.00。", "en": "You sent ¥120.00 to 妈妈."},
    )
    for section in ("cards", "biller_accounts", "bills", "schedules"):
        assert document[section] == []
    flat = answer.text
    for stranger in (people.me(wang), people.me(li)):
        assert stranger["id"] not in flat and stranger["username"] not in flat
    assert theirs.json()["transfer"]["id"] not in flat and "77.00" not in flat


def test_export_needs_a_login(people: People) -> None:
    assert people.client.get("/v1/privacy/export").status_code == 401


# -- deletion -----------------------------------------------------------------------------


def delete_me(people: People, headers: dict[str, str], password: str = PASSWORD) -> Any:
    return people.client.request("DELETE", "/v1/me", json={"password": password},
                                 headers=headers)  # fmt: skip


def test_deletion_is_refused_while_money_is_left(people: People) -> None:
    ming = people.sign_up("xiaoming", "13800000001", "小明")
    people.fund(ming, "50.00")
    refused = delete_me(people, ming)
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"].endswith("invalid-state")
    assert "Withdraw" in problem["detail"] and "50.00" in problem["detail"]
    assert people.me(ming)["display_name"] == "小明"
    people.login("xiaoming")


def test_deletion_needs_the_password(people: People) -> None:
    ming = people.sign_up("xiaoming", "13800000001", "小明")
    wrong = delete_me(people, ming, "not my password")
    assert wrong.status_code == 403 and wrong.json()["field"] == "password"
    assert people.me(ming)["phone"] == "13800000001"


def test_deletion_at_zero_erases_the_person_and_keeps_the_books(
    people: People, admin: dict[str, str]
) -> None:
    ming = people.sign_up("xiaoming", "13800000001", "小明")
    people.sign_up("mum", "13800000002", "妈妈")
    people.fund(ming, "100.00")
    assert people.pay(ming, "mum", "100.00").status_code == 201
    people.client.post("/v1/contacts", json={"name": "妈妈", "username": "mum"}, headers=ming)
    people.client.patch("/v1/me/preferences", json={"elder_mode": True}, headers=ming)
    user_id = people.me(ming)["id"]
    wallet_id = people.wallet(ming)["id"]

    assert delete_me(people, ming).status_code == 204

    assert people.client.get("/v1/me", headers=ming).status_code == 401
    refused = people.client.post("/v1/auth/login",
                                 json={"username": "xiaoming", "password": PASSWORD})  # fmt: skip
    assert refused.status_code == 401
    erased = people.services.identity.user(user_id)
    assert erased.username.startswith("deleted-") and erased.phone is None
    assert erased.email is None and "小明" not in erased.display_name
    assert people.services.identity.find_user(username="mum")
    # The phone number is free again, and the journal still has the money's history.
    people.sign_up("newcomer", "13800000001", "新人")
    history = people.client.get(f"/v1/ledger/accounts/{wallet_id}/history", headers=admin)
    assert len(history.json()["entries"]) == 2
    assert people.client.get("/v1/ledger/verify", headers=admin).json()["ok"]
    with people.services.db.read() as conn:
        assert [e.action for e in trail(conn, user_id)][-1] == "account.erased"
    assert list_contacts(people.services.db, user_id) == []
    logins = people.services.identity.recent_logins(user_id)
    assert logins and all(x["ip"] is None and x["device_id"] is None for x in logins)
    assert preferences(people.services.db, user_id).elder_mode is False
    with people.services.db.read() as conn:
        assert inbox(conn, user_id, "zh")["notifications"] == [], "the payment notices went too"


def test_deletion_ends_guardianships_and_tells_every_capability(people: People) -> None:
    mum = people.sign_up("mum", "13800000002", "妈妈")
    ming = people.sign_up("xiaoming", "13800000001", "小明")
    body = {"username": "xiaoming", "approval_limit": "100.00"}
    link = people.client.post("/v1/family/guardians", json=body, headers=mum).json()
    people.client.post(f"/v1/family/invitations/{link['id']}/accept", headers=ming)
    forgotten: list[str] = []
    people.services.on_erase.append(forgotten.append)
    mum_id = people.me(mum)["id"]

    assert delete_me(people, mum).status_code == 204

    assert forgotten == [mum_id]
    assert people.client.get("/v1/family/wards", headers=ming).json() == {"wards": []}
    assert people.client.get(f"/v1/family/wards/{mum_id}", headers=ming).status_code == 403


def test_withdrawing_a_consent_tells_the_capability_that_uses_the_data(people: People) -> None:
    ming = people.sign_up("xiaoming", "13800000001", "小明")
    told: list[tuple[str, str]] = []
    people.services.on_consent_withdrawn.append(lambda user, purpose: told.append((user, purpose)))
    for granted in (True, False):
        people.client.put("/v1/privacy/consents/assistant_history", json={"granted": granted},
                          headers=ming)  # fmt: skip
    assert told == [(people.me(ming)["id"], "assistant_history")]
