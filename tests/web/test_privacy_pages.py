"""The privacy centre: consent switches that gate data use, the audit, export, deletion."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from guardkit import only_freezes, services_of, well_formed
from webkit import (
    PASSWORD,
    api_auth,
    browser,
    fund,
    pay_by_api,
    post_form,
    sign_up,
    text_of,
)

from anxin.privacy.consents import PURPOSES, allowed


def _user_id(client: TestClient, username: str) -> str:
    return str(services_of(client).identity.find_user(username=username).id)


def test_every_consent_is_a_switch_that_works_without_javascript(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    page = client.get("/privacy").text
    switches = re.findall(r'<input type="checkbox" role="switch" id="switch-([a-z_]+)"[^>]*>', page)
    assert switches == list(PURPOSES)
    marketing = 'id="switch-marketing" name="granted" value="1" aria-describedby="off-marketing"'
    assert marketing + ">" in page, "marketing is off until switched on"
    shown = text_of(page)
    assert "消费分析" in shown and "不再根据您的历史交易生成消费分类和首页推荐" in shown

    me = _user_id(client, "xiaoming")
    db = services_of(client).db
    off = post_form(client, "/privacy", "/privacy/consents/spending_analysis", {})
    assert off.status_code == 303
    assert allowed(db, me, "spending_analysis") is False
    post_form(client, "/privacy", "/privacy/consents/marketing", {"granted": "1"})
    assert allowed(db, me, "marketing") is True
    again = post_form(client, "/privacy", "/privacy/consents/marketing", {"granted": "1"})
    assert again.status_code == 303
    page = client.get(again.headers["location"]).text
    assert marketing + " checked>" in page
    assert "已保存" in text_of(page)
    audit = text_of(page[page.index('id="audit-h"') :])
    assert "关闭了“消费分析”" in audit and "开启了“营销推送”" in audit
    assert audit.count("开启了“营销推送”") == 1, "saving an unchanged switch records nothing"
    unknown = post_form(client, "/privacy", "/privacy/consents/telepathy", {"granted": "1"})
    assert unknown.status_code == 404


def test_switching_off_assistant_history_stops_what_it_says(client: TestClient) -> None:
    """Withdrawing runs the same hooks as the API (the assistant forgets its transcripts)."""
    sign_up(client, "xiaoming")
    stopped: list[tuple[str, str]] = []
    services_of(client).on_consent_withdrawn.append(lambda u, p: stopped.append((u, p)))
    post_form(client, "/privacy", "/privacy/consents/assistant_history", {})
    assert stopped == [(_user_id(client, "xiaoming"), "assistant_history")]


def test_download_my_data_is_a_json_file_with_my_transactions(client: TestClient) -> None:
    sign_up(browser(client), "mama", "妈妈")
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "100.00")
    pay_by_api(client, api_auth(client, "xiaoming"), "mama", "12.34")
    page = client.get("/privacy").text
    assert 'href="/privacy/export" download' in page
    got = client.get("/privacy/export")
    assert got.status_code == 200
    assert got.headers["content-type"].startswith("application/json")
    assert got.headers["content-disposition"].startswith('attachment; filename="anxin-export-')
    document = json.loads(got.text)
    assert document["profile"]["username"] == "xiaoming"
    amounts = [e["amount"] for a in document["accounts"] for e in a["entries"]]
    assert "-12.34" in amounts and "100.00" in amounts
    assert "下载了全部数据" in text_of(client.get("/privacy").text)


def test_delete_is_refused_while_money_is_left_and_works_at_zero(client: TestClient) -> None:
    sign_up(browser(client), "mama", "妈妈")
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "30.00")
    only_freezes(client)
    refused = post_form(client, "/privacy", "/privacy/delete", {"password": PASSWORD})
    assert refused.status_code == 409
    shown = text_of(refused.text)
    assert "账户里还有钱或在途的付款，暂时不能删除" in shown and "wallet CNY 30.00" in shown
    wrong = post_form(client, "/privacy", "/privacy/delete", {"password": "not it at all"})
    assert wrong.status_code == 403
    assert 'aria-describedby="f-password-error"' in wrong.text and "密码不对" in text_of(wrong.text)

    pay_by_api(client, api_auth(client, "xiaoming"), "mama", "30.00")
    deleted = post_form(client, "/privacy", "/privacy/delete", {"password": PASSWORD})
    assert deleted.status_code == 303 and deleted.headers["location"] == "/login?deleted=1"
    assert 'anxin_session=""' in deleted.headers["set-cookie"]
    login = client.get("/login?deleted=1")
    assert "您的账户已删除" in text_of(login.text)
    assert client.get("/", follow_redirects=False).status_code == 303
    back = post_form(client, "/login", "/login", {"username": "xiaoming", "password": PASSWORD})
    assert back.status_code == 401, "the account is gone"


@pytest.mark.parametrize(("lang", "elder"), [("zh", "0"), ("en", "0"), ("zh", "1"), ("en", "1")])
def test_the_privacy_centre_in_each_language_and_mode(
    client: TestClient, lang: str, elder: str
) -> None:
    sign_up(client, "xiaoming")
    post_form(client, "/", "/settings/language", {"lang": lang, "next": "/"})
    post_form(client, "/", "/settings/elder", {"elder": elder, "next": "/"})
    post_form(client, "/privacy", "/privacy/consents/location", {})
    page = client.get("/privacy")
    assert page.status_code == 200
    well_formed(page.text)
    shown = text_of(page.text)
    if lang == "en":
        assert "Privacy centre" in shown and "Spending analysis" in shown
        assert 'Switched "Location" off' in shown and "Delete my account for good" in shown
    else:
        assert "隐私中心" in shown and "关闭了“位置信息”" in shown and "永久删除我的账户" in shown


def test_the_settings_page_explains_both_switches_and_leads_to_the_account_pages(
    client: TestClient,
) -> None:
    sign_up(client, "xiaoming")
    page = client.get("/settings")
    well_formed(page.text)
    assert "大字版把文字放大到 24 像素" in text_of(page.text)
    assert page.text.count('class="big-action"') == 0
    on = post_form(client, "/settings", "/settings/elder", {"elder": "1", "next": "/settings"})
    assert on.headers["location"] == "/settings"
    elder = client.get("/settings").text
    well_formed(elder)
    assert elder.count('class="big-action"') == 3
    assert "现在：大字版已开启" in text_of(elder)
    post_form(client, "/settings", "/settings/language", {"lang": "en", "next": "/settings"})
    english = client.get("/settings").text
    well_formed(english)
    assert "Back to standard mode" in english
    assert re.search(r'aria-pressed="true"[^>]*>English<', english)
    assert re.search(r'aria-pressed="false"[^>]*>中文<', english)
