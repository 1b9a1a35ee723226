"""The web pages through a browser-like TestClient (cookies, forms), on both databases."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from webkit import (
    PASSWORD,
    api_auth,
    big_actions,
    browser,
    csrf_of,
    fund,
    idempotency_key_of,
    pay_by_api,
    post_form,
    sign_up,
    text_of,
    wallet,
    without_risk_checks,
)

from anxin.payments.risk_hook import PaymentEvent, RiskVerdict
from smskit import texted_code

PAGES = ("/", "/transfer", "/transactions", "/notifications")


def test_sign_up_lands_on_home_with_the_balance(client: TestClient) -> None:
    signed = sign_up(client, "xiaoming", "小明")
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    cookie = signed.headers["set-cookie"]
    assert "anxin_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    fund(client, "xiaoming", "1234.50")
    home = text_of(client.get("/").text)
    assert "您好，小明" in home
    assert "¥1,234.50" in home


def test_cookies_are_secure_whenever_the_page_came_over_https(client: TestClient) -> None:
    plain = sign_up(client, "plain.http")
    assert "secure" not in plain.headers["set-cookie"].lower(), "the http demo must still work"
    tls = TestClient(client.app, base_url="https://testserver")
    signed = sign_up(tls, "over.tls")
    cookies = signed.headers.get_list("set-cookie")
    assert {c.split("=", 1)[0] for c in cookies} >= {"anxin_session", "anxin_device"}
    assert all("Secure" in c and "HttpOnly" in c for c in cookies), cookies
    assert "您好" in tls.get("/").text, "the secure session cookie is sent back over https"
    left = post_form(tls, "/", "/logout", {})
    assert all("Secure" in c for c in left.headers.get_list("set-cookie"))


def test_sign_up_errors_keep_what_was_typed(client: TestClient) -> None:
    refused = post_form(client, "/signup", "/signup", {
        "username": "xiaoming", "display_name": "小明", "phone": "",
        "password": PASSWORD, "password_again": "something else",
    })  # fmt: skip
    assert refused.status_code == 422
    assert "两次输入的密码不一样" in text_of(refused.text)
    assert 'value="xiaoming"' in refused.text
    assert 'aria-describedby="f-password_again-error"' in refused.text


def test_log_out_then_log_back_in(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    out = post_form(client, "/", "/logout", {})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/", follow_redirects=False).status_code == 303
    back = post_form(client, "/login?next=/transactions", "/login", {
        "username": "xiaoming", "password": PASSWORD, "next": "/transactions",
    })  # fmt: skip
    assert back.status_code == 303 and back.headers["location"] == "/transactions"
    assert client.get("/transactions").status_code == 200


def test_a_wrong_password_says_so_and_keeps_the_username(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    post_form(client, "/", "/logout", {})
    wrong = post_form(client, "/login", "/login", {"username": "xiaoming", "password": "nope-nope"})
    assert wrong.status_code == 401
    assert "text/html" in wrong.headers["content-type"]
    assert "用户名或密码不正确" in text_of(wrong.text)
    assert 'value="xiaoming"' in wrong.text
    assert "anxin_session=" not in wrong.headers.get("set-cookie", "")


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_a_login(client: TestClient, path: str) -> None:
    sent = client.get(path, follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"].startswith("/login?next=")


def test_a_next_parameter_never_leaves_the_site(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    post_form(client, "/", "/logout", {})
    back = post_form(client, "/login", "/login", {
        "username": "xiaoming", "password": PASSWORD, "next": "//evil.example/",
    })  # fmt: skip
    assert back.headers["location"] == "/"


def _confirm_page(client: TestClient, to: str, amount: str) -> str:
    review = post_form(client, "/transfer", "/transfer", {"to": to, "amount": amount, "note": ""})
    assert review.status_code == 200, text_of(review.text)
    return review.text


def test_a_transfer_confirmed_twice_pays_once(client: TestClient) -> None:
    mum = browser(client)
    sign_up(mum, "mama", "妈妈")
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "1000.00")
    confirm = _confirm_page(client, "mama", "500")
    shown = text_of(confirm)
    assert "妈妈" in shown and "¥500.00" in shown and "手续费" in shown and "¥0.00" in shown
    assert wallet(client, "xiaoming")["balance"] == "1000.00", "nothing moves before confirming"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm))
    assert fields["idempotency_key"] == idempotency_key_of(confirm)
    first = client.post("/transfer/confirm", data=fields, follow_redirects=False)
    second = client.post("/transfer/confirm", data=fields, follow_redirects=False)
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert wallet(client, "xiaoming")["balance"] == "500.00"
    assert wallet(client, "mama")["balance"] == "500.00"
    done = text_of(client.get(first.headers["location"]).text)
    assert "转账成功" in done and "¥500.00" in done
    assert "收到小明转账" in text_of(mum.get("/notifications").text)


def test_a_transfer_the_wallet_cannot_cover_is_explained(client: TestClient) -> None:
    sign_up(browser(client), "mama", "妈妈")
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "10.00")
    confirm = _confirm_page(client, "mama", "500")
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm))
    refused = client.post("/transfer/confirm", data=fields, follow_redirects=False)
    assert refused.status_code == 409
    assert "余额不足" in text_of(refused.text)
    assert 'value="500"' in refused.text, "the form keeps the amount"
    assert wallet(client, "xiaoming")["balance"] == "10.00"


def test_transfer_form_errors_point_at_the_field(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    bad = post_form(client, "/transfer", "/transfer", {"to": "nobody-here", "amount": "5"})
    assert bad.status_code == 404
    assert 'aria-describedby="f-to-error' in bad.text
    assert "没有找到这个收款人" in text_of(bad.text)
    bad = post_form(client, "/transfer", "/transfer", {"to": "nobody-here", "amount": "-3"})
    assert bad.status_code == 422
    assert 'id="f-amount-error"' in bad.text


def test_a_held_transfer_waits_and_can_be_cancelled(client: TestClient) -> None:
    def challenge(event: PaymentEvent) -> RiskVerdict:
        return RiskVerdict("challenge", 0.7, ("new payee",),
                           ({"code": "NEW", "zh": "新收款人", "en": "new payee"},))  # fmt: skip

    sign_up(browser(client), "mama", "妈妈")
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "1000.00")
    client.app.state.services.risk_hook = challenge  # type: ignore[attr-defined]
    confirm = _confirm_page(client, "mama", "300")
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm))
    done_at = client.post("/transfer/confirm", data=fields, follow_redirects=False)
    held = client.get(done_at.headers["location"])
    assert "需要验证" in text_of(held.text) and "新收款人" in text_of(held.text)
    assert 'name="code"' in held.text
    assert wallet(client, "mama")["balance"] == "0.00"
    cancel = re.search(r'action="(/transfer/held/[^"]+/cancel)"', held.text)
    assert cancel is not None
    client.post(cancel.group(1), data={
        "csrf": csrf_of(held.text), "transfer_id": done_at.headers["location"].rsplit("/", 1)[1],
    })  # fmt: skip
    assert "转账已取消" in text_of(client.get(done_at.headers["location"]).text)
    assert wallet(client, "xiaoming")["available_balance"] == "1000.00"


def test_posts_without_the_csrf_token_or_from_another_site_are_refused(
    client: TestClient,
) -> None:
    sign_up(browser(client), "mama")
    sign_up(client, "xiaoming")
    fund(client, "xiaoming", "100.00")
    forged = client.post("/transfer", data={"to": "mama", "amount": "5"})
    assert forged.status_code == 403
    assert "页面已过期" in text_of(forged.text)
    token = csrf_of(client.get("/transfer").text)
    elsewhere = client.post(
        "/settings/elder", data={"csrf": token, "elder": "1", "next": "/"},
        headers={"Origin": "http://evil.example"}, follow_redirects=False,
    )  # fmt: skip
    assert elsewhere.status_code == 403
    other = browser(client)
    sign_up(other, "laowang")
    stolen = other.post("/settings/elder", data={"csrf": token, "elder": "1"})
    assert stolen.status_code == 403, "a token belongs to its own session"
    assert big_actions(client.get("/").text) == 0


def test_transactions_filter_and_page(client: TestClient) -> None:
    sign_up(browser(client), "mama", "妈妈")
    sign_up(browser(client), "laowang", "老王")
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "10000.00")
    without_risk_checks(client)
    auth = api_auth(client, "xiaoming")
    for amount in range(1, 25):
        pay_by_api(client, auth, "mama" if amount % 2 else "laowang", f"{amount}.00")
    first = client.get("/transactions")
    assert first.status_code == 200
    assert text_of(first.text).count("转账给") == 20
    more = re.search(r'href="(/transactions\?[^"]*cursor=[^"]+)"', first.text)
    assert more is not None
    rest = text_of(client.get(more.group(1).replace("&amp;", "&")).text)
    assert rest.count("转账给") == 4 and "入账" in rest
    picked = text_of(client.get("/transactions?direction=out&min=10&max=12").text)
    assert picked.count("转账给") == 3
    assert "-¥10.00" in picked and "-¥12.00" in picked and "-¥9.00" not in picked
    wang = text_of(client.get("/transactions?q=老王").text)
    assert wang.count("转账给老王") == 12 and "转账给妈妈" not in wang
    income = text_of(client.get("/transactions?direction=in").text)
    assert "转账给" not in income and "+¥10,000.00" in income
    later = text_of(client.get("/transactions?start=2026-11-02").text)
    assert "没有符合条件的交易" in later
    today = text_of(client.get("/transactions?start=2026-11-01&end=2026-11-01").text)
    assert today.count("转账给") == 20
    transfers = text_of(client.get("/transactions?category=transfer").text)
    assert transfers.count("转账给") == 20
    assert "没有符合条件的交易" in text_of(client.get("/transactions?category=utilities").text)
    bad = client.get("/transactions?min=lots")
    assert bad.status_code == 422 and "最小金额不正确" in text_of(bad.text)


def test_the_spending_chart_shows_categories(client: TestClient) -> None:
    sign_up(browser(client), "mama")
    sign_up(client, "xiaoming")
    fund(client, "xiaoming", "1000.00")
    pay_by_api(client, api_auth(client, "xiaoming"), "mama", "321.00")
    page = client.get("/transactions").text
    assert '<svg viewBox="0 0 640 280" role="img"' in page
    assert page.count("<rect ") == 1
    table = page[page.index("<details>") :]
    assert "转账" in table and "¥321.00" in table


def test_the_language_switch_changes_the_words_and_is_remembered(client: TestClient) -> None:
    sign_up(client, "xiaoming", "Ming")
    assert "您好" in client.get("/").text
    switched = post_form(client, "/", "/settings/language", {"lang": "en", "next": "/"})
    assert switched.status_code == 303 and switched.headers["location"] == "/"
    home = client.get("/").text
    assert "Hello, Ming" in home and '<html lang="en">' in home
    elsewhere = browser(client)
    post_form(elsewhere, "/login", "/login", {"username": "xiaoming", "password": PASSWORD})
    assert "Hello, Ming" in elsewhere.get("/").text, "the choice follows the user"


def test_the_browser_language_is_the_default(client: TestClient) -> None:
    english = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9,zh;q=0.5"})
    assert '<html lang="en">' in english.text and "Log in" in english.text
    chinese = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    assert '<html lang="zh-CN">' in chinese.text


def test_elder_mode_shows_four_big_actions_and_is_remembered(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    assert big_actions(client.get("/").text) == 0
    post_form(client, "/", "/settings/elder", {"elder": "1", "next": "/"})
    home = client.get("/").text
    assert '<body class="elder"' in home
    assert big_actions(home) == 4
    shown = text_of(home)
    for action in ("转账", "缴费", "查余额", "问助手"):
        assert action in shown
    assert "您可能想要" not in shown, "no extra suggestions in elder mode"
    elsewhere = browser(client)
    post_form(elsewhere, "/login", "/login", {"username": "xiaoming", "password": PASSWORD})
    assert big_actions(elsewhere.get("/").text) == 4
    for path in PAGES:
        assert big_actions(client.get(path).text) <= 4


def test_elder_confirmation_restates_amount_and_payee_in_large_type(client: TestClient) -> None:
    sign_up(browser(client), "mama", "妈妈")
    sign_up(client, "xiaoming")
    fund(client, "xiaoming", "100.00")
    post_form(client, "/", "/settings/elder", {"elder": "1", "next": "/"})
    confirm = _confirm_page(client, "mama", "50")
    assert '<dd class="big">妈妈</dd>' in confirm
    assert '<dd class="big">¥50.00</dd>' in confirm
    assert "请看清楚再确认" in confirm


def test_notifications_are_listed_and_can_be_marked_read(client: TestClient) -> None:
    mum = browser(client)
    sign_up(mum, "mama", "妈妈")
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "100.00")
    pay_by_api(client, api_auth(client, "xiaoming"), "mama", "8.00")
    inbox = mum.get("/notifications")
    assert "收到小明转账 ¥8.00" in text_of(inbox.text)
    assert "未读 1 条" in text_of(inbox.text)
    read = re.search(r'action="(/notifications/[^"]+/read)"', inbox.text)
    assert read is not None
    mum.post(read.group(1), data={"csrf": csrf_of(inbox.text)})
    assert "未读 0 条" in text_of(mum.get("/notifications").text)


def test_the_inbox_page_is_in_the_pages_language(client: TestClient) -> None:
    mum = browser(client)
    sign_up(mum, "mama", "妈妈")
    post_form(mum, "/", "/settings/language", {"lang": "en", "next": "/"})
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "100.00")
    pay_by_api(client, api_auth(client, "xiaoming"), "mama", "8.00")
    shown = text_of(mum.get("/notifications").text)
    assert "小明 sent you ¥8.00" in shown and "收到小明转账" not in shown


def test_the_assistant_box_answers_with_and_without_javascript(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    plain = post_form(client, "/", "/assistant", {"text": "查余额", "session_id": ""})
    assert plain.status_code == 200
    assert 'class="turn assistant"' in plain.text and "查余额" in plain.text
    scripted = client.post(
        "/assistant", data={"csrf": csrf_of(plain.text), "text": "hello", "session_id": ""},
        headers={"Accept": "application/json"},
    )  # fmt: skip
    assert scripted.status_code == 200
    turns = scripted.json()["turns"]
    assert [t["who"] for t in turns] == ["me", "assistant"] and turns[1]["text"]


@pytest.mark.parametrize("elder", ["0", "1"])
def test_every_page_is_one_well_formed_page_in_both_modes(client: TestClient, elder: str) -> None:
    sign_up(client, "xiaoming")
    post_form(client, "/", "/settings/elder", {"elder": elder, "next": "/"})
    for path in (*PAGES, "/logout"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert page.text.count("<h1") == 1, path
        assert '<main id="main"' in page.text and 'href="#main"' in page.text
        assert "Content-Security-Policy" in page.headers
        labelled = set(re.findall(r'<label for="([^"]+)"', page.text))
        for input_id in re.findall(r'<(?:input|select)[^>]* id="([^"]+)"', page.text):
            assert input_id in labelled, f"{path}: #{input_id} has no label"


def test_suggestions_and_chart_categories_follow_the_spending_analysis_consent(
    client: TestClient,
) -> None:
    sign_up(browser(client), "mama", "妈妈")
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "1000.00")
    without_risk_checks(client)
    auth = api_auth(client, "xiaoming")
    for _ in range(3):
        pay_by_api(client, auth, "mama", "20.00")
    assert '<a class="action" href="/transfer?to=mama">给妈妈转账</a>' in client.get("/").text
    assert "转账" in client.get("/transactions").text.split("<details>")[1]
    off = client.put(
        "/v1/privacy/consents/spending_analysis", json={"granted": False}, headers=auth
    )
    assert off.status_code == 200
    home = client.get("/").text
    assert "给妈妈转账" not in home and '<a class="action" href="/transfer">转账</a>' in home
    chart = client.get("/transactions").text
    assert "支出合计" in chart and "您关闭了“消费分析”" in text_of(chart)
    assert 'id="f-category"' not in chart, "no category filter or column without consent"
    assert '<th scope="col">类别</th>' not in chart
    shown = client.get("/transactions?category=transfer").text
    assert "给妈妈" in text_of(shown) or "妈妈" in text_of(shown), (
        "the filter is ignored, not applied"
    )


def test_a_challenged_transfer_goes_through_with_the_sms_code(client: TestClient) -> None:
    sign_up(browser(client), "mama", "妈妈")
    sign_up(client, "xiaoming", "小明", phone="13800138000")
    fund(client, "xiaoming", "1000.00")
    client.app.state.services.risk_hook = lambda _event: RiskVerdict(  # type: ignore[attr-defined]
        "challenge", 0.7, ("new payee",)
    )
    confirm = _confirm_page(client, "mama", "300")
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', confirm))
    done_at = client.post("/transfer/confirm", data=fields).url.path
    held = client.get(done_at).text
    code_form = re.search(r'action="(/transfer/held/[^"]+/code)"', held)
    assert code_form is not None
    code = texted_code(client)
    assert code not in client.get("/notifications").text, "codes never sit in the inbox"
    form = {"csrf": csrf_of(held), "transfer_id": done_at.rsplit("/", 1)[1]}
    not_it = "111111" if code == "000000" else "000000"
    wrong = client.post(code_form.group(1), data={**form, "code": not_it})
    assert wrong.status_code == 422 and 'id="f-code-error"' in wrong.text
    assert wallet(client, "mama")["balance"] == "0.00"
    right = client.post(code_form.group(1), data={**form, "code": code})
    assert "转账成功" in text_of(right.text)
    assert wallet(client, "mama")["balance"] == "300.00"


def test_the_assistant_confirms_with_buttons_and_pays_once(client: TestClient) -> None:
    sign_up(browser(client), "mama", "妈妈")
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "1000.00")
    without_risk_checks(client)
    auth = api_auth(client, "xiaoming")
    added = client.post("/v1/contacts", headers=auth, json={"name": "妈妈", "username": "mama"})
    assert added.status_code == 201
    asked = post_form(client, "/", "/assistant", {"text": "给妈妈转五十", "session_id": ""})
    assert asked.status_code == 200
    assert '<button type="submit" name="text" value="确认">确认</button>' in asked.text
    assert '<button type="submit" name="text" value="取消">取消</button>' in asked.text
    session_id = re.search(r'name="session_id" value="([^"]+)"', asked.text)
    assert session_id is not None
    yes = {"csrf": csrf_of(asked.text), "text": "确认", "session_id": session_id.group(1)}
    client.post("/assistant", data=yes)
    client.post("/assistant", data=yes)
    assert wallet(client, "mama")["balance"] == "50.00"
    assert wallet(client, "xiaoming")["balance"] == "950.00"


def test_errors_in_english_are_plain_and_not_repeated(client: TestClient) -> None:
    english = {"Accept-Language": "en"}
    client.get("/login", headers=english)
    page = client.get("/login", headers=english).text
    wrong = client.post(
        "/login", data={"csrf": csrf_of(page), "username": "nobody", "password": "whatever1"},
        headers=english,
    )  # fmt: skip
    assert wrong.status_code == 401
    assert "Wrong username or password." in text_of(wrong.text)
    assert "(wrong username or password)" not in wrong.text


def test_a_mistyped_address_gets_a_page_and_the_api_keeps_problem_json(
    client: TestClient,
) -> None:
    page = client.get("/no-such-page", headers={"Accept": "text/html", "Accept-Language": "zh"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "没有找到这个页面" in page.text
    api = client.get("/v1/no-such-thing", headers={"Accept": "text/html"})
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
