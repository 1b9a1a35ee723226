"""The security page: devices and logins, freezing the account and a card, step-up codes."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from guardkit import (
    challenge_everything,
    only_freezes,
    transfer_by_page,
    well_formed,
)
from webkit import PASSWORD, api_auth, browser, csrf_of, fund, post_form, sign_up, text_of, wallet

from cardkit import link_card
from smskit import texted_code


def test_devices_and_logins_are_listed(client: TestClient) -> None:
    sign_up(client, "xiaoming", "小明")
    phone = browser(client)
    phone.headers["User-Agent"] = "Mozilla/5.0 (iPhone) Safari/604.1"
    wrong = post_form(phone, "/login", "/login", {"username": "xiaoming", "password": "nope-nope"})
    assert wrong.status_code == 401
    post_form(phone, "/login", "/login", {"username": "xiaoming", "password": PASSWORD})
    page = client.get("/security")
    assert page.status_code == 200
    devices = page.text[page.text.index('id="devices"') : page.text.index('id="logins"')]
    assert client.cookies.get("anxin_device") in devices
    assert phone.cookies.get("anxin_device") in devices
    assert "testclient" in devices and "Mozilla/5.0 (iPhone) Safari/604.1" in devices
    assert devices.count("<tr>") == 3, "a header row and one row per device"
    logins = text_of(page.text[page.text.index('id="logins"') :])
    assert logins.count("成功") == 2 and logins.count("密码错误") == 1
    assert "2026-11-01 17:00" in logins, "shown on Beijing time"


def test_a_frozen_account_cannot_pay_until_unfrozen_with_the_password(
    client: TestClient,
) -> None:
    sign_up(browser(client), "mama", "妈妈")
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "1000.00")
    only_freezes(client)
    frozen = post_form(client, "/security", "/security/freeze", {"reason": "手机丢了"})
    assert frozen.status_code == 303
    page = text_of(client.get("/security").text)
    assert "您的账户已于 2026-11-01 17:00 冻结（原因：手机丢了）" in page
    refused = transfer_by_page(client, "mama", "100")
    assert refused.status_code == 403
    assert "账户已冻结，暂时不能付款" in text_of(refused.text)
    assert wallet(client, "mama")["balance"] == "0.00"

    wrong = post_form(client, "/security", "/security/unfreeze",
                      {"password": "not my password", "reason": "找到手机了"})  # fmt: skip
    assert wrong.status_code == 401
    assert 'aria-describedby="f-password-error"' in wrong.text
    assert "密码不对，请重新输入" in text_of(wrong.text)
    assert 'value="找到手机了"' in wrong.text, "the reason typed is kept"
    assert "冻结（原因：手机丢了）" in text_of(wrong.text), "still frozen"

    thawed = post_form(client, "/security", "/security/unfreeze",
                       {"password": PASSWORD, "reason": "找到手机了"})  # fmt: skip
    assert thawed.status_code == 303
    assert "您的账户正常" in text_of(client.get("/security").text)
    paid = transfer_by_page(client, "mama", "100")
    assert paid.status_code == 303
    assert wallet(client, "mama")["balance"] == "100.00"
    history = text_of(client.get("/security").text.split('id="history"')[1])
    assert "冻结账户" in history and "解冻账户" in history and "手机丢了" in history


def test_freezing_twice_is_explained_not_an_error_page(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    post_form(client, "/security", "/security/freeze", {"reason": ""})
    again = client.post("/security/freeze", data={"csrf": csrf_of(client.get("/").text)})
    assert again.status_code == 409
    assert "账户的冻结状态已经变了" in text_of(again.text)
    assert "本人在安全页面操作" in text_of(again.text), "a blank reason gets a plain default"


def test_a_card_can_be_frozen_and_unfrozen(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    auth = api_auth(client, "xiaoming")
    card = link_card(client, auth)
    page = client.get("/security")
    assert "尾号 0062 的银行卡" in text_of(page.text)
    frozen = post_form(client, "/security", f"/security/cards/{card}/freeze", {})
    assert frozen.status_code == 303
    assert "已冻结（不能充值或提现）" in text_of(client.get("/security").text)
    topup = {"card_id": card, "amount": "50.00", "currency": "CNY"}
    refused = client.post("/v1/wallet/topups", json=topup,
                          headers={**auth, "Idempotency-Key": "web-card-1"})  # fmt: skip
    assert refused.status_code == 403 and refused.json()["field"] == "card_id"
    wrong = post_form(client, "/security", f"/security/cards/{card}/unfreeze",
                      {"password": "not my password"})  # fmt: skip
    assert wrong.status_code == 401 and "已冻结（不能充值或提现）" in text_of(wrong.text)
    assert "密码不对，请重新输入。" in text_of(wrong.text)
    post_form(client, "/security", f"/security/cards/{card}/unfreeze", {"password": PASSWORD})
    assert "已冻结（不能充值或提现）" not in text_of(client.get("/security").text)
    allowed = client.post("/v1/wallet/topups", json=topup,
                          headers={**auth, "Idempotency-Key": "web-card-2"})  # fmt: skip
    assert allowed.status_code in (201, 202), allowed.text
    other = browser(client)
    sign_up(other, "laowang")
    stranger = post_form(other, "/security", f"/security/cards/{card}/freeze", {})
    assert stranger.status_code == 404 and "找不到这张银行卡" in text_of(stranger.text)


def test_a_challenged_transfer_is_paid_with_the_texted_code_from_the_security_page(
    client: TestClient,
) -> None:
    sign_up(browser(client), "mama", "妈妈")
    sign_up(client, "xiaoming", "小明", phone="13800138000")
    fund(client, "xiaoming", "1000.00")
    challenge_everything(client)
    held = transfer_by_page(client, "mama", "300")
    done = client.get(held.headers["location"])
    assert 'name="code"' in done.text, "the transfer lands on the code form"
    page = client.get("/security")
    waiting = text_of(page.text[page.text.index('id="waiting"') : page.text.index('id="cards"')])
    assert "¥300.00 转给 妈妈" in waiting and "第一次给这个人转账" in waiting
    assert "2026-11-01 17:05" in waiting, "the expiry, on Beijing time"
    verify = re.search(r'action="(/security/holds/[^"]+/verify)"', page.text)
    assert verify is not None
    code = texted_code(client)
    not_it = "111111" if code == "000000" else "000000"
    wrong = client.post(verify.group(1), data={"csrf": csrf_of(page.text), "code": not_it})
    assert wrong.status_code == 422
    assert "验证码不对" in text_of(wrong.text) and 'aria-invalid="true"' in wrong.text
    assert wallet(client, "mama")["balance"] == "0.00"
    right = client.post(verify.group(1), data={"csrf": csrf_of(page.text), "code": code})
    assert right.status_code == 200 and "转账成功" in text_of(right.text)
    assert wallet(client, "mama")["balance"] == "300.00"
    assert "没有等待处理的付款" in text_of(client.get("/security").text)


def test_a_waiting_payment_can_be_cancelled_from_the_security_page(client: TestClient) -> None:
    sign_up(browser(client), "mama", "妈妈")
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "1000.00")
    challenge_everything(client)
    transfer_by_page(client, "mama", "300")
    assert wallet(client, "xiaoming")["available_balance"] == "700.00"
    page = client.get("/security")
    cancel = re.search(r'action="(/security/holds/[^"]+/cancel)"', page.text)
    assert cancel is not None
    client.post(cancel.group(1), data={"csrf": csrf_of(page.text)})
    assert wallet(client, "xiaoming")["available_balance"] == "1000.00"
    again = client.post(cancel.group(1), data={"csrf": csrf_of(page.text)})
    assert again.status_code == 409 and "已经处理过了" in text_of(again.text)


@pytest.mark.parametrize(("lang", "elder"), [("zh", "0"), ("en", "0"), ("zh", "1"), ("en", "1")])
def test_the_security_page_in_each_language_and_mode(
    client: TestClient, lang: str, elder: str
) -> None:
    sign_up(client, "xiaoming")
    link_card(client, api_auth(client, "xiaoming"))
    post_form(client, "/", "/settings/language", {"lang": lang, "next": "/"})
    post_form(client, "/", "/settings/elder", {"elder": elder, "next": "/"})
    post_form(client, "/security", "/security/freeze", {"reason": "test"})
    page = client.get("/security")
    assert page.status_code == 200
    well_formed(page.text)
    shown = text_of(page.text)
    assert ("Security" if lang == "en" else "账户安全") in shown
    assert ("Unfreeze my account" if lang == "en" else "解冻账户") in shown
    assert ("Card ending 0062" if lang == "en" else "尾号 0062 的银行卡") in shown
    assert ('id="history"' in page.text) == (elder == "0"), "elder mode keeps to the essentials"
