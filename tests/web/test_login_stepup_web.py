"""Logging in through the page when the risk check doubts it: a second page asks for the code
sent by SMS, and only the right code signs the browser in."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from webkit import PASSWORD, browser, csrf_of, post_form, sign_up, text_of

from anxin.identity.service import Application, LoginAttempt, LoginVerdict, SignUpVerdict
from smskit import texted_code

# The pages read what the API tests already check on both databases; once is enough here.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


REASON = {"code": "TEST_REASON", "zh": "陌生设备", "en": "An unfamiliar device"}


def _doubt_every_login(client: TestClient) -> None:
    def challenge(_attempt: LoginAttempt) -> LoginVerdict:
        return LoginVerdict("challenge", (REASON,))

    client.app.state.services.identity.on_login.append(challenge)  # type: ignore[attr-defined]


def _log_in(other: TestClient) -> str:
    answer = post_form(other, "/login", "/login",
                       {"username": "xiaoming", "password": PASSWORD, "next": "/"})  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.text


def test_the_code_page_signs_the_browser_in_only_with_the_right_code(client: TestClient) -> None:
    assert sign_up(client, "xiaoming", "小明").status_code == 303
    _doubt_every_login(client)
    other = browser(client)
    page = _log_in(other)
    shown = text_of(page)
    assert "请输入验证码" in shown and "陌生设备" in shown
    assert other.get("/", follow_redirects=False).status_code == 303, "not signed in yet"
    challenge_id = re.search(r'name="challenge_id" value="([^"]+)"', page)
    assert challenge_id is not None
    form = {"csrf": csrf_of(page), "challenge_id": challenge_id.group(1), "next": "/"}

    code = texted_code(client)
    wrong = other.post("/login/code", data={**form, "code": "000000" if code != "000000"
                                            else "111111"})  # fmt: skip
    assert wrong.status_code == 422 and "验证码不对" in text_of(wrong.text)
    right = other.post("/login/code", data={**form, "code": code}, follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == "/"
    assert other.get("/", follow_redirects=False).status_code == 200

    again = {"challenge_id": form["challenge_id"], "next": "/", "code": code}
    spent = post_form(browser(client), "/login", "/login/code", again)
    assert spent.status_code == 409 and "请重新登录" in text_of(spent.text), "a used code"


def _doubt_every_sign_up(client: TestClient, decision: str) -> None:
    def doubt(_application: Application) -> SignUpVerdict:
        return SignUpVerdict(decision, (REASON,))

    client.app.state.services.identity.on_apply.append(doubt)  # type: ignore[attr-defined]


def _sign_up_form(username: str, phone: str | None) -> dict[str, str]:
    return {"username": username, "display_name": username, "phone": phone or "",
            "password": PASSWORD, "password_again": PASSWORD}  # fmt: skip


def test_a_doubted_sign_up_asks_for_the_texted_code_and_the_code_opens_and_signs_in(
    client: TestClient,
) -> None:
    _doubt_every_sign_up(client, "challenge")
    page = post_form(client, "/signup", "/signup", _sign_up_form("xiaohong", "13912345678"))
    assert 'name="signing_up" value="1"' in page.text
    shown = text_of(page.text)
    assert page.status_code == 200 and "开通还需要一步" in shown and "陌生设备" in shown
    assert client.get("/", follow_redirects=False).status_code == 303, "not signed in yet"
    challenge_id = re.search(r'name="challenge_id" value="([^"]+)"', page.text)
    assert challenge_id is not None
    form = {"csrf": csrf_of(page.text), "challenge_id": challenge_id.group(1), "next": "/",
            "signing_up": "1"}  # fmt: skip
    code = texted_code(client)
    wrong = client.post("/login/code", data={**form, "code": "000000" if code != "000000"
                                             else "111111"})  # fmt: skip
    assert wrong.status_code == 422 and "开通还需要一步" in text_of(wrong.text)
    right = client.post("/login/code", data={**form, "code": code}, follow_redirects=False)
    assert right.status_code == 303 and client.get("/").status_code == 200


def test_a_refused_or_unreachable_sign_up_says_why_on_the_form(client: TestClient) -> None:
    _doubt_every_sign_up(client, "challenge")
    nowhere = post_form(client, "/signup", "/signup", _sign_up_form("xiaohong", None))
    assert nowhere.status_code == 422 and "请填写手机号，我们会发送验证码" in text_of(nowhere.text)
    _doubt_every_sign_up(client, "block")
    refused = post_form(client, "/signup", "/signup", _sign_up_form("xiaohong", "13912345678"))
    shown = text_of(refused.text)
    assert refused.status_code == 403 and "这次注册看起来不安全" in shown and "陌生设备" in shown
