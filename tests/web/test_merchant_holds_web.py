"""Shop QR payments the risk check holds, through the pages: the result page says it waits
and why, takes the texted code or a cancel, and then says how it ended."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from guardkit import (
    REASON,
    challenge_everything,
    in_english,
    review_everything,
    services_of,
    under_review,
    well_formed,
)
from paykit import balance_of, form_on, merchant_qr, open_merchant, submit
from webkit import browser, csrf_of, fund, sign_up, text_of, wallet

from smskit import texted_code

# The pages read what the API tests already check on both databases; once is enough here.
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


_CODE_FORM = re.compile(r'action="(/pay/qr/held/[^"]+/code)"')
_CANCEL_FORM = re.compile(r'action="(/pay/qr/held/[^"]+/cancel)"')


def _shop_paid(client: TestClient, shop: dict[str, str]) -> int:
    account = services_of(client).ledger.account(shop["account_id"])
    return int(account["credits_posted"] - account["debits_posted"])


def _held_payment(client: TestClient) -> tuple[str, dict[str, str]]:
    """A shop, and a payer whose ¥25.00 payment to it waits for a code: where the result page
    is, and the shop."""
    sign_up(browser(client), "laoban", "老板")
    shop = open_merchant(client, "laoban", "小明咖啡")
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "100.00")
    code = merchant_qr(client, "laoban", shop["id"], "25.00")
    challenge_everything(client)
    confirm = form_on(client, "/pay/qr", "/pay/qr", {"qr": code, "amount": ""})
    paid = submit(client, confirm.text, "/pay/qr/confirm")
    assert paid.status_code == 303, paid.text
    assert paid.headers["location"].startswith("/pay/qr/done/")
    return paid.headers["location"], shop


def test_a_challenged_shop_payment_waits_for_the_texted_code_then_is_paid(
    client: TestClient,
) -> None:
    at, shop = _held_payment(client)
    held = client.get(at)
    assert held.status_code == 200
    well_formed(held.text)
    shown = text_of(held.text)
    assert "付款等待确认" in shown and "需要验证" in shown and REASON["zh"] in shown
    assert "小明咖啡" in shown and "¥25.00" in shown and "付款成功" not in shown
    assert balance_of(client, "xiaoming") == "75.00", "set aside"
    assert wallet(client, "xiaoming")["balance"] == "100.00", "but not taken"
    assert _shop_paid(client, shop) == 0
    code_form = _CODE_FORM.search(held.text)
    assert code_form is not None and _CANCEL_FORM.search(held.text) is not None
    security = client.get("/security").text  # the security page lists it, by the shop's name
    assert "小明咖啡" in text_of(security) and f'href="{at}"' in security
    form = {"csrf": csrf_of(held.text), "transfer_id": at.rsplit("/", 1)[1]}

    code = texted_code(client)
    not_it = "111111" if code == "000000" else "000000"
    wrong = client.post(code_form.group(1), data={**form, "code": not_it})
    assert wrong.status_code == 422 and 'id="f-code-error"' in wrong.text
    assert "验证码不对" in text_of(wrong.text) and 'name="code"' in wrong.text
    assert _shop_paid(client, shop) == 0

    right = client.post(code_form.group(1), data={**form, "code": code}, follow_redirects=False)
    assert right.status_code == 303 and right.headers["location"] == at
    done = client.get(at).text
    assert "已向 小明咖啡 付款 ¥25.00" in text_of(done) and 'name="code"' not in done
    assert wallet(client, "xiaoming")["balance"] == "75.00"
    assert _shop_paid(client, shop) == 2500


def test_cancelling_a_held_shop_payment_gives_the_money_back(client: TestClient) -> None:
    at, shop = _held_payment(client)
    held = client.get(at).text
    cancel = _CANCEL_FORM.search(held)
    assert cancel is not None
    answer = client.post(cancel.group(1), data={
        "csrf": csrf_of(held), "transfer_id": at.rsplit("/", 1)[1],
    }, follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == at
    ended = client.get(at)
    well_formed(ended.text)
    shown = text_of(ended.text)
    assert "付款未成功" in shown and "您已取消" in shown and "退回" in shown
    assert _CANCEL_FORM.search(ended.text) is None
    assert balance_of(client, "xiaoming") == "100.00"
    assert _shop_paid(client, shop) == 0


@pytest.mark.parametrize("elder", ["0", "1"])
def test_a_shop_payment_under_review_says_so_in_english_without_a_code_form(
    client: TestClient, elder: str
) -> None:
    sign_up(browser(client), "laoban", "老板")
    shop = open_merchant(client, "laoban", "Corner Cafe")
    sign_up(client, "xiaoming", "小明")
    fund(client, "xiaoming", "100.00")
    in_english(client, elder)
    review_everything(client)
    code = merchant_qr(client, "laoban", shop["id"], "25.00")
    confirm = form_on(client, "/pay/qr", "/pay/qr", {"qr": code, "amount": ""})
    paid = submit(client, confirm.text, "/pay/qr/confirm")
    assert paid.status_code == 303, paid.text
    shown = under_review(client.get(paid.headers["location"]), elder, _CANCEL_FORM, "qrpay")
    assert "Corner Cafe" in shown and "¥25.00" in shown
    assert balance_of(client, "xiaoming") == "75.00"
