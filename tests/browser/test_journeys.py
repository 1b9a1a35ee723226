"""A person's journeys through the web app in a real browser (headless Chromium).

Everything a person does here is done on the pages: signing up, linking and verifying a card,
topping up, binding and paying a bill, transferring, approving as a guardian, talking to the
assistant. Only what happens elsewhere (the other person signing up, a contact being saved)
goes through the `/v1` API.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from browserkit import (  # noqa: F401
    Browsing,
    add_contact,
    api_token,
    browsing_fixture,
    chromium_fixture,
    computed,
    live_server_fixture,
    log_in,
    pixels,
    register,
    sign_up,
    top_up_by_api,
    unique,
    wait_until,
)

ACCOUNTS = itertools.count(1)


def submit(page: Any, form: str) -> None:
    """Press the submit button of the form matching `form` and wait for the next page."""
    with page.expect_navigation():
        page.locator(f"{form} button[type=submit]").first.click()


def switch_to_elder_mode(page: Any) -> None:
    submit(page, "form[action='/settings/elder']")
    assert page.evaluate("document.body.classList.contains('elder')")


def assert_big_type(page: Any) -> None:
    """Elder mode as the browser draws it: 24px text, every visible button ≥ 48px high."""
    assert pixels(computed(page, "body", "font-size")) >= 24
    assert pixels(computed(page, "main p, main dd, main li", "font-size")) >= 24
    heights = page.eval_on_selector_all(
        "main button, main a.big-action, main a.action",
        "els => els.filter(e => e.offsetParent !== null)"
        ".map(e => e.getBoundingClientRect().height)",
    )
    assert heights and min(heights) >= 48, heights


def link_card(page: Any) -> None:
    """Link the sandbox's approving card and answer its micro-deposit challenge."""
    page.goto("/cards")
    page.fill("#f-number", "6200 0000 0000 0062")
    submit(page, "form[action='/cards']")
    hint = page.locator(".alert.ok strong").inner_text()
    amount = re.search(r"\d+\.\d{2}", hint)
    assert amount, hint
    page.locator("form.verify-form input[name=amount]").fill(amount.group(0))
    submit(page, "form.verify-form")
    assert "尾号 0062 · 小明 · 已验证" in page.locator(".bound-accounts").inner_text()


def top_up(page: Any, amount: str) -> None:
    """Top up from the linked card: the quote shows the fee before anything moves."""
    page.goto("/wallet/topup")
    page.fill("#f-amount", amount)
    submit(page, "form[action='/wallet/topup']")
    facts = page.locator("dl.confirm-facts").inner_text()
    assert f"¥{amount}" in facts.replace(",", "") and "¥0.00" in facts  # amount, fee
    submit(page, "form[action='/wallet/topup/confirm']")
    order = page.url

    def arrived() -> bool:
        page.goto(order)
        return page.locator(".alert.ok").count() == 1

    wait_until(arrived)


def pay_electricity(page: Any) -> str:
    """Bind an electricity account, pay its bill on the confirmation page; returns the sum."""
    page.goto("/bills")
    page.select_option("#f-biller", "electricity")
    # The sandbox biller remembers paid bills per account number: each journey its own.
    page.fill("#f-account_number", f"031{next(ACCOUNTS):07d}")
    submit(page, "form[action='/bills/accounts']")
    with page.expect_navigation():
        page.locator("a.action[href$='/pay']").first.click()
    amount = page.locator("dl.confirm-facts dd.big").last.inner_text()
    assert re.fullmatch(r"¥[\d,]+\.\d{2}", amount), amount
    submit(page, "form[action$='/pay']")
    assert page.locator("h1").inner_text() == "缴费成功"
    assert amount in page.locator(".alert.ok").inner_text()
    return amount


def transfer(page: Any, to: str, amount: str, payee: str) -> None:
    """Fill the transfer form, check the confirmation restates payee and sum, confirm."""
    page.goto("/transfer")
    page.fill("#f-to", to)
    page.fill("#f-amount", amount)
    submit(page, "form[action='/transfer']")
    facts = page.locator("dl.confirm-facts")
    assert payee in facts.locator("dd.big").first.inner_text()
    assert facts.locator("dd.big").nth(1).inner_text() == f"¥{int(amount):,}.00"
    submit(page, "form[action='/transfer/confirm']")
    assert "/transfer/done/" in page.url


