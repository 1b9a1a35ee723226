"""Step-up at login: a right password the risk check doubts gets a one-time code, not a
session; the code from the phone finishes the login, wrong or late codes do not."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from fastapi.testclient import TestClient
from holdkit import PASSWORD, REASON, inbox, person, services_of

from anxin.core.clock import ManualClock
from anxin.identity.service import LoginAttempt, LoginVerdict
from anxin.risk.engine import RiskEngine
from anxin.risk.features import FeatureState
from anxin.risk.model import load_model
from anxin.risk.rules import shipped_rules
from smskit import texted_code


def doubt(client: TestClient, decision: str = "challenge") -> None:
    """From now on every login's risk verdict is `decision`, whatever the engine would say."""

    def verdict(_attempt: LoginAttempt) -> LoginVerdict:
        return LoginVerdict(decision, (REASON,))

    services_of(client).identity.on_login.append(verdict)


def _login(client: TestClient, username: str) -> Any:
    return client.post("/v1/auth/login", json={"username": username, "password": PASSWORD},
                       headers={"X-Device-Id": "new-phone"})  # fmt: skip


def _verify(client: TestClient, challenge_id: str, code: str) -> Any:
    return client.post("/v1/auth/login/verify", json={"challenge_id": challenge_id, "code": code})


def _wrong(code: str) -> str:
    return "123456" if code != "123456" else "654321"


def test_the_texted_code_finishes_a_doubted_login(client: TestClient) -> None:
    person(client, "alice")
    doubt(client)
    stepped = _login(client, "alice")
    assert stepped.status_code == 401, stepped.text
    body = stepped.json()
    assert body["type"] == "urn:anxin:problem:step-up-required"
    assert body["reasons"] == [REASON] and "token" not in body
    code = texted_code(client)

    wrong = _verify(client, body["challenge_id"], _wrong(code))
    assert wrong.status_code == 422 and "2 tries left" in wrong.json()["detail"]
    done = _verify(client, body["challenge_id"], code)
    assert done.status_code == 200, done.text
    me = {"Authorization": f"Bearer {done.json()['token']}"}
    assert client.get("/v1/me", headers=me).json()["username"] == "alice"
    again = _verify(client, body["challenge_id"], code)
    assert again.status_code == 409 and "already used" in again.json()["detail"]

    history = client.get("/v1/me/logins", headers=me).json()["logins"]
    assert [x["outcome"] for x in history[:3]] == ["ok", "bad_code", "challenged"]
    assert all(x["device_id"] == "new-phone" for x in history[:3])
    # The code is never in the in-app inbox a stolen session could read.
    assert not any(code in n["title"] + n["body"] for n in inbox(client, me))


def test_three_wrong_codes_or_a_late_one_end_the_login(
    client: TestClient, clock: ManualClock
) -> None:
    person(client, "bob")
    doubt(client, "review")  # nobody can review a login in time: it steps up too
    challenge_id = _login(client, "bob").json()["challenge_id"]
    code = texted_code(client)
    answers = [_verify(client, challenge_id, _wrong(code)) for _ in range(3)]
    assert [a.status_code for a in answers] == [422, 422, 409]
    assert "log in again" in answers[2].json()["detail"]
    assert _verify(client, challenge_id, code).status_code == 409

    late = _login(client, "bob").json()["challenge_id"]
    late_code = texted_code(client)
    clock.advance(301)
    expired = _verify(client, late, late_code)
    assert expired.status_code == 409 and "expired" in expired.json()["detail"]


def test_without_a_phone_or_email_the_login_goes_through(
    client: TestClient,
) -> None:
    body = {"username": "carol", "password": PASSWORD, "display_name": "carol"}
    assert client.post("/v1/users", json=body).status_code == 201
    doubt(client)
    logged_in = _login(client, "carol")
    assert logged_in.status_code == 200, logged_in.text
    me = {"Authorization": f"Bearer {logged_in.json()['token']}"}
    latest = client.get("/v1/me/logins", headers=me).json()["logins"][0]
    assert latest["outcome"] == "ok" and latest["risk"] == "challenge"


def test_a_block_still_refuses_and_parallel_guesses_each_cost_a_try(client: TestClient) -> None:
    person(client, "dave")
    doubt(client)
    challenge_id = _login(client, "dave").json()["challenge_id"]
    code = texted_code(client)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(
            lambda guess: _verify(client, challenge_id, guess).status_code, [_wrong(code)] * 4
        ))  # fmt: skip
    assert sorted(answers) == [409, 409, 422, 422]  # three tries spent, the fourth had none
    assert _verify(client, challenge_id, code).status_code == 409

    doubt(client, "block")
    refused = _login(client, "dave")
    assert refused.status_code == 403
    assert refused.json()["type"] == "urn:anxin:problem:login-refused"


def test_a_login_the_model_alone_would_refuse_is_refused_when_no_code_can_be_sent(
    client: TestClient,
) -> None:
    services = services_of(client)
    assert services.risk is not None
    rules, model = shipped_rules(), load_model()
    certain = replace(model, weights=(0.0,) * len(model.weights), offset=20.0)
    services.risk.engine = RiskEngine(rules, certain, state=FeatureState())
    for name, phone in (("reachable", {"phone": "13900001111"}), ("unreachable", {})):
        body = {"username": name, "password": PASSWORD, **phone}
        assert client.post("/v1/users", json=body).status_code == 201  # sign-ups: rules alone

    stepped = _login(client, "reachable")
    assert stepped.status_code == 401, "capped at review: the code proves the owner"
    refused = _login(client, "unreachable")
    assert refused.status_code == 403 and refused.json()["type"].endswith("login-refused")
