"""The live risk engine through HTTP: attack patterns held with their reasons, travellers
left alone, the analyst review queue, login checks and history, the decision log, labels."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from holdkit import force, fund, inbox, login, pay, person, services_of, wallet

from anxin.api.services import Services
from anxin.core.clock import ManualClock, to_micros
from anxin.privacy.consents import set_consent
from anxin.risk.lists import add_entry
from anxin.risk.log import verify_log
from anxin.risk.model import train
from anxin.risk.reviews import labelled_features
from anxin.risk.simulator import SimConfig, labelled, simulate
from conftest import make_settings

SHANGHAI, PARIS = (31.23, 121.47), (48.85, 2.35)


def habits(
    client: TestClient, clock: ManualClock, username: str, payee: str, device: str,
    days: int = 6, amount: str = "40.00",
) -> dict[str, str]:  # fmt: skip
    """A week of logins and small daily payments to one payee, from one phone, in Shanghai;
    returns the last session."""
    for _ in range(days):
        clock.advance(hours=20)
        me = login(client, username, device=device)
        paid = pay(client, me, payee, amount, device=device, where=SHANGHAI)
        assert paid.status_code == 201, paid.text
    return me


def reason_codes(response: Any) -> list[str]:
    return [r["code"] for r in response.json()["hold"]["reasons"]]


def test_account_takeover_new_device_then_transfer_to_a_new_payee_is_held_or_blocked(
    client: TestClient, admin: dict[str, str], clock: ManualClock
) -> None:
    victim = person(client, "victim", device="victim-phone")
    person(client, "grocer")
    person(client, "mule")
    fund(client, admin, victim, "20000.00")
    habits(client, clock, "victim", "grocer", "victim-phone", amount="900.00")
    clock.advance(hours=5)
    thief = login(client, "victim", device="thief-phone")
    clock.advance(minutes=4)
    held = pay(client, thief, "mule", "1000.00", device="thief-phone")
    assert held.status_code == 202, held.text
    hold = held.json()["hold"]
    assert hold["kind"] == "review"
    ato = next(r for r in hold["reasons"] if r["code"] == "NEW_DEVICE_NEW_PAYEE")
    assert ato["zh"] == "新设备首次登录后30分钟内向新收款人转账¥1,000"
    assert ato["en"] == (
        "Transfer of ¥1,000 to a new payee within 30 minutes of a first login from a new device"
    )
    assert wallet(client, thief)["available_balance"] == "13600.00"  # 20000 - 5400 - 1000 held
    blocked = pay(client, thief, "mule", "8000.00", device="thief-phone")  # far above habit
    assert blocked.status_code == 403 and blocked.json()["decision"] == "block"
    assert "NEW_DEVICE_NEW_PAYEE" in [r["code"] for r in blocked.json()["explained"]]
    devices = client.get("/v1/me/devices", headers=thief).json()["devices"]
    assert {d["device_id"] for d in devices} == {"victim-phone", "thief-phone"}


def test_a_traveller_with_a_known_device_paying_a_known_payee_abroad_is_not_blocked(
    client: TestClient, admin: dict[str, str], clock: ManualClock
) -> None:
    me = person(client, "traveller", device="my-phone")
    person(client, "mum")
    fund(client, admin, me, "5000.00")
    habits(client, clock, "traveller", "mum", "my-phone")
    clock.advance(hours=14)  # a flight to Paris
    me = login(client, "traveller", device="my-phone")
    abroad = pay(client, me, "mum", "300.00", device="my-phone", where=PARIS)
    assert abroad.status_code == 201, abroad.text


def test_impossible_travel_is_challenged_and_location_consent_really_gates_it(
    client: TestClient, admin: dict[str, str], clock: ManualClock
) -> None:
    reasons: dict[str, list[str]] = {}
    for name in ("consents", "declines"):
        me = person(client, name, device=f"{name}-phone")
        person(client, f"{name}-mum")
        fund(client, admin, me, "5000.00")
        me = habits(client, clock, name, f"{name}-mum", f"{name}-phone")
        if name == "declines":
            user_id = client.get("/v1/me", headers=me).json()["id"]
            set_consent(services_of(client).db, user_id, "location", False, actor="test",
                        at=to_micros(clock.now()))  # fmt: skip
        clock.advance(minutes=30)  # Shanghai to Paris in half an hour: not by plane
        paid = pay(client, me, f"{name}-mum", "40.00", device=f"{name}-phone", where=PARIS)
        reasons[name] = reason_codes(paid) if paid.status_code == 202 else []
    assert "IMPOSSIBLE_TRAVEL" in reasons["consents"]
    assert "IMPOSSIBLE_TRAVEL" not in reasons["declines"]


def test_the_review_queue_claim_and_resolve(client: TestClient, admin: dict[str, str]) -> None:
    payer, payee = person(client, "reviewed"), person(client, "receiver")
    fund(client, admin, payer, "1000.00")
    force(client, "review")
    first = pay(client, payer, "receiver", "100.00").json()["hold"]
    second = pay(client, payer, "receiver", "200.00").json()["hold"]
    queue = client.get("/v1/risk/reviews", headers=admin)
    assert queue.status_code == 200
    cases = {case["id"]: case for case in queue.json()["reviews"]}
    assert set(cases) == {first["id"], second["id"]}
    assert cases[first["id"]]["score"] == 0.9 and cases[first["id"]]["claimed_by"] is None
    assert client.get("/v1/risk/reviews").status_code == 401

    claim = client.post(f"/v1/risk/reviews/{first['id']}/claim", json={"analyst": "li.na"},
                        headers=admin)  # fmt: skip
    assert claim.status_code == 200 and claim.json()["claimed_by"] == "analyst:li.na"
    taken = client.post(f"/v1/risk/reviews/{first['id']}/claim", json={"analyst": "wang"},
                        headers=admin)  # fmt: skip
    assert taken.status_code == 409
    other = client.post(f"/v1/risk/reviews/{first['id']}/resolve",
                        json={"analyst": "wang", "label": "fraud"}, headers=admin)  # fmt: skip
    assert other.status_code == 409
    legit = client.post(f"/v1/risk/reviews/{first['id']}/resolve",
                        json={"analyst": "li.na", "label": "legit", "note": "called the payer"},
                        headers=admin)  # fmt: skip
    assert legit.status_code == 200, legit.text
    assert legit.json()["status"] == "approved"
    assert legit.json()["label"]["label"] == "legit"
    assert wallet(client, payee)["balance"] == "100.00"

    fraud = client.post(f"/v1/risk/reviews/{second['id']}/resolve",
                        json={"analyst": "wang", "label": "fraud", "note": "scam call"},
                        headers=admin)  # fmt: skip
    assert fraud.status_code == 200 and fraud.json()["status"] == "rejected"
    assert wallet(client, payer)["available_balance"] == "900.00"
    assert wallet(client, payee)["balance"] == "100.00"
    assert any("没有转出" in n["body"] for n in inbox(client, payer))
    done = client.get("/v1/risk/reviews?status=approved", headers=admin).json()["reviews"]
    assert [case["id"] for case in done] == [first["id"]]
    again = client.post(f"/v1/risk/reviews/{second['id']}/resolve",
                        json={"analyst": "wang", "label": "legit"}, headers=admin)  # fmt: skip
    assert again.status_code == 409


def test_labels_from_reviews_feed_training(
    client: TestClient, admin: dict[str, str], clock: ManualClock
) -> None:
    victim = person(client, "labelled", device="phone-a")
    person(client, "shop")
    person(client, "mule2")
    fund(client, admin, victim, "20000.00")
    habits(client, clock, "labelled", "shop", "phone-a", amount="900.00")
    clock.advance(hours=5)
    thief = login(client, "labelled", device="phone-b")
    clock.advance(minutes=4)
    hold = pay(client, thief, "mule2", "1000.00", device="phone-b").json()["hold"]
    resolved = client.post(f"/v1/risk/reviews/{hold['id']}/resolve",
                           json={"analyst": "li.na", "label": "fraud"}, headers=admin)  # fmt: skip
    assert resolved.status_code == 200, resolved.text
    rows = labelled_features(services_of(client).db)
    assert len(rows) == 1
    features, fraud = rows[0]
    assert fraud is True and features["device_age_min"] < 30 and features["new_payee"] is True
    events = list(labelled(simulate(SimConfig(seed=3, users=60, days=8, warmup_days=4,
                                              attacks=2))))  # fmt: skip
    base = train(iter(events), seed=3)
    more = train(iter(events), seed=3, extra=rows)
    assert more["events"] == base["events"] + 1 and more["frauds"] == base["frauds"] + 1
    assert more["analyst_labels"] == 1 and "analyst_labels" not in base
    assert more["version"] != base["version"]


def test_every_decision_is_logged_in_the_hash_chain(
    client: TestClient, admin: dict[str, str]
) -> None:
    payer = person(client, "logged", device="d1")
    person(client, "logged-payee")
    fund(client, admin, payer, "100.00")
    for _ in range(3):
        assert pay(client, payer, "logged-payee", "10.00").status_code == 201
    services = services_of(client)
    assert services.risk is not None
    services.risk.flush()
    with services.db.read() as conn:
        report = verify_log(conn)
    assert report.ok and report.rows == 7  # two sign-ups, two logins and three payments


def test_a_blocked_device_cannot_log_in_and_every_attempt_is_in_the_history(
    client: TestClient,
) -> None:
    services = services_of(client)
    add_entry(services.db, services.clock, "block", "device", "stolen-phone",
              actor="analyst:li.na", note="reported stolen")  # fmt: skip
    me = person(client, "careful", device="good-phone")
    bad = client.post("/v1/auth/login", json={"username": "careful", "password": "wrong pass"},
                      headers={"X-Device-Id": "good-phone"})  # fmt: skip
    assert bad.status_code == 401
    refused = client.post(
        "/v1/auth/login", json={"username": "careful", "password": "long enough password"},
        headers={"X-Device-Id": "stolen-phone", "User-Agent": "evil/1.0"},
    )  # fmt: skip
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:anxin:problem:login-refused"
    assert refused.json()["reasons"][0]["code"] == "BLOCKLIST_DEVICE"
    logins = client.get("/v1/me/logins", headers=me).json()["logins"]
    assert [(x["outcome"], x["device_id"]) for x in logins] == [
        ("blocked", "stolen-phone"), ("bad_password", "good-phone"), ("ok", "good-phone"),
    ]  # fmt: skip
    assert logins[0]["risk"] == "block" and logins[0]["user_agent"] == "evil/1.0"
    devices = client.get("/v1/me/devices", headers=me).json()["devices"]
    assert [d["device_id"] for d in devices] == ["good-phone"]  # only devices that got in


def test_the_engine_can_be_turned_off(
    database_url: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANXIN_RISK_ENGINE", "0")
    settings = make_settings(database_url, tmp_path)
    assert settings.risk_engine is False
    services = Services.build(settings)
    try:
        assert services.risk is None and services.identity.on_login == []
    finally:
        services.close()