def journey(browsing: Browsing, elder: bool) -> None:
    server = browsing.server
    mum = unique("mum")
    register(server, mum, "妈妈")
    page = browsing.page()
    me = unique("son")
    sign_up(page, me, "小明")
    if elder:
        switch_to_elder_mode(page)
        assert page.locator("a.big-action").count() <= 4
        assert_big_type(page)
    add_contact(server, api_token(server, me), "妈妈", mum)

    link_card(page)
    top_up(page, "2000")
    bill = pay_electricity(page)
    transfer(page, "妈妈", "500", "妈妈")
    assert page.locator("h1").inner_text() == "转账成功"
    if elder:
        assert_big_type(page)

    page.goto("/transactions")
    rows = page.locator("table tbody tr").all_inner_texts()
    assert any("转账给妈妈" in row and "-¥500.00" in row for row in rows), rows
    assert any("电费" in row and f"-{bill}" in row for row in rows), rows
    assert any("+¥2,000.00" in row for row in rows), rows
    page.goto("/")
    left = 2000 - 500 - float(bill[1:].replace(",", ""))
    assert f"¥{left:,.2f}" in page.locator("#balances").inner_text()


def test_sign_up_top_up_pay_a_bill_transfer_and_see_it_all_in_transactions(
    browsing: Browsing,
) -> None:
    journey(browsing, elder=False)


def test_the_same_journey_in_elder_mode_with_big_type(browsing: Browsing) -> None:
    journey(browsing, elder=True)


def test_a_guardian_approves_a_transfer_above_the_limit(browsing: Browsing) -> None:
    server = browsing.server
    child = unique("son")
    register(server, child, "小明")
    parent_page = browsing.page()
    parent = unique("mum")
    sign_up(parent_page, parent, "妈妈")
    top_up_by_api(server, api_token(server, parent), "3000.00")

    parent_page.goto("/family")
    parent_page.fill("#f-guardian", child)
    parent_page.fill("#f-approval_limit", "1000")
    submit(parent_page, "form[action='/family/guardians']")
    child_page = browsing.page()
    log_in(child_page, child)
    child_page.goto("/family")
    submit(child_page, "form[action$='/accept']")

    transfer(parent_page, f"@{child}", "1500", "小明")
    assert parent_page.locator("h1").inner_text() == "转账等待确认"
    waiting = parent_page.url

    child_page.goto("/family")
    with child_page.expect_navigation():
        child_page.locator("#wards a").first.click()
    approvals = child_page.locator("#approvals-h + *").inner_text()
    assert "¥1,500.00" in child_page.locator("main").inner_text(), approvals
    submit(child_page, "form[action$='/approve']")

    parent_page.goto(waiting)
    assert parent_page.locator("h1").inner_text() == "转账成功"
    parent_page.goto("/")
    assert "¥1,500.00" in parent_page.locator("#balances").inner_text()


def test_the_assistant_box_transfers_to_mum_after_confirmation(browsing: Browsing) -> None:
    server = browsing.server
    mum = unique("mum")
    register(server, mum, "妈妈")
    page = browsing.page()
    me = unique("son")
    sign_up(page, me, "小明")
    token = api_token(server, me)
    add_contact(server, token, "妈妈", mum)
    top_up_by_api(server, token, "1000.00")
    page.goto("/")
    assert "¥1,000.00" in page.locator("#balances").inner_text()

    page.fill("#assistant-text", "给妈妈转五百")
    page.locator(".assistant-form button[type=submit]").click()
    reply = page.locator(".chat .turn.assistant").last
    reply.wait_for()
    assert "500" in reply.inner_text() and "妈妈" in reply.inner_text()
    reply.get_by_role("button", name="确认").click()
    page.locator(".chat .turn.assistant").nth(1).wait_for()

    with server.api(token) as api:
        wallet = next(
            a for a in api.get("/v1/accounts").json()["accounts"] if a["kind"] == "wallet"
        )
    assert wallet["balance"] == "500.00", wallet
    page.goto("/")
    assert "¥500.00" in page.locator("#balances").inner_text()


@pytest.mark.parametrize(("locale", "title"), [("zh-CN", "登录"), ("en-US", "Log in")])
def test_the_language_follows_the_browser_until_the_header_switch_changes_it(
    browsing: Browsing, locale: str, title: str
) -> None:
    page = browsing.page(locale)
    page.goto("/login")
    assert page.locator("h1").inner_text() == title
    switch = page.locator("form[action='/settings/language'] button")
    other = switch.inner_text()
    submit(page, "form[action='/settings/language']")
    assert page.locator("h1").inner_text() != title
    assert page.locator("form[action='/settings/language'] button").inner_text() != other
    assert page.evaluate("document.documentElement.lang") == (
        "en" if locale == "zh-CN" else "zh-CN"
    )
