"""The payments pages (bills, cards, top-up/withdraw, QR pay, schedules, FX) through a
browser-like TestClient, on both databases."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from paykit import (
    balance_of,
    form_on,
    hidden_fields,
    link_verified_card,
    merchant_qr,
    open_merchant,
    services_of,
    submit,
    user_named,
)
from webkit import api_auth, big_actions, browser, fund, post_form, sign_up, text_of

from anxin.core.clock import ManualClock
from anxin.core.money import format_minor
from anxin.payments.banks.orders import settle_due
from anxin.payments.bills import store
from anxin.payments.bills.rules import local_today

ELECTRICITY = "0312345678"


def _bind(client: TestClient, biller: str = "electricity", number: str = ELECTRICITY) -> None:
    bound = post_form(client, "/bills", "/bills/accounts", {
        "biller": biller, "account_number": number, "label": "家里",
    })  # fmt: skip
    assert bound.status_code == 303, bound.text


def _due_bill(client: TestClient, username: str) -> store.Bill:
    services = services_of(client)
    found = store.list_bills(services.db, user_named(client, username).id, status=store.DUE)
    assert len(found) == 1
    return found[0]


def test_a_bound_account_shows_its_bill_which_is_paid_once_through_the_confirmation(
    client: TestClient,
) -> None:
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "1000.00")
    _bind(client)
    bill = _due_bill(client, "xiaoming")
    due = bill.amount_due(local_today(services_of(client).clock.now()))
    shown_due = "¥" + format_minor(due, "CNY")
    listed = text_of(client.get("/bills").text)
    assert "电费" in listed and ELECTRICITY in listed and shown_due in listed

    confirm = client.get(f"/bills/{bill.id}/pay")
    facts = text_of(confirm.text)
    for fact in ("电费", ELECTRICITY, "家里", bill.period, "手续费", "¥0.00", shown_due, "滞纳金"):
        assert fact in facts, fact
    assert balance_of(client, "xiaoming") == "1000.00", "nothing moves before confirming"
    first = submit(client, confirm.text, f"/bills/{bill.id}/pay")
    second = submit(client, confirm.text, f"/bills/{bill.id}/pay")
    assert first.status_code == second.status_code == 303
    assert first.headers["location"] == second.headers["location"]
    assert balance_of(client, "xiaoming") == format_minor(100_000 - due, "CNY")
    assert "缴费成功" in text_of(client.get(first.headers["location"]).text)
    after = text_of(client.get("/bills").text)
    assert "本月已缴" in after and "没有待缴账单" in after
    again = client.get(f"/bills/{bill.id}/pay", follow_redirects=False)
    assert again.status_code == 303, "a paid bill has no confirmation any more"


def test_binding_errors_keep_what_was_typed_and_unbinding_hides_the_bills(
    client: TestClient,
) -> None:
    sign_up(client, "xiaoming")
    refused = post_form(client, "/bills", "/bills/accounts", {
        "biller": "electricity", "account_number": "12-34", "label": "",
    })  # fmt: skip
    assert refused.status_code == 422
    assert 'value="12-34"' in refused.text
    assert 'aria-describedby="f-account_number-error' in refused.text
    assert "户号格式不对" in text_of(refused.text)
    _bind(client)
    page = client.get("/bills").text
    removal = re.search(r'action="(/bills/accounts/[^"]+/remove)"', page)
    assert removal is not None
    assert submit(client, page, removal.group(1)).status_code == 303
    assert "还没有绑定缴费户号" in text_of(client.get("/bills").text)


def test_a_phone_top_up_offers_amounts_and_pays_once(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    fund(client, "xiaoming", "200.00")
    form = client.get("/bills/mobile-topup").text
    assert 'type="radio"' in form and "¥100.00" in text_of(form)
    odd = post_form(client, "/bills/mobile-topup", "/bills/mobile-topup", {
        "phone": "13800138000", "amount": "50", "other_amount": "12.5",
    })  # fmt: skip
    assert odd.status_code == 422 and "整数元" in text_of(odd.text)
    assert 'value="12.5"' in odd.text
    confirm = form_on(client, "/bills/mobile-topup", "/bills/mobile-topup", {
        "phone": "138 0013 8000", "amount": "50", "other_amount": "",
    })  # fmt: skip
    assert "13800138000" in text_of(confirm.text) and "¥50.00" in text_of(confirm.text)
    first = submit(client, confirm.text, "/bills/mobile-topup/confirm")
    second = submit(client, confirm.text, "/bills/mobile-topup/confirm")
    assert first.headers["location"] == second.headers["location"]
    assert balance_of(client, "xiaoming") == "150.00"
    assert "缴费成功" in text_of(client.get(first.headers["location"]).text)


def test_auto_pay_for_a_bound_account_is_a_schedule(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    _bind(client)
    page = client.get("/bills").text
    setup = re.search(r'href="(/schedules/new\?kind=bill_autopay&amp;account_id=[^"]+)"', page)
    assert setup is not None
    form = client.get(setup.group(1).replace("&amp;", "&")).text
    made = submit(client, form, "/schedules/new", account_id=_selected(form, "account_id"),
                  when="before_due", days_before_due="3", max_amount="500")  # fmt: skip
    assert made.status_code == 303, made.text
    shown = text_of(client.get(made.headers["location"]).text)
    assert "截止日前 3 天自动缴" in shown and "¥500.00" in shown
    assert "已开通自动缴费" in text_of(client.get("/bills").text)


def _selected(html: str, name: str) -> str:
    found = re.search(rf'<select id="f-{name}" name="{name}"[^>]*>\s*<option value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_a_verified_card_tops_up_after_a_fee_quote_and_settles(
    client: TestClient, clock: ManualClock
) -> None:
    sign_up(client, "xiaoming")
    form = client.get("/wallet/topup").text
    assert "还没有已验证的银行卡" in text_of(form)
    card_id = link_verified_card(client)
    assert "已验证" in text_of(client.get("/cards").text)
    quote = form_on(client, "/wallet/topup", "/wallet/topup", {"card_id": card_id, "amount": "500"})
    shown = text_of(quote.text)
    assert "手续费" in shown and "¥0.00" in shown and "¥500.00" in shown and "到账" in shown
    first = submit(client, quote.text, "/wallet/topup/confirm")
    second = submit(client, quote.text, "/wallet/topup/confirm")
    assert first.status_code == 303 and first.headers["location"] == second.headers["location"]
    assert "处理中" in text_of(client.get(first.headers["location"]).text)
    assert balance_of(client, "xiaoming") == "0.00", "nothing is spendable before the bank says so"
    clock.advance(seconds=10)
    assert settle_due(services_of(client))["succeeded"] == 1
    assert "已到账" in text_of(client.get(first.headers["location"]).text)
    assert balance_of(client, "xiaoming") == "500.00"


def test_a_withdrawal_shows_its_fee_before_it_is_confirmed(
    client: TestClient, clock: ManualClock
) -> None:
    sign_up(client, "xiaoming")
    fund(client, "xiaoming", "3000.00")
    card_id = link_verified_card(client)
    form = text_of(client.get("/wallet/withdraw").text)
    assert "每月前 ¥1,000.00 免费" in form
    quote = form_on(client, "/wallet/withdraw", "/wallet/withdraw", {
        "card_id": card_id, "amount": "1500",
    })  # fmt: skip
    shown = text_of(quote.text)
    assert "手续费 ¥0.50" in shown and "¥1,500.50" in shown and "报价有效期" in shown
    assert balance_of(client, "xiaoming") == "3000.00"
    done = submit(client, quote.text, "/wallet/withdraw/confirm")
    assert done.status_code == 303
    assert balance_of(client, "xiaoming") == "1499.50", "amount and fee are held at once"
    clock.advance(seconds=10)
    settle_due(services_of(client))
    assert "已提现到尾号 0062" in text_of(client.get(done.headers["location"]).text)


def test_an_expired_withdrawal_quote_is_explained_and_keeps_the_form(
    client: TestClient, clock: ManualClock
) -> None:
    sign_up(client, "xiaoming")
    fund(client, "xiaoming", "100.00")
    card_id = link_verified_card(client)
    quote = form_on(client, "/wallet/withdraw", "/wallet/withdraw", {
        "card_id": card_id, "amount": "20",
    })  # fmt: skip
    clock.advance(seconds=3600)
    late = submit(client, quote.text, "/wallet/withdraw/confirm")
    assert late.status_code == 409
    assert "报价已失效" in text_of(late.text) and 'value="20"' in late.text
    assert balance_of(client, "xiaoming") == "100.00"


def test_paying_a_merchant_qr_moves_the_money_once(client: TestClient) -> None:
    shop_owner = browser(client)
    sign_up(shop_owner, "laoban", "老板")
    shop = open_merchant(client, "laoban", "小明咖啡")
    sign_up(client, "xiaoming")
    fund(client, "xiaoming", "100.00")
    code = merchant_qr(client, "laoban", shop["id"], "25.00")
    confirm = form_on(client, "/pay/qr", "/pay/qr", {"qr": code, "amount": ""})
    shown = text_of(confirm.text)
    assert "小明咖啡" in shown and "¥25.00" in shown
    first = submit(client, confirm.text, "/pay/qr/confirm")
    second = submit(client, confirm.text, "/pay/qr/confirm")
    assert first.status_code == 303 and first.headers["location"] == second.headers["location"]
    assert "已向 小明咖啡 付款 ¥25.00" in text_of(client.get(first.headers["location"]).text)
    assert balance_of(client, "xiaoming") == "75.00"
    account = services_of(client).ledger.account(shop["account_id"])
    assert account["credits_posted"] - account["debits_posted"] == 2500


def test_an_open_qr_asks_for_the_amount_and_a_bad_one_is_explained(client: TestClient) -> None:
    sign_up(browser(client), "laoban")
    shop = open_merchant(client, "laoban", "早餐铺")
    sign_up(client, "xiaoming")
    fund(client, "xiaoming", "100.00")
    code = merchant_qr(client, "laoban", shop["id"], None)
    ask = form_on(client, "/pay/qr", "/pay/qr", {"qr": code, "amount": ""})
    assert "早餐铺" in text_of(ask.text) and 'id="f-amount"' in ask.text
    confirm = form_on(client, "/pay/qr", "/pay/qr", {"qr": code, "amount": "8.5"})
    assert "¥8.50" in text_of(confirm.text)
    assert submit(client, confirm.text, "/pay/qr/confirm").status_code == 303
    assert balance_of(client, "xiaoming") == "91.50"
    tampered = code[:-3] + ("AAA" if not code.endswith("AAA") else "BBB")
    refused = post_form(client, "/pay/qr", "/pay/qr", {"qr": tampered, "amount": ""})
    assert refused.status_code == 422
    assert "不是有效的安心收款码" in text_of(refused.text)
    assert tampered in refused.text and 'aria-describedby="f-qr-hint f-qr-error"' in refused.text


def test_a_schedule_is_created_listed_cancelled_with_its_runs(client: TestClient) -> None:
    sign_up(browser(client), "xiaomei", "小美")
    sign_up(client, "xiaoming")
    added = client.post("/v1/contacts", headers=api_auth(client, "xiaoming"),
                        json={"name": "女儿", "aliases": [], "username": "xiaomei"})  # fmt: skip
    assert added.status_code == 201, added.text
    form = client.get("/schedules/new").text
    wrong = submit(client, form, "/schedules/new", contact_id=_selected(form, "contact_id"),
                   amount="2000", frequency="monthly", day_of_month="40", time="09:00")  # fmt: skip
    assert wrong.status_code == 422 and 'value="40"' in wrong.text
    made = submit(client, wrong.text, "/schedules/new", contact_id=_selected(form, "contact_id"),
                  amount="2000", frequency="monthly", day_of_month="5", time="09:00",
                  weekday="MO", starts_on="", note="生活费")  # fmt: skip
    assert made.status_code == 303, made.text
    again = submit(client, wrong.text, "/schedules/new", contact_id=_selected(form, "contact_id"),
                   amount="2000", frequency="monthly", day_of_month="5", time="09:00",
                   weekday="MO", starts_on="", note="生活费")  # fmt: skip
    assert again.headers["location"] == made.headers["location"], "a double submit makes one"
    listed = text_of(client.get("/schedules").text)
    assert "给 女儿 转 ¥2,000.00" in listed and "每月 5 日 09:00" in listed
    assert "2026-11-05 09:00" in listed, "the next run, on China time"
    detail = client.get(made.headers["location"]).text
    assert "还没有执行过" in text_of(detail)
    cancel = re.search(r'action="(/schedules/[^"]+/cancel)"', detail)
    assert cancel is not None
    assert submit(client, detail, cancel.group(1)).status_code == 303
    assert "已取消" in text_of(client.get("/schedules").text)


def test_an_fx_quote_converts_once_and_both_wallets_change(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    fund(client, "xiaoming", "1000.00")
    rates = text_of(client.get("/fx").text)
    assert "USD" in rates and "0.138" in rates
    asked = post_form(client, "/fx", "/fx/quote", {
        "sell_currency": "CNY", "buy_currency": "USD", "amount": "100",
    })  # fmt: skip
    assert asked.status_code == 303
    quote = client.get(asked.headers["location"]).text
    shown = text_of(quote)
    assert "0.13731" in shown and "点差" in shown and "还剩 30 秒" in shown and "$13.73" in shown
    action = asked.headers["location"] + "/convert"
    first = submit(client, quote, action)
    second = submit(client, quote, action)
    assert first.status_code == 303 and first.headers["location"] == second.headers["location"]
    assert balance_of(client, "xiaoming") == "900.00"
    assert balance_of(client, "xiaoming", "USD") == "13.73"
    assert "换汇成功" in text_of(client.get(first.headers["location"]).text)


def test_an_expired_fx_quote_is_refused_readably(client: TestClient, clock: ManualClock) -> None:
    sign_up(client, "xiaoming")
    fund(client, "xiaoming", "1000.00")
    asked = post_form(client, "/fx", "/fx/quote", {
        "sell_currency": "CNY", "buy_currency": "EUR", "amount": "100",
    })  # fmt: skip
    quote = client.get(asked.headers["location"]).text
    clock.advance(seconds=31)
    late = submit(client, quote, asked.headers["location"] + "/convert")
    assert late.status_code == 409
    assert "报价已失效" in text_of(late.text) and "重新获取报价" in text_of(late.text)
    assert balance_of(client, "xiaoming") == "1000.00"
    same_currency = post_form(client, "/fx", "/fx/quote", {
        "sell_currency": "CNY", "buy_currency": "CNY", "amount": "100",
    })  # fmt: skip
    assert same_currency.status_code == 422 and 'value="100"' in same_currency.text


PAGES = (
    "/bills", "/bills/mobile-topup", "/cards", "/wallet/topup", "/wallet/withdraw", "/pay/qr",
    "/schedules", "/schedules/new", "/schedules/new?kind=bill_autopay", "/fx",
)  # fmt: skip
_RAW_KEY = re.compile(r"\b(?:bills|wallet|fx|sched|qrpay|cards|topup_phone|pay|nav)\.[a-z_]+\b")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("elder", ["0", "1"])
def test_every_payments_page_renders_in_both_languages_and_modes(
    client: TestClient, lang: str, elder: str
) -> None:
    sign_up(client, "xiaoming")
    fund(client, "xiaoming", "1000.00")
    _bind(client)
    link_verified_card(client)
    post_form(client, "/", "/settings/language", {"lang": lang, "next": "/"})
    post_form(client, "/", "/settings/elder", {"elder": elder, "next": "/"})
    bill = _due_bill(client, "xiaoming")
    for path in (*PAGES, f"/bills/{bill.id}/pay"):
        page = client.get(path)
        assert page.status_code == 200, path
        html = page.text
        assert html.count("<h1") == 1, path
        assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in html
        assert ('<body class="elder"' in html) == (elder == "1")
        assert big_actions(html) <= 4, path
        assert not _RAW_KEY.search(text_of(html)), f"{path}: {_RAW_KEY.search(text_of(html))}"
        labelled = set(re.findall(r'<label for="([^"]+)"', html))
        for input_id in re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', html):
            assert input_id in labelled, f"{path}: #{input_id} has no label"
        for form in re.findall(r'<form method="post".*?</form>', html, re.S):
            assert 'name="csrf"' in form, path
    header = client.get("/bills").text
    assert 'href="/bills" aria-current="page"' in header
    if elder == "1":
        assert 'href="/fx"' not in header, "elder mode keeps the header short"


def test_the_pages_need_a_login_and_the_elder_home_reaches_bills(client: TestClient) -> None:
    for path in PAGES:
        sent = client.get(path, follow_redirects=False)
        assert sent.status_code == 303 and sent.headers["location"].startswith("/login?next=")
    sign_up(client, "xiaoming")
    post_form(client, "/", "/settings/elder", {"elder": "1", "next": "/"})
    assert 'class="big-action" href="/bills"' in client.get("/").text


def test_the_confirm_forms_refuse_a_post_without_the_csrf_token(client: TestClient) -> None:
    sign_up(client, "xiaoming")
    fund(client, "xiaoming", "100.00")
    _bind(client)
    bill = _due_bill(client, "xiaoming")
    confirm = client.get(f"/bills/{bill.id}/pay").text
    fields = hidden_fields(confirm, f"/bills/{bill.id}/pay")
    del fields["csrf"]
    refused = client.post(f"/bills/{bill.id}/pay", data=fields, follow_redirects=False)
    assert refused.status_code == 403
    assert balance_of(client, "xiaoming") == "100.00"
